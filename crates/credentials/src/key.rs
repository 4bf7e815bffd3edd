//! The master key: 32 random bytes from `SYNCAUT_MASTER_KEY` (base64) or a key file
//! created on first use with mode 0600.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::VaultError;

/// Environment variable holding the master key, base64 of 32 bytes.
pub const MASTER_KEY_ENV: &str = "SYNCAUT_MASTER_KEY";

/// File name of the master key inside the data directory.
pub const KEY_FILE: &str = "master.key";

/// The vault's master key. Zeroized when dropped; never printed.
#[derive(Clone)]
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id {})", self.id())
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, VaultError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|e| VaultError::Random(e.to_string()))?;
        Ok(Self { bytes })
    }

    /// A key from base64 text (as in `SYNCAUT_MASTER_KEY` or the key file).
    pub fn from_base64(text: &str, origin: &str) -> Result<Self, VaultError> {
        let mut decoded = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| VaultError::InvalidKey(origin.to_owned()))?,
        );
        if decoded.len() != 32 {
            decoded.zeroize();
            return Err(VaultError::InvalidKey(origin.to_owned()));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&decoded);
        Ok(Self { bytes })
    }

    /// The key as base64 text.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.bytes.as_slice()))
    }

    /// The raw key, for the cipher.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// A short public fingerprint, stored beside each record so a wrong key is told apart
    /// from a damaged record. It reveals nothing usable about the key.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"syncaut-master-key-id-v1")
            .chain_update(self.bytes.as_slice())
            .finalize();
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Where the key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Given directly (tests, or `SYNCAUT_MASTER_KEY` read by the caller).
    Key(MasterKey),
    /// The key file in the data directory, created on first use.
    File(PathBuf),
}

impl KeySource {
    /// `SYNCAUT_MASTER_KEY` when set, otherwise `<data_dir>/master.key`. A variable that is
    /// set but empty is an error, not a reason to create a new key file.
    pub fn from_env(data_dir: &Path) -> Result<Self, VaultError> {
        match std::env::var(MASTER_KEY_ENV) {
            Ok(text) if text.trim().is_empty() => Err(VaultError::InvalidKey(format!(
                "{MASTER_KEY_ENV} (it is set but empty: set it to your key, or unset it to use {KEY_FILE} in the data directory)"
            ))),
            Ok(text) => Ok(Self::Key(MasterKey::from_base64(&text, MASTER_KEY_ENV)?)),
            Err(std::env::VarError::NotUnicode(_)) => Err(VaultError::InvalidKey(MASTER_KEY_ENV.to_owned())),
            Err(std::env::VarError::NotPresent) => Ok(Self::File(data_dir.join(KEY_FILE))),
        }
    }
}

/// Reads the key file, or creates it (mode 0600) when it does not exist. Creation is
/// atomic: the key is written to a private temporary file and linked into place, so two
/// processes starting at once agree on one key and nobody reads half a key.
pub(crate) fn load_or_create(path: &Path) -> Result<MasterKey, VaultError> {
    if let Some(key) = read_key_file(path)? {
        return Ok(key);
    }
    let key = MasterKey::generate()?;
    let temp = path.with_extension(format!("tmp.{}", std::process::id()));
    write_private(&temp, &key)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path)?
            .ok_or_else(|| VaultError::Io(format!("{} vanished while being created", path.display()))),
        Err(e) => Err(VaultError::Io(format!(
            "cannot create the key file {}: {e}",
            path.display()
        ))),
    }
}

pub(crate) fn read_key_file(path: &Path) -> Result<Option<MasterKey>, VaultError> {
    match fs::metadata(path) {
        Ok(meta) => check_private(path, &meta, "the key file", 0o600)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => {}
    }
    match fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            MasterKey::from_base64(&text, &path.display().to_string()).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(VaultError::Io(format!(
            "cannot read the key file {}: {e}",
            path.display()
        ))),
    }
}

/// Refuses a file or directory that users other than the owner can read or change.
pub(crate) fn check_private(path: &Path, meta: &fs::Metadata, what: &'static str, fix: u32) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(VaultError::Exposed {
                what,
                path: path.display().to_string(),
                mode,
                fix,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta, what, fix);
    Ok(())
}

/// Where a rotation writes the new key before the database uses it: a fresh name per
/// rotation, beside the key file, found again by [`pending_keys`].
pub(crate) fn pending_path(key_path: &Path) -> Result<PathBuf, VaultError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Random(e.to_string()))?;
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(key_path.with_file_name(format!("{}{suffix}", pending_prefix(key_path))))
}

fn pending_prefix(key_path: &Path) -> String {
    let name = key_path
        .file_name()
        .map_or_else(|| KEY_FILE.into(), |n| n.to_string_lossy().into_owned());
    format!("{name}.next-")
}

/// The new keys of rotations that did not finish.
pub(crate) fn pending_keys(key_path: &Path) -> Result<Vec<PathBuf>, VaultError> {
    let Some(dir) = key_path.parent() else {
        return Ok(Vec::new());
    };
    let prefix = pending_prefix(key_path);
    let entries = fs::read_dir(dir).map_err(|e| VaultError::Io(format!("cannot list {}: {e}", dir.display())))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    Ok(found)
}

/// Writes a key to a new file readable by the owner only, and syncs it to disk.
pub(crate) fn write_private(path: &Path, key: &MasterKey) -> Result<(), VaultError> {
    let io = |e: std::io::Error| VaultError::Io(format!("cannot write the key file {}: {e}", path.display()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    let mut text = key.to_base64();
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let first = load_or_create(&path).unwrap();
        let second = load_or_create(&path).unwrap();
        assert_eq!(first.id(), second.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_chmod_to_run() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        load_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert_eq!(err.code(), "insecure_permissions");
        assert_eq!(
            err.to_string(),
            format!(
                "the key file {0} can be read or changed by other users (mode 644); run `chmod 600 {0}` and try again",
                path.display()
            )
        );
    }

    #[test]
    fn pending_keys_have_fresh_names_and_are_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let (a, b) = (pending_path(&path).unwrap(), pending_path(&path).unwrap());
        assert_ne!(a, b);
        write_private(&a, &MasterKey::generate().unwrap()).unwrap();
        write_private(&b, &MasterKey::generate().unwrap()).unwrap();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(pending_keys(&path).unwrap(), expected);
    }

    #[test]
    fn a_key_must_be_base64_of_32_bytes() {
        assert_eq!(
            MasterKey::from_base64("not base64!", "X").unwrap_err().code(),
            "invalid_master_key"
        );
        assert_eq!(
            MasterKey::from_base64(&BASE64.encode([1u8; 16]), "X")
                .unwrap_err()
                .code(),
            "invalid_master_key"
        );
        let key = MasterKey::from_base64(&BASE64.encode([7u8; 32]), "X").unwrap();
        assert_eq!(*key.to_base64(), BASE64.encode([7u8; 32]));
        assert!(!format!("{key:?}").contains(&BASE64.encode([7u8; 32])));
    }
}

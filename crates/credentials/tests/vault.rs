//! The vault end to end on real files: secrecy at rest, integrity, keys and crashes.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};
use syncaut_credentials::{
    CredentialInfo, DB_FILE, DEFAULT_WORKSPACE, KEY_FILE, KeySource, MasterKey, Vault, VaultError,
};

/// The vault driven synchronously, on a runtime of its own, as these tests read best
/// (several run it from plain threads and child processes).
struct Opened {
    runtime: tokio::runtime::Runtime,
    vault: Vault,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.vault.fmt(f)
    }
}

/// Closes the database before the runtime goes, so that no connection outlives the test
/// step that opened it (a closing connection still writes to the file).
impl Drop for Opened {
    fn drop(&mut self) {
        self.runtime.block_on(self.vault.close());
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn open(dir: &Path, source: KeySource) -> Result<Opened, VaultError> {
    let runtime = runtime();
    let vault = runtime.block_on(Vault::open(dir, source))?;
    Ok(Opened { runtime, vault })
}

impl Opened {
    fn add(&mut self, workspace: &str, name: &str, token: &SecretString) -> Result<CredentialInfo, VaultError> {
        self.runtime.block_on(self.vault.add(workspace, name, token))
    }
    fn list(&self, workspace: &str) -> Result<Vec<CredentialInfo>, VaultError> {
        self.runtime.block_on(self.vault.list(workspace))
    }
    fn remove(&mut self, workspace: &str, name: &str) -> Result<(), VaultError> {
        self.runtime.block_on(self.vault.remove(workspace, name))
    }
    fn replace_token(
        &mut self,
        workspace: &str,
        name: &str,
        token: &SecretString,
    ) -> Result<CredentialInfo, VaultError> {
        self.runtime.block_on(self.vault.replace_token(workspace, name, token))
    }
    fn token(&self, workspace: &str, name: &str) -> Result<SecretString, VaultError> {
        self.runtime.block_on(self.vault.token(workspace, name))
    }
    fn rotate_master_key(&mut self, key: MasterKey) -> Result<usize, VaultError> {
        self.runtime.block_on(self.vault.rotate_master_key(key))
    }
    fn key_id(&self) -> String {
        self.vault.key_id()
    }
}

/// Runs SQL on a database file directly (to damage or inspect it), binding `blob` if
/// given; returns the first column of the first row when the statement selects one.
fn sql(path: &Path, statement: &'static str, blob: Option<Vec<u8>>) -> Option<Vec<u8>> {
    use sqlx::Row;
    runtime().block_on(async {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mut query = sqlx::query(statement);
        if let Some(blob) = blob {
            query = query.bind(blob);
        }
        let row = query.fetch_optional(&pool).await.unwrap();
        let value = row.and_then(|r| r.try_get::<Vec<u8>, _>(0).ok());
        pool.close().await;
        value
    })
}

const SENTINEL: &str = "SENTINEL-vault-token-8c1d2f";

/// A temporary data directory only its owner can reach, as the vault requires.
fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

fn file_key(dir: &Path) -> KeySource {
    KeySource::File(dir.join(KEY_FILE))
}

fn token(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// Every file of the database (main, WAL, shared memory), as bytes.
fn database_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let path = dir.join(format!("{DB_FILE}{suffix}"));
            std::fs::read(&path).ok().map(|b| (path.display().to_string(), b))
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn tokens_round_trip_and_never_sit_in_the_database_files() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    let info = vault
        .add(DEFAULT_WORKSPACE, "Client Store — BigCommerce", &token(SENTINEL))
        .unwrap();
    vault
        .add(DEFAULT_WORKSPACE, "Second", &token(&format!("{SENTINEL}-2")))
        .unwrap();
    assert_eq!(info.kind, "bigcommerce");
    assert_eq!(
        vault
            .token(DEFAULT_WORKSPACE, "Client Store — BigCommerce")
            .unwrap()
            .expose_secret(),
        SENTINEL
    );
    let files = database_bytes(dir.path());
    assert!(
        files.len() >= 2,
        "expected the main file and the WAL: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        assert!(!contains(bytes, SENTINEL.as_bytes()), "the token is readable in {path}");
        assert!(!contains(bytes, b"8c1d2f"), "part of the token is readable in {path}");
    }
    let listed = format!("{:?} {vault:?}", vault.list(DEFAULT_WORKSPACE).unwrap());
    assert!(!listed.contains(SENTINEL));
    assert!(listed.contains("Client Store — BigCommerce"));
}

#[test]
fn names_are_unique_per_workspace_and_removal_is_final() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    vault.add("default", "shop", &token("a")).unwrap();
    assert_eq!(
        vault.add("default", "shop", &token("b")).unwrap_err().code(),
        "credential_exists"
    );
    vault.add("agency", "shop", &token("c")).unwrap();
    assert_eq!(vault.token("agency", "shop").unwrap().expose_secret(), "c");
    vault.remove("default", "shop").unwrap();
    let err = vault.token("default", "shop").unwrap_err();
    assert_eq!(err.code(), "credential_not_found");
    assert_eq!(
        vault.remove("default", "shop").unwrap_err().code(),
        "credential_not_found"
    );
    assert_eq!(
        vault.add("default", "", &token("x")).unwrap_err().code(),
        "invalid_credential_name"
    );
    assert_eq!(
        vault.add("default", "empty", &token("  ")).unwrap_err().code(),
        "empty_token"
    );
}

#[test]
fn replacing_a_token_keeps_the_record() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    let before = vault.add("default", "shop", &token("old")).unwrap();
    let after = vault.replace_token("default", "shop", &token("new")).unwrap();
    assert_eq!(before.id, after.id);
    assert_eq!(vault.token("default", "shop").unwrap().expose_secret(), "new");
}

#[test]
fn a_wrong_master_key_is_refused_clearly() {
    let dir = private_dir();
    open(dir.path(), file_key(dir.path()))
        .unwrap()
        .add("default", "shop", &token(SENTINEL))
        .unwrap();
    let other = open(dir.path(), KeySource::Key(MasterKey::generate().unwrap())).unwrap();
    let err = other.token("default", "shop").unwrap_err();
    assert_eq!(err.code(), "wrong_master_key");
    assert!(
        err.to_string().contains("were sealed with a different master key"),
        "{err}"
    );
    assert!(!err.to_string().contains(SENTINEL));
}

#[test]
fn tampered_or_moved_ciphertext_is_rejected() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    vault.add("default", "a", &token("token-a")).unwrap();
    vault.add("default", "b", &token("token-b")).unwrap();
    let db = dir.path().join(DB_FILE);
    // Move a's sealed token onto b: the associated data (b's id) no longer matches.
    sql(
        &db,
        "UPDATE credentials SET nonce = (SELECT nonce FROM credentials WHERE name = 'a'), ciphertext = (SELECT ciphertext FROM credentials WHERE name = 'a') WHERE name = 'b'",
        None,
    );
    assert_eq!(vault.token("default", "b").unwrap_err().code(), "credential_tampered");
    // Flip one bit of a's ciphertext.
    let mut sealed = sql(&db, "SELECT ciphertext FROM credentials WHERE name = 'a'", None).unwrap();
    sealed[0] ^= 1;
    sql(
        &db,
        "UPDATE credentials SET ciphertext = ?1 WHERE name = 'a'",
        Some(sealed),
    );
    let err = vault.token("default", "a").unwrap_err();
    assert_eq!(err.code(), "credential_tampered");
    assert!(err.to_string().contains("failed its integrity check"));
}

#[test]
fn a_corrupt_database_is_an_error_not_a_panic() {
    let dir = private_dir();
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is not a database, just forty-odd bytes of text....",
    )
    .unwrap();
    let err = open(dir.path(), file_key(dir.path())).unwrap_err();
    assert_eq!(err.code(), "vault_corrupt");
    assert!(
        err.to_string().contains("is damaged or is not a Syncaut vault"),
        "{err}"
    );
    let other = private_dir();
    sql(&other.path().join(DB_FILE), "CREATE TABLE unrelated (x INTEGER)", None);
    assert_eq!(
        open(other.path(), file_key(other.path())).unwrap_err().code(),
        "vault_corrupt"
    );
}

#[test]
fn rotating_the_master_key_reseals_everything() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    vault.add("default", "a", &token("token-a")).unwrap();
    vault.add("other", "b", &token("token-b")).unwrap();
    let old_key = std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
    let new_key = MasterKey::generate().unwrap();
    assert_eq!(vault.rotate_master_key(new_key.clone()).unwrap(), 2);
    assert_eq!(vault.token("other", "b").unwrap().expose_secret(), "token-b");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap().trim(),
        new_key.to_base64().as_str()
    );
    drop(vault);
    let reopened = open(dir.path(), file_key(dir.path())).unwrap();
    assert_eq!(reopened.token("default", "a").unwrap().expose_secret(), "token-a");
    let old = open(
        dir.path(),
        KeySource::Key(MasterKey::from_base64(&old_key, "old").unwrap()),
    )
    .unwrap();
    assert_eq!(old.token("default", "a").unwrap_err().code(), "wrong_master_key");
}

/// Run only as a child of `a_killed_writer_loses_nothing_it_committed`: adds credentials
/// forever, printing each name once its transaction has committed.
#[test]
#[ignore = "child process of a_killed_writer_loses_nothing_it_committed"]
fn child_adds_until_killed() {
    let Some(dir) = std::env::var_os("SYNCAUT_TEST_VAULT_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let mut vault = open(dir, KeySource::File(dir.join(KEY_FILE))).unwrap();
    for i in 0.. {
        let name = format!("cred-{i}");
        vault.add("default", &name, &token(&format!("token-{i}"))).unwrap();
        println!("{name}");
    }
}

#[test]
fn a_killed_writer_loses_nothing_it_committed() {
    let dir = private_dir();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_adds_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SYNCAUT_TEST_VAULT_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut buffer = [0u8; 4096];
    let complete = |text: &str| -> Vec<String> {
        text.split_inclusive('\n')
            .filter(|l| l.ends_with('\n') && l.starts_with("cred-"))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    while complete(&seen).len() < 40 && std::time::Instant::now() < deadline {
        let n = std::io::Read::read(&mut stdout, &mut buffer).unwrap();
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let committed = complete(&seen);
    assert!(
        committed.len() >= 40,
        "the child committed too little before the kill: {}",
        committed.len()
    );

    let vault = open(dir.path(), file_key(dir.path())).unwrap();
    let check = sql(&dir.path().join(DB_FILE), "PRAGMA integrity_check", None);
    assert_eq!(check.as_deref(), Some(&b"ok"[..]));
    for name in &committed {
        let i = name.trim_start_matches("cred-");
        assert_eq!(
            vault.token("default", name).unwrap().expose_secret(),
            format!("token-{i}"),
            "{name} was lost"
        );
    }
}

/// Every credential the test added is there with its token.
fn assert_all_readable(dir: &Path, count: usize) {
    let vault = open(dir, file_key(dir)).unwrap();
    for i in 0..count {
        let name = format!("c{i}");
        assert_eq!(
            vault.token("default", &name).unwrap().expose_secret(),
            format!("token-{i}"),
            "{name}"
        );
    }
}

/// Two rotations and an add at once, 120 times over (threads, each with its own vault
/// and so its own lock handle): nothing is lost and every credential stays readable.
#[test]
fn concurrent_rotations_and_adds_lose_nothing() {
    let dir = private_dir();
    let path = dir.path().to_owned();
    open(&path, file_key(&path)).unwrap();
    let mut added = 0;
    for round in 0..120 {
        let rotators: Vec<_> = (0..2)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut vault = open(&path, file_key(&path)).unwrap();
                    vault.rotate_master_key(MasterKey::generate().unwrap()).unwrap();
                })
            })
            .collect();
        let adder = {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut vault = open(&path, file_key(&path)).unwrap();
                vault
                    .add("default", &format!("c{round}"), &token(&format!("token-{round}")))
                    .unwrap();
            })
        };
        for handle in rotators.into_iter().chain([adder]) {
            handle.join().unwrap();
        }
        added += 1;
        assert_all_readable(&path, added);
    }
}

/// A user sits at the token prompt (the vault is open, its key loaded) while another
/// command rotates the key: the add that follows seals with the new key.
#[test]
fn an_add_after_another_commands_rotation_uses_the_new_key() {
    let dir = private_dir();
    let mut waiting = open(dir.path(), file_key(dir.path())).unwrap();
    let mut other = open(dir.path(), file_key(dir.path())).unwrap();
    other.add("default", "first", &token("token-first")).unwrap();
    other.rotate_master_key(MasterKey::generate().unwrap()).unwrap();
    waiting.add("default", "second", &token("token-second")).unwrap();
    let reopened = open(dir.path(), file_key(dir.path())).unwrap();
    assert_eq!(
        reopened.token("default", "first").unwrap().expose_secret(),
        "token-first"
    );
    assert_eq!(
        reopened.token("default", "second").unwrap().expose_secret(),
        "token-second"
    );
    assert_eq!(
        waiting.token("default", "first").unwrap().expose_secret(),
        "token-first"
    );
}

/// With the key from the environment, a key that no longer matches the records is
/// refused instead of sealing a record nobody can open.
#[test]
fn an_add_with_a_stale_environment_key_is_refused() {
    let dir = private_dir();
    let old = MasterKey::generate().unwrap();
    let mut stale = open(dir.path(), KeySource::Key(old.clone())).unwrap();
    let mut rotating = open(dir.path(), KeySource::Key(old)).unwrap();
    rotating.add("default", "a", &token("token-a")).unwrap();
    rotating.rotate_master_key(MasterKey::generate().unwrap()).unwrap();
    assert_eq!(
        stale.add("default", "b", &token("token-b")).unwrap_err().code(),
        "wrong_master_key"
    );
}

fn pending_key_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("master.key.next-"))
        .collect()
}

/// A rotation that committed but did not move its key into place is finished when the
/// vault is next opened; one that did not commit leaves the old key in place.
#[test]
fn interrupted_rotations_are_finished_or_dropped_on_open() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    vault.add("default", "a", &token("token-a")).unwrap();
    // Not committed: a stray new key beside the key file.
    let stray = dir.path().join("master.key.next-00aa");
    std::fs::write(
        &stray,
        format!("{}\n", MasterKey::generate().unwrap().to_base64().as_str()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stray, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    drop(vault);
    let vault = open(dir.path(), file_key(dir.path())).unwrap();
    assert!(pending_key_files(dir.path()).is_empty());
    assert_eq!(vault.token("default", "a").unwrap().expose_secret(), "token-a");
    // Committed: the records use the new key, which only the pending file holds.
    let new_key = MasterKey::generate().unwrap();
    let mut env_vault = open(
        dir.path(),
        KeySource::Key(
            MasterKey::from_base64(&std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap(), "k").unwrap(),
        ),
    )
    .unwrap();
    env_vault.rotate_master_key(new_key.clone()).unwrap();
    let pending = dir.path().join("master.key.next-00bb");
    std::fs::write(&pending, format!("{}\n", new_key.to_base64().as_str())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pending, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let vault = open(dir.path(), file_key(dir.path())).unwrap();
    assert!(pending_key_files(dir.path()).is_empty());
    assert_eq!(vault.token("default", "a").unwrap().expose_secret(), "token-a");
    assert_eq!(vault.key_id(), new_key.id());
}

/// When the database cannot say which key it uses, recovery deletes nothing: the pending
/// key may be the only copy of the key the records are sealed with.
#[test]
fn recovery_never_deletes_a_pending_key_it_cannot_check() {
    let dir = private_dir();
    open(dir.path(), file_key(dir.path())).unwrap();
    let pending = dir.path().join("master.key.next-00cc");
    std::fs::write(
        &pending,
        format!("{}\n", MasterKey::generate().unwrap().to_base64().as_str()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pending, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is not a database at all, not even close!",
    )
    .unwrap();
    let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}-wal")));
    let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}-shm")));
    assert!(open(dir.path(), file_key(dir.path())).is_err());
    assert!(pending.exists(), "the pending key must survive");
}

#[cfg(unix)]
#[test]
fn files_are_private_and_a_reachable_data_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    vault.add("default", "a", &token("token-a")).unwrap();
    for file in [DB_FILE, KEY_FILE, "vault.lock"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    drop(vault);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = open(dir.path(), file_key(dir.path())).unwrap_err();
    assert_eq!(err.code(), "insecure_permissions");
    assert!(
        err.to_string()
            .ends_with(&format!("run `chmod 700 {}` and try again", dir.path().display())),
        "{err}"
    );
}

#[test]
fn a_token_that_can_never_be_sent_is_refused_in_the_docs_words() {
    let dir = private_dir();
    let mut vault = open(dir.path(), file_key(dir.path())).unwrap();
    for bad in ["SENTINEL\nsecond line", "SENTINEL\u{1b}[31m", "SENTINEL with space"] {
        let err = vault.add("default", "a", &token(bad)).unwrap_err();
        assert_eq!(err.code(), "invalid_access_token");
        assert!(err.to_string().starts_with("Invalid Access Token: "), "{err}");
        assert!(!err.to_string().contains("SENTINEL"));
    }
    vault.add("default", "a", &token("  fine-token\n")).unwrap();
    assert_eq!(vault.token("default", "a").unwrap().expose_secret(), "  fine-token\n");
}

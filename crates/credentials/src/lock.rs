//! One lock across processes for everything that writes: `vault.lock` in the data
//! directory, held with the operating system's file lock (released when the process ends,
//! however it ends).

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::Duration;

use crate::VaultError;

/// File name of the lock inside the data directory.
pub const LOCK_FILE: &str = "vault.lock";

/// How long a command waits for another to finish before saying the vault is busy.
const WAIT: Duration = Duration::from_secs(60);

/// The held lock; released when dropped.
pub(crate) struct VaultLock {
    _file: File,
}

/// Takes the data directory's lock, waiting up to a minute for another command.
pub(crate) async fn lock(dir: &Path) -> Result<VaultLock, VaultError> {
    let path = dir.join(LOCK_FILE);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| VaultError::Io(format!("cannot open the lock file {}: {e}", path.display())))?;
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(VaultLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(VaultError::Busy(dir.display().to_string())),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(VaultError::Io(format!("cannot lock {}: {e}", path.display())));
            }
        }
    }
}

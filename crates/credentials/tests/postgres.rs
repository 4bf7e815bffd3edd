//! The vault in PostgreSQL, as servers and workers on several machines share it: sealed
//! tokens in the database, the key with each process. Needs `SYNCAUT_TEST_POSTGRES` (a
//! role that may create databases; `.ci/run` sets it); outside CI, without it, skipped.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use secrecy::{ExposeSecret, SecretString};
use syncaut_credentials::{DEFAULT_WORKSPACE, KeySource, MasterKey, Vault, VaultError};

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql").args([url, "-qAtc", sql]).output().unwrap();
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn two_processes_share_sealed_tokens_and_only_the_key_opens_them() {
    let Ok(admin) = std::env::var("SYNCAUT_TEST_POSTGRES") else {
        assert!(std::env::var("CI").is_err(), "CI must run the PostgreSQL tests");
        eprintln!("SKIPPED PostgreSQL vault test: SYNCAUT_TEST_POSTGRES is not set");
        return;
    };
    let name = format!("syncaut_vault_{}", std::process::id());
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    psql(&admin, &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let key = MasterKey::generate().unwrap();
    let (here, there) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&here, &there] {
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    let sentinel = "SENTINEL-pg-vault-token-51c9";

    let mut server = Vault::connect(here.path(), &url, KeySource::Key(key.clone()))
        .await
        .unwrap();
    server
        .add(DEFAULT_WORKSPACE, "Client Store", &SecretString::from(sentinel))
        .await
        .unwrap();
    assert!(matches!(
        server
            .add(DEFAULT_WORKSPACE, "Client Store", &SecretString::from(sentinel))
            .await,
        Err(VaultError::AlreadyExists(_))
    ));
    // Another process, with its own data directory and the same key, reads the token.
    let worker = Vault::connect(there.path(), &url, KeySource::Key(key.clone()))
        .await
        .unwrap();
    let token = worker.token(DEFAULT_WORKSPACE, "Client Store").await.unwrap();
    assert_eq!(token.expose_secret(), sentinel);
    assert_eq!(worker.list(DEFAULT_WORKSPACE).await.unwrap().len(), 1);
    // The database holds no token in the clear, and no key.
    let dump = psql(
        &url,
        "SELECT string_agg(encode(ciphertext, 'escape'), '') || string_agg(name, '') FROM credentials",
    );
    assert!(!dump.contains(sentinel));
    let meta = psql(&url, "SELECT string_agg(key || '=' || value, ',') FROM meta");
    assert!(meta.starts_with("key_id="), "{meta}");
    // Another key cannot open it.
    let stranger = Vault::connect(there.path(), &url, KeySource::Key(MasterKey::generate().unwrap()))
        .await
        .unwrap();
    assert!(matches!(
        stranger.token(DEFAULT_WORKSPACE, "Client Store").await,
        Err(VaultError::WrongKey { .. })
    ));
    // Replace, rotate and remove work as on SQLite.
    server
        .replace_token(DEFAULT_WORKSPACE, "Client Store", &SecretString::from("second-token"))
        .await
        .unwrap();
    let new_key = MasterKey::generate().unwrap();
    assert_eq!(server.rotate_master_key(new_key.clone()).await.unwrap(), 1);
    let rotated = Vault::connect(there.path(), &url, KeySource::Key(new_key))
        .await
        .unwrap();
    assert_eq!(
        rotated
            .token(DEFAULT_WORKSPACE, "Client Store")
            .await
            .unwrap()
            .expose_secret(),
        "second-token"
    );
    server.remove(DEFAULT_WORKSPACE, "Client Store").await.unwrap();
    assert!(rotated.list(DEFAULT_WORKSPACE).await.unwrap().is_empty());
    for vault in [&server, &worker, &stranger, &rotated] {
        vault.close().await;
    }
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

//! Sealing tokens: XChaCha20-Poly1305 under the master key, a fresh random 24-byte nonce
//! per write, and the record's identity (id, workspace, type) as associated data, so a
//! sealed token cannot be moved to another record.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::{MasterKey, VaultError};

/// The associated data that binds a sealed token to its record.
pub(crate) fn associated_data(id: &str, workspace: &str, kind: &str) -> Vec<u8> {
    format!("syncaut-credential-v1\u{0}{id}\u{0}{workspace}\u{0}{kind}").into_bytes()
}

/// A sealed token.
pub(crate) struct Sealed {
    pub(crate) nonce: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
}

pub(crate) fn seal(key: &MasterKey, aad: &[u8], token: &SecretString) -> Result<Sealed, VaultError> {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
    let payload = Payload {
        msg: token.expose_secret().as_bytes(),
        aad,
    };
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), payload)
        .map_err(|_| VaultError::Database("encryption failed".into()))?;
    Ok(Sealed {
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Opens a sealed token; any failure means the record was altered, moved or damaged.
pub(crate) fn open(
    key: &MasterKey,
    aad: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    name: &str,
) -> Result<SecretString, VaultError> {
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| VaultError::Tampered(name.to_owned()))?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad })
            .map_err(|_| VaultError::Tampered(name.to_owned()))?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| VaultError::Tampered(name.to_owned()))?;
    Ok(SecretString::from(text.to_owned()))
}

//! Server text made safe to show: the token removed in every form a server might echo it
//! (as sent, JSON-escaped, percent-encoded, base64 at any alignment), and control and
//! escape characters neutralised before they reach a terminal.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use bigcommerce_api::{ExposeSecret, SecretString};
use memchr::memmem;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// What replaces a token.
pub(crate) const REDACTED: &str = "[redacted]";

/// Tokens shorter than this are not searched for: they would match ordinary text.
const MIN_TOKEN: usize = 8;

/// The forms of one token that a server might echo.
pub(crate) struct Redactor {
    patterns: Vec<Vec<u8>>,
}

impl Redactor {
    /// The forms of `token`.
    pub(crate) fn new(token: &SecretString) -> Self {
        let token = token.expose_secret().trim();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        if token.len() >= MIN_TOKEN {
            patterns.push(token.as_bytes().to_vec());
            let escaped = serde_json::to_string(token).unwrap_or_default();
            patterns.push(escaped.trim_matches('"').as_bytes().to_vec());
            patterns.push(utf8_percent_encode(token, NON_ALPHANUMERIC).to_string().into_bytes());
            patterns.push(form_urlencoded(token).into_bytes());
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                // Base64 of the token inside a longer encoded text depends on where it
                // starts: encode it at each of the three alignments and keep the part that
                // depends on the token alone.
                for offset in 0..3usize {
                    let mut bytes = vec![0u8; offset];
                    bytes.extend_from_slice(token.as_bytes());
                    let encoded = engine.encode(&bytes);
                    let skip = (offset * 4).div_ceil(3);
                    let keep = (bytes.len() / 3) * 4;
                    if keep > skip + MIN_TOKEN {
                        patterns.push(encoded.as_bytes()[skip..keep].to_vec());
                    }
                }
            }
        }
        patterns.sort();
        patterns.dedup();
        // Longest first, so a longer form is replaced before a shorter one inside it.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Self { patterns }
    }

    /// Whether `bytes` hold the token in any form.
    pub(crate) fn finds(&self, bytes: &[u8]) -> bool {
        self.patterns.iter().any(|p| memmem::find(bytes, p).is_some())
    }

    /// `bytes` with every form of the token replaced.
    pub(crate) fn bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.finds(bytes) {
            return Cow::Borrowed(bytes);
        }
        let mut current = bytes.to_vec();
        for pattern in &self.patterns {
            if memmem::find(&current, pattern).is_none() {
                continue;
            }
            let mut replaced = Vec::with_capacity(current.len());
            let mut rest = current.as_slice();
            while let Some(at) = memmem::find(rest, pattern) {
                replaced.extend_from_slice(&rest[..at]);
                replaced.extend_from_slice(REDACTED.as_bytes());
                rest = &rest[at + pattern.len()..];
            }
            replaced.extend_from_slice(rest);
            current = replaced;
        }
        Cow::Owned(current)
    }

    /// `text` with every form of the token replaced.
    pub(crate) fn text(&self, text: &str) -> String {
        match self.bytes(text.as_bytes()) {
            Cow::Borrowed(_) => text.to_owned(),
            Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// `application/x-www-form-urlencoded`: spaces as `+`.
fn form_urlencoded(text: &str) -> String {
    text.split(' ')
        .map(|part| utf8_percent_encode(part, NON_ALPHANUMERIC).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

/// Text from a server, safe for a terminal: control characters (escape sequences, line
/// breaks, bells) and bidirectional overrides become `?`.
pub(crate) fn neutralise(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
            if c.is_control() || bidi { '?' } else { c }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    const TOKEN: &str = "SENTINEL-tok/7f3a+9c=";

    #[test]
    fn every_echoed_form_of_the_token_is_replaced() {
        let redactor = Redactor::new(&SecretString::from(TOKEN));
        let percent = utf8_percent_encode(TOKEN, NON_ALPHANUMERIC).to_string();
        let escaped = serde_json::to_string(TOKEN).unwrap();
        let mut echoes = vec![
            format!("token {TOKEN} refused"),
            format!("url ?t={percent}&x=1"),
            format!("json {escaped}"),
        ];
        for prefix in ["", "a", "ab", "abc", "user:"] {
            echoes.push(format!("Basic {}", STANDARD.encode(format!("{prefix}{TOKEN}"))));
            echoes.push(format!("b64 {}", URL_SAFE_NO_PAD.encode(format!("{prefix}{TOKEN}..."))));
        }
        for echo in echoes {
            let clean = redactor.text(&echo);
            assert!(clean.contains(REDACTED), "{echo} → {clean}");
            assert!(!clean.contains("SENTINEL"), "{clean}");
            assert!(!redactor.finds(clean.as_bytes()), "{clean}");
        }
        assert_eq!(redactor.text("nothing here"), "nothing here");
    }

    #[test]
    fn short_tokens_are_not_searched_for() {
        assert_eq!(Redactor::new(&SecretString::from("ab")).text("abab"), "abab");
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_neutralised() {
        assert_eq!(neutralise("ok\u{1b}[2J\r\nbell\u{7}\u{202E}x"), "ok?[2J??bell??x");
        assert_eq!(neutralise("café — fine"), "café — fine");
    }
}

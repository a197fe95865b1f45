//! Access tokens as both sides see them.
//!
//! A token is `qjt_` and 64 hex digits (256 random bits). The server keeps
//! only its SHA-256; the first 16 hex digits of that hash are the token's
//! public id (what `token list` and the audit show), and the device's samod
//! peer id is `qunjian-<id>`. Deriving the peer id from the token lets a
//! device open its replica with the right identity before it has ever
//! reached the server, and lets the server bind a connection to that peer
//! id (samod's `with_expected_peer_id`) without a second secret.

use sha2::{Digest, Sha256};

/// What every token starts with, so a token pasted in the wrong place is
/// recognisable (and secret scanners can find one in a log).
pub const PREFIX: &str = "qjt_";

/// Hex digits of randomness after the prefix.
const SECRET_HEX: usize = 64;

/// Hex digits of the hash that make the public id.
const ID_HEX: usize = 16;

/// Why a string is not a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    /// Empty, or only spaces.
    #[error("令牌为空 (the token is empty)")]
    Empty,
    /// Not `qjt_` followed by 64 hex digits.
    #[error(
        "令牌格式不对：应为 qjt_ 加 64 位十六进制 (a token is qjt_ and 64 hex digits, as `qunjian-server token create` prints it)"
    )]
    Malformed,
}

/// Check a token's shape (not whether the server knows it).
pub fn check_format(token: &str) -> Result<(), TokenFormatError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenFormatError::Empty);
    }
    let secret = token
        .strip_prefix(PREFIX)
        .ok_or(TokenFormatError::Malformed)?;
    if secret.len() == SECRET_HEX && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(TokenFormatError::Malformed)
    }
}

/// A token from 32 random bytes.
pub fn from_random(bytes: &[u8; 32]) -> String {
    format!("{PREFIX}{}", hex::encode(bytes))
}

/// The SHA-256 of a token, hex: what the server stores.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The token's public id, derived from its hash.
pub fn id(token: &str) -> String {
    id_of_hash(&hash(token))
}

/// The public id from a stored hash.
pub fn id_of_hash(hash: &str) -> String {
    hash.chars().take(ID_HEX).collect()
}

/// The samod peer id a device holding `token` must use.
pub fn peer_id(token: &str) -> String {
    peer_id_of(&id(token))
}

/// The peer id for a token id.
pub fn peer_id_of(token_id: &str) -> String {
    format!("qunjian-{token_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_has_the_documented_shape() {
        let token = from_random(&[0xab; 32]);
        assert_eq!(token.len(), PREFIX.len() + SECRET_HEX);
        assert_eq!(check_format(&token), Ok(()));
        assert_eq!(check_format(&format!("  {token}\n")), Ok(()));
    }

    #[test]
    fn wrong_shapes_are_named() {
        assert_eq!(check_format(""), Err(TokenFormatError::Empty));
        assert_eq!(check_format("   "), Err(TokenFormatError::Empty));
        let good = from_random(&[1; 32]);
        assert_eq!(
            check_format(&good[PREFIX.len()..]),
            Err(TokenFormatError::Malformed)
        );
        assert_eq!(
            check_format(&good[..good.len() - 1]),
            Err(TokenFormatError::Malformed)
        );
        assert_eq!(
            check_format(&format!("{}zz", &good[..good.len() - 2])),
            Err(TokenFormatError::Malformed)
        );
    }

    #[test]
    fn id_and_peer_id_follow_from_the_hash_and_ignore_surrounding_space() {
        let token = from_random(&[7; 32]);
        let h = hash(&token);
        assert_eq!(h.len(), 64);
        assert_eq!(hash(&format!("{token}\n")), h);
        assert_eq!(id(&token), h[..16]);
        assert_eq!(peer_id(&token), format!("qunjian-{}", &h[..16]));
        assert_ne!(id(&from_random(&[8; 32])), id(&token));
    }
}

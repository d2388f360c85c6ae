//! Secrets that never print, and the merchant's API credentials.
//!
//! [`Secret`] wraps a string whose `Debug` and `Display` print `[REDACTED]`.
//! [`Credentials`] pairs the API login with a [`Secret`] password and makes the
//! HTTP Basic `Authorization` header value, itself a [`Secret`].

use std::fmt;
use std::sync::Arc;

/// A string that is never printed: `Debug` and `Display` show `[REDACTED]`.
///
/// Reading the value takes an explicit call to [`Secret::expose`], so a leak is visible in review.
///
/// ```
/// use qosic_core::Secret;
/// let password = Secret::new("hunter2");
/// assert_eq!(format!("{password:?} {password}"), "[REDACTED] [REDACTED]");
/// assert_eq!(password.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret value. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// The merchant's QosIc API login and password, sent as HTTP Basic auth on every call.
///
/// These are the API user's credentials from the QosIc dashboard, not a carrier's client id.
/// Cloning is cheap. `Debug` shows the login and hides the password.
///
/// ```
/// use qosic_core::Credentials;
/// let creds = Credentials::new("merchant", "s3cret");
/// assert_eq!(creds.authorization().expose(), "Basic bWVyY2hhbnQ6czNjcmV0");
/// assert!(!format!("{creds:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    login: Arc<str>,
    password: Secret,
    /// `Basic base64(login:password)`, computed once: every request sends it.
    authorization: Secret,
}

impl Credentials {
    /// Pairs a login with its password.
    pub fn new(login: impl Into<String>, password: impl Into<Secret>) -> Self {
        let login: Arc<str> = Arc::from(login.into());
        let password: Secret = password.into();
        let raw = format!("{}:{}", login, password.expose());
        let authorization = Secret::new(format!("Basic {}", base64_encode(raw.as_bytes())));
        Credentials {
            login,
            password,
            authorization,
        }
    }

    /// The API login (user name).
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The API password.
    pub fn password(&self) -> &Secret {
        &self.password
    }

    /// The value of the HTTP `Authorization` header: `Basic base64(login:password)`.
    pub fn authorization(&self) -> Secret {
        self.authorization.clone()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("password", &self.password)
            .finish()
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding: a dependency for these twenty lines would cost more build time than it saves.
fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        // The test vectors of RFC 4648, section 10.
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), encoded, "{input}");
        }
        // The alphabet's last two characters, and a password with `:` and non-ASCII text.
        assert_eq!(base64_encode(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(
            Credentials::new("user", "p:ss wörd")
                .authorization()
                .expose(),
            "Basic dXNlcjpwOnNzIHfDtnJk"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let creds = Credentials::new("user", "topsecret");
        let shown = format!("{creds:?} {} {:?}", creds.password(), creds.authorization());
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("user"));
    }
}

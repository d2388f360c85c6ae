//! The rustls configuration: the ring crypto provider, the roots to trust, the certificates
//! pinned with `trust_self_signed_certificate`, the verifier that accepts anything (only behind
//! `danger_accept_invalid_certs`), and the reasons, in plain words, for a refused handshake.
//!
//! reqwest is built with `rustls-no-provider`, so it neither compiles aws-lc-rs nor reads a
//! process-wide provider: this module builds the whole `rustls::ClientConfig` with ring and
//! hands it to reqwest preconfigured. No global state is touched.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore,
    SignatureScheme,
};

use crate::error::Error;
use crate::reason::{self, Target};
use crate::Certificate;

/// What the rustls configuration trusts.
pub(crate) struct RustlsOptions<'a> {
    pub(crate) roots: &'a [Certificate],
    pub(crate) pinned: &'a [Certificate],
    pub(crate) built_in_roots: bool,
    pub(crate) accept_invalid_certs: bool,
}

/// rustls's ring provider.
///
/// rustls 0.23.48 deprecates `ring::default_provider` because ring has no post-quantum key
/// exchange, and offers no other way to get ring's provider; aws-lc-rs, the alternative,
/// needs a C toolchain (and CMake on some targets) to build, which this crate avoids. The
/// classical key exchanges (X25519, P-256, P-384) stay what QosIc's servers offer. Allowed
/// here, once, so that a build by path (which resolves the newest rustls) has no warning.
#[allow(deprecated)]
pub(crate) fn ring_provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Builds the client configuration: TLS 1.2 and 1.3 with ring, HTTP/1.1 by ALPN.
pub(crate) fn client_config(options: &RustlsOptions<'_>) -> Result<ClientConfig, Error> {
    let provider = Arc::new(ring_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(Box::new(e)))?;
    let verifier: Arc<dyn ServerCertVerifier> = if options.accept_invalid_certs {
        Arc::new(AcceptAnyCertificate { provider })
    } else {
        Arc::new(Verifier::new(options, provider)?)
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn extra_roots(options: &RustlsOptions<'_>) -> Vec<CertificateDer<'static>> {
    options.roots.iter().map(Certificate::to_rustls).collect()
}

fn webpki_verifier(
    store: RootCertStore,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    if store.is_empty() {
        return Err(Error::NoRootCertificates);
    }
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .map_err(|e| Error::Tls(Box::new(e)))?;
    Ok(verifier)
}

fn custom_store(options: &RustlsOptions<'_>) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    for root in extra_roots(options) {
        store
            .add(root)
            .map_err(|e| Error::InvalidCertificate(Box::new(e)))?;
    }
    Ok(store)
}

#[cfg(feature = "webpki-roots")]
fn webpki_store(options: &RustlsOptions<'_>) -> Result<RootCertStore, Error> {
    let mut store = custom_store(options)?;
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(store)
}

#[cfg(feature = "platform-roots")]
fn platform_verifier(
    options: &RustlsOptions<'_>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots(options), provider)
            .map_err(|e| Error::Tls(Box::new(e)))?;
    Ok(Arc::new(verifier))
}

/// The verifier of certificates that are not pinned: built-in and added roots.
fn chain_verifier(
    options: &RustlsOptions<'_>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    if !options.built_in_roots {
        return webpki_verifier(custom_store(options)?, provider);
    }
    #[cfg(all(feature = "platform-roots", feature = "webpki-roots"))]
    {
        Ok(Arc::new(EitherVerifier {
            first: platform_verifier(options, Arc::clone(&provider))?,
            second: webpki_verifier(webpki_store(options)?, provider)?,
        }))
    }
    #[cfg(all(feature = "platform-roots", not(feature = "webpki-roots")))]
    {
        platform_verifier(options, provider)
    }
    #[cfg(all(feature = "webpki-roots", not(feature = "platform-roots")))]
    {
        webpki_verifier(webpki_store(options)?, provider)
    }
    #[cfg(not(any(feature = "platform-roots", feature = "webpki-roots")))]
    {
        webpki_verifier(custom_store(options)?, provider)
    }
}

/// The verifier of every connection (unless `danger_accept_invalid_certs`).
///
/// A certificate pinned with `trust_self_signed_certificate` is accepted as the server's own
/// when it is byte for byte the one presented, its dates are current and it names the host:
/// the chain and the CA flag are not checked, since no authority vouches for it but the
/// caller. Every other certificate goes to the chain verifier, as before. Handshake signatures
/// are always checked with the provider's (ring's) algorithms, so the server must hold the
/// certificate's key.
///
/// When the chain verifier refuses a self-signed certificate for want of trust, the error says
/// so ([`SelfSignedNotTrusted`]), so that the reason can name the fix.
#[derive(Debug)]
struct Verifier {
    pinned: Vec<CertificateDer<'static>>,
    /// `None` when nothing but pinned certificates is trusted.
    chain: Option<Arc<dyn ServerCertVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    fn new(options: &RustlsOptions<'_>, provider: Arc<CryptoProvider>) -> Result<Verifier, Error> {
        let mut pinned = Vec::with_capacity(options.pinned.len());
        for certificate in options.pinned {
            let der = certificate.to_rustls();
            ParsedCertificate::try_from(&der)
                .map_err(|e| Error::InvalidCertificate(Box::new(e)))?;
            validity(&der).ok_or_else(|| {
                Error::InvalidCertificate("its validity dates cannot be read".into())
            })?;
            pinned.push(der);
        }
        let chain = match chain_verifier(options, Arc::clone(&provider)) {
            Ok(chain) => Some(chain),
            Err(Error::NoRootCertificates) if !pinned.is_empty() => None,
            Err(e) => return Err(e),
        };
        Ok(Verifier {
            pinned,
            chain,
            provider,
        })
    }

    fn is_pinned(&self, certificate: &CertificateDer<'_>) -> bool {
        self.pinned
            .iter()
            .any(|pinned| pinned.as_ref() == certificate.as_ref())
    }

    /// Marks a refusal of a self-signed certificate for want of trust.
    fn explain(&self, end_entity: &CertificateDer<'_>, error: rustls::Error) -> rustls::Error {
        let untrusted = match &error {
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => true,
            // For a CA certificate the chain verifier does not get as far as trust; when pins
            // exist, "not the pinned certificate" is the better reason.
            rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
                !self.pinned.is_empty() && is_ca_used_as_end_entity(other)
            }
            _ => false,
        };
        if untrusted && is_self_signed(end_entity) {
            let marked = SelfSignedNotTrusted {
                pins: self.pinned.len(),
                cause: error,
            };
            return CertificateError::Other(OtherError(Arc::new(marked))).into();
        }
        error
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = if self.is_pinned(end_entity) {
            verify_pinned(end_entity, server_name, now)
        } else {
            match &self.chain {
                Some(chain) => chain.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ),
                None => Err(CertificateError::UnknownIssuer.into()),
            }
            .map_err(|error| self.explain(end_entity, error))
        };
        verified.map_err(|cause| {
            let refused = RefusedFor {
                host: server_name.to_str().into_owned(),
                cause,
            };
            CertificateError::Other(OtherError(Arc::new(refused))).into()
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.chain {
            Some(chain) if !self.is_pinned(cert) => {
                chain.verify_tls12_signature(message, cert, dss)
            }
            _ => rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        }
        .map_err(explain_handshake_signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.chain {
            Some(chain) if !self.is_pinned(cert) => {
                chain.verify_tls13_signature(message, cert, dss)
            }
            _ => rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        }
        .map_err(explain_handshake_signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match &self.chain {
            Some(chain) => chain.supported_verify_schemes(),
            None => self
                .provider
                .signature_verification_algorithms
                .supported_schemes(),
        }
    }
}

/// A pinned certificate: current dates and the right name; no chain, no CA flag.
fn verify_pinned(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let (not_before, not_after) = validity(end_entity).ok_or(CertificateError::BadEncoding)?;
    let at = |seconds: i64| UnixTime::since_unix_epoch(Duration::from_secs(seconds.max(0) as u64));
    let time = now.as_secs() as i64;
    if time < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: at(not_before),
        }
        .into());
    }
    if time > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: at(not_after),
        }
        .into());
    }
    let parsed = ParsedCertificate::try_from(end_entity)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    Ok(ServerCertVerified::assertion())
}

/// Marks a handshake signature that does not match the certificate's key: the same
/// `BadSignature` as a certificate's own signature, but another story.
fn explain_handshake_signature(error: rustls::Error) -> rustls::Error {
    match error {
        rustls::Error::InvalidCertificate(CertificateError::BadSignature) => {
            let marked = HandshakeSignatureInvalid { cause: error };
            CertificateError::Other(OtherError(Arc::new(marked))).into()
        }
        error => error,
    }
}

/// Whether the certificate names itself as its issuer.
fn is_self_signed(certificate: &CertificateDer<'_>) -> bool {
    webpki::EndEntityCert::try_from(certificate)
        .is_ok_and(|parsed| parsed.issuer() == parsed.subject())
}

fn is_ca_used_as_end_entity(error: &OtherError) -> bool {
    matches!(
        error.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// A self-signed certificate that nothing trusted: the chain verifier's error, marked so that
/// the reason can say "self-signed" and name the fix.
#[derive(Debug)]
struct SelfSignedNotTrusted {
    /// How many certificates were pinned (none of which is this one).
    pins: usize,
    cause: rustls::Error,
}

impl fmt::Display for SelfSignedNotTrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the certificate is self-signed and not trusted")
    }
}

impl StdError for SelfSignedNotTrusted {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.cause)
    }
}

/// A refused certificate and the host it was checked for: the server's, or an `https://`
/// proxy's, which the same verifier checks (the reason must say which).
#[derive(Debug)]
struct RefusedFor {
    host: String,
    cause: rustls::Error,
}

impl fmt::Display for RefusedFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the certificate of {} was refused", self.host)
    }
}

impl StdError for RefusedFor {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.cause)
    }
}

/// The server signed the handshake with a key that is not its certificate's.
#[derive(Debug)]
struct HandshakeSignatureInvalid {
    cause: rustls::Error,
}

impl fmt::Display for HandshakeSignatureInvalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the handshake signature does not match the certificate's key")
    }
}

impl StdError for HandshakeSignatureInvalid {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.cause)
    }
}

/// Why rustls refused a handshake, in plain words, with the fix.
pub(crate) fn reason(error: &rustls::Error, target: &Target) -> String {
    if let rustls::Error::InvalidCertificate(CertificateError::Other(other)) = error {
        if let Some(refused) = other.0.downcast_ref::<RefusedFor>() {
            let host = refused.host.as_str();
            // The same verifier checks an `https://` proxy's certificate, before the server's.
            let is_server = host
                .eq_ignore_ascii_case(target.host().trim_start_matches('[').trim_end_matches(']'));
            return match &refused.cause {
                rustls::Error::InvalidCertificate(cause) if is_server => {
                    certificate_reason(cause, target, host, host)
                }
                rustls::Error::InvalidCertificate(cause) => format!(
                    "{} (an https:// proxy's certificate is checked with the same roots and \
                     pinned certificates as the server's)",
                    certificate_reason(cause, target, host, &format!("the proxy {host}"))
                ),
                cause => reason(cause, target),
            };
        }
    }
    match error {
        rustls::Error::InvalidCertificate(error) => {
            certificate_reason(error, target, target.host(), target.host())
        }
        rustls::Error::InvalidMessage(_) => format!(
            "TLS handshake with {target} failed: the server did not answer in TLS (is it a plain \
             http:// server? then the base URL must say http://)"
        ),
        rustls::Error::AlertReceived(alert) => format!(
            "the server at {target} ended the TLS handshake with the alert {alert:?} (does it \
             want a client certificate, or a TLS version this client lacks?)"
        ),
        other => format!("TLS handshake with {target} failed: {other}"),
    }
}

/// `host` is the name the certificate was checked for, and `of` says whose it is: the server's
/// host, or the proxy.
fn certificate_reason(error: &CertificateError, target: &Target, host: &str, of: &str) -> String {
    const PIN: &str = "for a staging server's self-signed certificate, use \
                       trust_self_signed_certificate";
    match error {
        CertificateError::UnknownIssuer => format!(
            "certificate of {of} not trusted: no trusted certificate authority issued it (add \
             that authority with add_root_certificate; {PIN})"
        ),
        CertificateError::BadSignature => format!(
            "certificate of {of} not trusted: its signature does not match the trusted \
             certificate of its issuer (did the server or its authority get a new certificate? \
             trust the new one)"
        ),
        CertificateError::ExpiredContext { time, not_after } => format!(
            "certificate of {of} expired at {} (renew it on the server, or set this machine's \
             clock right: it reads {})",
            reason::utc(not_after.as_secs()),
            reason::utc(time.as_secs()),
        ),
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "certificate of {of} is not valid before {} (check this machine's clock: it reads \
             {}; and the server's, if it made the certificate)",
            reason::utc(not_before.as_secs()),
            reason::utc(time.as_secs()),
        ),
        CertificateError::Expired | CertificateError::NotValidYet => format!(
            "certificate of {of} is expired or not yet valid (renew it on the server, or set \
             this machine's clock right)"
        ),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let names: Vec<&str> = presented.iter().map(|name| presented_name(name)).collect();
            if names.is_empty() {
                format!(
                    "certificate of {of} names no host (its common name does not count; give \
                     the server a certificate whose subject alternative names list {host})"
                )
            } else {
                format!(
                    "certificate of {of} is for {}, not {host} (use a host name the \
                     certificate lists in the base URL, or give the server a certificate for \
                     {host})",
                    names.join(", ")
                )
            }
        }
        CertificateError::NotValidForName => format!(
            "certificate of {of} is not for {host} (use a host name the certificate lists in \
             the base URL, or give the server a certificate for {host})"
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!(
                "certificate of {of} is not meant for TLS servers (its extended key usage \
                 lacks serverAuth)"
            )
        }
        CertificateError::Revoked => format!("certificate of {of} has been revoked"),
        CertificateError::Other(other) => {
            if other.0.is::<HandshakeSignatureInvalid>() {
                format!(
                    "{target} did not prove it holds the private key of its certificate (the \
                     handshake signature does not match the certificate's key: a server set up \
                     with the wrong key, or an impostor)"
                )
            } else if let Some(marked) = other.0.downcast_ref::<SelfSignedNotTrusted>() {
                if marked.pins > 0 {
                    format!(
                        "certificate of {of} not trusted: it is self-signed, and not the \
                         certificate given to trust_self_signed_certificate (did the server get \
                         a new certificate? trust the new one)"
                    )
                } else {
                    format!(
                        "certificate of {of} not trusted: it is self-signed (for a staging \
                         server, trust that exact certificate with \
                         trust_self_signed_certificate)"
                    )
                }
            } else if is_ca_used_as_end_entity(other) {
                format!(
                    "certificate of {of} is a CA certificate (CA:TRUE, the default of openssl \
                     req -x509) used as the server's own, which TLS refuses even when it is \
                     added with add_root_certificate (trust this exact certificate with \
                     trust_self_signed_certificate, or give the server a certificate signed by \
                     that CA)"
                )
            } else {
                format!("certificate of {of} refused: {other}")
            }
        }
        other => format!("certificate of {of} refused: {other}"),
    }
}

/// A name as webpki lists it (`DnsName("a.example")`, `IpAddress(127.0.0.1)`), without the
/// wrapping; any other form is shown whole. Display only: nothing is decided on it.
fn presented_name(name: &str) -> &str {
    name.strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .unwrap_or(name)
}

/// The validity period of a DER certificate, in seconds since the Unix epoch:
/// `(not before, not after)`, or `None` when it cannot be read.
///
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity SEQUENCE { notBefore Time, notAfter Time }, .. }, .. }`
/// (RFC 5280, 4.1). webpki reads it too, but only inside a chain check.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (certificate, _) = der_value(der, 0x30)?;
    let (tbs, _) = der_value(certificate, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xA0) {
        rest = der_value(rest, 0xA0)?.1;
    }
    rest = der_value(rest, 0x02)?.1; // serialNumber
    rest = der_value(rest, 0x30)?.1; // signature
    rest = der_value(rest, 0x30)?.1; // issuer
    let (validity, _) = der_value(rest, 0x30)?;
    let (not_before, rest) = der_time(validity)?;
    let (not_after, _) = der_time(rest)?;
    Some((not_before, not_after))
}

/// The value of the DER element at the start of `input`, which must have `tag`, and what
/// follows it.
fn der_value(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes
            .iter()
            .fold(0usize, |length, &byte| length << 8 | usize::from(byte))
    };
    (rest.len() >= length).then(|| rest.split_at(length))
}

/// A `UTCTime` (`YYMMDDHHMMSSZ`) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`), as RFC 5280 allows
/// them, in seconds since the Unix epoch, and what follows it.
fn der_time(input: &[u8]) -> Option<(i64, &[u8])> {
    let tag = *input.first()?;
    let year_digits = match tag {
        0x17 => 2,
        0x18 => 4,
        _ => return None,
    };
    let (value, rest) = der_value(input, tag)?;
    let digits = year_digits + 10;
    if value.len() != digits + 1
        || value[digits] != b'Z'
        || !value[..digits].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let number = |from: usize, count: usize| {
        value[from..from + count]
            .iter()
            .fold(0i64, |n, &digit| n * 10 + i64::from(digit - b'0'))
    };
    let year = match number(0, year_digits) {
        // RFC 5280: a two-digit year of 50 or more is 19YY, below 50 it is 20YY.
        yy if year_digits == 2 && yy >= 50 => 1900 + yy,
        yy if year_digits == 2 => 2000 + yy,
        yyyy => yyyy,
    };
    let at = year_digits;
    let (month, day) = (number(at, 2), number(at + 2, 2));
    let (hour, minute, second) = (number(at + 4, 2), number(at + 6, 2), number(at + 8, 2));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = reason::days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second, rest))
}

/// Accepts any certificate for any name; still checks that the server holds the key of the
/// certificate it sent (handshake signatures), with the provider's algorithms.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Trusts a certificate that either verifier trusts (the platform's store, then the
/// compiled-in Mozilla roots); reports the first verifier's error when both refuse.
#[cfg(all(feature = "platform-roots", feature = "webpki-roots"))]
#[derive(Debug)]
struct EitherVerifier {
    first: Arc<dyn ServerCertVerifier>,
    second: Arc<dyn ServerCertVerifier>,
}

#[cfg(all(feature = "platform-roots", feature = "webpki-roots"))]
impl ServerCertVerifier for EitherVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.first
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .or_else(|first_error| {
                self.second
                    .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                    .map_err(|_| first_error)
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.second.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.second.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.second.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(not_before: (i32, u8, u8), not_after: (i32, u8, u8)) -> CertificateDer<'static> {
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn validity_is_read_from_utc_and_generalized_times() {
        // rcgen writes UTCTime up to 2049 and GeneralizedTime from 2050, as RFC 5280 says.
        let der = certificate((2000, 1, 1), (2001, 3, 1));
        assert_eq!(validity(&der), Some((946_684_800, 983_404_800)));
        let der = certificate((1999, 12, 31), (2050, 1, 1));
        assert_eq!(validity(&der), Some((946_598_400, 2_524_608_000)));
    }

    #[test]
    fn unreadable_validity_is_none() {
        assert_eq!(validity(b""), None);
        assert_eq!(validity(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        let der = certificate((2000, 1, 1), (2001, 1, 1));
        assert_eq!(validity(&der[..der.len() / 2]), None);
        // A time with a zone offset instead of `Z`.
        assert_eq!(der_time(b"\x17\x0d0001010000+0"), None);
        assert_eq!(der_time(b"\x17\x0d991301000000Z"), None);
    }

    #[test]
    fn presented_names_lose_their_wrapping() {
        assert_eq!(presented_name("DnsName(\"a.example\")"), "a.example");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("DirectoryName"), "DirectoryName");
    }
}

//! The rustls configuration: the ring crypto provider, the roots to trust, and the verifier
//! that accepts anything (only behind `danger_accept_invalid_certs`).
//!
//! reqwest is built with `rustls-no-provider`, so it neither compiles aws-lc-rs nor reads a
//! process-wide provider: this module builds the whole `rustls::ClientConfig` with ring and
//! hands it to reqwest preconfigured. No global state is touched.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::Error;
use crate::Certificate;

/// What the rustls configuration trusts.
pub(crate) struct RustlsOptions<'a> {
    pub(crate) roots: &'a [Certificate],
    pub(crate) built_in_roots: bool,
    pub(crate) accept_invalid_certs: bool,
}

/// Builds the client configuration: TLS 1.2 and 1.3 with ring, HTTP/1.1 by ALPN.
pub(crate) fn client_config(options: &RustlsOptions<'_>) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(Box::new(e)))?;
    let verifier: Arc<dyn ServerCertVerifier> = if options.accept_invalid_certs {
        Arc::new(AcceptAnyCertificate { provider })
    } else {
        verifier(options, provider)?
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

fn verifier(
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

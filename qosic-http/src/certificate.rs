//! [`Certificate`]: a certificate to trust, as a root (in addition to or instead of the
//! built-in ones) or pinned as a server's own.

use std::fmt;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::error::Error;

/// An X.509 certificate to trust: a private certificate authority's, given to
/// [`HttpTransportBuilder::add_root_certificate`](crate::HttpTransportBuilder::add_root_certificate),
/// or a server's own self-signed certificate (the QosIc staging host's), given to
/// [`HttpTransportBuilder::trust_self_signed_certificate`](crate::HttpTransportBuilder::trust_self_signed_certificate).
///
/// ```
/// # fn main() -> Result<(), qosic_http::Error> {
/// # let pem = include_bytes!("../tests/it/data/example-root.pem");
/// // let pem = std::fs::read("private-ca.pem")?;
/// let root = qosic_http::Certificate::from_pem(pem)?;
/// # #[cfg(any(feature = "rustls", feature = "native-tls"))] {
/// let transport = qosic_http::HttpTransport::builder()
///     .add_root_certificate(root)
///     .build()?;
/// # let _ = transport;
/// # }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: CertificateDer<'static>,
}

impl Certificate {
    /// Reads the first `CERTIFICATE` section of PEM text.
    ///
    /// Fails with [`Error::NoCertificate`] when there is none, and with
    /// [`Error::InvalidCertificate`] when the PEM is malformed.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, Error> {
        match CertificateDer::from_pem_slice(pem) {
            Ok(der) => Certificate::from_der(der.as_ref()),
            Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(Error::NoCertificate),
            Err(e) => Err(Error::InvalidCertificate(Box::new(e))),
        }
    }

    /// Reads every `CERTIFICATE` section of PEM text (a bundle), in order.
    ///
    /// Fails with [`Error::NoCertificate`] when there is none.
    pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Certificate>, Error> {
        let mut certificates = Vec::new();
        for der in CertificateDer::pem_slice_iter(pem) {
            let der = der.map_err(|e| Error::InvalidCertificate(Box::new(e)))?;
            certificates.push(Certificate::from_der(der.as_ref())?);
        }
        if certificates.is_empty() {
            return Err(Error::NoCertificate);
        }
        Ok(certificates)
    }

    /// Takes a DER-encoded certificate.
    ///
    /// Only the outer structure is checked here (a non-empty DER `SEQUENCE`); the TLS backend
    /// parses the rest when the transport is built.
    pub fn from_der(der: &[u8]) -> Result<Certificate, Error> {
        if der.len() < 2 || der[0] != 0x30 {
            return Err(Error::InvalidCertificate(
                "not a DER-encoded certificate".into(),
            ));
        }
        Ok(Certificate {
            der: CertificateDer::from(der.to_vec()),
        })
    }

    /// The DER encoding.
    pub fn as_der(&self) -> &[u8] {
        self.der.as_ref()
    }

    #[cfg(feature = "rustls")]
    pub(crate) fn to_rustls(&self) -> CertificateDer<'static> {
        self.der.clone()
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &[u8] = include_bytes!("../tests/it/data/example-root.pem");

    #[test]
    fn reads_pem_and_der() {
        let cert = Certificate::from_pem(PEM).unwrap();
        assert_eq!(cert.as_der()[0], 0x30);
        assert_eq!(Certificate::from_der(cert.as_der()).unwrap(), cert);
        let mut bundle = PEM.to_vec();
        bundle.extend_from_slice(PEM);
        assert_eq!(Certificate::from_pem_bundle(&bundle).unwrap().len(), 2);
    }

    #[test]
    fn refuses_what_is_not_a_certificate() {
        assert!(matches!(
            Certificate::from_pem(b"hello"),
            Err(Error::NoCertificate)
        ));
        assert!(matches!(
            Certificate::from_pem_bundle(b""),
            Err(Error::NoCertificate)
        ));
        assert!(matches!(
            Certificate::from_pem(
                b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"
            ),
            Err(Error::InvalidCertificate(_))
        ));
        assert!(matches!(
            Certificate::from_der(b"not der"),
            Err(Error::InvalidCertificate(_))
        ));
    }

    #[test]
    fn debug_is_short() {
        let cert = Certificate::from_pem(PEM).unwrap();
        assert!(format!("{cert:?}").starts_with("Certificate { der_len: "));
    }
}

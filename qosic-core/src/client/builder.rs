//! [`ClientBuilder`]: the settings of a [`Client`], checked once at build, and the environment.

use super::{Client, Inner, UsedReferences, DEFAULT_BASE_URL};
use crate::card::DEFAULT_CARD_BASE_URL;
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::carrier::MobileCarrier;
use crate::error::Error;
use crate::secret::{Credentials, Secret};
use crate::transport::{BaseUrl, Transport};
use crate::types::Country;

/// Builds a [`Client`]. Setters never fail; [`ClientBuilder::build`] reports the first problem.
#[must_use]
pub struct ClientBuilder {
    login: Option<String>,
    password: Option<Secret>,
    base_url: String,
    carriers: Vec<Arc<dyn MobileCarrier>>,
    transport: Option<Arc<dyn Transport>>,
    default_transport: Option<TransportFactory>,
    default_country: Option<Country>,
    error: Option<Error>,
    /// Whether the base URL came from `QOSIC_BASE_URL`, so that an error names the variable.
    base_url_from_env: bool,
    /// Whether the builder came from [`ClientBuilder::from_env`], so that a missing carrier
    /// points at the call that reads the carriers' client ids too.
    from_env: bool,
    /// Card payments: the merchant's card key, its host, the status path and key field.
    card: CardOptions,
}

/// The card settings as given, checked at build.
#[derive(Default)]
struct CardOptions {
    key: Option<Secret>,
    base_url: Option<String>,
    base_url_from_env: bool,
    status_path: Option<String>,
    status_key_field: Option<&'static str>,
}

/// Makes the transport a builder uses when none was given.
type TransportFactory = Box<dyn FnOnce() -> Result<Arc<dyn Transport>, Error> + Send>;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("login", &self.login)
            .field("password", &self.password)
            .field("base_url", &self.base_url)
            .field("carriers", &self.carriers)
            .field("transport", &self.transport)
            .field("default_country", &self.default_country)
            .field("card_key", &self.card.key)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            login: None,
            password: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            carriers: Vec::new(),
            transport: None,
            default_transport: None,
            default_country: None,
            error: None,
            base_url_from_env: false,
            from_env: false,
            card: CardOptions::default(),
        }
    }
}

/// Reads an environment variable; `None` when unset or empty.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ClientBuilder {
    /// A builder with the default base URL and nothing else.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with the login, password and base URL from the environment:
    /// `QOSIC_LOGIN`, `QOSIC_PASSWORD` (both required) and `QOSIC_BASE_URL` (optional,
    /// default [`DEFAULT_BASE_URL`]); for card payments, `QOSIC_CARD_KEY` and
    /// `QOSIC_CARD_BASE_URL` (both optional; default [`DEFAULT_CARD_BASE_URL`]). Carriers read their client ids themselves
    /// (`QOSIC_MTN_CLIENT_ID`…; see `qosic_carriers_bj::from_env`).
    pub fn from_env() -> Self {
        let mut builder = ClientBuilder::new();
        builder.from_env = true;
        if let Some(key) = env_var("QOSIC_CARD_KEY") {
            builder = builder.card_key(key.trim().to_owned());
        }
        if let Some(url) = env_var("QOSIC_CARD_BASE_URL") {
            builder = builder.card_base_url(url);
            builder.card.base_url_from_env = true;
        }
        if let Some(url) = env_var("QOSIC_BASE_URL") {
            builder = builder.base_url(url);
            builder.base_url_from_env = true;
        }
        match (env_var("QOSIC_LOGIN"), env_var("QOSIC_PASSWORD")) {
            (Some(login), Some(password)) => builder.login(login).password(password),
            (None, _) => builder.fail(Error::config(
                "QOSIC_LOGIN",
                "the QosIc API login, in the environment",
            )),
            (_, None) => builder.fail(Error::config(
                "QOSIC_PASSWORD",
                "the QosIc API password, in the environment",
            )),
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// The API login (user name) from the QosIc dashboard.
    pub fn login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self
    }

    /// The API password.
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Login and password together.
    pub fn credentials(self, credentials: Credentials) -> Self {
        let password = credentials.password().clone();
        self.login(credentials.login()).password(password)
    }

    /// The base URL, e.g. `https://api.qosic.net` (the default) or a fake server's URL; a
    /// gateway's path prefix is kept (`https://gateway.example/qosic`).
    ///
    /// [`ClientBuilder::build`] checks it once (see [`BaseUrl::parse`]): it refuses anything
    /// but `http://` or `https://` with a host, a user name or password, and a query string or
    /// fragment, since the API's paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim().trim_end_matches('/').to_owned();
        self.base_url_from_env = false;
        self
    }

    /// Adds a carrier. Numbers go to the first added carrier that serves them.
    pub fn carrier(self, carrier: impl MobileCarrier + 'static) -> Self {
        self.shared_carrier(Arc::new(carrier))
    }

    /// Adds a shared carrier.
    pub fn shared_carrier(mut self, carrier: Arc<dyn MobileCarrier>) -> Self {
        self.carriers.push(carrier);
        self
    }

    /// Adds several shared carriers.
    pub fn carriers(mut self, carriers: impl IntoIterator<Item = Arc<dyn MobileCarrier>>) -> Self {
        self.carriers.extend(carriers);
        self
    }

    /// The transport, e.g. `qosic_http::HttpTransport`.
    pub fn transport(self, transport: impl Transport + 'static) -> Self {
        self.shared_transport(Arc::new(transport))
    }

    /// A shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The transport to use when [`ClientBuilder::transport`] is not called, made by
    /// `factory` at [`ClientBuilder::build`] (and only then). The `qosic` crate's
    /// `qosic::builder()` and `qosic::from_env()` set the HTTP transport here.
    pub fn default_transport(
        mut self,
        factory: impl FnOnce() -> Result<Arc<dyn Transport>, Error> + Send + 'static,
    ) -> Self {
        self.default_transport = Some(Box::new(factory));
        self
    }

    /// Accepts local numbers (without calling code) of this country.
    pub fn default_country(mut self, country: Country) -> Self {
        self.default_country = Some(country);
        self
    }

    /// The merchant's card key (`qosKey`, e.g. QosIc's test key `QCBJ001`), which turns on
    /// [`Client::card_checkout`] and [`Client::card_status`]. A [`Secret`]: never in logs or
    /// `Debug`.
    pub fn card_key(mut self, key: impl Into<Secret>) -> Self {
        self.card.key = Some(key.into());
        self
    }

    /// The card checkout's host (default [`DEFAULT_CARD_BASE_URL`]; QosIc's test host is
    /// `http://74.208.84.251:9014`), where `initTransaction` is sent.
    pub fn card_base_url(mut self, url: impl Into<String>) -> Self {
        self.card.base_url = Some(url.into().trim().trim_end_matches('/').to_owned());
        self.card.base_url_from_env = false;
        self
    }

    /// The card status path under the API's base URL (default
    /// `/QosicBridge/checkout/v1/status`, as QosIc's own plugin sends; the docs spell it
    /// `/QosicBrigde/checkout/v1/status`).
    pub fn card_status_path(mut self, path: impl Into<String>) -> Self {
        self.card.status_path = Some(path.into());
        self
    }

    /// The name of the card key in the status body: `"qoskey"` (the docs, the default) or
    /// `"qosKey"` (QosIc's plugin). Any other name is refused at build.
    pub fn card_status_key_field(mut self, field: &'static str) -> Self {
        self.card.status_key_field = Some(field);
        self
    }

    fn card_settings(card: CardOptions) -> Result<Option<crate::card::CardSettings>, Error> {
        let Some(key) = card.key.filter(|k| !k.is_empty()) else {
            return Ok(None);
        };
        if !key.expose().bytes().all(|b| b.is_ascii_graphic()) || key.expose().len() > 128 {
            return Err(Error::config(
                "card key",
                "a card key (qosKey) of 1 to 128 printable ASCII characters without spaces",
            ));
        }
        let url = card
            .base_url
            .unwrap_or_else(|| DEFAULT_CARD_BASE_URL.to_owned());
        let field = if card.base_url_from_env {
            "QOSIC_CARD_BASE_URL"
        } else {
            "card_base_url"
        };
        let base_url = BaseUrl::parse(&url).map_err(|e| Error::config(field, e.expected()))?;
        let status_path = card
            .status_path
            .unwrap_or_else(|| crate::card::DEFAULT_CARD_STATUS_PATH.to_owned());
        if !status_path.starts_with('/') || status_path.contains(['?', '#', ' ']) {
            return Err(Error::config(
                "card_status_path",
                "a path starting with '/', without query or spaces, e.g. \
                 /QosicBridge/checkout/v1/status",
            ));
        }
        let status_key_field = match card.status_key_field.unwrap_or("qoskey") {
            f @ ("qoskey" | "qosKey") => f,
            _ => {
                return Err(Error::config(
                    "card_status_key_field",
                    "\"qoskey\" (QosIc's docs) or \"qosKey\" (QosIc's plugin)",
                ))
            }
        };
        Ok(Some(crate::card::CardSettings {
            key,
            base_url,
            status_path,
            status_key_field,
        }))
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let login = self
            .login
            .filter(|l| !l.is_empty())
            .ok_or_else(|| Error::config("login", "the QosIc API login"))?;
        if login.contains(':') {
            return Err(Error::config(
                "login",
                "a login without ':' (HTTP Basic auth cannot carry it)",
            ));
        }
        let password = self
            .password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Error::config("password", "the QosIc API password"))?;
        let base_url = BaseUrl::parse(&self.base_url).map_err(|e| {
            let field = if self.base_url_from_env {
                "QOSIC_BASE_URL"
            } else {
                "base_url"
            };
            Error::config(field, e.expected())
        })?;
        if base_url.scheme() == "http" && !is_loopback(base_url.authority()) {
            tracing::warn!(base_url = %base_url, "plain-HTTP base URL: credentials and phone numbers travel in clear");
        }
        if self.carriers.is_empty() {
            return Err(Error::config(
                "carriers",
                if self.from_env {
                    "at least one carrier: this builder reads only the login, password and base \
                     URL from the environment; qosic::from_env() also configures every carrier \
                     whose client id is set (QOSIC_MTN_CLIENT_ID, QOSIC_MOOV_CLIENT_ID…) and \
                     the HTTP transport"
                } else {
                    "at least one carrier, such as qosic::benin::Mtn"
                },
            ));
        }
        for (i, carrier) in self.carriers.iter().enumerate() {
            if self.carriers[..i]
                .iter()
                .any(|c| c.name().eq_ignore_ascii_case(carrier.name()))
            {
                return Err(Error::config(
                    "carriers",
                    format!("one carrier per name ({} is added twice)", carrier.name()),
                ));
            }
        }
        let card = Self::card_settings(self.card)?;
        let transport = match (self.transport, self.default_transport) {
            (Some(transport), _) => transport,
            (None, Some(factory)) => factory()?,
            (None, None) => {
                return Err(Error::config(
                    "transport",
                    "a transport, such as qosic::http::HttpTransport (qosic::builder() and \
                     qosic::from_env() of the `qosic` crate use it by default)",
                ))
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                credentials: Credentials::new(login, password),
                base_url,
                carrier_names: self.carriers.iter().map(|c| Arc::from(c.name())).collect(),
                carriers: self.carriers,
                transport,
                default_country: self.default_country,
                used: Mutex::new(UsedReferences::default()),
                card,
            }),
        })
    }
}

pub(super) fn is_loopback(host: &str) -> bool {
    let authority = host.split('/').next().unwrap_or(host);
    let name = match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

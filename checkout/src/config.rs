//! The checkout's settings, [`Config`], and its limits.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The largest form body `POST /orders` reads; larger ones get 413 before they are read whole.
pub const MAX_FORM_BYTES: usize = 4 * 1024;

/// How long one call to QosIc (a payment request or a status check) may take before the job
/// gives up on it: the payment is then treated as possibly sent, and settled by status checks.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a job may run in all before apalis cancels it (it is then retried).
pub const JOB_TIMEOUT: Duration = Duration::from_secs(120);

/// How many times a payment request that certainly did not leave (QosIc unreachable) is tried
/// before the order fails.
pub const MAX_SEND_ATTEMPTS: i64 = 5;

/// Where the database is.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, created when missing: one server.
    Sqlite(PathBuf),
    /// A Postgres URL: any number of servers share the orders and the queue.
    Postgres(String),
}

impl Database {
    /// Reads `sqlite://PATH` (or `sqlite:PATH`) and `postgres://…` (or `postgresql://…`).
    pub fn parse(url: &str) -> Result<Database, String> {
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("invalid database URL: expected sqlite://PATH with a file path (e.g. sqlite://target/checkout.sqlite)".to_owned());
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        Err(
            "invalid database URL: expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB"
                .to_owned(),
        )
    }

    /// The default, decided when the program runs (never where it was built):
    /// `checkout.sqlite` in the current directory.
    pub fn default_sqlite() -> Database {
        Database::Sqlite(PathBuf::from("checkout.sqlite"))
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The path, or the Postgres URL without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Database::Postgres(url) => {
                // postgres://user:password@host/db -> postgres://user:***@host/db
                match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        let credentials = &url[scheme + 3..at];
                        match credentials.split_once(':') {
                            Some((user, _)) => {
                                write!(f, "{}{user}:***{}", &url[..scheme + 3], &url[at..])
                            }
                            None => f.write_str(url),
                        }
                    }
                    _ => f.write_str(url),
                }
            }
        }
    }
}

/// The checkout's settings. Start from [`Config::default`] and change what you need.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The database of the orders and the job queue.
    pub database: Database,
    /// The time between two status checks of a pending payment (QosIc's guide: 10 s).
    pub check_interval: Duration,
    /// How long a payment is followed before the page says it is still pending (QosIc's
    /// guide: 120 s).
    pub window: Duration,
    /// How often the worker tells the database it is alive. A worker silent for twice this
    /// long is taken for dead, and its jobs go to another worker.
    pub heartbeat: Duration,
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// Jobs one instance runs at once.
    pub worker_concurrency: usize,
    /// Whether this instance runs jobs (`false`: it serves pages and takes orders only).
    pub run_worker: bool,
    /// Event streams open at once; more get 503 (the page then polls the JSON endpoint).
    pub max_event_streams: usize,
    /// How long one event stream stays open; the browser then reconnects and gets the current
    /// state first.
    pub event_stream_lifetime: Duration,
    /// This instance's name in logs and in the order history (default: host and process id).
    pub instance: String,
    /// The least time between two early status checks of one order ("check again", or a
    /// callback), on this instance: a flood of callbacks, forged or repeated, costs one status
    /// check per order per interval (default 5 s); the scheduled checks go on regardless.
    pub min_early_check_interval: Duration,
    /// Whether payments go through the embedded fake QosIc server: every page, `/admin` and
    /// the log then say "test mode: no money moves".
    pub test_mode: bool,
    /// How long an order still pending or unknown when its window closed is checked again
    /// (after 1, 5, 15 and 60 minutes, then hourly) before it goes to `needs_attention`
    /// (default 48 hours).
    pub reconcile_period: Duration,
    /// The largest amount an order may have, in XOF (default 2,000,000).
    pub max_amount: u64,
    /// Orders one phone number may be sent per [`Config::rate_window`] (default 5).
    pub orders_per_phone: u32,
    /// Orders one client address may place per [`Config::rate_window`] (default 20).
    pub orders_per_client: u32,
    /// The window of the two rate limits (default 10 minutes).
    pub rate_window: Duration,
    /// The operator's token for `/admin` (`Authorization: Bearer TOKEN`). Without one,
    /// `/admin` answers only when the listen address is loopback.
    pub admin_token: Option<qosic::Secret>,
    /// How long a connection may take to send a request's head (line and headers), counted
    /// from the accept and from each answer: a slow or idle connection is closed then
    /// (default 10 s).
    pub header_timeout: Duration,
    /// How long a request may take, from its head to its answer, its body included: beyond,
    /// 408 and the connection closed (default 30 s). Event streams answer at once and are
    /// bounded by [`Config::event_stream_lifetime`] instead.
    pub request_timeout: Duration,
    /// Connections served at once; one more gets 503 at once and is closed (default 1,024).
    pub max_connections: usize,
    /// How long a stop (SIGTERM) lets requests in progress end before closing their
    /// connections (default 10 s).
    pub stop_grace: Duration,
    /// The shop's name on every page and receipt (`CHECKOUT_SHOP_NAME`; default: the
    /// catalogue's "Notre boutique").
    pub shop_name: String,
    /// How customers reach the shop about an order (`CHECKOUT_SHOP_CONTACT`: a phone number,
    /// WhatsApp, an e-mail address), shown when a payment is not settled.
    pub shop_contact: Option<String>,
    /// The shop's colour, `#RRGGBB` or `#RGB` (`CHECKOUT_SHOP_COLOUR`).
    pub shop_colour: Option<String>,
    /// The address of the shop's logo (`CHECKOUT_SHOP_LOGO`: a path on this shop, or an
    /// `https://` URL).
    pub shop_logo: Option<String>,
    /// A directory of the merchant's own texts (`CHECKOUT_LOCALES`): `fr/checkout.ftl`,
    /// `en/checkout.ftl`, each message there replacing the built-in one ([`crate::i18n`]).
    pub locales_dir: Option<PathBuf>,
    /// The merchant's catalogue file (`--catalogue products.toml`, `CHECKOUT_CATALOGUE`):
    /// customers buy its products at its prices ([`crate::catalogue`]).
    pub catalogue: Option<PathBuf>,
    /// The key of the merchant's backend for `POST /api/orders` (`CHECKOUT_API_KEY`); the
    /// API is off without one ([`crate::links`]).
    pub api_key: Option<qosic::Secret>,
    /// The shop's public address, for the payment links the API answers with
    /// (`CHECKOUT_PUBLIC_URL`, e.g. `https://pay.example.bj`; default: `http://` and the
    /// `Host` the merchant's backend called).
    pub public_url: Option<String>,
    /// Where the signed events go (`CHECKOUT_WEBHOOK_URL`); none are sent without it
    /// ([`crate::events`]).
    pub webhook_url: Option<String>,
    /// The key that signs the events (`CHECKOUT_WEBHOOK_SECRET`).
    pub webhook_secret: Option<qosic::Secret>,
    /// The wait before the second try of an event; each further try waits twice as long, at
    /// most an hour (default 10 s).
    pub webhook_retry_base: Duration,
    /// How long one delivery may take before it counts as failed (default 10 s).
    pub webhook_timeout: Duration,
    /// How long an event is tried before it is given up (default 24 hours).
    pub webhook_period: Duration,
    /// The merchant's card key (`QOSIC_CARD_KEY`; with the embedded fake, the fake's test
    /// key): when set, the order form and payment links offer "Pay by card"
    /// ([`crate::jobs::CARD`]). The client the shop pays through must carry the same key
    /// ([`crate::cli`] builds it so). A [`qosic::Secret`]: never in logs or `Debug`.
    pub card_key: Option<qosic::Secret>,
    /// The card checkout's host (`QOSIC_CARD_BASE_URL`; default: the SDK's,
    /// [`qosic::DEFAULT_CARD_BASE_URL`]).
    pub card_base_url: Option<String>,
}

/// How long the answer to a "Pay by card" post waits for the engine to get the card page's
/// address before it sends the customer to the order page instead (which offers the card
/// page as soon as it is known).
pub const CARD_PAGE_WAIT: Duration = Duration::from_secs(5);

/// The most phone numbers and client addresses the rate limits track at once; past that,
/// new ones are refused until the window frees room (a flood of new keys cannot grow memory).
pub const MAX_RATE_KEYS_TRACKED: usize = 65_536;

/// The most orders whose last early status check an instance remembers (about 100 bytes
/// each); when that many were checked early within [`Config::min_early_check_interval`],
/// further early checks wait for the scheduled ones.
pub const MAX_EARLY_CHECKS_TRACKED: usize = 65_536;

impl Config {
    /// Whether card payments are offered: a card key is set.
    pub fn card_enabled(&self) -> bool {
        self.card_key
            .as_ref()
            .is_some_and(|key| !key.expose().trim().is_empty())
    }

    /// The origin of the card host ([`Config::card_base_url`], or the SDK's default) when
    /// card payments are offered: the shop's forms may be sent there (the 303 to the card
    /// page), and only card pages there are redirected to (others are offered as a link).
    pub fn card_origin(&self) -> Option<String> {
        if !self.card_enabled() {
            return None;
        }
        crate::assets::origin(
            self.card_base_url
                .as_deref()
                .unwrap_or(qosic::DEFAULT_CARD_BASE_URL),
        )
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database: Database::default_sqlite(),
            check_interval: Duration::from_secs(10),
            window: Duration::from_secs(120),
            heartbeat: Duration::from_secs(10),
            poll_interval: Duration::from_millis(250),
            worker_concurrency: 64,
            run_worker: true,
            max_event_streams: 1024,
            event_stream_lifetime: Duration::from_secs(300),
            instance: default_instance(),
            min_early_check_interval: Duration::from_secs(5),
            test_mode: false,
            reconcile_period: Duration::from_secs(48 * 3600),
            max_amount: 2_000_000,
            orders_per_phone: 5,
            orders_per_client: 20,
            rate_window: Duration::from_secs(600),
            admin_token: None,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            stop_grace: Duration::from_secs(10),
            shop_name: String::new(),
            shop_contact: None,
            shop_colour: None,
            shop_logo: None,
            locales_dir: None,
            catalogue: None,
            api_key: None,
            public_url: None,
            webhook_url: None,
            webhook_secret: None,
            webhook_retry_base: Duration::from_secs(10),
            webhook_timeout: Duration::from_secs(10),
            webhook_period: Duration::from_secs(24 * 3600),
            card_key: None,
            card_base_url: None,
        }
    }
}

fn default_instance() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.len() <= 64)
        .unwrap_or_else(|| "checkout".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            Database::parse("sqlite://target/x.sqlite").unwrap(),
            Database::Sqlite(PathBuf::from("target/x.sqlite"))
        );
        assert_eq!(
            Database::parse("sqlite:/tmp/x.db?mode=rwc").unwrap(),
            Database::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert!(matches!(
            Database::parse("postgresql://u:p@127.0.0.1/db").unwrap(),
            Database::Postgres(_)
        ));
        let err = Database::parse("mysql://x").unwrap_err();
        assert!(
            err.contains("expected sqlite://PATH or postgres://"),
            "{err}"
        );
        assert!(Database::parse("sqlite://").is_err());
    }

    #[test]
    fn a_password_never_shows() {
        let db = Database::parse("postgres://shop:s3cret@127.0.0.1:5432/shop").unwrap();
        assert_eq!(db.to_string(), "postgres://shop:***@127.0.0.1:5432/shop");
        assert!(!format!("{db:?}").contains("s3cret"));
    }
}

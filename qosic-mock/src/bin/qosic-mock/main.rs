//! The `qosic-mock` binary: the fake QosIc server for test suites in any language.
//!
//! It prints `listening on http://HOST:PORT` as the first line on stdout, flushes, and
//! serves until killed. `qosic-mock --help` lists the flags, their environment variables
//! and their defaults.
//!
//! The flags are declared once, in [`Cli`], and read by clap, whose `env` feature reads each
//! one's `QOSIC_MOCK_*` variable too. clap is built only with the crate's `cli` feature,
//! which this binary requires: a suite that depends on the library builds no argument
//! parser. The values are converted here, each error naming where the value came from
//! (`--max-body` or `QOSIC_MOCK_MAX_BODY`), and the SDK's own variables (`QOSIC_LOGIN`,
//! `QOSIC_PASSWORD`, `QOSIC_<CARRIER>_CLIENT_ID`) fill what neither gave.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches, Parser};
use qosic_core::carrier::CarrierSpec;
use qosic_mock::{
    Carrier, MockQosic, MockQosicBuilder, PhoneForms, DEFAULT_BODY_TIMEOUT, DEFAULT_CALLBACK_QUEUE,
    DEFAULT_CALLBACK_TIMEOUT, DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_HEADER_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_JOURNAL_CAPACITY, DEFAULT_LOGIN, DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_TRANSACTIONS, DEFAULT_MOOV_CLIENT_ID,
    DEFAULT_MTN_CLIENT_ID, DEFAULT_PASSWORD,
};

const DEFAULT_LISTEN: &str = "127.0.0.1:0";

/// A password file larger than this is refused (it is not a password file).
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// A duration as `--help` shows it and the flags read it: seconds (`10`, `0.5`).
fn secs(d: Duration) -> String {
    d.as_secs_f64().to_string()
}

/// The flags. Each reads `QOSIC_MOCK_` and its name in capitals too; the ones whose help
/// says `then QOSIC_…` fall back to the SDK's variable ([`Reader::given_or_sdk`]). Values
/// are strings here, converted by [`args_from`] so that an error names its source; the
/// switches take `--flag`, `--flag=false` or a variable set to `true`/`false`/`1`/`0`.
#[derive(Debug, Parser)]
#[command(
    name = "qosic-mock",
    bin_name = "qosic-mock",
    version,
    about = "a fake QosIc mobile-money server for tests",
    next_line_help = true,
    disable_help_subcommand = true
)]
struct Cli {
    /// address to listen on
    #[arg(long, env = "QOSIC_MOCK_LISTEN", hide_env_values = true, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// API login accepted in Basic auth [env: QOSIC_MOCK_LOGIN, then QOSIC_LOGIN]
    #[arg(long, env = "QOSIC_MOCK_LOGIN", hide_env = true, value_name = "LOGIN", default_value = DEFAULT_LOGIN)]
    login: String,
    /// API password accepted in Basic auth; visible to every user in `ps`: prefer
    /// QOSIC_MOCK_PASSWORD, QOSIC_PASSWORD or --password-file
    /// [env: QOSIC_MOCK_PASSWORD, then QOSIC_PASSWORD]
    #[arg(long, env = "QOSIC_MOCK_PASSWORD", hide_env = true, value_name = "PASSWORD", default_value = DEFAULT_PASSWORD)]
    password: String,
    /// read the API password from this file (one trailing newline is dropped)
    #[arg(
        long,
        env = "QOSIC_MOCK_PASSWORD_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    password_file: Option<String>,
    /// MTN client id [env: QOSIC_MOCK_MTN_CLIENT_ID, then QOSIC_MTN_CLIENT_ID]
    #[arg(long, env = "QOSIC_MOCK_MTN_CLIENT_ID", hide_env = true, value_name = "ID", default_value = DEFAULT_MTN_CLIENT_ID)]
    mtn_client_id: String,
    /// MOOV client id [env: QOSIC_MOCK_MOOV_CLIENT_ID, then QOSIC_MOOV_CLIENT_ID]
    #[arg(long, env = "QOSIC_MOCK_MOOV_CLIENT_ID", hide_env = true, value_name = "ID", default_value = DEFAULT_MOOV_CLIENT_ID)]
    moov_client_id: String,
    /// Celtiis client id [env: QOSIC_MOCK_CELTIIS_CLIENT_ID, then QOSIC_CELTIIS_CLIENT_ID]
    #[arg(long, env = "QOSIC_MOCK_CELTIIS_CLIENT_ID", hide_env = true, value_name = "ID", default_value = DEFAULT_CELTIIS_CLIENT_ID)]
    celtiis_client_id: String,
    /// the client id of a carrier, by its name (any carrier served, see below); repeatable;
    /// the variable takes a comma-separated list: mtn=M,tmoney=T
    #[arg(long, env = "QOSIC_MOCK_CLIENT_ID", hide_env_values = true, value_name = "CARRIER=ID", value_delimiter = ',', action = ArgAction::Append)]
    client_id: Vec<String>,
    /// Benin msisdn forms accepted: legacy (229+8 digits), new (229+01+8 digits) or both
    #[arg(long, env = "QOSIC_MOCK_PHONE_FORMS", hide_env_values = true, value_name = "FORMS", default_value = PhoneForms::Both.name())]
    phone_forms: String,
    /// refuse (HTTP 400, code 515) a number sent to another carrier's endpoint [default:
    /// accepted]
    #[arg(long, env = "QOSIC_MOCK_REFUSE_WRONG_CARRIER", hide_env_values = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    refuse_wrong_carrier: Option<String>,
    /// requests the journal keeps; older ones are dropped (and counted)
    #[arg(long, env = "QOSIC_MOCK_JOURNAL_CAPACITY", hide_env_values = true, value_name = "N", default_value_t = DEFAULT_JOURNAL_CAPACITY.to_string())]
    journal_capacity: String,
    /// transactions kept; beyond, payments and deposits get 507 until a reset
    #[arg(long, env = "QOSIC_MOCK_MAX_TRANSACTIONS", hide_env_values = true, value_name = "N", default_value_t = DEFAULT_MAX_TRANSACTIONS.to_string())]
    max_transactions: String,
    /// largest request body read; larger ones get 413
    #[arg(long, env = "QOSIC_MOCK_MAX_BODY", hide_env_values = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY.to_string())]
    max_body: String,
    /// time for a request's headers, from their first byte (e.g. 10 or 0.5)
    #[arg(long, env = "QOSIC_MOCK_HEADER_TIMEOUT", hide_env_values = true, value_name = "SECONDS", default_value_t = secs(DEFAULT_HEADER_TIMEOUT))]
    header_timeout: String,
    /// time for a request's body, from the end of its headers (then 408)
    #[arg(long, env = "QOSIC_MOCK_BODY_TIMEOUT", hide_env_values = true, value_name = "SECONDS", default_value_t = secs(DEFAULT_BODY_TIMEOUT))]
    body_timeout: String,
    /// time a connection may wait for a request, or leave an answer unread
    #[arg(long, env = "QOSIC_MOCK_IDLE_TIMEOUT", hide_env_values = true, value_name = "SECONDS", default_value_t = secs(DEFAULT_IDLE_TIMEOUT))]
    idle_timeout: String,
    /// connections served at once; beyond, a new one gets 503 and is closed. Keep it below
    /// the file-descriptor limit (ulimit -n)
    #[arg(long, env = "QOSIC_MOCK_MAX_CONNECTIONS", hide_env_values = true, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS.to_string())]
    max_connections: String,
    /// turn the admin API off (/__admin/ answers 404)
    #[arg(long, env = "QOSIC_MOCK_NO_ADMIN", hide_env_values = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_admin: Option<String>,
    /// leave the admin API open without a token when listening beyond loopback (without it,
    /// --admin-token or --no-admin, such a server refuses to start)
    #[arg(long, env = "QOSIC_MOCK_ADMIN_OPEN", hide_env_values = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    admin_open: Option<String>,
    /// post callbacks to any host [default: loopback addresses only]
    #[arg(long, env = "QOSIC_MOCK_CALLBACKS_ANYWHERE", hide_env_values = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    callbacks_anywhere: Option<String>,
    /// post QosIc's callbacks (payment confirmed or failed, deposit done) to this http://
    /// URL [default: none]
    #[arg(
        long,
        env = "QOSIC_MOCK_CALLBACK_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    callback_url: Option<String>,
    /// time for one callback's POST: connect, send, answer
    #[arg(long, env = "QOSIC_MOCK_CALLBACK_TIMEOUT", hide_env_values = true, value_name = "SECONDS", default_value_t = secs(DEFAULT_CALLBACK_TIMEOUT))]
    callback_timeout: String,
    /// callbacks that may wait (queued, due later, in flight); beyond, dropped and journaled
    #[arg(long, env = "QOSIC_MOCK_CALLBACK_QUEUE", hide_env_values = true, value_name = "N", default_value_t = DEFAULT_CALLBACK_QUEUE.to_string())]
    callback_queue: String,
    /// require `Authorization: Bearer TOKEN` on the admin API; visible in `ps`: prefer
    /// QOSIC_MOCK_ADMIN_TOKEN
    #[arg(
        long,
        env = "QOSIC_MOCK_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    admin_token: Option<String>,
}

/// The text after the flags in `--help`: precedence, the carriers served, what it prints.
fn after_help() -> String {
    let mut out = String::from(
        "Each flag also reads the environment variable shown (--listen: QOSIC_MOCK_LISTEN); the \
         command line wins over QOSIC_MOCK_*, which wins over the SDK's QOSIC_* variables. \
         Empty variables count as unset.\n\n\
         Carriers served (--client-id CARRIER=ID; each also reads its SDK variable):\n",
    );
    for spec in qosic_mock::carrier_specs() {
        out.push_str(&format!(
            "  {:<10} [env: {}] [default: {}]\n",
            key(spec),
            spec.client_id_var(),
            default_client_id(spec)
        ));
    }
    out.push_str(
        "\nThe first line on stdout is `listening on http://HOST:PORT`; then the server runs \
         until killed. Magic numbers (last two digits): 90 declines, 91 insufficient funds, 92 \
         no account (417), 93 pending forever, 94 server error (500); others approve at the \
         first status check. The admin API lives under /__admin/ (GET /__admin/openapi.json \
         describes every route; see the qosic-mock crate docs).",
    );
    out
}

/// The command line's description: [`Cli`] and [`after_help`].
fn command() -> clap::Command {
    Cli::command().after_help(after_help())
}

/// A carrier's name on the command line: `mtn`.
fn key(spec: &CarrierSpec) -> String {
    spec.name().to_ascii_lowercase()
}

/// A carrier's default client id: `MTN_CLIENT`.
fn default_client_id(spec: &CarrierSpec) -> String {
    format!("{}_CLIENT", spec.name())
}

/// The settings the binary runs with.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    builder: MockQosicBuilder,
}

/// Why the binary does not run: clap's answer (help, version, or a usage error, which clap
/// prints and exits with, 0 or 2), or a value it read that makes no sense (exit 2).
#[derive(Debug)]
enum Stop {
    Clap(clap::Error),
    Invalid(String),
}

impl From<String> for Stop {
    fn from(e: String) -> Stop {
        Stop::Invalid(e)
    }
}

/// Where a value came from, to name it in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The command line: `--listen`.
    Flag(String),
    /// The flag's `QOSIC_MOCK_*` variable.
    Env(String),
    /// The SDK's variable: `QOSIC_LOGIN`.
    Sdk(String),
}

impl Source {
    /// The command line first, then `QOSIC_MOCK_*`, then the SDK's variables.
    fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 0,
            Source::Env(_) => 1,
            Source::Sdk(_) => 2,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(name) | Source::Env(name) | Source::Sdk(name) => f.write_str(name),
        }
    }
}

/// A value given, and where it came from.
#[derive(Debug, Clone)]
struct Given {
    value: String,
    source: Source,
}

impl Given {
    /// The value read by `read`; an error names the source.
    fn read<T>(&self, read: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
        read(&self.value).map_err(|e| format!("{}: {e}", self.source))
    }
}

/// Reads what clap found, with its source, and the SDK's variables.
struct Reader<'a> {
    command: &'a clap::Command,
    matches: &'a ArgMatches,
    sdk_env: &'a dyn Fn(&str) -> Option<String>,
}

impl Reader<'_> {
    /// The source of the flag `id` (a field of [`Cli`]) if given on the command line or by
    /// its variable; a default is not given.
    fn source(&self, id: &str) -> Option<Source> {
        let arg = self.command.get_arguments().find(|a| a.get_id() == id)?;
        match self.matches.value_source(id)? {
            ValueSource::CommandLine => Some(Source::Flag(format!("--{}", arg.get_long()?))),
            ValueSource::EnvVariable => {
                Some(Source::Env(arg.get_env()?.to_string_lossy().into_owned()))
            }
            _ => None,
        }
    }

    /// The value of `id` if given on the command line or by its (non-empty) variable.
    fn given(&self, id: &str, value: Option<&str>) -> Option<Given> {
        let source = self.source(id)?;
        let value = value?.to_owned();
        if value.is_empty() && source.rank() > 0 {
            return None;
        }
        Some(Given { value, source })
    }

    /// The value of `id` if given, else the SDK's variable `sdk` if set and not empty.
    fn given_or_sdk(&self, id: &str, value: &str, sdk: &str) -> Option<Given> {
        self.given(id, Some(value)).or_else(|| {
            (self.sdk_env)(sdk)
                .filter(|v| !v.is_empty())
                .map(|value| Given {
                    value,
                    source: Source::Sdk(sdk.to_owned()),
                })
        })
    }

    /// The value of `id` read by `read`, or `None` if not given.
    fn read<T>(
        &self,
        id: &str,
        value: Option<&str>,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        self.given(id, value).map(|g| g.read(read)).transpose()
    }
}

/// Reads the command line (its first item is the program's name), the `QOSIC_MOCK_*`
/// variables (through clap) and the SDK's (through `sdk_env`).
fn parse(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    sdk_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Args, Stop> {
    let command = command();
    let matches = command
        .clone()
        .try_get_matches_from(args)
        .map_err(Stop::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(Stop::Clap)?;
    let reader = Reader {
        command: &command,
        matches: &matches,
        sdk_env,
    };
    Ok(args_from(&cli, &reader)?)
}

fn args_from(cli: &Cli, r: &Reader<'_>) -> Result<Args, String> {
    let listen = r
        .read("listen", Some(&cli.listen), listen_address)?
        .map_or_else(|| DEFAULT_LISTEN.parse().map_err(|e| format!("{e}")), Ok)?;
    let mut b = MockQosic::builder().bind(listen);
    if let Some(login) = r.given_or_sdk("login", &cli.login, "QOSIC_LOGIN") {
        b = b.login(login.value);
    }
    b = b.password(password(cli, r)?);
    for (carrier, id) in client_ids(cli, r)? {
        b = b.client_id(carrier, id);
    }
    if let Some(forms) = r.read("phone_forms", Some(&cli.phone_forms), phone_forms)? {
        b = b.phone_forms(forms);
    }
    let refuse = cli.refuse_wrong_carrier.as_deref();
    if let Some(refuse) = r.read("refuse_wrong_carrier", refuse, switch)? {
        b = b.refuse_wrong_carrier(refuse);
    }
    let whole = |min| move |v: &str| whole(v, min);
    if let Some(n) = r.read("journal_capacity", Some(&cli.journal_capacity), whole(0))? {
        b = b.journal_capacity(n);
    }
    if let Some(n) = r.read("max_transactions", Some(&cli.max_transactions), whole(0))? {
        b = b.max_transactions(n);
    }
    if let Some(n) = r.read("max_body", Some(&cli.max_body), whole(0))? {
        b = b.max_body(n);
    }
    if let Some(d) = r.read("header_timeout", Some(&cli.header_timeout), seconds)? {
        b = b.header_timeout(d);
    }
    if let Some(d) = r.read("body_timeout", Some(&cli.body_timeout), seconds)? {
        b = b.body_timeout(d);
    }
    if let Some(d) = r.read("idle_timeout", Some(&cli.idle_timeout), seconds)? {
        b = b.idle_timeout(d);
    }
    if let Some(n) = r.read("max_connections", Some(&cli.max_connections), whole(1))? {
        b = b.max_connections(n);
    }
    if let Some(url) = r.read("callback_url", cli.callback_url.as_deref(), callback_url)? {
        b = b.callback_url(url);
    }
    if let Some(d) = r.read("callback_timeout", Some(&cli.callback_timeout), seconds)? {
        b = b.callback_timeout(d);
    }
    if let Some(n) = r.read("callback_queue", Some(&cli.callback_queue), whole(1))? {
        b = b.callback_queue(n);
    }
    let no_admin = r
        .read("no_admin", cli.no_admin.as_deref(), switch)?
        .unwrap_or(false);
    match (no_admin, r.given("admin_token", cli.admin_token.as_deref())) {
        (true, Some(token)) => {
            return Err(format!(
                "--no-admin and {} do not go together",
                token.source
            ))
        }
        (true, None) => b = b.disable_admin(),
        (false, Some(token)) if token.value.is_empty() => {
            return Err(format!("{}: the token is empty", token.source))
        }
        (false, Some(token)) => b = b.admin_token(token.value),
        (false, None) => {
            let open = r
                .read("admin_open", cli.admin_open.as_deref(), switch)?
                .unwrap_or(false);
            if !open && !listen.ip().is_loopback() {
                return Err(format!(
                    "listening on {listen}, beyond loopback, the admin API would be open to \
                     the network (anyone could read the journal, reset the state, or send \
                     callbacks elsewhere): give --admin-token (or QOSIC_MOCK_ADMIN_TOKEN), \
                     --no-admin, or --admin-open to accept that"
                ));
            }
        }
    }
    let anywhere = cli.callbacks_anywhere.as_deref();
    if let Some(anywhere) = r.read("callbacks_anywhere", anywhere, switch)? {
        b = b.callbacks_anywhere(anywhere);
    }
    Ok(Args { listen, builder: b })
}

/// The client ids given, by carrier: from `--mtn-client-id` (and the other Benin flags) and
/// `--client-id CARRIER=ID`, then their `QOSIC_MOCK_*` variables, then the SDK's
/// `QOSIC_<CARRIER>_CLIENT_ID`. Two values for one carrier from sources of the same rank
/// (`--mtn-client-id` and `--client-id mtn=`) are an error; a repeated `--client-id` keeps
/// the last.
fn client_ids(cli: &Cli, r: &Reader<'_>) -> Result<Vec<(Carrier, String)>, String> {
    let mut offers: Vec<(Carrier, Given)> = Vec::new();
    for (id, value, carrier) in [
        ("mtn_client_id", &cli.mtn_client_id, Carrier::Mtn),
        ("moov_client_id", &cli.moov_client_id, Carrier::Moov),
        (
            "celtiis_client_id",
            &cli.celtiis_client_id,
            Carrier::Celtiis,
        ),
    ] {
        if let Some(given) = r.given(id, Some(value)) {
            offers.push((carrier, given));
        }
    }
    if let Some(source) = r.source("client_id") {
        for pair in cli
            .client_id
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            let (name, id) = pair.split_once('=').ok_or_else(|| {
                format!("{source}: expected CARRIER=ID, such as mtn=MY_ID, got {pair:?}")
            })?;
            let spec = qosic_mock::carrier_specs()
                .find(|s| s.carrier().is_named(name))
                .ok_or_else(|| {
                    let known: Vec<String> = qosic_mock::carrier_specs().map(key).collect();
                    format!(
                        "{source}: unknown carrier {:?}, expected one of {}",
                        name.trim(),
                        known.join(", ")
                    )
                })?;
            if id.trim().is_empty() {
                return Err(format!("{source}: the client id of {} is empty", key(spec)));
            }
            let value = id.trim().to_owned();
            let source = source.clone();
            offers.push((spec.carrier(), Given { value, source }));
        }
    }
    // The SDK's variable of every carrier served, below every other source.
    for spec in qosic_mock::carrier_specs() {
        let var = spec.client_id_var();
        if let Some(value) = (r.sdk_env)(var).filter(|v| !v.is_empty()) {
            let source = Source::Sdk(var.to_owned());
            offers.push((spec.carrier(), Given { value, source }));
        }
    }
    let mut chosen: Vec<(Carrier, Given)> = Vec::new();
    for (carrier, offer) in offers {
        match chosen.iter_mut().find(|(c, _)| *c == carrier) {
            None => chosen.push((carrier, offer)),
            Some((_, slot)) => match offer.source.rank().cmp(&slot.source.rank()) {
                std::cmp::Ordering::Less => *slot = offer,
                std::cmp::Ordering::Greater => {}
                std::cmp::Ordering::Equal if offer.source == slot.source => *slot = offer,
                std::cmp::Ordering::Equal => {
                    return Err(format!(
                        "give the client id of {} by {} or by {}, not both",
                        carrier.name().to_ascii_lowercase(),
                        slot.source,
                        offer.source
                    ))
                }
            },
        }
    }
    Ok(chosen.into_iter().map(|(c, g)| (c, g.value)).collect())
}

/// The password: from `--password` or `--password-file` (not both), else from
/// `QOSIC_MOCK_PASSWORD` or `QOSIC_MOCK_PASSWORD_FILE` (not both), else from the SDK's
/// `QOSIC_PASSWORD`, else the default.
fn password(cli: &Cli, r: &Reader<'_>) -> Result<String, String> {
    let given = r.given_or_sdk("password", &cli.password, "QOSIC_PASSWORD");
    let file = r.given("password_file", cli.password_file.as_deref());
    match (given, file) {
        (None, None) => Ok(DEFAULT_PASSWORD.to_owned()),
        (Some(password), None) => Ok(password.value),
        (None, Some(file)) => file.read(read_password_file),
        (Some(password), Some(file)) => match password.source.rank().cmp(&file.source.rank()) {
            std::cmp::Ordering::Less => Ok(password.value),
            std::cmp::Ordering::Greater => file.read(read_password_file),
            std::cmp::Ordering::Equal => Err(format!(
                "give {} or {}, not both",
                password.source, file.source
            )),
        },
    }
}

fn read_password_file(path: &str) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let mut text = String::new();
    file.take(MAX_PASSWORD_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {path} as UTF-8 text: {e}"))?;
    if text.len() as u64 > MAX_PASSWORD_FILE {
        return Err(format!(
            "{path} is larger than {MAX_PASSWORD_FILE} bytes: not a password file"
        ));
    }
    let password = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if password.is_empty() {
        return Err(format!("{path} holds no password"));
    }
    Ok(password.to_owned())
}

/// A name read by `PhoneForms`'s serde derive, whose error lists the accepted names.
fn phone_forms(v: &str) -> Result<PhoneForms, String> {
    serde_json::from_value(serde_json::Value::from(v)).map_err(|e| e.to_string())
}

fn callback_url(v: &str) -> Result<String, String> {
    if v.starts_with("http://") {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "expected an http:// URL, such as http://127.0.0.1:9000/qosic, got {v:?}"
        ))
    }
}

fn listen_address(v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .ok()
        .or_else(|| v.to_socket_addrs().ok().and_then(|mut a| a.next()))
        .ok_or_else(|| format!("{v:?} is not an address like 127.0.0.1:8080"))
}

fn switch(v: &str) -> Result<bool, String> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("expected true or false, got {v:?}")),
    }
}

fn whole(v: &str, min: usize) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least {min}, got {v:?}"
        )),
    }
}

fn seconds(v: &str) -> Result<Duration, String> {
    match v.parse::<f64>().ok().map(Duration::try_from_secs_f64) {
        Some(Ok(d)) if !d.is_zero() => Ok(d),
        _ => Err(format!(
            "expected a positive number of seconds, e.g. 10 or 0.5, got {v:?}"
        )),
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args_os(), &|name| std::env::var(name).ok()) {
        Ok(args) => args,
        // `--help` and `--version` (exit 0), or a usage error (exit 2), as clap prints them.
        Err(Stop::Clap(e)) => e.exit(),
        Err(Stop::Invalid(e)) => {
            eprintln!("qosic-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("qosic-mock: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listen = args.listen;
    runtime.block_on(async move {
        // The server runs on its own thread; this one waits for good once it has told the
        // address.
        let mock = match args.builder.try_start().await {
            Ok(mock) => mock,
            Err(e) => {
                eprintln!("qosic-mock: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "listening on {}", mock.uri())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // Nobody to tell the address to: fail without a word.
            return ExitCode::FAILURE;
        }
        drop(stdout);
        match std::future::pending::<std::convert::Infallible>().await {}
    })
}

#[cfg(test)]
mod tests;

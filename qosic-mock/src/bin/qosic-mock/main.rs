//! The `qosic-mock` binary: the fake QosIc server for test suites in any language. It
//! prints `listening on http://HOST:PORT` as its first line on stdout and serves until
//! killed. Its flags ([`Cli`], `--help`) also read `QOSIC_MOCK_*` variables, and the SDK's
//! own (`QOSIC_LOGIN`, `QOSIC_PASSWORD`, `QOSIC_<CARRIER>_CLIENT_ID`) below both.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory, Parser};
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

/// The flags (each also read from `QOSIC_MOCK_<NAME>`), declared only: [`builder`] reads
/// them as text. Switches take `--flag`, `--flag=false` or `true`/`false`/`1`/`0`.
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
    #[arg(long, env = "QOSIC_MOCK_LISTEN", value_name = "ADDR", default_value = DEFAULT_LISTEN)]
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
    #[arg(long, env = "QOSIC_MOCK_PASSWORD_FILE", value_name = "PATH")]
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
    #[arg(long, env = "QOSIC_MOCK_CLIENT_ID", value_name = "CARRIER=ID", value_delimiter = ',', action = ArgAction::Append)]
    client_id: Vec<String>,
    /// Benin msisdn forms accepted: legacy (229+8 digits), new (229+01+8 digits) or both
    #[arg(long, env = "QOSIC_MOCK_PHONE_FORMS", value_name = "FORMS", default_value = PhoneForms::Both.name())]
    phone_forms: String,
    /// refuse (HTTP 400, code 515) a number sent to another carrier's endpoint [default:
    /// accepted]
    #[arg(long, env = "QOSIC_MOCK_REFUSE_WRONG_CARRIER", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    refuse_wrong_carrier: Option<String>,
    /// requests the journal keeps; older ones are dropped (and counted)
    #[arg(long, env = "QOSIC_MOCK_JOURNAL_CAPACITY", value_name = "N", default_value_t = DEFAULT_JOURNAL_CAPACITY.to_string())]
    journal_capacity: String,
    /// transactions kept; beyond, payments and deposits get 507 until a reset
    #[arg(long, env = "QOSIC_MOCK_MAX_TRANSACTIONS", value_name = "N", default_value_t = DEFAULT_MAX_TRANSACTIONS.to_string())]
    max_transactions: String,
    /// largest request body read; larger ones get 413
    #[arg(long, env = "QOSIC_MOCK_MAX_BODY", value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY.to_string())]
    max_body: String,
    /// time for a request's headers, from their first byte (e.g. 10 or 0.5)
    #[arg(long, env = "QOSIC_MOCK_HEADER_TIMEOUT", value_name = "SECONDS", default_value_t = secs(DEFAULT_HEADER_TIMEOUT))]
    header_timeout: String,
    /// time for a request's body, from the end of its headers (then 408)
    #[arg(long, env = "QOSIC_MOCK_BODY_TIMEOUT", value_name = "SECONDS", default_value_t = secs(DEFAULT_BODY_TIMEOUT))]
    body_timeout: String,
    /// time a connection may wait for a request, or leave an answer unread
    #[arg(long, env = "QOSIC_MOCK_IDLE_TIMEOUT", value_name = "SECONDS", default_value_t = secs(DEFAULT_IDLE_TIMEOUT))]
    idle_timeout: String,
    /// connections served at once; beyond, a new one gets 503 and is closed. Keep it below
    /// the file-descriptor limit (ulimit -n)
    #[arg(long, env = "QOSIC_MOCK_MAX_CONNECTIONS", value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS.to_string())]
    max_connections: String,
    /// turn the admin API off (/__admin/ answers 404)
    #[arg(long, env = "QOSIC_MOCK_NO_ADMIN", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_admin: Option<String>,
    /// leave the admin API open without a token when listening beyond loopback (without it,
    /// --admin-token or --no-admin, such a server refuses to start)
    #[arg(long, env = "QOSIC_MOCK_ADMIN_OPEN", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    admin_open: Option<String>,
    /// post callbacks to any host [default: loopback addresses only]
    #[arg(long, env = "QOSIC_MOCK_CALLBACKS_ANYWHERE", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    callbacks_anywhere: Option<String>,
    /// post QosIc's callbacks (payment confirmed or failed, deposit done) to this http://
    /// URL [default: none]
    #[arg(long, env = "QOSIC_MOCK_CALLBACK_URL", value_name = "URL")]
    callback_url: Option<String>,
    /// time for one callback's POST: connect, send, answer
    #[arg(long, env = "QOSIC_MOCK_CALLBACK_TIMEOUT", value_name = "SECONDS", default_value_t = secs(DEFAULT_CALLBACK_TIMEOUT))]
    callback_timeout: String,
    /// callbacks that may wait (queued, due later, in flight); beyond, dropped and journaled
    #[arg(long, env = "QOSIC_MOCK_CALLBACK_QUEUE", value_name = "N", default_value_t = DEFAULT_CALLBACK_QUEUE.to_string())]
    callback_queue: String,
    /// require `Authorization: Bearer TOKEN` on the admin API; visible in `ps`: prefer
    /// QOSIC_MOCK_ADMIN_TOKEN
    #[arg(long, env = "QOSIC_MOCK_ADMIN_TOKEN", value_name = "TOKEN")]
    admin_token: Option<String>,
}

/// The text after the flags in `--help`: precedence, the carriers served, what it prints.
fn after_help() -> String {
    let carriers: String = qosic_mock::carrier_specs()
        .map(|spec| {
            let (key, var, name) = (key(spec), spec.client_id_var(), spec.name());
            format!("  {key:<10} [env: {var}] [default: {name}_CLIENT]\n")
        })
        .collect();
    format!(
        "Each flag also reads the environment variable shown (--listen: QOSIC_MOCK_LISTEN); the \
         command line wins over QOSIC_MOCK_*, which wins over the SDK's QOSIC_* variables. \
         Empty variables count as unset.\n\n\
         Carriers served (--client-id CARRIER=ID; each also reads its SDK variable):\n\
         {carriers}\n\
         The first line on stdout is `listening on http://HOST:PORT`; then the server runs \
         until killed. Magic numbers (last two digits): 90 declines, 91 insufficient funds, 92 \
         no account (417), 93 pending forever, 94 server error (500); others approve at the \
         first status check. The admin API lives under /__admin/ (GET /__admin/openapi.json \
         describes every route; see the qosic-mock crate docs)."
    )
}

/// A carrier's name on the command line: `mtn`.
fn key(spec: &CarrierSpec) -> String {
    spec.name().to_ascii_lowercase()
}

/// A value given, where it came from (`--listen`, its `QOSIC_MOCK_*` variable or the SDK's
/// `QOSIC_*` one, named in errors) and that source's rank: a lower one wins (command line
/// 0, `QOSIC_MOCK_*` 1, SDK 2).
#[derive(Debug, Clone)]
struct Given {
    value: String,
    source: String,
    rank: u8,
}

impl Given {
    fn new(value: String, source: String, rank: u8) -> Given {
        Given {
            value,
            source,
            rank,
        }
    }

    /// The value read by `read`; an error names the source.
    fn read<T>(&self, read: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
        read(&self.value).map_err(|e| format!("{}: {e}", self.source))
    }
}

/// A non-empty SDK variable.
fn sdk(var: &str) -> Option<Given> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty())?;
    Some(Given::new(value, var.to_owned(), 2))
}

/// Reads what clap found, with its source.
struct Reader {
    command: clap::Command,
    matches: ArgMatches,
}

impl Reader {
    /// Where the flag `id` (a field of [`Cli`]) was given; a default is not given.
    fn source(&self, id: &str) -> Option<(String, u8)> {
        let arg = self.command.get_arguments().find(|a| a.get_id() == id)?;
        match self.matches.value_source(id)? {
            ValueSource::CommandLine => Some((format!("--{}", arg.get_long()?), 0)),
            ValueSource::EnvVariable => Some((arg.get_env()?.to_string_lossy().into_owned(), 1)),
            _ => None,
        }
    }

    /// The values of the flag `id`, as given.
    fn values(&self, id: &str) -> Vec<String> {
        let values = self.matches.get_raw(id).into_iter().flatten();
        values.map(|v| v.to_string_lossy().into_owned()).collect()
    }

    /// The value of `id` if given on the command line or by its (non-empty) variable.
    fn given(&self, id: &str) -> Option<Given> {
        let (source, rank) = self.source(id)?;
        let value = self.values(id).pop()?;
        (!value.is_empty() || rank == 0).then(|| Given::new(value, source, rank))
    }

    /// The value of `id` read by `read`, or `None` if not given.
    fn read<T>(
        &self,
        id: &str,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        self.given(id).map(|g| g.read(read)).transpose()
    }
}

/// The server to start, from the flags and variables.
fn builder(r: &Reader) -> Result<(SocketAddr, MockQosicBuilder), String> {
    let listen = r
        .read("listen", listen_address)?
        .map_or_else(|| listen_address(DEFAULT_LISTEN), Ok)?;
    let mut b = MockQosic::builder().bind(listen);
    // Reads the flag `$field` with `$read` and gives it to the builder's method of that name.
    macro_rules! set {
        ($field:ident, $read:expr) => {
            if let Some(v) = r.read(stringify!($field), $read)? {
                b = b.$field(v);
            }
        };
    }
    if let Some(login) = r.given("login").or_else(|| sdk("QOSIC_LOGIN")) {
        b = b.login(login.value);
    }
    b = b.password(password(r)?);
    for (carrier, id) in client_ids(r)? {
        b = b.client_id(carrier, id);
    }
    let whole = |min| move |v: &str| whole(v, min);
    set!(phone_forms, phone_forms);
    set!(refuse_wrong_carrier, switch);
    set!(journal_capacity, whole(0));
    set!(max_transactions, whole(0));
    set!(max_body, whole(0));
    set!(header_timeout, seconds);
    set!(body_timeout, seconds);
    set!(idle_timeout, seconds);
    set!(max_connections, whole(1));
    set!(callback_url, callback_url);
    set!(callback_timeout, seconds);
    set!(callback_queue, whole(1));
    set!(callbacks_anywhere, switch);
    let no_admin = r.read("no_admin", switch)?;
    match (no_admin == Some(true), r.given("admin_token")) {
        (true, Some(token)) => Err(format!(
            "--no-admin and {} do not go together",
            token.source
        )),
        (true, None) => Ok(b.disable_admin()),
        (false, Some(token)) if token.value.is_empty() => {
            Err(format!("{}: the token is empty", token.source))
        }
        (false, Some(token)) => Ok(b.admin_token(token.value)),
        (false, None) => {
            let open = r.read("admin_open", switch)?;
            if open != Some(true) && !listen.ip().is_loopback() {
                return Err(format!(
                    "listening on {listen}, beyond loopback, the admin API would be open to \
                     the network (anyone could read the journal, reset the state, or send \
                     callbacks elsewhere): give --admin-token (or QOSIC_MOCK_ADMIN_TOKEN), \
                     --no-admin, or --admin-open to accept that"
                ));
            }
            Ok(b)
        }
    }
    .map(|b| (listen, b))
}

/// The client ids given, by carrier: from `--mtn-client-id` (and the other Benin flags) and
/// `--client-id CARRIER=ID`, then their `QOSIC_MOCK_*` variables, then the SDK's
/// `QOSIC_<CARRIER>_CLIENT_ID`. Two values for one carrier from sources of the same rank
/// (`--mtn-client-id` and `--client-id mtn=`) are an error; a repeated `--client-id` keeps
/// the last.
fn client_ids(r: &Reader) -> Result<Vec<(Carrier, String)>, String> {
    let mut offers: Vec<(Carrier, Given)> = Vec::new();
    for (id, carrier) in [
        ("mtn_client_id", Carrier::Mtn),
        ("moov_client_id", Carrier::Moov),
        ("celtiis_client_id", Carrier::Celtiis),
    ] {
        if let Some(given) = r.given(id) {
            offers.push((carrier, given));
        }
    }
    if let Some((source, rank)) = r.source("client_id") {
        for pair in r.values("client_id").iter().map(|v| v.trim()) {
            if pair.is_empty() {
                continue;
            }
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
            let given = Given::new(id.trim().to_owned(), source.clone(), rank);
            offers.push((spec.carrier(), given));
        }
    }
    // The SDK's variable of every carrier served, below every other source.
    for spec in qosic_mock::carrier_specs() {
        if let Some(given) = sdk(spec.client_id_var()) {
            offers.push((spec.carrier(), given));
        }
    }
    let mut chosen: Vec<(Carrier, Given)> = Vec::new();
    for (carrier, offer) in offers {
        let Some((_, slot)) = chosen.iter_mut().find(|(c, _)| *c == carrier) else {
            chosen.push((carrier, offer));
            continue;
        };
        if offer.source == slot.source || offer.rank < slot.rank {
            *slot = offer;
        } else if offer.rank == slot.rank {
            let name = carrier.name().to_ascii_lowercase();
            let (a, b) = (&slot.source, &offer.source);
            return Err(format!(
                "give the client id of {name} by {a} or by {b}, not both"
            ));
        }
    }
    Ok(chosen.into_iter().map(|(c, g)| (c, g.value)).collect())
}

/// The password: from `--password` or `--password-file` (not both), else from
/// `QOSIC_MOCK_PASSWORD` or `QOSIC_MOCK_PASSWORD_FILE` (not both), else from the SDK's
/// `QOSIC_PASSWORD`, else the default.
fn password(r: &Reader) -> Result<String, String> {
    let given = r.given("password").or_else(|| sdk("QOSIC_PASSWORD"));
    let file = r.given("password_file");
    match (given, file) {
        (None, None) => Ok(DEFAULT_PASSWORD.to_owned()),
        (Some(password), None) => Ok(password.value),
        (None, Some(file)) => file.read(read_password_file),
        (Some(password), Some(file)) => match password.rank.cmp(&file.rank) {
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
    let url = Some(v.to_owned()).filter(|v| v.starts_with("http://"));
    url.ok_or_else(|| {
        format!("expected an http:// URL, such as http://127.0.0.1:9000/qosic, got {v:?}")
    })
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
    let n = v.parse::<usize>().ok().filter(|&n| n >= min);
    n.ok_or_else(|| format!("expected a whole number of at least {min}, got {v:?}"))
}

fn seconds(v: &str) -> Result<Duration, String> {
    let d = v
        .parse()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    let why = || format!("expected a positive number of seconds, e.g. 10 or 0.5, got {v:?}");
    d.filter(|d| !d.is_zero()).ok_or_else(why)
}

/// Restarts the binary with glibc's mmap threshold fixed at 128 KiB, unless it is set: glibc
/// raises it when a large block is freed, so that later request bodies come from its heap
/// and stay resident once freed (`benches/mock_body_memory.py`). glibc reads
/// `GLIBC_TUNABLES` only at start; the `exec` returns only if it failed (then run as is).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    const TUNABLE: &str = "glibc.malloc.mmap_threshold=131072";
    let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    if !tunables.contains("glibc.malloc.mmap_threshold") {
        let value = [tunables.as_str(), TUNABLE].join(if tunables.is_empty() { "" } else { ":" });
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", value)
            .exec();
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fix_mmap_threshold();
    // No variable's value is shown in `--help` (a password, a token).
    let command = Cli::command()
        .mut_args(|arg| arg.hide_env_values(true))
        .after_help(after_help());
    // `--help` and `--version` (exit 0), or a usage error (exit 2), as clap prints them.
    let matches = command
        .clone()
        .try_get_matches()
        .unwrap_or_else(|e| e.exit());
    let (listen, builder) = match builder(&Reader { command, matches }) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("qosic-mock: {e}");
            return ExitCode::from(2);
        }
    };
    // The server runs on its own thread and runtime; this one starts it, tells the address,
    // and waits for good.
    let started = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime.block_on(builder.try_start()),
        Err(e) => {
            eprintln!("qosic-mock: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mock = match started {
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
    loop {
        std::thread::park();
    }
}

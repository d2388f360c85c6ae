//! The `qosic-mock` binary: the fake QosIc server for test suites in any language.
//!
//! It prints `listening on http://HOST:PORT` as the first line on stdout, flushes, and
//! serves until killed. `qosic-mock --help` lists the flags, their environment variables
//! and their defaults.
//!
//! Arguments are read with `lexopt` (no dependencies, under a second to build: downstream
//! suites that depend on the library pay nearly nothing for the binary). Each flag is
//! described once, in [`FLAGS`]: the parser, the environment variables and `--help` all
//! come from that table.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use qosic_core::carrier::CarrierSpec;
use qosic_mock::{
    Carrier, MockQosic, MockQosicBuilder, PhoneForms, DEFAULT_BODY_TIMEOUT,
    DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_JOURNAL_CAPACITY, DEFAULT_LOGIN, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_TRANSACTIONS, DEFAULT_MOOV_CLIENT_ID, DEFAULT_MTN_CLIENT_ID, DEFAULT_PASSWORD,
};
use qosic_mock::{DEFAULT_CALLBACK_QUEUE, DEFAULT_CALLBACK_TIMEOUT};

const DEFAULT_LISTEN: &str = "127.0.0.1:0";

/// The prefix of the environment variable of every flag: `--listen` is `QOSIC_MOCK_LISTEN`.
const ENV_PREFIX: &str = "QOSIC_MOCK_";

/// A password file larger than this is refused (it is not a password file).
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// One flag of the command line.
struct Flag {
    /// The long name, without `--`.
    long: &'static str,
    /// The value's name in the help, or `None` for a switch (`--flag` or `--flag=false`).
    value: Option<&'static str>,
    /// The help text; `{default}` lines are added from [`Flag::default`].
    help: &'static str,
    /// The SDK's variable read when neither the flag nor its `QOSIC_MOCK_` variable is set.
    sdk_env: Option<&'static str>,
    /// Given any number of times (`--client-id`); its variable holds a comma-separated list.
    repeatable: bool,
}

impl Flag {
    fn env(&self) -> String {
        format!(
            "{ENV_PREFIX}{}",
            self.long.to_ascii_uppercase().replace('-', "_")
        )
    }
}

const FLAGS: &[Flag] = &[
    Flag { long: "listen", value: Some("ADDR"), help: "address to listen on", sdk_env: None, repeatable: false },
    Flag { long: "login", value: Some("LOGIN"), help: "API login accepted in Basic auth", sdk_env: Some("QOSIC_LOGIN"), repeatable: false },
    Flag {
        long: "password",
        value: Some("PASSWORD"),
        help: "API password accepted in Basic auth; visible to every user in `ps`: prefer\n\
               QOSIC_MOCK_PASSWORD, QOSIC_PASSWORD or --password-file",
        sdk_env: Some("QOSIC_PASSWORD"),
        repeatable: false,
    },
    Flag {
        long: "password-file",
        value: Some("PATH"),
        help: "read the API password from this file (one trailing newline is dropped)",
        sdk_env: None,
        repeatable: false,
    },
    Flag { long: "mtn-client-id", value: Some("ID"), help: "MTN client id", sdk_env: Some("QOSIC_MTN_CLIENT_ID"), repeatable: false },
    Flag { long: "moov-client-id", value: Some("ID"), help: "MOOV client id", sdk_env: Some("QOSIC_MOOV_CLIENT_ID"), repeatable: false },
    Flag { long: "celtiis-client-id", value: Some("ID"), help: "Celtiis client id", sdk_env: Some("QOSIC_CELTIIS_CLIENT_ID"), repeatable: false },
    Flag {
        long: "client-id",
        value: Some("CARRIER=ID"),
        help: "the client id of a carrier, by its name (any carrier served, see below);\n\
               repeatable; the variable takes a comma-separated list: mtn=M,tmoney=T",
        sdk_env: None,
        repeatable: true,
    },
    Flag {
        long: "phone-forms",
        value: Some("FORMS"),
        help: "Benin msisdn forms accepted: legacy (229+8 digits), new (229+01+8 digits)\nor both",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "refuse-wrong-carrier",
        value: None,
        help: "refuse (HTTP 400, code 515) a number sent to another carrier's endpoint\n[default: accepted]",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "journal-capacity",
        value: Some("N"),
        help: "requests the journal keeps; older ones are dropped (and counted)",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "max-transactions",
        value: Some("N"),
        help: "transactions kept; beyond, payments and deposits get 507 until a reset",
        sdk_env: None,
        repeatable: false,
    },
    Flag { long: "max-body", value: Some("BYTES"), help: "largest request body read; larger ones get 413", sdk_env: None, repeatable: false },
    Flag {
        long: "header-timeout",
        value: Some("SECONDS"),
        help: "time for a request's headers, from their first byte (e.g. 10 or 0.5)",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "body-timeout",
        value: Some("SECONDS"),
        help: "time for a request's body, from the end of its headers (then 408)",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "idle-timeout",
        value: Some("SECONDS"),
        help: "time a connection may wait for a request, or leave an answer unread",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "max-connections",
        value: Some("N"),
        help: "connections served at once; beyond, a new one gets 503 and is closed.\n\
               Keep it below the file-descriptor limit (ulimit -n)",
        sdk_env: None,
        repeatable: false,
    },
    Flag { long: "no-admin", value: None, help: "turn the admin API off (/__admin/ answers 404)", sdk_env: None, repeatable: false },
    Flag {
        long: "admin-open",
        value: None,
        help: "leave the admin API open without a token when listening beyond loopback\n\
               (without it, --admin-token or --no-admin, such a server refuses to start)",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "callbacks-anywhere",
        value: None,
        help: "post callbacks to any host [default: loopback addresses only]",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "callback-url",
        value: Some("URL"),
        help: "post QosIc's callbacks (payment confirmed or failed, deposit done) to this\n\
               http:// URL [default: none]",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "callback-timeout",
        value: Some("SECONDS"),
        help: "time for one callback's POST: connect, send, answer",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "callback-queue",
        value: Some("N"),
        help: "callbacks that may wait (queued, due later, in flight); beyond, dropped\n\
               and journaled",
        sdk_env: None,
        repeatable: false,
    },
    Flag {
        long: "admin-token",
        value: Some("TOKEN"),
        help: "require `Authorization: Bearer TOKEN` on the admin API; visible in `ps`:\n\
               prefer QOSIC_MOCK_ADMIN_TOKEN",
        sdk_env: None,
        repeatable: false,
    },
];

/// The default of a flag, as `--help` shows it.
fn default_of(long: &str) -> Option<String> {
    let secs = |d: Duration| format!("{}", d.as_secs_f64());
    Some(match long {
        "listen" => DEFAULT_LISTEN.to_owned(),
        "login" => DEFAULT_LOGIN.to_owned(),
        "password" => DEFAULT_PASSWORD.to_owned(),
        "mtn-client-id" => DEFAULT_MTN_CLIENT_ID.to_owned(),
        "client-id" => "<CARRIER>_CLIENT, see below".to_owned(),
        "moov-client-id" => DEFAULT_MOOV_CLIENT_ID.to_owned(),
        "celtiis-client-id" => DEFAULT_CELTIIS_CLIENT_ID.to_owned(),
        "phone-forms" => PhoneForms::Both.name().to_owned(),
        "journal-capacity" => DEFAULT_JOURNAL_CAPACITY.to_string(),
        "max-transactions" => DEFAULT_MAX_TRANSACTIONS.to_string(),
        "max-body" => DEFAULT_MAX_BODY.to_string(),
        "header-timeout" => secs(DEFAULT_HEADER_TIMEOUT),
        "body-timeout" => secs(DEFAULT_BODY_TIMEOUT),
        "idle-timeout" => secs(DEFAULT_IDLE_TIMEOUT),
        "max-connections" => DEFAULT_MAX_CONNECTIONS.to_string(),
        "callback-timeout" => secs(DEFAULT_CALLBACK_TIMEOUT),
        "callback-queue" => DEFAULT_CALLBACK_QUEUE.to_string(),
        _ => return None,
    })
}

fn help() -> String {
    let mut out = format!(
        "qosic-mock {}: a fake QosIc mobile-money server for tests

Usage: qosic-mock [OPTIONS]

Options (each also reads --flag=value, and the environment variable shown; the command
line wins over QOSIC_MOCK_*, which wins over the SDK's QOSIC_* variables):
",
        env!("CARGO_PKG_VERSION")
    );
    for flag in FLAGS {
        let head = match flag.value {
            Some(value) => format!("--{} {value}", flag.long),
            None => format!("--{}", flag.long),
        };
        out.push_str(&format!("  {head}\n"));
        for line in flag.help.lines() {
            out.push_str(&format!("          {}\n", line.trim_start()));
        }
        let mut env = format!("[env: {}", flag.env());
        if let Some(sdk) = flag.sdk_env {
            env.push_str(&format!(", then {sdk}"));
        }
        env.push(']');
        match default_of(flag.long) {
            Some(default) => out.push_str(&format!("          {env} [default: {default}]\n")),
            None => out.push_str(&format!("          {env}\n")),
        }
    }
    out.push_str(
        &"  -h, --help
          print this help
  -V, --version
          print the version

{carriers}
The first line on stdout is `listening on http://HOST:PORT`; then the server runs until
killed. Magic numbers (last two digits): 90 declines, 91 insufficient funds, 92 no account
(417), 93 pending forever, 94 server error (500); others approve at the first status check.
The admin API lives under /__admin/ (see the qosic-mock crate docs).
"
        .replace("{carriers}", &carriers_help()),
    );
    out
}

/// The carriers served, their client ids' defaults and variables, for `--help`.
fn carriers_help() -> String {
    let mut out = String::from(
        "Carriers served (--client-id CARRIER=ID; each also reads its SDK variable):\n",
    );
    for spec in qosic_mock::carrier_specs() {
        out.push_str(&format!(
            "  {:<10} [env: {}] [default: {}]\n",
            key(spec),
            spec.client_id_var(),
            default_client_id(spec)
        ));
    }
    out
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

#[derive(Debug)]
enum Parsed {
    Run(Box<Args>),
    Print(String),
}

/// Where a value came from, to name it in errors.
#[derive(Debug, Clone)]
enum Source {
    /// The command line.
    Flag(&'static str),
    /// An environment variable: the flag's `QOSIC_MOCK_*`, or the SDK's (`sdk`).
    Env { name: String, sdk: bool },
}

impl Source {
    /// The command line first, then `QOSIC_MOCK_*`, then the SDK's variables.
    fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 0,
            Source::Env { sdk: false, .. } => 1,
            Source::Env { sdk: true, .. } => 2,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(long) => write!(f, "--{long}"),
            Source::Env { name, .. } => f.write_str(name),
        }
    }
}

/// The raw values given, by flag, with where they came from.
struct Given {
    values: Vec<(&'static str, String, Source)>,
}

impl Given {
    /// Every value of a repeatable flag, in order.
    fn all(&self, long: &str) -> impl Iterator<Item = (&str, &Source)> + '_ {
        let long = long.to_owned();
        self.values
            .iter()
            .filter(move |(l, _, _)| *l == long)
            .map(|(_, v, s)| (v.as_str(), s))
    }

    fn get(&self, long: &str) -> Option<(&str, &Source)> {
        self.values
            .iter()
            .find(|(l, _, _)| *l == long)
            .map(|(_, v, s)| (v.as_str(), s))
    }

    /// The value of `long`, parsed by `read`, if given.
    fn parse<T>(
        &self,
        long: &str,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.get(long) {
            None => Ok(None),
            Some((raw, source)) => read(raw).map(Some).map_err(|e| format!("{source}: {e}")),
        }
    }
}

fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Parsed, String> {
    match gather(args, env)? {
        Gathered::Print(text) => Ok(Parsed::Print(text)),
        Gathered::Given(given) => args_from(&given).map(|args| Parsed::Run(Box::new(args))),
    }
}

enum Gathered {
    Given(Given),
    Print(String),
}

/// Reads the command line, then fills each flag not given from its variables.
fn gather(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Gathered, String> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let mut cli: Vec<(&'static str, String)> = Vec::new();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Gathered::Print(help())),
            Short('V') | Long("version") => {
                return Ok(Gathered::Print(format!(
                    "qosic-mock {}\n",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            Long(name) => {
                let name = name.to_owned();
                let Some(flag) = FLAGS.iter().find(|f| f.long == name) else {
                    return Err(format!("unknown argument --{name} (try --help)"));
                };
                let value = match flag.value {
                    Some(_) => parser.value(),
                    None => Ok(parser.optional_value().unwrap_or_else(|| "true".into())),
                }
                .map_err(|e| e.to_string())?
                .into_string()
                .map_err(|v| format!("--{name}: {v:?} is not valid UTF-8"))?;
                if !flag.repeatable {
                    cli.retain(|(l, _)| *l != flag.long);
                }
                cli.push((flag.long, value));
            }
            other => return Err(format!("{} (try --help)", other.unexpected())),
        }
    }

    // The command line, then QOSIC_MOCK_*, then the SDK's QOSIC_*. Empty variables are unset.
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut given = Given { values: Vec::new() };
    for flag in FLAGS {
        if flag.repeatable {
            let given_cli: Vec<&String> = cli
                .iter()
                .filter(|(l, _)| *l == flag.long)
                .map(|(_, v)| v)
                .collect();
            if !given_cli.is_empty() {
                for v in given_cli {
                    given
                        .values
                        .push((flag.long, v.clone(), Source::Flag(flag.long)));
                }
            } else if let Some(list) = env(&flag.env()) {
                for v in list.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                    let source = Source::Env {
                        name: flag.env(),
                        sdk: false,
                    };
                    given.values.push((flag.long, v.to_owned(), source));
                }
            }
            continue;
        }
        let value = if let Some((_, v)) = cli.iter().find(|(l, _)| *l == flag.long) {
            Some((v.clone(), Source::Flag(flag.long)))
        } else if let Some(v) = env(&flag.env()) {
            Some((
                v,
                Source::Env {
                    name: flag.env(),
                    sdk: false,
                },
            ))
        } else {
            flag.sdk_env.and_then(|name| {
                env(name).map(|v| {
                    (
                        v,
                        Source::Env {
                            name: name.to_owned(),
                            sdk: true,
                        },
                    )
                })
            })
        };
        if let Some((v, source)) = value {
            given.values.push((flag.long, v, source));
        }
    }
    // The SDK's client id variable of every carrier served (the Benin ones are above).
    for spec in qosic_mock::carrier_specs() {
        let var = spec.client_id_var();
        if FLAGS.iter().any(|f| f.sdk_env == Some(var)) {
            continue;
        }
        if let Some(v) = env(var) {
            let source = Source::Env {
                name: var.to_owned(),
                sdk: true,
            };
            given
                .values
                .push(("client-id", format!("{}={v}", key(spec)), source));
        }
    }
    Ok(Gathered::Given(given))
}

fn args_from(given: &Given) -> Result<Args, String> {
    let listen = given
        .parse("listen", listen_address)?
        .map_or_else(|| DEFAULT_LISTEN.parse().map_err(|e| format!("{e}")), Ok)?;
    let mut b = MockQosic::builder().bind(listen);
    if let Some((login, _)) = given.get("login") {
        b = b.login(login);
    }
    b = b.password(password(given)?);
    for (carrier, id) in client_ids(given)? {
        b = b.client_id(carrier, id);
    }
    if let Some(forms) = given.parse("phone-forms", phone_forms)? {
        b = b.phone_forms(forms);
    }
    if let Some(refuse) = given.parse("refuse-wrong-carrier", switch)? {
        b = b.refuse_wrong_carrier(refuse);
    }
    if let Some(n) = given.parse("journal-capacity", |v| whole(v, 0))? {
        b = b.journal_capacity(n);
    }
    if let Some(n) = given.parse("max-transactions", |v| whole(v, 0))? {
        b = b.max_transactions(n);
    }
    if let Some(n) = given.parse("max-body", |v| whole(v, 0))? {
        b = b.max_body(n);
    }
    if let Some(d) = given.parse("header-timeout", seconds)? {
        b = b.header_timeout(d);
    }
    if let Some(d) = given.parse("body-timeout", seconds)? {
        b = b.body_timeout(d);
    }
    if let Some(d) = given.parse("idle-timeout", seconds)? {
        b = b.idle_timeout(d);
    }
    if let Some(n) = given.parse("max-connections", |v| whole(v, 1))? {
        b = b.max_connections(n);
    }
    if let Some(url) = given.parse("callback-url", callback_url)? {
        b = b.callback_url(url);
    }
    if let Some(d) = given.parse("callback-timeout", seconds)? {
        b = b.callback_timeout(d);
    }
    if let Some(n) = given.parse("callback-queue", |v| whole(v, 1))? {
        b = b.callback_queue(n);
    }
    let no_admin = given.parse("no-admin", switch)?.unwrap_or(false);
    match (no_admin, given.get("admin-token")) {
        (true, Some((_, source))) => {
            return Err(format!("--no-admin and {source} do not go together"))
        }
        (true, None) => b = b.disable_admin(),
        (false, Some(("", source))) => return Err(format!("{source}: the token is empty")),
        (false, Some((token, _))) => b = b.admin_token(token),
        (false, None) => {
            let open = given.parse("admin-open", switch)?.unwrap_or(false);
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
    if let Some(anywhere) = given.parse("callbacks-anywhere", switch)? {
        b = b.callbacks_anywhere(anywhere);
    }
    Ok(Args { listen, builder: b })
}

/// The client ids given, by carrier: from `--mtn-client-id` (and the other Benin flags) and
/// `--client-id CARRIER=ID`, then their `QOSIC_MOCK_*` variables, then the SDK's
/// `QOSIC_<CARRIER>_CLIENT_ID`. Two values for one carrier from sources of the same rank
/// (`--mtn-client-id` and `--client-id mtn=`) are an error; a repeated `--client-id` keeps
/// the last.
fn client_ids(given: &Given) -> Result<Vec<(Carrier, String)>, String> {
    let mut chosen: Vec<(Carrier, String, Source)> = Vec::new();
    let mut offers: Vec<(Carrier, String, Source)> = Vec::new();
    for (long, carrier) in [
        ("mtn-client-id", Carrier::Mtn),
        ("moov-client-id", Carrier::Moov),
        ("celtiis-client-id", Carrier::Celtiis),
    ] {
        if let Some((id, source)) = given.get(long) {
            offers.push((carrier, id.to_owned(), source.clone()));
        }
    }
    for (pair, source) in given.all("client-id") {
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
        offers.push((spec.carrier(), id.trim().to_owned(), source.clone()));
    }
    for (carrier, id, source) in offers {
        match chosen.iter_mut().find(|(c, _, _)| *c == carrier) {
            None => chosen.push((carrier, id, source)),
            Some(slot) => match source.rank().cmp(&slot.2.rank()) {
                std::cmp::Ordering::Less => *slot = (carrier, id, source),
                std::cmp::Ordering::Greater => {}
                std::cmp::Ordering::Equal if source.to_string() == slot.2.to_string() => {
                    *slot = (carrier, id, source);
                }
                std::cmp::Ordering::Equal => {
                    return Err(format!(
                        "give the client id of {} by {} or by {source}, not both",
                        carrier.name().to_ascii_lowercase(),
                        slot.2
                    ))
                }
            },
        }
    }
    Ok(chosen.into_iter().map(|(c, id, _)| (c, id)).collect())
}

/// The password: from `--password` or `--password-file` (not both), else from
/// `QOSIC_MOCK_PASSWORD` or `QOSIC_MOCK_PASSWORD_FILE` (not both), else from the SDK's
/// `QOSIC_PASSWORD`, else the default.
fn password(given: &Given) -> Result<String, String> {
    match (given.get("password"), given.get("password-file")) {
        (None, None) => Ok(DEFAULT_PASSWORD.to_owned()),
        (Some((password, _)), None) => Ok(password.to_owned()),
        (None, Some((path, source))) => read_password_file(path, source),
        (Some((password, a)), Some((path, b))) => match a.rank().cmp(&b.rank()) {
            std::cmp::Ordering::Less => Ok(password.to_owned()),
            std::cmp::Ordering::Greater => read_password_file(path, b),
            std::cmp::Ordering::Equal => Err(format!("give {a} or {b}, not both")),
        },
    }
}

fn read_password_file(path: &str, source: &Source) -> Result<String, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{source}: cannot open {path}: {e}"))?;
    let mut text = String::new();
    file.take(MAX_PASSWORD_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{source}: cannot read {path} as UTF-8 text: {e}"))?;
    if text.len() as u64 > MAX_PASSWORD_FILE {
        return Err(format!(
            "{source}: {path} is larger than {MAX_PASSWORD_FILE} bytes: not a password file"
        ));
    }
    let password = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if password.is_empty() {
        return Err(format!("{source}: {path} holds no password"));
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
    let args = match parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("qosic-mock: {e}");
            return ExitCode::from(2);
        }
    };
    // The server runs on a thread of its own; this one prints the address and waits.
    let listen = args.listen;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("qosic-mock: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
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
            // Nobody to tell the address to: as before, fail without a word.
            return ExitCode::FAILURE;
        }
        drop(stdout);
        std::future::pending::<ExitCode>().await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], env: &[(&str, &str)]) -> Result<Args, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        match parse(args.iter().map(|s| (*s).to_owned()), lookup)? {
            Parsed::Run(args) => Ok(*args),
            Parsed::Print(_) => Err("printed".to_owned()),
        }
    }

    fn run(args: &[&str]) -> Result<Args, String> {
        run_with(args, &[])
    }

    /// The settings as the builder's Debug shows them (the password redacted).
    fn shown(args: &Args) -> String {
        format!("{:?}", args.builder)
    }

    #[test]
    fn defaults_and_flags() {
        let a = run(&[]).unwrap();
        assert_eq!(a.listen.to_string(), DEFAULT_LISTEN);
        assert!(shown(&a).contains(r#"login: "merchant""#), "{}", shown(&a));
        let a = run(&[
            "--listen=127.0.0.1:9",
            "--login",
            "L",
            "--password",
            "P",
            "--mtn-client-id",
            "M",
            "--moov-client-id=V",
            "--celtiis-client-id",
            "C",
            "--phone-forms",
            "new",
            "--refuse-wrong-carrier",
            "--journal-capacity=10",
            "--max-transactions",
            "20",
            "--max-body",
            "30",
            "--header-timeout",
            "0.5",
            "--body-timeout=2",
            "--idle-timeout",
            "3",
            "--max-connections",
            "4",
            "--admin-token",
            "T",
        ])
        .unwrap();
        assert_eq!(a.listen.port(), 9);
        let s = shown(&a);
        for part in [
            r#"login: "L""#,
            r#"client_ids: {"MTN": "M", "MOOV": "V", "CELTIIS": "C""#,
            "phone_forms: New",
            "refuse_wrong_carrier: true",
            "journal_capacity: 10",
            "max_transactions: 20",
            "max_body: 30",
            "header_timeout: 500ms",
            "body_timeout: 2s",
            "idle_timeout: 3s",
            "max_connections: 4",
            "admin: Token([REDACTED])",
        ] {
            assert!(s.contains(part), "{part} in {s}");
        }
        assert!(!s.contains(r#""P""#), "the password is redacted: {s}");
        assert!(run(&["--listen", "localhost:0"])
            .unwrap()
            .listen
            .ip()
            .is_loopback());
        assert!(shown(&run(&["--no-admin"]).unwrap()).contains("admin: Disabled"));
        assert!(shown(&run(&["--refuse-wrong-carrier=false"]).unwrap())
            .contains("refuse_wrong_carrier: false"));
    }

    #[test]
    fn every_flag_reads_its_environment_variable() {
        let env = [
            ("QOSIC_MOCK_LISTEN", "127.0.0.1:7"),
            ("QOSIC_MOCK_LOGIN", "EL"),
            ("QOSIC_MOCK_MTN_CLIENT_ID", "EM"),
            ("QOSIC_MOCK_PHONE_FORMS", "legacy"),
            ("QOSIC_MOCK_REFUSE_WRONG_CARRIER", "1"),
            ("QOSIC_MOCK_JOURNAL_CAPACITY", "11"),
            ("QOSIC_MOCK_IDLE_TIMEOUT", "5"),
            ("QOSIC_MOCK_NO_ADMIN", "true"),
            // The SDK's variable is read only when QOSIC_MOCK_* is not set.
            ("QOSIC_LOGIN", "SDK"),
            ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
            ("QOSIC_MOCK_CELTIIS_CLIENT_ID", ""),
        ];
        let a = run_with(&[], &env).unwrap();
        assert_eq!(a.listen.port(), 7);
        let s = shown(&a);
        for part in [
            r#"login: "EL""#,
            r#"client_ids: {"MTN": "EM", "MOOV": "SDKV", "CELTIIS": "CELTIIS_CLIENT""#,
            "phone_forms: Legacy",
            "refuse_wrong_carrier: true",
            "journal_capacity: 11",
            "idle_timeout: 5s",
            "admin: Disabled",
        ] {
            assert!(s.contains(part), "{part} in {s}");
        }
        // The command line wins.
        let a = run_with(&["--login", "CLI"], &env).unwrap();
        assert!(shown(&a).contains(r#"login: "CLI""#));
        // Every flag has a variable named after it.
        for flag in FLAGS {
            assert!(
                help().contains(&format!("[env: {}", flag.env())),
                "{}",
                flag.long
            );
        }
        let err = run_with(&[], &[("QOSIC_MOCK_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert!(err.starts_with("QOSIC_MOCK_MAX_CONNECTIONS: "), "{err}");
    }

    #[test]
    fn client_ids_by_carrier_name_from_every_source() {
        let a = run(&[
            "--client-id",
            "moov=V1",
            "--client-id=CELTIIS=C1",
            "--client-id",
            "moov=V2",
        ])
        .unwrap();
        assert!(
            shown(&a)
                .contains(r#"client_ids: {"MTN": "MTN_CLIENT", "MOOV": "V2", "CELTIIS": "C1""#),
            "{}",
            shown(&a)
        );
        // The command line, then QOSIC_MOCK_*, then the SDK's variables, per carrier.
        let env = [
            ("QOSIC_MOCK_CLIENT_ID", "mtn=EM, moov=EV"),
            ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
            ("QOSIC_CELTIIS_CLIENT_ID", "SDKC"),
        ];
        let a = run_with(&["--client-id", "mtn=CLI"], &env).unwrap();
        assert!(
            shown(&a).contains(r#"client_ids: {"MTN": "CLI", "MOOV": "SDKV", "CELTIIS": "SDKC""#),
            "{}",
            shown(&a)
        );
        let a = run_with(&[], &env).unwrap();
        assert!(
            shown(&a).contains(r#"client_ids: {"MTN": "EM", "MOOV": "EV", "CELTIIS": "SDKC""#),
            "{}",
            shown(&a)
        );
        let both = run(&["--mtn-client-id", "A", "--client-id", "mtn=B"]).unwrap_err();
        assert_eq!(
            both,
            "give the client id of mtn by --mtn-client-id or by --client-id, not both"
        );
        let unknown = run(&["--client-id", "orange=X"]).unwrap_err();
        assert!(
            unknown.starts_with(
                r#"--client-id: unknown carrier "orange", expected one of mtn, moov, celtiis"#
            ),
            "{unknown}"
        );
        assert!(run(&["--client-id", "mtn"])
            .unwrap_err()
            .contains("expected CARRIER=ID"));
        assert!(run(&["--client-id", "mtn= "])
            .unwrap_err()
            .contains("is empty"));
        let h = help();
        for spec in qosic_mock::carrier_specs() {
            assert!(
                h.contains(&format!(
                    "[env: {}] [default: {}_CLIENT]",
                    spec.client_id_var(),
                    spec.name()
                )),
                "{h}"
            );
        }
    }

    #[test]
    fn the_password_comes_from_a_flag_a_variable_or_a_file() {
        let dir = std::env::temp_dir().join(format!("qosic-mock-main-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "from-file\n").unwrap();
        let path = file.to_str().unwrap();
        let pw = |args: &[&str], env: &[(&str, &str)]| -> Result<String, String> {
            let env: Vec<(String, String)> = env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let lookup =
                move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            match gather(args.iter().map(|s| (*s).to_owned()), lookup)? {
                Gathered::Given(given) => password(&given),
                Gathered::Print(_) => Err("printed".to_owned()),
            }
        };
        assert_eq!(pw(&[], &[]).unwrap(), DEFAULT_PASSWORD);
        assert_eq!(pw(&["--password", "p"], &[]).unwrap(), "p");
        assert_eq!(pw(&["--password-file", path], &[]).unwrap(), "from-file");
        assert_eq!(pw(&[], &[("QOSIC_PASSWORD", "sdk")]).unwrap(), "sdk");
        assert_eq!(
            pw(
                &[],
                &[("QOSIC_MOCK_PASSWORD", "mock"), ("QOSIC_PASSWORD", "sdk")]
            )
            .unwrap(),
            "mock"
        );
        assert_eq!(
            pw(
                &[],
                &[
                    ("QOSIC_MOCK_PASSWORD_FILE", path),
                    ("QOSIC_PASSWORD", "sdk")
                ]
            )
            .unwrap(),
            "from-file"
        );
        assert_eq!(
            pw(&["--password", "p"], &[("QOSIC_MOCK_PASSWORD_FILE", path)]).unwrap(),
            "p"
        );
        assert!(pw(&["--password", "p", "--password-file", path], &[])
            .unwrap_err()
            .contains("not both"));
        assert!(pw(&["--password-file", "/nonexistent/qosic"], &[])
            .unwrap_err()
            .contains("cannot open"));
        std::fs::write(&file, "\n").unwrap();
        assert!(pw(&["--password-file", path], &[])
            .unwrap_err()
            .contains("holds no password"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn callback_flags() {
        let a = run(&[
            "--callback-url",
            "http://127.0.0.1:9/hook",
            "--callback-timeout=0.5",
            "--callback-queue",
            "7",
        ])
        .unwrap();
        let s = shown(&a);
        assert!(s.contains(r#"url: Some("http://127.0.0.1:9/hook")"#), "{s}");
        assert!(s.contains("timeout: 500ms"), "{s}");
        assert!(s.contains("queue: 7"), "{s}");
        assert!(run(&["--callback-queue", "0"])
            .unwrap_err()
            .contains("at least 1"));
        let a = run_with(&[], &[("QOSIC_MOCK_CALLBACK_URL", "http://h/q")]).unwrap();
        assert!(shown(&a).contains(r#"url: Some("http://h/q")"#));
        assert!(shown(&run(&[]).unwrap()).contains("url: None"));
        let err = run(&["--callback-url", "https://x/"]).unwrap_err();
        assert!(
            err.starts_with("--callback-url: expected an http:// URL"),
            "{err}"
        );
        assert!(run(&["--callback-timeout", "0"])
            .unwrap_err()
            .contains("positive"));
        assert!(help().contains("[env: QOSIC_MOCK_CALLBACK_URL]"));
    }

    #[test]
    fn bad_arguments_are_explained() {
        assert!(run(&["--nope"])
            .unwrap_err()
            .contains("unknown argument --nope"));
        assert!(run(&["--login"]).unwrap_err().contains("missing argument"));
        assert!(run(&["stray"]).unwrap_err().contains("try --help"));
        assert!(run(&["--listen", "x"]).unwrap_err().contains("--listen"));
        let forms = run(&["--phone-forms", "x"]).unwrap_err();
        assert!(
            forms.contains("expected one of `legacy`, `new`, `both`"),
            "{forms}"
        );
        assert!(run(&["--header-timeout", "0"])
            .unwrap_err()
            .contains("positive"));
        assert!(run(&["--max-connections", "0"])
            .unwrap_err()
            .contains("at least 1"));
        assert!(run(&["--no-admin", "--admin-token", "t"])
            .unwrap_err()
            .contains("do not go together"));
        assert!(run(&["--refuse-wrong-carrier=maybe"])
            .unwrap_err()
            .contains("true or false"));
        let h = help();
        assert!(h.contains("[default: merchant]"));
        assert!(h.contains("visible to every user in `ps`"));
    }
}

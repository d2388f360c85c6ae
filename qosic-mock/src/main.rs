//! The `qosic-mock` binary: the fake QosIc server for test suites in any language.
//!
//! It prints `listening on http://HOST:PORT` as the first line on stdout, flushes, and
//! serves until killed. `qosic-mock --help` lists the flags and their defaults.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use qosic_mock::{
    MockQosic, PhoneForms, DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_LOGIN, DEFAULT_MOOV_CLIENT_ID,
    DEFAULT_MTN_CLIENT_ID, DEFAULT_PASSWORD,
};

const DEFAULT_LISTEN: &str = "127.0.0.1:0";

fn help() -> String {
    format!(
        "qosic-mock {version}: a fake QosIc mobile-money server for tests

USAGE:
    qosic-mock [FLAGS]

FLAGS (each also accepts --flag=value):
    --listen ADDR             address to listen on [default: {DEFAULT_LISTEN}]
    --login LOGIN             API login accepted in Basic auth [default: {DEFAULT_LOGIN}]
    --password PASSWORD       API password accepted in Basic auth [default: {DEFAULT_PASSWORD}]
    --mtn-client-id ID        MTN client id [default: {DEFAULT_MTN_CLIENT_ID}]
    --moov-client-id ID       MOOV client id [default: {DEFAULT_MOOV_CLIENT_ID}]
    --celtiis-client-id ID    Celtiis client id [default: {DEFAULT_CELTIIS_CLIENT_ID}]
    --phone-forms FORMS       Benin msisdn forms accepted: legacy (229+8 digits),
                              new (229+01+8 digits) or both [default: both]
    --refuse-wrong-carrier    refuse (HTTP 400, code 515) a number sent to another
                              carrier's endpoint [default: accepted]
    -h, --help                print this help
    -V, --version             print the version

The first line on stdout is `listening on http://HOST:PORT`; then the server runs until
killed. Magic numbers (last two digits): 90 declines, 91 insufficient funds, 92 no account
(417), 93 pending forever, 94 server error (500); others approve at the first status check.
The admin API lives under /__admin/ (see the qosic-mock crate docs).
",
        version = env!("CARGO_PKG_VERSION")
    )
}

#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    login: String,
    password: String,
    mtn_client_id: String,
    moov_client_id: String,
    celtiis_client_id: String,
    phone_forms: PhoneForms,
    refuse_wrong_carrier: bool,
}

enum Parsed {
    Run(Box<Args>),
    Print(String),
}

fn parse(mut raw: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut args = Args {
        listen: DEFAULT_LISTEN.parse().map_err(|e| format!("{e}"))?,
        login: DEFAULT_LOGIN.to_owned(),
        password: DEFAULT_PASSWORD.to_owned(),
        mtn_client_id: DEFAULT_MTN_CLIENT_ID.to_owned(),
        moov_client_id: DEFAULT_MOOV_CLIENT_ID.to_owned(),
        celtiis_client_id: DEFAULT_CELTIIS_CLIENT_ID.to_owned(),
        phone_forms: PhoneForms::Both,
        refuse_wrong_carrier: false,
    };
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| raw.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Print(help())),
            "-V" | "--version" => {
                return Ok(Parsed::Print(format!(
                    "qosic-mock {}\n",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            "--listen" => {
                let v = value("--listen")?;
                args.listen = v
                    .parse()
                    .ok()
                    .or_else(|| v.to_socket_addrs().ok().and_then(|mut a| a.next()))
                    .ok_or_else(|| {
                        format!("--listen: {v:?} is not an address like 127.0.0.1:8080")
                    })?;
            }
            "--login" => args.login = value("--login")?,
            "--password" => args.password = value("--password")?,
            "--mtn-client-id" => args.mtn_client_id = value("--mtn-client-id")?,
            "--moov-client-id" => args.moov_client_id = value("--moov-client-id")?,
            "--celtiis-client-id" => args.celtiis_client_id = value("--celtiis-client-id")?,
            "--phone-forms" => {
                let v = value("--phone-forms")?;
                args.phone_forms = PhoneForms::from_name(&v).ok_or_else(|| {
                    format!("--phone-forms: expected legacy, new or both, got {v:?}")
                })?;
            }
            "--refuse-wrong-carrier" => {
                args.refuse_wrong_carrier = match inline.as_deref() {
                    None | Some("true") => true,
                    Some("false") => false,
                    Some(v) => {
                        return Err(format!(
                            "--refuse-wrong-carrier: expected true or false, got {v:?}"
                        ))
                    }
                }
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(Parsed::Run(Box::new(args)))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
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
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("qosic-mock: cannot build a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = runtime.block_on(
        MockQosic::builder()
            .bind(args.listen)
            .login(args.login)
            .password(args.password)
            .mtn_client_id(args.mtn_client_id)
            .moov_client_id(args.moov_client_id)
            .celtiis_client_id(args.celtiis_client_id)
            .phone_forms(args.phone_forms)
            .refuse_wrong_carrier(args.refuse_wrong_carrier)
            .try_start(),
    );
    let mock = match started {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("qosic-mock: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", mock.uri())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    // The server runs on its own thread; this one only keeps the process alive.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Args, String> {
        match parse(args.iter().map(|s| (*s).to_owned()))? {
            Parsed::Run(args) => Ok(*args),
            Parsed::Print(_) => Err("printed".to_owned()),
        }
    }

    #[test]
    fn defaults_and_flags() {
        let a = run(&[]).unwrap();
        assert_eq!(a.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(a.login, DEFAULT_LOGIN);
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
        ])
        .unwrap();
        assert_eq!(a.listen.port(), 9);
        assert!(run(&["--listen", "localhost:0"])
            .unwrap()
            .listen
            .ip()
            .is_loopback());
        assert_eq!(
            (
                &*a.login,
                &*a.password,
                &*a.mtn_client_id,
                &*a.moov_client_id,
                &*a.celtiis_client_id
            ),
            ("L", "P", "M", "V", "C")
        );
        assert_eq!(a.phone_forms, PhoneForms::New);
        assert!(a.refuse_wrong_carrier);
    }

    #[test]
    fn bad_arguments_are_explained() {
        assert!(run(&["--nope"]).unwrap_err().contains("unknown argument"));
        assert!(run(&["--login"]).unwrap_err().contains("needs a value"));
        assert!(run(&["--listen", "x"]).unwrap_err().contains("--listen"));
        assert!(run(&["--phone-forms", "x"]).unwrap_err().contains("legacy"));
        assert!(help().contains("[default: merchant]"));
    }
}

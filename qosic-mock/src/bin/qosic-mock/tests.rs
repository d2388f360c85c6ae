//! The command line, read without running the server. The `QOSIC_MOCK_*` variables are read
//! by clap from the process's environment, so they are tested on the binary itself
//! (`tests/it/binary.rs`); the SDK's variables come through the lookup given here.

use super::*;

fn run_with(args: &[&str], sdk_env: &[(&str, &str)]) -> Result<Args, String> {
    let env: Vec<(String, String)> = sdk_env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let argv = std::iter::once("qosic-mock").chain(args.iter().copied());
    match parse(argv, &lookup) {
        Ok(args) => Ok(args),
        Err(Stop::Invalid(e)) => Err(e),
        Err(Stop::Clap(e)) => Err(e.to_string()),
    }
}

fn run(args: &[&str]) -> Result<Args, String> {
    run_with(args, &[])
}

/// The settings as the builder's Debug shows them (the password redacted).
fn shown(args: &Args) -> String {
    format!("{:?}", args.builder)
}

fn help() -> String {
    command().render_help().to_string()
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
fn the_sdk_variables_fill_what_no_flag_gave() {
    let env = [
        ("QOSIC_LOGIN", "SDK"),
        ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
        ("QOSIC_CELTIIS_CLIENT_ID", ""),
        ("QOSIC_TMONEY_CLIENT_ID", "SDKT"),
    ];
    let s = shown(&run_with(&[], &env).unwrap());
    for part in [
        r#"login: "SDK""#,
        r#"client_ids: {"MTN": "MTN_CLIENT", "MOOV": "SDKV", "CELTIIS": "CELTIIS_CLIENT""#,
        r#""TMONEY": "SDKT""#,
    ] {
        assert!(s.contains(part), "{part} in {s}");
    }
    // The command line wins.
    let a = run_with(&["--login", "CLI", "--moov-client-id", "V"], &env).unwrap();
    assert!(shown(&a).contains(r#"login: "CLI""#));
    assert!(shown(&a).contains(r#""MOOV": "V""#));
}

/// Every flag has a variable named after it, shown in `--help` (the SDK's fallback too).
#[test]
fn every_flag_has_its_variable() {
    let command = command();
    let h = help();
    let mut flags = 0;
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version") {
            continue;
        }
        flags += 1;
        let env = format!("QOSIC_MOCK_{}", long.to_ascii_uppercase().replace('-', "_"));
        assert_eq!(
            arg.get_env().and_then(|e| e.to_str()),
            Some(env.as_str()),
            "--{long}"
        );
        assert!(h.contains(&format!("[env: {env}")), "--{long}: {h}");
    }
    assert_eq!(flags, 24);
    for sdk in [
        "[env: QOSIC_MOCK_LOGIN, then QOSIC_LOGIN]",
        "[env: QOSIC_MOCK_PASSWORD, then QOSIC_PASSWORD]",
        "[env: QOSIC_MOCK_MTN_CLIENT_ID, then QOSIC_MTN_CLIENT_ID]",
    ] {
        assert!(h.contains(sdk), "{sdk}: {h}");
    }
    // And the variables' values are never printed (a password, a token).
    assert!(!h.contains("_TOKEN="), "{h}");
    command.debug_assert();
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
        shown(&a).contains(r#"client_ids: {"MTN": "MTN_CLIENT", "MOOV": "V2", "CELTIIS": "C1""#),
        "{}",
        shown(&a)
    );
    // The command line, then the SDK's variables, per carrier.
    let env = [
        ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
        ("QOSIC_CELTIIS_CLIENT_ID", "SDKC"),
    ];
    let a = run_with(
        &["--client-id", "mtn=CLI", "--client-id", "celtiis=C"],
        &env,
    )
    .unwrap();
    assert!(
        shown(&a).contains(r#"client_ids: {"MTN": "CLI", "MOOV": "SDKV", "CELTIIS": "C""#),
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

/// The password as [`password`] reads it.
fn pw(args: &[&str], sdk_env: &[(&str, &str)]) -> Result<String, String> {
    let env: Vec<(String, String)> = sdk_env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let command = command();
    let argv = std::iter::once("qosic-mock").chain(args.iter().copied());
    let matches = command
        .clone()
        .try_get_matches_from(argv)
        .map_err(|e| e.to_string())?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    let reader = Reader {
        command: &command,
        matches: &matches,
        sdk_env: &lookup,
    };
    password(&cli, &reader)
}

#[test]
fn the_password_comes_from_a_flag_a_variable_or_a_file() {
    let dir = std::env::temp_dir().join(format!("qosic-mock-main-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-file\n").unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(pw(&[], &[]).unwrap(), DEFAULT_PASSWORD);
    assert_eq!(pw(&["--password", "p"], &[]).unwrap(), "p");
    assert_eq!(pw(&["--password-file", path], &[]).unwrap(), "from-file");
    assert_eq!(pw(&[], &[("QOSIC_PASSWORD", "sdk")]).unwrap(), "sdk");
    // A file given on the command line wins over the SDK's variable.
    assert_eq!(
        pw(&["--password-file", path], &[("QOSIC_PASSWORD", "sdk")]).unwrap(),
        "from-file"
    );
    assert!(pw(&["--password", "p", "--password-file", path], &[])
        .unwrap_err()
        .contains("give --password or --password-file, not both"));
    let missing = pw(&["--password-file", "/nonexistent/qosic"], &[]).unwrap_err();
    assert!(
        missing.starts_with("--password-file: cannot open /nonexistent/qosic"),
        "{missing}"
    );
    std::fs::write(&file, "\n").unwrap();
    assert!(pw(&["--password-file", path], &[])
        .unwrap_err()
        .contains("holds no password"));
    std::fs::write(&file, vec![b'x'; 64 * 1024 + 1]).unwrap();
    assert!(pw(&["--password-file", path], &[])
        .unwrap_err()
        .contains("not a password file"));
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
    for (args, kind) in [
        (&["--nope"][..], clap::error::ErrorKind::UnknownArgument),
        (&["stray"], clap::error::ErrorKind::UnknownArgument),
        (&["--login"], clap::error::ErrorKind::InvalidValue),
    ] {
        let argv = std::iter::once("qosic-mock").chain(args.iter().copied());
        match parse(argv, &|_| None) {
            Err(Stop::Clap(e)) => {
                assert_eq!(e.kind(), kind, "{args:?}: {e}");
                // clap exits with 2 on these, as the binary did before it.
                assert_eq!(e.exit_code(), 2, "{args:?}");
            }
            other => panic!("{args:?}: {other:?}"),
        }
    }
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

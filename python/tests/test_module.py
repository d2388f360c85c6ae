"""The qosic_mock module itself: starting, options, errors, the CLI and the pytest plugin."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import qosic_mock
from qosic_mock import (
    CARRIERS,
    AdminError,
    BinaryNotFoundError,
    QosicMock,
    StartError,
    find_binary,
)


def test_the_binary_is_installed_with_the_package():
    binary = find_binary()
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("qosic-mock ")


def test_python_m_qosic_mock_help_runs_the_binarys_help():
    out = subprocess.run(
        [sys.executable, "-m", "qosic_mock", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "Usage: qosic-mock [OPTIONS]" in out.stdout
    assert "--callback-url" in out.stdout


def test_options_become_flags_and_the_password_stays_off_the_command_line():
    with QosicMock.start(
        login="shop",
        password="p4ss",
        client_ids={"MTN": "M-1", "tmoney": "T-1"},
        journal_capacity=7,
        refuse_wrong_carrier=True,
    ) as mock:
        config = mock.config()
        assert (config["login"], config["journal_capacity"]) == ("shop", 7)
        assert config["refuse_wrong_carrier"] is True
        assert (mock.client_id("MTN"), mock.client_id("TMONEY")) == ("M-1", "T-1")
        assert mock.env()["QOSIC_PASSWORD"] == "p4ss"
        assert "p4ss" not in " ".join(mock._process.args)
    assert not mock.running


def test_the_sdks_variables_of_the_caller_do_not_configure_the_fake(monkeypatch):
    monkeypatch.setenv("QOSIC_LOGIN", "real-production-login")
    monkeypatch.setenv("QOSIC_MTN_CLIENT_ID", "REAL-ID")
    with QosicMock.start() as mock:
        assert mock.login == "merchant"
        assert mock.client_id("mtn") == "MTN_CLIENT"


def test_every_carrier_has_a_client_id(qosic_mock):
    for carrier in CARRIERS:
        assert qosic_mock.client_id(carrier)
    with pytest.raises(KeyError, match="unknown carrier 'ORANGE'"):
        qosic_mock.client_id("ORANGE")


def test_an_admin_token_is_sent():
    with QosicMock.start(admin_token="t0k") as mock:
        assert mock.health()["status"] == "ok"
        assert mock.config()["admin_token"] is True


def test_with_the_admin_api_off_the_settings_asked_for_are_known():
    with QosicMock.start(no_admin=True, login="shop", client_ids={"MOOV": "MV"}) as mock:
        assert (mock.login, mock.client_id("MOOV"), mock.client_id("MTN")) == ("shop", "MV", "MTN_CLIENT")
        with pytest.raises(AdminError, match="HTTP 404: .*disabled"):
            mock.ledger()


def test_the_server_stops_when_the_interpreter_exits():
    script = (
        "from qosic_mock import QosicMock\n"
        "mock = QosicMock.start()\n"
        "print(mock._process.pid, flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.split()[0])
    import os

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone (and reaped by the exiting interpreter)


def test_an_unknown_flag_is_a_start_error_with_the_binarys_words():
    # The binary's own message names the flag (whatever its argument parser's wording).
    with pytest.raises(StartError, match=r"exited with code 2 before listening: .*--no-such-flag"):
        QosicMock.start(no_such_flag=1)


def test_a_binary_that_never_says_listening_times_out(tmp_path):
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nsleep 30\n")
    silent.chmod(0o755)
    with pytest.raises(StartError, match="no `listening on` line within 0.5 s"):
        QosicMock.start(binary=str(silent), timeout=0.5)


def test_a_missing_binary_says_where_it_looked_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("QOSIC_MOCK_BINARY", str(tmp_path / "nowhere"))
    with pytest.raises(BinaryNotFoundError, match="unset it"):
        find_binary()
    monkeypatch.delenv("QOSIC_MOCK_BINARY")
    monkeypatch.setattr(qosic_mock, "_candidate_dirs", lambda: [tmp_path])
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BinaryNotFoundError, match="pip install qosic-mock"):
        find_binary()


def test_an_admin_refusal_carries_the_servers_reason(qosic_mock):
    with pytest.raises(AdminError, match="HTTP 400: .*sometimes") as refused:
        qosic_mock.subscriber("22997000001", "sometimes")
    assert refused.value.status == 400


def test_a_stopped_server_says_so():
    mock = QosicMock.start()
    mock.close()
    mock.close()  # twice is fine
    with pytest.raises(AdminError, match="exited"):
        mock.ledger()


def test_public_functions_have_docstrings_and_type_hints():
    public = [qosic_mock.find_binary, qosic_mock.run_binary, QosicMock.start]
    public += [
        f
        for name, f in inspect.getmembers(QosicMock, inspect.isfunction)
        if not name.startswith("_")
    ]
    for f in public:
        assert inspect.getdoc(f), f"{f.__qualname__} has no docstring"
        hints = inspect.signature(f)
        assert hints.return_annotation is not inspect.Signature.empty, f.__qualname__
        for p in hints.parameters.values():
            if p.name not in ("self", "cls"):
                assert p.annotation is not inspect.Parameter.empty, (f.__qualname__, p.name)


FAILING_TEST = """
import httpx

def test_pays(qosic_mock):
    httpx.post(qosic_mock.url + "/QosicBridge/user/requestpaymentmv",
               auth=(qosic_mock.login, qosic_mock.password),
               json={"msisdn": "22995000001", "amount": "100", "firstname": "",
                     "lastname": "", "transref": "SHOWN-IN-JOURNAL",
                     "clientid": qosic_mock.client_id("MOOV")})
    assert False, "fails on purpose"
"""


def test_the_journal_is_printed_on_failure_with_the_option(pytester):
    pytester.makepyfile(FAILING_TEST)
    result = pytester.runpytest("--qosic-mock-journal")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*qosic-mock journal*", "#1 POST /QosicBridge/user/requestpaymentmv -> 200 ?moov_payment?*"]
    )
    assert "SHOWN-IN-JOURNAL" in result.stdout.str()


def test_the_journal_is_printed_on_failure_with_the_marker(pytester):
    pytester.makepyfile(
        "import pytest\n"
        + FAILING_TEST.replace("def test_pays", "@pytest.mark.qosic_mock_journal\ndef test_pays")
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*qosic-mock journal*"])


def test_the_journal_is_not_printed_unless_asked(pytester):
    pytester.makepyfile(FAILING_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "qosic-mock journal" not in result.stdout.str()

"""The published Python SDK (qosic-sdk 5.1.0) against the fake, as a Python team would test.

Numbers: the fake's magic numbers end in 90 (declines), 92 (no account, 417), 94 (server
error, 500); any other number approves at the first status check (MOOV: at once).
MTN numbers start 22997..., MOOV numbers 22995... (the SDK picks the carrier by prefix).

The SDK polls MTN every `step` seconds (5 at least, it refuses less) and the first status
check comes at once, so only the test that asks for two checks waits (5 s).
"""

from __future__ import annotations

import http.server
import json
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import httpx
import polling2
import pytest
import qosic
from qosic.errors import (
    InvalidCredentialsError,
    ServerError,
    UserAccountNotFoundError,
)

from qosic_mock import QosicMock

MTN_NUMBER = "22997000001"
MOOV_NUMBER = "22995000001"


@pytest.fixture
def client(qosic_mock: QosicMock) -> Callable[..., qosic.Client]:
    """A factory of SDK clients pointed at the fake; keywords change the MTN carrier."""

    def make(password: str | None = None, **mtn: Any) -> qosic.Client:
        mtn.setdefault("step", 5)  # the SDK's shortest polling step
        mtn.setdefault("timeout", 60)  # the SDK's shortest window
        mtn.setdefault("max_tries", 2)
        return qosic.Client(
            login=qosic_mock.login,
            password=qosic_mock.password if password is None else password,
            base_url=qosic_mock.url,
            mobile_carriers=[
                qosic.bj.MTN(id=qosic_mock.client_id("MTN"), **mtn),
                qosic.bj.MOOV(id=qosic_mock.client_id("MOOV")),
            ],
        )

    return make


def endpoints(mock: QosicMock) -> List[tuple[str, int]]:
    """The journal as (endpoint, HTTP status) pairs."""
    return [(e["endpoint"], e["status"]) for e in mock.journal()]


def test_mtn_pay_is_confirmed_at_the_first_status_check(client, qosic_mock):
    result = client().pay(phone=MTN_NUMBER, amount=500, first_name="Ada", last_name="B")

    assert result.success, result.response.text
    assert endpoints(qosic_mock) == [("mtn_payment", 202), ("mtn_status", 200)]
    assert qosic_mock.transaction(result.reference)["state"] == "confirmed"


def test_mtn_pay_is_confirmed_after_polling(client, qosic_mock):
    qosic_mock.subscriber(MTN_NUMBER, "approves", after_checks=2)

    result = client(step=5, max_tries=2).pay(phone=MTN_NUMBER, amount=700)

    assert result.success
    assert endpoints(qosic_mock) == [
        ("mtn_payment", 202),
        ("mtn_status", 200),  # still pending
        ("mtn_status", 200),  # approved
    ]
    assert qosic_mock.transaction(result.reference)["status_checks"] == 2


def test_moov_pay_is_confirmed_at_once(client, qosic_mock):
    result = client().pay(phone=MOOV_NUMBER, amount=1000)

    assert result.success
    assert result.response.json()["responsecode"] == "0"
    assert endpoints(qosic_mock) == [("moov_payment", 200)]


def test_a_declined_moov_payment_fails(client, qosic_mock):
    result = client().pay(phone="22995000090", amount=1000)

    assert not result.success
    assert result.response.json()["comment"] == "TRANSACTION DECLINED"
    assert qosic_mock.ledger()["collected"] == 0


def test_a_programmed_decline_on_mtn_ends_the_sdks_polling(client, qosic_mock):
    # qosic-sdk 5.1.0 keeps polling a declined MTN payment (it waits for CONFIRMED only)
    # and, with `max_tries`, lets polling2's MaxCallException out of `pay`.
    qosic_mock.subscriber(MTN_NUMBER, "declines")

    with pytest.raises(polling2.MaxCallException):
        client(max_tries=1).pay(phone=MTN_NUMBER, amount=500)

    (tx,) = qosic_mock.transactions()
    assert tx["state"] == "declined"


def test_no_mobile_money_account_is_417(client, qosic_mock):
    with pytest.raises(UserAccountNotFoundError):
        client().pay(phone="22997000092", amount=500)

    assert endpoints(qosic_mock) == [("mtn_payment", 417)]


def test_wrong_credentials_are_refused(client, qosic_mock):
    with pytest.raises(InvalidCredentialsError):
        client(password="not-the-password").pay(phone=MTN_NUMBER, amount=500)

    (entry,) = qosic_mock.journal()
    assert entry["status"] == 401
    assert entry["auth_accepted"] is False
    assert qosic_mock.transactions() == []


def test_a_server_error_is_raised(client, qosic_mock):
    with pytest.raises(ServerError):
        client().pay(phone="22997000094", amount=500)

    assert endpoints(qosic_mock) == [("mtn_payment", 500)]


def test_a_confirmed_payment_is_refunded(client, qosic_mock):
    sdk = client()
    paid = sdk.pay(phone=MTN_NUMBER, amount=1500)
    assert paid.success

    refund = sdk.refund(reference=paid.reference, phone=MTN_NUMBER)

    assert refund.success, refund.response.text
    assert qosic_mock.transaction(paid.reference)["state"] == "refunded"
    assert qosic_mock.ledger()["refunded"] == 1500


def test_a_refund_of_an_unknown_payment_fails(client, qosic_mock):
    refund = client().refund(reference="NEVER-PAID-01", phone=MTN_NUMBER)

    assert not refund.success
    assert refund.response.status_code == 400


class Receiver:
    """A callback receiver on loopback: the JSON bodies posted to it, in a queue."""

    def __init__(self) -> None:
        received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                received.put(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/qosic/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout: float = 5.0) -> Dict[str, Any]:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(qosic_mock: QosicMock) -> Iterator[Receiver]:
    r = Receiver()
    qosic_mock.set_callback_url(r.url)
    yield r
    qosic_mock.set_callback_url(None)  # a reset keeps the URL
    r.close()


def test_a_callback_is_received_when_a_payment_ends(client, qosic_mock, receiver):
    result = client().pay(phone=MTN_NUMBER, amount=2500)
    assert result.success

    callback = receiver.next()
    assert callback["transRef"] == result.reference
    assert callback["status"] == "SUCCESSFUL"
    assert callback["amount"] == "2500"
    # The fake's side: what the receiver answered. The receiver hands the callback over before
    # its answer reaches the fake, which records the callback once it has read that answer.
    deadline = time.monotonic() + 10
    while not qosic_mock.callbacks() and time.monotonic() < deadline:
        time.sleep(0.02)
    (sent,) = qosic_mock.callbacks()
    assert sent["reference"] == result.reference
    assert sent["delivery"]["outcome"] == "answered"
    assert sent["delivery"]["status"] == 200


def test_a_failed_payment_is_called_back_as_failed(client, qosic_mock, receiver):
    result = client().pay(phone="22995000090", amount=800)
    assert not result.success

    callback = receiver.next()
    assert (callback["transRef"], callback["status"]) == (result.reference, "FAILED")


def test_a_fault_injected_by_the_test(client, qosic_mock):
    qosic_mock.fault("status", status=503, times=1, endpoint="mtn_payment")
    sdk = client()

    with pytest.raises(ServerError):
        sdk.pay(phone=MTN_NUMBER, amount=500)
    assert sdk.pay(phone=MTN_NUMBER, amount=500).success  # the fault hit once

    journal = qosic_mock.journal()
    assert journal[0]["status"] == 503 and journal[0]["fault"]
    assert qosic_mock.ledger()["collected"] == 500


def test_an_html_error_page_is_not_a_payment(client, qosic_mock):
    qosic_mock.fault("html_error", status=502, endpoint="moov_payment")

    with pytest.raises(ServerError):
        client().pay(phone=MOOV_NUMBER, amount=500)


def test_the_journal_and_the_ledger_read_back(client, qosic_mock):
    sdk = client()
    first = sdk.pay(phone=MTN_NUMBER, amount=1000)
    second = sdk.pay(phone=MOOV_NUMBER, amount=2000)
    declined = sdk.pay(phone="22995000090", amount=4000)
    assert (first.success, second.success, declined.success) == (True, True, False)

    journal = qosic_mock.journal()
    assert [e["seq"] for e in journal] == sorted(e["seq"] for e in journal)
    payments = [e for e in journal if e["endpoint"].endswith("_payment")]
    assert [p["body"]["transref"] for p in payments] == [
        first.reference,
        second.reference,
        declined.reference,
    ]
    assert payments[0]["body"]["clientid"] == qosic_mock.client_id("MTN")
    assert qosic_mock.journal(since=journal[-1]["seq"]) == []
    assert len(qosic_mock.journal(limit=1)) == 1
    assert qosic_mock.ledger() == {
        "collected": 3000,
        "refunded": 0,
        "paid_out": 0,
        "pending": 0,
    }


def test_expectations_are_verified(client, qosic_mock):
    qosic_mock.expect("mtn_refund", 0)
    qosic_mock.expect("moov_payment", 1)
    client().pay(phone=MTN_NUMBER, amount=500)

    report = qosic_mock.verify()

    assert report["ok"] is False
    assert "moov_payment" in json.dumps(report["report"])


def test_each_test_starts_from_a_reset_server(qosic_mock):
    assert qosic_mock.journal() == []
    assert qosic_mock.transactions() == []
    assert qosic_mock.callbacks() == []


def test_an_app_reading_the_environment(qosic_mock, monkeypatch):
    for name, value in qosic_mock.env().items():
        monkeypatch.setenv(name, value)

    import os

    sdk = qosic.Client(
        login=os.environ["QOSIC_LOGIN"],
        password=os.environ["QOSIC_PASSWORD"],
        base_url=os.environ["QOSIC_BASE_URL"],
        mobile_carriers=[qosic.bj.MOOV(id=os.environ["QOSIC_MOOV_CLIENT_ID"])],
    )
    assert sdk.pay(phone=MOOV_NUMBER, amount=100).success
    assert {"QOSIC_TMONEY_CLIENT_ID", "QOSIC_FLOOZ_CLIENT_ID", "QOSIC_CELTIIS_CLIENT_ID"} <= set(
        qosic_mock.env()
    )


def test_the_wire_answer_is_qosics(qosic_mock):
    # Without the SDK: the documented answer of a payment accepted, over plain httpx.
    answer = httpx.post(
        qosic_mock.url + "/QosicBridge/user/requestpayment",
        auth=(qosic_mock.login, qosic_mock.password),
        json={
            "msisdn": MTN_NUMBER,
            "amount": "100",
            "firstname": "",
            "lastname": "",
            "transref": "WIRE-0001",
            "clientid": qosic_mock.client_id("mtn"),
        },
    )
    assert answer.status_code == 202
    assert answer.json()["responsecode"] == "01"
    assert answer.json()["transref"] == "WIRE-0001"


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    """README.md's "Testing from Python" test, as a user copies it, passes with the plugin."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing from Python", 1)[1].split("\n## ", 1)[0]
    assert "pip install qosic-mock" in section
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "def test_" in code and "qosic_mock" in code, code
    pytester.makepyfile(test_readme=code)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)

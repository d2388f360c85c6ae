"""The fake QosIc mobile-money server, for Python test suites.

``pip install qosic-mock`` installs the ``qosic-mock`` binary (no Rust toolchain needed)
and this module, which starts it and drives its admin API (``/__admin/``)::

    from qosic_mock import QosicMock

    with QosicMock.start() as mock:
        mock.subscriber("22997000001", "declines")
        client = qosic.Client(login=mock.login, password=mock.password,
                              base_url=mock.url, mobile_carriers=[
                                  qosic.bj.MTN(id=mock.client_id("MTN"), step=5)])
        ...
        assert mock.ledger()["collected"] == 0

With pytest, the fixtures ``qosic_mock_server`` (one server per session) and
``qosic_mock`` (the same server, reset before each test) come from the plugin
``qosic_mock.pytest_plugin``, registered when the package is installed.

Only the standard library is used.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union, cast

__all__ = [
    "CARRIERS",
    "AdminError",
    "BinaryNotFoundError",
    "QosicMock",
    "QosicMockError",
    "StartError",
    "find_binary",
]

#: The carriers the fake serves, by the names ``client_id`` takes.
CARRIERS = ("MTN", "MOOV", "CELTIIS", "TMONEY", "FLOOZ")

#: The binary's name, as the wheel installs it in the environment's scripts directory.
BINARY = "qosic-mock"

#: The variable that names the binary to run, overriding the search.
BINARY_ENV = "QOSIC_MOCK_BINARY"

#: The API password the wrapper gives the binary when none is asked for (the binary's own
#: default too). It goes through the environment, never the command line (``ps``).
DEFAULT_PASSWORD = "secret"

#: Seconds ``start`` waits for the ``listening on`` line by default.
DEFAULT_START_TIMEOUT = 10.0

_LISTENING = "listening on "
_UNSET: Any = object()

JSON = Any


class QosicMockError(Exception):
    """Base class of this module's errors."""


class BinaryNotFoundError(QosicMockError):
    """The ``qosic-mock`` binary is not installed where this module looks."""


class StartError(QosicMockError):
    """The binary did not start: it exited, or printed no ``listening on`` line in time."""


class AdminError(QosicMockError):
    """The admin API refused a call, or the server could not be reached.

    ``status`` is the HTTP status (``None`` when no answer came) and ``body`` the answer:
    the parsed JSON problem (``{"title", "status", "detail"}``) or its text.
    """

    def __init__(self, message: str, status: Optional[int] = None, body: JSON = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _binary_names() -> List[str]:
    """The file names the binary may have on this platform."""
    return [BINARY + ".exe", BINARY] if os.name == "nt" else [BINARY]


def _candidate_dirs() -> List[Path]:
    """Where pip puts a wheel's scripts, for this interpreter, best first."""
    dirs: List[Path] = []
    try:
        dirs.append(Path(sysconfig.get_path("scripts")))
    except KeyError:  # pragma: no cover - every scheme has "scripts"
        pass
    # A venv's interpreter sits beside its scripts; so does a base install's on Windows.
    dirs.append(Path(sys.executable).parent)
    if sys.prefix != sys.base_prefix:
        dirs.append(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))
    # `pip install --user`.
    user_scheme = f"{os.name}_user" if os.name == "nt" else "posix_user"
    try:
        dirs.append(Path(sysconfig.get_path("scripts", user_scheme)))
    except KeyError:  # pragma: no cover
        pass
    seen: List[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def find_binary() -> str:
    """Returns the path of the ``qosic-mock`` binary.

    Looks, in order, at ``$QOSIC_MOCK_BINARY``, the scripts directory of the running
    interpreter (where ``pip install qosic-mock`` puts it, even when the environment is not
    activated), the user scripts directory, then ``PATH``.

    Raises:
        BinaryNotFoundError: nowhere to be found; the message lists where it looked and
            how to fix it.
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise BinaryNotFoundError(
            f"${BINARY_ENV} is {override!r}, which is not an executable file; "
            f"unset it to use the installed binary, or point it at a qosic-mock binary"
        )
    looked: List[str] = []
    for directory in _candidate_dirs():
        for name in _binary_names():
            candidate = directory / name
            looked.append(str(candidate))
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    on_path = shutil.which(BINARY)
    if on_path:
        return on_path
    looked.append("$PATH")
    raise BinaryNotFoundError(
        "the qosic-mock binary was not found (looked in: "
        + ", ".join(looked)
        + "). Install the package into this interpreter's environment "
        f"({sys.executable} -m pip install qosic-mock), or set ${BINARY_ENV} to the binary "
        "(e.g. target/release/qosic-mock from `cargo build --release -p qosic-mock "
        "--features cli` in a qosic-rs checkout)"
    )


def _flag(name: str) -> str:
    """``journal_capacity`` -> ``--journal-capacity``."""
    return "--" + name.replace("_", "-")


def _child_env(extra: Mapping[str, str]) -> Dict[str, str]:
    """The binary's environment: this process's, without the SDK's and the fake's own
    variables (an app's real QOSIC_* credentials must not configure the fake), plus
    ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QOSIC_")}
    env.update(extra)
    return env


class QosicMock:
    """A running ``qosic-mock`` server on a loopback port, and its admin API.

    Make one with :meth:`start`; stop it with :meth:`close` or a ``with`` block (it is also
    stopped when the interpreter exits). Every admin method maps one endpoint of
    ``/__admin/`` and returns its decoded JSON answer; a refusal raises :class:`AdminError`.
    """

    url: str
    """The base URL of the fake, ``http://127.0.0.1:PORT``: the SDK's ``base_url``."""
    login: str
    """The API login the fake accepts (HTTP Basic auth)."""
    password: str
    """The API password the fake accepts."""

    def __init__(
        self,
        process: "subprocess.Popen[bytes]",
        url: str,
        password: str,
        admin_token: Optional[str],
        stderr: IO[bytes],
        binary: str,
        fallback: Optional[Dict[str, JSON]] = None,
    ) -> None:
        """Wraps a started process; use :meth:`start` instead. ``fallback`` stands for
        ``GET /__admin/config`` when the admin API is off."""
        self._process = process
        self.url = url
        self.password = password
        self._admin_token = admin_token
        self._stderr = stderr
        self.binary = binary
        self._finalizer = weakref.finalize(self, _stop, process, stderr)
        try:
            config = self.config()
        except AdminError as e:
            if e.status != 404 or fallback is None:
                self.close()
                raise
            # `no_admin=True`: the settings asked for, over the binary's defaults.
            config = fallback
        self.login = str(config["login"])
        self._client_ids: Dict[str, str] = {
            str(k).upper(): str(v) for k, v in dict(config.get("client_ids", {})).items()
        }

    # ----- Life cycle -----

    @classmethod
    def start(
        cls,
        *,
        binary: Optional[str] = None,
        timeout: float = DEFAULT_START_TIMEOUT,
        password: Optional[str] = None,
        admin_token: Optional[str] = None,
        client_ids: Optional[Mapping[str, str]] = None,
        listen: str = "127.0.0.1:0",
        **options: Union[str, int, float, bool, None],
    ) -> "QosicMock":
        """Starts the binary on a free loopback port and waits until it serves.

        Args:
            binary: the binary to run; by default :func:`find_binary`'s.
            timeout: seconds to wait for its ``listening on`` line.
            password: the API password (default ``"secret"``), passed in the environment.
            admin_token: require ``Authorization: Bearer TOKEN`` on the admin API (this
                object sends it), passed in the environment.
            client_ids: client ids by carrier name, e.g. ``{"MTN": "M1"}``
                (``--client-id mtn=M1``).
            listen: the address to listen on; the default picks a free loopback port.
            **options: any other flag of ``qosic-mock --help``, by its name with
                underscores: ``login="me"``, ``journal_capacity=100``,
                ``callback_url="http://127.0.0.1:9000/cb"``, ``refuse_wrong_carrier=True``,
                ``phone_forms="new"``. ``None`` and ``False`` leave a flag out.

        Raises:
            BinaryNotFoundError: no binary to run.
            StartError: the binary exited (an unknown flag, a bad value: its message is
                included) or printed no ``listening on`` line within ``timeout``.
        """
        exe = binary or find_binary()
        args = [exe, "--listen", listen]
        for carrier, client_id in (client_ids or {}).items():
            args += ["--client-id", f"{carrier.lower()}={client_id}"]
        for name, value in options.items():
            if value is None or value is False:
                continue
            if value is True:
                args.append(_flag(name))
            else:
                args += [_flag(name), str(value)]
        secret = DEFAULT_PASSWORD if password is None else password
        extra = {"QOSIC_MOCK_PASSWORD": secret}
        if admin_token is not None:
            extra["QOSIC_MOCK_ADMIN_TOKEN"] = admin_token
        stderr = tempfile.TemporaryFile()
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=_child_env(extra),
            )
        except OSError as e:
            stderr.close()
            raise StartError(f"cannot run {exe}: {e}") from e
        url = _wait_for_listening(process, stderr, exe, timeout)
        ids = {c.lower(): f"{c}_CLIENT" for c in CARRIERS}
        ids.update({c.lower(): v for c, v in (client_ids or {}).items()})
        fallback: Dict[str, JSON] = {"login": options.get("login") or "merchant", "client_ids": ids}
        return cls(process, url, secret, admin_token, stderr, exe, fallback)

    def close(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 5 s). Calling it again does nothing."""
        self._finalizer()

    @property
    def running(self) -> bool:
        """Whether the server process is still running."""
        return self._process.poll() is None

    def __enter__(self) -> "QosicMock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"QosicMock(url={self.url!r}, {state})"

    # ----- What an app needs to reach it -----

    def client_id(self, carrier: str) -> str:
        """The client id the fake accepts for ``carrier``: ``"MTN"``, ``"MOOV"``,
        ``"CELTIIS"``, ``"TMONEY"`` or ``"FLOOZ"`` (any case).

        Raises:
            KeyError: not a carrier the fake serves (the message lists them).
        """
        try:
            return self._client_ids[carrier.upper()]
        except KeyError:
            raise KeyError(
                f"unknown carrier {carrier!r}; the fake serves "
                + ", ".join(sorted(self._client_ids))
            ) from None

    def env(self) -> Dict[str, str]:
        """The ``QOSIC_*`` variables for an app that reads its settings from the
        environment: ``QOSIC_BASE_URL``, ``QOSIC_LOGIN``, ``QOSIC_PASSWORD`` and
        ``QOSIC_<CARRIER>_CLIENT_ID`` for each carrier."""
        env = {
            "QOSIC_BASE_URL": self.url,
            "QOSIC_LOGIN": self.login,
            "QOSIC_PASSWORD": self.password,
        }
        for carrier, client_id in self._client_ids.items():
            env[f"QOSIC_{carrier}_CLIENT_ID"] = client_id
        return env

    # ----- The admin API, one method per endpoint -----

    def health(self) -> Dict[str, JSON]:
        """``GET /__admin/health``: connections, requests and the journal's counts."""
        return cast("Dict[str, JSON]", self._admin("GET", "/__admin/health"))

    def config(self) -> Dict[str, JSON]:
        """``GET /__admin/config``: the settings, client ids and endpoints served."""
        return cast("Dict[str, JSON]", self._admin("GET", "/__admin/config"))

    def subscriber(
        self,
        phone: str,
        behaviour: str = "approves",
        *,
        after_checks: Optional[int] = None,
        after_ms: Optional[int] = None,
        ported_to: Optional[str] = None,
    ) -> None:
        """``POST /__admin/subscribers``: programs what a number's customer does.

        Args:
            phone: the number, in any form the SDK reads (``"22997000001"``).
            behaviour: ``approves``, ``declines``, ``insufficient_funds``, ``no_account``,
                ``never_answers`` or ``server_error``.
            after_checks: the outcome is seen at this status check (not with ``after_ms``).
            after_ms: the outcome is known this many milliseconds after the payment.
            ported_to: the carrier the number was ported to, by name.
        """
        body: Dict[str, JSON] = {"phone": phone, "behaviour": behaviour}
        if after_checks is not None:
            body["after_checks"] = after_checks
        if after_ms is not None:
            body["after_ms"] = after_ms
        if ported_to is not None:
            body["ported_to"] = ported_to
        self._admin("POST", "/__admin/subscribers", body)

    def clear_subscribers(self) -> None:
        """``DELETE /__admin/subscribers``: forgets programmed numbers (magic ones stay)."""
        self._admin("DELETE", "/__admin/subscribers")

    def account_holder(
        self,
        phone: str,
        first_name: str,
        last_name: str,
        status: str = "ACTIVE",
    ) -> None:
        """``POST /__admin/holders``: programs who holds a number's account, for
        ``getaccountholderinfo`` (MTN) and ``getaccountholderinfomv`` (MOOV).

        Args:
            phone: the number, in any form the SDK reads (``"22997000001"``).
            first_name: ``firstName`` in the answer.
            last_name: ``surName`` in the answer.
            status: ``ACTIVE``, ``BLOCKED``… or ``ACCOUNTHOLDER_NOT_FOUND`` for no account.
        """
        body: Dict[str, JSON] = {
            "phone": phone,
            "first_name": first_name,
            "last_name": last_name,
            "status": status,
        }
        self._admin("POST", "/__admin/holders", body)

    def clear_account_holders(self) -> None:
        """``DELETE /__admin/holders``: forgets programmed holders (the magic endings stay)."""
        self._admin("DELETE", "/__admin/holders")

    def fault(
        self,
        kind: str,
        *,
        status: Optional[int] = None,
        delay_ms: Optional[int] = None,
        times: Optional[int] = None,
        endpoint: Optional[str] = None,
        after_recording: Optional[bool] = None,
    ) -> None:
        """``POST /__admin/faults``: injects a fault in the next answers.

        Args:
            kind: ``status``, ``delay``, ``malformed_body``, ``empty_body``, ``html_error``,
                ``dropped_connection``, ``lost_answer`` or ``wrong_reference``.
            status: the HTTP status (required by ``status``; 200 to 599).
            delay_ms: the delay (required by ``delay``; at most 600000).
            times: how many answers it hits (default: every one).
            endpoint: only this endpoint, by name (``mtn_payment``, ``moov_payment``...:
                see ``config()["endpoints"]``).
            after_recording: act after the request is recorded (the payment exists).
        """
        body: Dict[str, JSON] = {"kind": kind}
        for name, value in (
            ("status", status),
            ("delay_ms", delay_ms),
            ("times", times),
            ("endpoint", endpoint),
            ("after_recording", after_recording),
        ):
            if value is not None:
                body[name] = value
        self._admin("POST", "/__admin/faults", body)

    def clear_faults(self) -> None:
        """``DELETE /__admin/faults``: removes every fault."""
        self._admin("DELETE", "/__admin/faults")

    def expect(self, endpoint: str, count: int) -> None:
        """``POST /__admin/expectations``: expects exactly ``count`` requests to
        ``endpoint``; :meth:`verify` checks it."""
        self._admin("POST", "/__admin/expectations", {"endpoint": endpoint, "count": count})

    def verify(self) -> Dict[str, JSON]:
        """``GET /__admin/verify``: ``{"ok": True}``, or ``{"ok": False, "report": ...}``
        when an expectation is not met (the server's 409, returned, not raised)."""
        return cast("Dict[str, JSON]", self._admin("GET", "/__admin/verify", accept=(409,)))

    def journal(self, since: Optional[int] = None, limit: Optional[int] = None) -> List[JSON]:
        """``GET /__admin/journal``: the requests received, oldest first (``seq``,
        ``method``, ``path``, ``endpoint``, ``body``, ``status``, ``fault``...).

        Args:
            since: only those numbered after this ``seq``.
            limit: at most this many.
        """
        query = {k: v for k, v in (("since", since), ("limit", limit)) if v is not None}
        path = "/__admin/journal"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return cast("List[JSON]", self._admin("GET", path))

    def transactions(self) -> List[JSON]:
        """``GET /__admin/transactions``: every transaction (``reference``, ``carrier``,
        ``kind``, ``msisdn``, ``amount``, ``state``, ``status_checks``, ``service_ref``)."""
        return cast("List[JSON]", self._admin("GET", "/__admin/transactions"))

    def transaction(self, reference: str) -> Optional[Dict[str, JSON]]:
        """``GET /__admin/transactions/{reference}``: one transaction, or ``None``."""
        path = "/__admin/transactions/" + urllib.parse.quote(reference, safe="")
        try:
            return cast("Optional[Dict[str, JSON]]", self._admin("GET", path))
        except AdminError as e:
            if e.status == 404:
                return None
            raise

    def ledger(self) -> Dict[str, int]:
        """``GET /__admin/ledger``: ``collected``, ``refunded``, ``paid_out`` and
        ``pending``, in XOF."""
        return cast("Dict[str, int]", self._admin("GET", "/__admin/ledger"))

    def reset(self) -> None:
        """``POST /__admin/reset``: forgets transactions, journal, subscribers, faults,
        expectations, the callbacks' journal and faults (the callback URL stays)."""
        self._admin("POST", "/__admin/reset")

    def callbacks(self, *, url: Optional[str] = _UNSET) -> List[JSON]:
        """``GET /__admin/callbacks``: the callbacks sent or dropped, oldest first.

        Args:
            url: when given, first ``PUT /__admin/callbacks/url`` (post callbacks to this
                ``http://`` URL from now on), or with ``None``
                ``DELETE /__admin/callbacks/url`` (stop posting them).
        """
        if url is not _UNSET:
            self.set_callback_url(url)
        return cast("List[JSON]", self._admin("GET", "/__admin/callbacks"))

    def callback_url(self) -> Optional[str]:
        """``GET /__admin/callbacks/url``: where callbacks are posted, or ``None``."""
        return cast("Optional[str]", self._admin("GET", "/__admin/callbacks/url")["url"])

    def set_callback_url(self, url: Optional[str]) -> None:
        """``PUT /__admin/callbacks/url`` (``url``), or ``DELETE`` it (``None``)."""
        if url is None:
            self._admin("DELETE", "/__admin/callbacks/url")
        else:
            self._admin("PUT", "/__admin/callbacks/url", {"url": url})

    def callback_fault(
        self, kind: str, *, delay_ms: Optional[int] = None, times: Optional[int] = None
    ) -> None:
        """``POST /__admin/callbacks/faults``: ``dropped``, ``delayed`` (needs
        ``delay_ms``), ``duplicated``, ``out_of_order`` or ``forged``."""
        body: Dict[str, JSON] = {"kind": kind}
        if delay_ms is not None:
            body["delay_ms"] = delay_ms
        if times is not None:
            body["times"] = times
        self._admin("POST", "/__admin/callbacks/faults", body)

    def clear_callback_faults(self) -> None:
        """``DELETE /__admin/callbacks/faults``: removes every callback fault."""
        self._admin("DELETE", "/__admin/callbacks/faults")

    def forge_callback(self, reference: str, amount: Optional[int] = None) -> None:
        """``POST /__admin/callbacks/forge``: posts a forged ``SUCCESSFUL`` callback now
        (``amount`` is needed for a reference the server does not know)."""
        body: Dict[str, JSON] = {"reference": reference}
        if amount is not None:
            body["amount"] = amount
        self._admin("POST", "/__admin/callbacks/forge", body)

    # ----- Plumbing -----

    def stderr_text(self) -> str:
        """What the binary wrote on stderr so far (its last 4 KiB)."""
        return _tail(self._stderr)

    def _admin(
        self,
        method: str,
        path: str,
        body: Optional[JSON] = None,
        accept: Sequence[int] = (),
    ) -> Any:
        """One admin call; JSON in and out. Always sends ``Content-Type:
        application/json`` (the admin API may require it, bodiless calls included)."""
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._admin_token is not None:
            headers["Authorization"] = f"Bearer {self._admin_token}"
        request = urllib.request.Request(
            self.url + path,
            data=data if method in ("POST", "PUT", "DELETE") else None,
            headers=headers,
            method=method,
        )
        try:
            with _NO_PROXY.open(request, timeout=30) as answer:
                return _decode(answer.read())
        except urllib.error.HTTPError as e:
            raw = e.read()
            decoded = _decode(raw)
            if e.code in accept:
                return decoded
            detail = decoded.get("detail") if isinstance(decoded, dict) else decoded
            raise AdminError(
                f"qosic-mock refused {method} {path}: HTTP {e.code}: {detail}",
                status=e.code,
                body=decoded,
            ) from None
        except (urllib.error.URLError, OSError) as e:
            if not self.running:
                why = (
                    f"the server exited with code {self._process.returncode}; "
                    f"its stderr: {self.stderr_text() or '(empty)'}"
                )
            else:
                why = "the server is running but did not answer"
            raise AdminError(f"cannot reach qosic-mock at {self.url} for {method} {path}: "
                             f"{e}; {why}") from e


# The admin API is on loopback: never through a proxy from the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _decode(raw: bytes) -> JSON:
    """JSON if it is, else the text."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _tail(stderr: IO[bytes], size: int = 4096) -> str:
    """The last ``size`` bytes of a file, as text."""
    try:
        stderr.flush()
        end = stderr.seek(0, os.SEEK_END)
        stderr.seek(max(0, end - size))
        return stderr.read().decode("utf-8", "replace").strip()
    except (OSError, ValueError):
        return ""


def _wait_for_listening(
    process: "subprocess.Popen[bytes]", stderr: IO[bytes], exe: str, timeout: float
) -> str:
    """Reads the first stdout line (``listening on URL``) within ``timeout``; keeps
    draining stdout afterwards so the binary never blocks on a full pipe."""
    assert process.stdout is not None
    lines: "queue.Queue[Optional[bytes]]" = queue.Queue()
    stdout = process.stdout

    def drain() -> None:
        first = True
        for line in iter(stdout.readline, b""):
            if first:
                lines.put(line)
                first = False
        if first:
            lines.put(None)
        stdout.close()

    threading.Thread(target=drain, name="qosic-mock-stdout", daemon=True).start()
    deadline = time.monotonic() + timeout
    try:
        line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        _stop(process, None)
        err = _tail(stderr) or "(empty)"
        stderr.close()
        raise StartError(
            f"{exe} printed no `listening on` line within {timeout:g} s, so it was stopped; "
            f"its stderr: {err}. On a loaded machine give more time "
            "(QosicMock.start(timeout=30)); check that this is a qosic-mock binary "
            f"({exe} --version)"
        ) from None
    text = (line or b"").decode("utf-8", "replace").strip()
    if not text.startswith(_LISTENING):
        code = process.wait(timeout=5) if line is None else None
        _stop(process, None)
        err = _tail(stderr) or "(empty)"
        stderr.close()
        if line is None:
            raise StartError(f"{exe} exited with code {code} before listening: {err}")
        raise StartError(
            f"{exe}'s first line was {text!r}, not `listening on URL`: is it a qosic-mock "
            f"binary? Its stderr: {err}"
        )
    return text[len(_LISTENING):].rstrip("/")


def _stop(process: "subprocess.Popen[bytes]", stderr: Optional[IO[bytes]]) -> None:
    """Stops the process: SIGTERM, then SIGKILL after 5 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if stderr is not None:
        try:
            stderr.close()
        except OSError:  # pragma: no cover
            pass


def run_binary(args: Iterable[str]) -> int:
    """Runs the installed binary with ``args`` in the foreground; returns its exit code
    (``python -m qosic_mock --help``)."""
    exe = find_binary()
    return subprocess.call([exe, *args])

"""pytest fixtures for the fake QosIc server (registered by the ``pytest11`` entry point).

Fixtures:

- ``qosic_mock_server``: one :class:`~qosic_mock.QosicMock` for the whole session.
- ``qosic_mock``: the same server, reset (``POST /__admin/reset``) before each test.
- ``qosic_mock_options``: the keyword arguments of :meth:`QosicMock.start` for the session
  server; override it in a ``conftest.py`` to set flags (a session-scoped fixture).

On failure, a test that used ``qosic_mock`` gets the fake's journal (the requests it
received during the test) in its report when ``--qosic-mock-journal`` is given, the ini
option ``qosic_mock_journal = true`` is set, or the test is marked
``@pytest.mark.qosic_mock_journal``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Generator, Iterator, List

import pytest

from . import AdminError, QosicMock

_JOURNAL_KEY = pytest.StashKey[QosicMock]()
_MARKER = "qosic_mock_journal"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Adds ``--qosic-mock-journal`` and the ini option ``qosic_mock_journal``."""
    group = parser.getgroup("qosic-mock", "the fake QosIc server")
    group.addoption(
        "--qosic-mock-journal",
        action="store_true",
        default=None,
        help="print the fake QosIc server's journal in the report of a failed test "
        "that used the qosic_mock fixture",
    )
    parser.addini(
        "qosic_mock_journal",
        type="bool",
        default=False,
        help="print the fake QosIc server's journal for failed tests (as --qosic-mock-journal)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declares the ``qosic_mock_journal`` marker."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}: print the fake QosIc server's journal if this test fails",
    )


@pytest.fixture(scope="session")
def qosic_mock_options() -> Dict[str, Any]:
    """The options of the session's server (:meth:`QosicMock.start`'s keywords); none by
    default. Override this session fixture in a ``conftest.py`` to change them."""
    return {}


@pytest.fixture(scope="session")
def qosic_mock_server(qosic_mock_options: Dict[str, Any]) -> Iterator[QosicMock]:
    """One fake QosIc server for the session, stopped at its end."""
    mock = QosicMock.start(**qosic_mock_options)
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def qosic_mock(
    qosic_mock_server: QosicMock, request: pytest.FixtureRequest
) -> Generator[QosicMock, None, None]:
    """The session's fake QosIc server, reset before the test: no transactions, journal,
    subscribers, faults or expectations left from other tests (the callback URL stays,
    see :meth:`QosicMock.reset`)."""
    qosic_mock_server.reset()
    request.node.stash[_JOURNAL_KEY] = qosic_mock_server
    yield qosic_mock_server


def _wants_journal(item: pytest.Item) -> bool:
    """Whether a failed test should show the journal."""
    option = item.config.getoption("qosic_mock_journal")
    if option:
        return True
    return bool(item.config.getini("qosic_mock_journal")) or (
        item.get_closest_marker(_MARKER) is not None
    )


def format_journal(entries: List[Any]) -> str:
    """The journal as lines: ``#seq METHOD path -> status [endpoint] fault body``."""
    if not entries:
        return "(no requests)"
    lines = []
    for e in entries:
        if not isinstance(e, dict):
            lines.append(json.dumps(e))
            continue
        fault = f" fault={e['fault']}" if e.get("fault") else ""
        body = e.get("body")
        if body is None:
            body = e.get("body_excerpt", "")
        if not isinstance(body, str):
            body = json.dumps(body, sort_keys=True)
        lines.append(
            f"#{e.get('seq')} {e.get('method')} {e.get('path')} -> {e.get('status')}"
            f" [{e.get('endpoint') or '-'}]{fault} {body}"
        )
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Adds the journal section to the report of a failed test that asked for it."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    mock = item.stash.get(_JOURNAL_KEY, None)
    if mock is None or not _wants_journal(item):
        return
    try:
        text = format_journal(mock.journal())
    except AdminError as e:
        text = f"(cannot read the journal: {e})"
    report.sections.append(("qosic-mock journal", text))

#!/usr/bin/env python3
"""Checks of docs/qosic-mock.openapi.yaml, the fake QosIc server's described contract.

    python python/tools/openapi.py validate       # OpenAPI 3.1, by openapi-spec-validator
    python python/tools/openapi.py write-json     # (re)writes docs/qosic-mock.openapi.json and qosic-mock/openapi.json
    python python/tools/openapi.py check-json     # both are the YAML, as JSON
    python python/tools/openapi.py check-routes   # every documented route is in it
    python python/tools/openapi.py check-served   # every route the binary serves is in it

`validate`, `write-json` and `check-json` need PyYAML and openapi-spec-validator;
`check-routes` and `check-served` need only the standard library (they read the JSON twin),
and `check-served` runs the installed `qosic-mock` binary (the qosic_mock package).

Documented routes: the endpoints table of docs/WIRE.md (every path in its `path` column)
and the admin API table of the qosic-mock crate guide (qosic-mock/README.md, which the
crate includes as its docs; rows `| \\`METHOD /__admin/...\\` |`). Served routes: `GET /__admin/config`'s `endpoints`, and a
probe of every admin route of the document (none may answer "no admin endpoint").
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
YAML = ROOT / "docs" / "qosic-mock.openapi.yaml"
JSON_TWIN = ROOT / "docs" / "qosic-mock.openapi.json"
# The copy the fake serves at GET /__admin/openapi.json (include_str!, inside the crate so
# that `cargo package` has it).
CRATE_COPY = ROOT / "qosic-mock" / "openapi.json"
WIRE = ROOT / "docs" / "WIRE.md"
ADMIN_DOCS = ROOT / "qosic-mock" / "README.md"

Route = Tuple[str, str]  # (METHOD, path)


def load_yaml() -> dict:
    """The document, from the YAML (PyYAML; anchors expanded)."""
    import yaml  # build-time dependency

    return yaml.safe_load(YAML.read_text(encoding="utf-8"))


def as_json(document: dict) -> str:
    """The JSON twin's exact text."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def documented_routes(document: dict) -> Set[Route]:
    """Every (METHOD, path) the OpenAPI document describes."""
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {
        (method.upper(), path)
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in methods
    }


def wire_routes() -> Set[Route]:
    """The QosIc routes of docs/WIRE.md's endpoints table (all POST)."""
    text = WIRE.read_text(encoding="utf-8")
    table = text.split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    paths = set(re.findall(r"`(/QosicBridge/[^`]+)`", table))
    # "(also `gettransactionstatusV2`)": a second name for the path before it.
    for also in re.findall(r"also `(\w+)`", table):
        for path in list(paths):
            if path.endswith("/gettransactionstatus") and "/user/" in path:
                paths.add(path.rsplit("/", 1)[0] + "/" + also)
    if not paths:
        raise SystemExit(f"{WIRE}: no /QosicBridge/ path found in the Endpoints table")
    return {("POST", p) for p in paths}


def admin_doc_routes() -> Set[Route]:
    """The admin routes of the crate guide's table: ``| `GET /__admin/health` | ...``."""
    text = ADMIN_DOCS.read_text(encoding="utf-8")
    routes = set(re.findall(r"^\| `(GET|POST|PUT|DELETE|PATCH) (/__admin/[^`\s]*)` \|", text, re.M))
    if not routes:
        raise SystemExit(f"{ADMIN_DOCS}: no admin route found in the admin API table")
    return routes


def missing(expected: Set[Route], document: dict, source: str) -> List[str]:
    """Lines naming each route of ``expected`` the document lacks."""
    have = documented_routes(document)
    return [f"{m} {p} (from {source}) is not in {YAML.name}" for m, p in sorted(expected - have)]


def cmd_validate() -> int:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    document = load_yaml()
    if not str(document.get("openapi", "")).startswith("3.1"):
        print(f"{YAML}: openapi is {document.get('openapi')!r}, expected 3.1.x", file=sys.stderr)
        return 1
    try:
        validate(document)
    except OpenAPIValidationError as e:
        print(f"{YAML}: not a valid OpenAPI 3.1 document: {e}", file=sys.stderr)
        return 1
    ops = len(documented_routes(document))
    print(f"{YAML.relative_to(ROOT)}: valid OpenAPI {document['openapi']} ({ops} operations)")
    return 0


def cmd_write_json() -> int:
    text = as_json(load_yaml())
    for path in (JSON_TWIN, CRATE_COPY):
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def cmd_check_json() -> int:
    want = as_json(load_yaml())
    status = 0
    for path in (JSON_TWIN, CRATE_COPY):
        have = path.read_text(encoding="utf-8") if path.exists() else ""
        if have != want:
            print(
                f"{path.relative_to(ROOT)} is not {YAML.name} as JSON; run "
                "`python python/tools/openapi.py write-json` and commit it",
                file=sys.stderr,
            )
            status = 1
        else:
            print(f"{path.relative_to(ROOT)}: in sync with {YAML.name}")
    return status


def load_twin() -> dict:
    return json.loads(JSON_TWIN.read_text(encoding="utf-8"))


def cmd_check_routes() -> int:
    document = load_twin()
    wire, admin = wire_routes(), admin_doc_routes()
    problems = missing(wire, document, "docs/WIRE.md") + missing(
        admin, document, "qosic-mock/README.md, the admin API table"
    )
    # And the other way: an admin route described but documented nowhere else.
    for method, path in sorted(documented_routes(document)):
        if path.startswith("/__admin/") and (method, path) not in admin:
            problems.append(
                f"{method} {path} is in {YAML.name} but not in the crate docs' admin table"
            )
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"{len(wire)} QosIc routes (WIRE.md) and {len(admin)} admin routes (crate docs): all described")
    return 0


def cmd_check_served() -> int:
    """Runs the installed binary: its endpoints and its admin routes against the document."""
    import urllib.error
    import urllib.request

    from qosic_mock import QosicMock

    document = load_twin()
    have = documented_routes(document)
    problems: List[str] = []
    with QosicMock.start() as mock:
        endpoints: List[Dict[str, str]] = mock.config()["endpoints"]
        for e in endpoints:
            if ("POST", e["path"]) not in have:
                problems.append(f"POST {e['path']} ({e['name']}, served) is not in {YAML.name}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for method, path in sorted(have):
            if not path.startswith("/__admin/"):
                continue
            url = mock.url + path.replace("{reference}", "NO-SUCH-REF")
            request = urllib.request.Request(
                url, data=b"{}" if method in ("POST", "PUT") else None, method=method,
                headers={"Content-Type": "application/json"},
            )
            try:
                with opener.open(request, timeout=10) as answer:
                    body = answer.read().decode()
            except urllib.error.HTTPError as e:
                body = e.read().decode()
            if "no admin endpoint" in body:
                problems.append(f"{method} {path} is in {YAML.name} but the binary does not serve it")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"the binary's {len(endpoints)} endpoints are described; every admin route described is served")
    return 0


COMMANDS = {
    "validate": cmd_validate,
    "write-json": cmd_write_json,
    "check-json": cmd_check_json,
    "check-routes": cmd_check_routes,
    "check-served": cmd_check_served,
}


def main(argv: List[str]) -> int:
    if len(argv) != 1 or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

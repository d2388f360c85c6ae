#!/usr/bin/env bash
# CI for the Python package (python/): the fake QosIc server as a wheel, tested with the
# published Python SDK.
#
#  1. The OpenAPI document (docs/qosic-mock.openapi.yaml): valid OpenAPI 3.1
#     (openapi-spec-validator), its JSON twin in sync, every documented route in it.
#  2. The wheel: `maturin build --release` (the `qosic-mock` binary + the qosic_mock module).
#  3. A fresh virtual environment: the wheel, pytest and qosic-sdk==5.1.0 from PyPI; the
#     suite runs with no cargo or rustc on PATH.
#
# Idempotent: everything it makes is under target/python/ (the build venv is kept and
# reused, the test venv is made anew each run).
#
# Settings (environment):
#   PYTHON                      the interpreter for the venvs (default: python3)
#   PYTEST_ARGS                 extra arguments for pytest
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=$root/target/python
python=${PYTHON:-python3}
build_venv=$out/build-venv
test_venv=$out/test-venv
wheels=$out/wheels
mkdir -p "$out"

# A clean Debian machine may have no python3, or one without venv and ensurepip: install
# them from Debian's packages when root (as .ci/run does its own), else say what is missing.
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    else
        echo "error: $python is missing or cannot make virtual environments: install python3 and python3-venv" >&2
        exit 1
    fi
fi

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

step "build venv ($build_venv): maturin, openapi-spec-validator, PyYAML, mypy, pytest"
if [[ ! -x $build_venv/bin/python ]]; then
    "$python" -m venv "$build_venv"
fi
"$build_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'maturin==1.16.0' 'openapi-spec-validator==0.9.0' 'PyYAML==6.0.4' 'mypy==2.4.1' 'pytest>=8'

step "OpenAPI: validate docs/qosic-mock.openapi.yaml, its JSON twin, the documented routes"
"$build_venv/bin/python" python/tools/openapi.py validate
"$build_venv/bin/python" python/tools/openapi.py check-json
"$build_venv/bin/python" python/tools/openapi.py check-routes

step "qosic_mock: type hints checked (mypy --strict)"
(cd python && MYPYPATH=src "$build_venv/bin/python" -m mypy --strict --no-error-summary src/qosic_mock && echo "mypy --strict: no issues")

step "wheel: maturin build --release"
rm -rf "$wheels"
start=$(now)
(cd python && "$build_venv/bin/maturin" build --release --quiet --out "$wheels")
build_secs=$(since "$start")
wheel=$(ls "$wheels"/qosic_mock-*.whl)
wheel_bytes=$(wc -c <"$wheel")

step "test venv ($test_venv): fresh; pytest and qosic-sdk==5.1.0 from PyPI"
rm -rf "$test_venv"
start=$(now)
"$python" -m venv "$test_venv"
"$test_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'pytest>=8' 'qosic-sdk==5.1.0'
deps_secs=$(since "$start")

# From here on, no Rust: PATH is the venv's bin and the system's, and we check it.
clean_path=$test_venv/bin:/usr/local/bin:/usr/bin:/bin
for tool in cargo rustc maturin; do
    if found=$(PATH=$clean_path command -v "$tool"); then
        echo "error: $tool is on the test step's PATH ($found); the test must run without Rust" >&2
        exit 1
    fi
done
run() { env -u QOSIC_MOCK_BINARY -u CARGO_HOME -u RUSTUP_HOME PATH="$clean_path" "$@"; }

step "cold start: pip install the wheel, then the first test"
start=$(now)
run "$test_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
install_secs=$(since "$start")
(cd python && run "$test_venv/bin/python" -m pytest -q -p no:cacheprovider \
    "tests/test_with_qosic_sdk.py::test_moov_pay_is_confirmed_at_once" >/dev/null)
cold_secs=$(since "$start")
run "$test_venv/bin/python" - <<'EOF'
import qosic_mock, sysconfig
assert qosic_mock.__file__.startswith(sysconfig.get_path("purelib")), qosic_mock.__file__
print("qosic_mock from", qosic_mock.__file__, "; binary", qosic_mock.find_binary())
EOF

step "the fake's own route table against the OpenAPI document (installed binary)"
run "$test_venv/bin/python" python/tools/openapi.py check-served

step "pytest (no cargo or rustc on PATH)"
start=$(now)
# shellcheck disable=SC2086 # PYTEST_ARGS is a list of arguments
(cd python && run "$test_venv/bin/python" -m pytest -p no:cacheprovider -rfE ${PYTEST_ARGS:-})
suite_secs=$(since "$start")

step "figures"
echo "wheel: $(basename "$wheel"), $wheel_bytes bytes ($(awk -v b="$wheel_bytes" 'BEGIN { printf "%.2f", b / 1048576 }') MiB)"
echo "wheel build (maturin build --release, warm target/): ${build_secs} s"
echo "fresh venv + pytest + qosic-sdk from PyPI (pip's cache warm or not): ${deps_secs} s"
echo "pip install of the wheel: ${install_secs} s; to the first passing test: ${cold_secs} s"
echo "whole suite: ${suite_secs} s"

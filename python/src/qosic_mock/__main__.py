"""``python -m qosic_mock [ARGS...]``: runs the installed ``qosic-mock`` binary with ARGS
(``--help`` lists its flags)."""

from __future__ import annotations

import sys

from . import QosicMockError, run_binary


def main() -> int:
    """Runs the binary with this process's arguments; returns its exit code."""
    try:
        return run_binary(sys.argv[1:])
    except QosicMockError as e:
        print(f"qosic_mock: {e}", file=sys.stderr)
        return 127
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

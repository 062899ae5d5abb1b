"""The `ur` command: a thin typer layer over the library, one module per command group.

Exit codes: 0 success; 1 a regression failure, likely denial or lint finding; 2 bad input or
usage (one line on stderr, no traceback).
"""

from __future__ import annotations

import sys

from engine.cli.common import EXIT_BAD_INPUT, app
from engine.errors import EngineError
from engine.cli import commands  # noqa: F401,E402  (registers commands)
from engine.cli import batch_cmd  # noqa: F401,E402
from engine.cli import check_cmd  # noqa: F401,E402
from engine.cli import explain_cmd  # noqa: F401,E402
from engine.cli import facts_cmd  # noqa: F401,E402
from engine.cli import quality_cmd  # noqa: F401,E402
from engine.cli import rules_cmd  # noqa: F401,E402
from engine.cli import import_cmd  # noqa: F401,E402
from engine.cli import serve_cmd  # noqa: F401,E402


def main() -> None:
    """Console entry point."""
    try:
        app()
    except EngineError as exc:  # pragma: no cover - commands catch their own
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)

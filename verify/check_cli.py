"""Deprecated path: moved to :mod:`verify.cli.check` (kept for one release); use ``python -m verify check``.

``python -m verify.check_cli RUN.npz [--json]`` still runs the check (same output and exit status).
"""

import sys
import warnings

from verify.cli.check import EXIT_FAILED, EXIT_MALFORMED, EXIT_PASSED, HELP, add_arguments, main, run

__all__ = ["EXIT_FAILED", "EXIT_MALFORMED", "EXIT_PASSED", "HELP", "add_arguments", "main", "run"]

warnings.warn(
    "verify.check_cli is deprecated: import from verify.cli.check (python -m verify check)",
    DeprecationWarning,
    stacklevel=2,
)

if __name__ == "__main__":  # pragma: no cover - the deprecated ``python -m verify.check_cli RUN.npz``
    sys.exit(main())

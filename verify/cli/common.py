"""What every subcommand of ``python -m verify`` shares: exit statuses, one-line errors, the parser class.

Errors are one line ``error: ...`` on stderr, never a traceback: argparse's own errors through
:class:`OneLineParser`, the library's ``TypeError`` (wrong type), ``ValueError`` (bad value) and
``FileNotFoundError`` (missing file) — :data:`USAGE_ERRORS` — through :func:`fail`. Both exit with
:data:`EXIT_USAGE` = 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from verify.models import as_chain

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "USAGE_ERRORS", "OneLineParser", "describe_model", "fail"]

EXIT_OK = 0
"""Exit status of a successful run (a check or cross-check within its tolerances)."""
EXIT_FAILED = 1
"""Exit status when a valid run fails (no convergence, out of memory) or a check is above tolerance."""
EXIT_USAGE = 2
"""Exit status for invalid parameters (argparse's convention)."""

USAGE_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, FileNotFoundError)
"""Exceptions of the library that mean "bad input": one ``error:`` line and :data:`EXIT_USAGE`."""


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single ``error: ...`` line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def fail(message: object) -> int:
    """Print ``error: message`` as one line on stderr and return :data:`EXIT_USAGE`."""
    text = str(message) or type(message).__name__
    print(f"error: {' '.join(text.split())}", file=sys.stderr)
    return EXIT_USAGE


def describe_model(model: Any) -> str:
    """One line naming a chain model's kind, size and charge sector (``"xxz, 8 sites, 2Sz=0"``).

    Raises
    ------
    TypeError
        When ``model`` is not a chain model (:func:`verify.models.as_chain`).
    """
    chain = as_chain(model)
    sector = " ".join(f"{name}={value}" for name, value in chain.sector.items())
    return f"{chain.kind}, {chain.n_sites} sites" + (f", {sector}" if sector else "")

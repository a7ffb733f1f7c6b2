"""Deprecated path: moved to :mod:`verify.cli.crosscheck` (kept for one release)."""

import warnings

from verify.cli.crosscheck import HELP, add_arguments, format_table, parse_tolerances, run

__all__ = ["HELP", "add_arguments", "format_table", "parse_tolerances", "run"]

warnings.warn("verify.crosscheck_cli is deprecated: import from verify.cli.crosscheck", DeprecationWarning,
              stacklevel=2)

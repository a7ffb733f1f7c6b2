"""Deprecated path: moved to :mod:`verify.testing.crosscheck` (kept for one release)."""

import importlib
import sys
import warnings

# the module, not the function verify.testing.crosscheck that the package re-exports under its name
_moved = importlib.import_module("verify.testing.crosscheck")

warnings.warn("verify.crosscheck is deprecated: import from verify.testing", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

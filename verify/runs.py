"""Deprecated path: run records moved to :mod:`verify.records` (kept for one release)."""

import sys
import warnings

from verify.records import run as _moved

warnings.warn("verify.runs is deprecated: import from verify.records", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

"""Deprecated path: moved to :mod:`verify.records.checkpoint` (kept for one release)."""

import sys
import warnings

from verify.records import checkpoint as _moved

warnings.warn("verify.checkpoint is deprecated: import from verify.records", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

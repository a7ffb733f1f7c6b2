"""Deprecated path: moved to :mod:`verify.testing.strategies` (kept for one release)."""

import sys
import warnings

from verify.testing import strategies as _moved

warnings.warn(
    "verify.strategies is deprecated: import from verify.testing (from verify.testing import strategies)",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = _moved

"""Deprecated path: moved to :mod:`verify.testing.properties` (kept for one release)."""

import sys
import warnings

from verify.testing import properties as _moved

warnings.warn(
    "verify.properties is deprecated: import from verify.testing (from verify.testing import properties)",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = _moved

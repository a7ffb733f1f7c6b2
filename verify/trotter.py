"""Deprecated path: moved to :mod:`verify.tebd.trotter` (kept for one release)."""

import sys
import warnings

from verify.tebd import trotter as _moved

warnings.warn("verify.trotter is deprecated: import from verify.tebd.trotter", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

"""Deprecated path: moved to :mod:`verify.exact.fock` (kept for one release)."""

import sys
import warnings

from verify.exact import fock as _moved

warnings.warn("verify.fock is deprecated: import from verify.exact.fock", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

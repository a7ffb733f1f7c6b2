"""Deprecated path: moved to :mod:`verify.exact.chebyshev` (kept for one release)."""

import sys
import warnings

from verify.exact import chebyshev as _moved

warnings.warn("verify.propagate is deprecated: import from verify.exact.chebyshev", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

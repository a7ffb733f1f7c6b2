"""Deprecated path: moved to :mod:`verify.mps.dicke` (kept for one release; import from :mod:`verify.mps`)."""

import sys
import warnings

from verify.mps import dicke as _moved

warnings.warn("verify.stt_mps is deprecated: import from verify.mps", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

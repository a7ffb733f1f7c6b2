"""Shared pytest configuration: Hypothesis profiles selected by HYPOTHESIS_PROFILE.

* ``ci`` (default): bounded examples, no deadline (2 shared cores make timings noisy), derandomized
  so a CI failure reproduces.
* ``dev``: fewer examples for quick local iteration.
* ``thorough``: many examples, for a pre-release sweep.
"""

import os

from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=25, derandomize=True, **_common)
settings.register_profile("dev", max_examples=10, **_common)
settings.register_profile("thorough", max_examples=500, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

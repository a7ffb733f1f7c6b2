"""The Shannon summand −p ln p of the numeric von Neumann entropies (PRX Eq. 12), written once."""

from __future__ import annotations

import numpy as np


def entropy_terms(p: np.ndarray) -> np.ndarray:
    """−p ln p elementwise for probabilities p ≥ 0, with 0·ln 0 = 0 (a zero gives +0.0, never NaN or −0.0)."""
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    return 0.0 - p * logs  # 0.0 − … turns −0.0 into 0.0 for pure states

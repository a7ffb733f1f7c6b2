"""The progress line of ``python -m verify run``: one updating line on stderr with the time left."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

__all__ = ["ETA_WINDOW", "PROGRESS_DELAY", "PROGRESS_INTERVAL", "TerminalProgress"]

PROGRESS_DELAY = 2.0
"""Seconds before the progress line appears (short runs stay silent)."""
PROGRESS_INTERVAL = 0.5
"""Minimum seconds between two progress updates."""
ETA_WINDOW: float = 60.0
"""Seconds of recent progress from which the time left is extrapolated."""


class TerminalProgress:
    """Progress callback ``progress(fraction)`` drawing one updating line on stderr.

    Silent for the first :data:`PROGRESS_DELAY` seconds and unless enabled (stderr is a terminal or
    ``--progress`` was given); updates at most every :data:`PROGRESS_INTERVAL` seconds. The time left
    is extrapolated from the rate of the last minute, not from the start: a resumed run starts at a
    fraction > 0, and TEBD steps slow down as the bond dimension grows. The TEBD driver rewrites
    :attr:`label` with the current time, χ and truncation error
    (:func:`verify.records.simulate_tebd`).
    """

    def __init__(self, label: str, enabled: bool, stream: Any = None) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last = -math.inf
        self.drawn = False
        self.samples: list[tuple[float, float]] = []  # (time, fraction) of recent calls

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.samples = [(t, f) for t, f in self.samples if now - t <= ETA_WINDOW] + [(now, fraction)]
        if elapsed < PROGRESS_DELAY or (now - self.last < PROGRESS_INTERVAL and fraction < 1.0):
            return
        self.last = now
        (t_old, f_old), eta = self.samples[0], ""
        if 0 < fraction < 1 and fraction > f_old and now > t_old:
            eta = f", ~{(now - t_old) / (fraction - f_old) * (1 - fraction):.0f} s left"
        self.stream.write(f"\r{self.label}: {100 * fraction:5.1f}% after {elapsed:.0f} s{eta}   ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the progress line (if one was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

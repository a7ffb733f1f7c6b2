"""The tolerances of the checks, each with the reasoning behind its default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from states.validation import require_real

__all__ = ["Tolerances"]


@dataclass(frozen=True)
class Tolerances:
    """Tolerances of the checks, all absolute unless said otherwise; every field must be finite and ≥ 0.

    Attributes
    ----------
    norm : float
        |norm − 1| allowed for an exact evolver (default 1e-8). An exact (Krylov / dense) step
        preserves the norm to ~1e-13; over ~10^3–10^4 recorded steps that accumulates to ≲ 1e-9.
        1e-8 leaves a margin of 10 yet catches a non-unitary step, which is off by far more.
        Approximate records add the accumulated truncation error (:mod:`verify.checks`).
    conservation : float
        Drift allowed for S^z and N (both integers in Pauli units / particles) for an exact evolver
        (default 1e-8): the conserved operators commute with every step, so only round-off of
        order (N_e + N_FM) · 1e-13 per step accumulates, as for the norm.
    energy : float
        Relative drift |E(t) − E(0)| / max(1, |E(0)|) for exact evolvers (default 1e-8, same reasoning).
    energy_approximate : float
        Relative drift for approximate (Trotter/TEBD) records (default 1e-2). Second-order Trotter
        changes ⟨H⟩ by O(δt²) times nested commutators of the bond terms divided by 12, bounded in
        time; measured on PRX chains with δt = 0.1 (the PRX step) it is ~1e-3 of max(1, |E(0)|)
        (``tests/verify/checks/test_checks.py``). 1e-2 passes such runs with a margin of 10 and catches a wrong gate
        or a sign error, which change E by O(1).
    bound : float
        Slack of the inequalities |S_i| ≤ 1, 0 ≤ S ≤ log d, 0 ≤ I ≤ 2 min(S_A, S_B), 0 ≤ Q_MW ≤ 1 and
        0 ≤ p ≤ 1 (default 1e-9): these quantities are computed from eigenvalues or expectation
        values of unit-scale matrices, whose round-off is ≲ 1e-12; a violated bound is a bug.
    consistency : float
        Allowed mismatch between a recorded derived array and its recomputation from the recorded
        primary array (purity vs |spin|, spin_transfer vs sigma_z) (default 1e-9: the same numbers
        recomputed in a different order differ by round-off only).
    probability_sum : float
        |Σ_k p_k − 1| allowed for the pair probabilities (default 1e-8: they sum to the norm², so the
        norm tolerance applies).
    time_grid : float
        Relative spacing error max |Δt_i − Δt_0| / Δt_0 (default 1e-6). A grid built as ``t += dt``
        over n steps carries a spacing error ≲ n² ε ≈ 2e-8 for n = 10^4; 1e-6 allows that for up to
        ~7·10^4 steps, while a skipped or duplicated record (spacing off by 100 %) fails.
    truncation_monotone : float
        Allowed decrease of the accumulated truncation error between records (default 0: it is a
        running sum of nonnegative numbers, so in floating point it never decreases).

    Raises
    ------
    TypeError
        For a tolerance that is not a real number.
    ValueError
        For a negative, NaN or infinite one.
    """

    norm: float = 1e-8
    conservation: float = 1e-8
    energy: float = 1e-8
    energy_approximate: float = 1e-2
    bound: float = 1e-9
    consistency: float = 1e-9
    probability_sum: float = 1e-8
    time_grid: float = 1e-6
    truncation_monotone: float = 0.0

    def __post_init__(self) -> None:
        for item in fields(self):
            require_real(f"tolerance {item.name}", getattr(self, item.name), minimum=0.0)

    def replace(self, **changes: float) -> Tolerances:
        """A copy with some tolerances changed (unknown names raise ``TypeError``)."""
        known = {item.name for item in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown tolerance(s) {unknown}; known: {sorted(known)}")
        return Tolerances(**{**asdict(self), **changes})

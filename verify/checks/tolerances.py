"""The tolerances of the checks, each with the reasoning behind its default, and the tolerance profiles.

A *profile* is the set of tolerances that fits how a run was made (:data:`PROFILES`):

``exact``
    Krylov, Chebyshev, dense propagation: every tolerance at its :class:`Tolerances` default (1e-8 for
    the norm, the charges and the energy). The default for a record whose method is unknown.
``trotter``
    TEBD / MPS / Trotter evolutions: the same numbers, with the record treated as *approximate* — the
    norm and charge tolerances grow with the accumulated truncation error ε(t) (a bound, see
    :mod:`verify.checks`) and the energy is checked against ``energy_approximate`` (second-order
    Trotter conserves H + O(δt²), not H).
``ode``
    An adaptive ODE integrator (QuTiP's ``sesolve``/``mesolve``, scipy's ``solve_ivp``) at its default
    tolerances: norm, charges, energy, probability sums and bounds to 1e-3. The global error of such a
    solver at fixed rtol grows linearly with t. Measured with QuTiP 5.3 ``sesolve`` at its defaults
    (``adams``, atol 1e-8, rtol 1e-6) on the XXZ chain of the tests (L = 8, J_xx = 1, J_z = 0.5,
    h_z = 0.2, Néel and partly x-polarized starts, output every 0.1): the relative energy drift is
    3.3e-6 per unit of time (3.3e-5 at t = 10, 3.3e-4 at t = 100), the norm of an output that is not
    renormalized (``normalize_output=False``) drifts by 1.0e-6 per unit of time, and Σ_i ⟨σ^z_i⟩ of a
    state that is not an S^z eigenstate (an expectation value quadratic in ψ) by 1.2e-6 per unit of
    time (an S^z eigenstate stays in its sector: drift 1e-15). 1e-3 passes such runs up to t = 100 with
    a margin of 3 (30 at t = 10) and still catches a wrong term or sign, which changes E by O(J).
    Expectation values of states normalized only to the norm tolerance can exceed their bounds by as
    much (|⟨O⟩| ≤ ‖O‖ ⟨ψ|ψ⟩), hence ``bound`` 1e-3 as well; derived arrays recomputed from the same
    state (``consistency``) and the time grid keep their defaults. Longer runs or tighter solvers pass
    their own :class:`Tolerances` (``--tol`` on the command line).

:func:`profile_for_method` picks a profile from a record's ``meta.method`` (:data:`METHOD_PROFILES`);
:func:`verify.checks.check_run` uses it unless told otherwise, and the report marks with WARN every
check that passes only because its tolerance is wider than the ``exact`` profile's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import Any

from states.validation import require_real

__all__ = [
    "METHOD_PROFILES",
    "PROFILES",
    "PROFILE_APPROXIMATE",
    "Tolerances",
    "profile_for_method",
    "resolve_profile",
]


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

    @classmethod
    def profile(cls, name: str) -> Tolerances:
        """The tolerances of the profile ``name``: ``"exact"``, ``"trotter"`` or ``"ode"`` (module docstring).

        Raises
        ------
        TypeError
            Unless ``name`` is a string.
        ValueError
            For an unknown profile.

        Examples
        --------
        >>> Tolerances.profile("ode").energy, Tolerances.profile("exact").energy
        (0.001, 1e-08)
        """
        if not isinstance(name, str):
            raise TypeError(f"profile must be a string, got {name!r} ({type(name).__name__})")
        if name not in PROFILES:
            raise ValueError(f"unknown tolerance profile {name!r}: use one of {sorted(PROFILES)}")
        return cls(**PROFILES[name])


PROFILES = MappingProxyType(
    {
        "exact": MappingProxyType({}),
        "trotter": MappingProxyType({}),
        "ode": MappingProxyType(
            {"norm": 1e-3, "conservation": 1e-3, "energy": 1e-3, "probability_sum": 2e-3, "bound": 1e-3}
        ),
    }
)
"""Profile name → the :class:`Tolerances` fields it changes (module docstring for the reasons)."""

PROFILE_APPROXIMATE = MappingProxyType({"exact": False, "trotter": True, "ode": False})
"""Whether a profile treats the record as approximate (truncation-aware tolerances, Trotter energy)."""

METHOD_PROFILES = MappingProxyType(
    {
        **dict.fromkeys(("exact", "chebyshev", "krylov", "lanczos", "expm", "dense", "ed", "diagonalization"), "exact"),
        **dict.fromkeys(("tebd", "mps", "tdvp", "dmrg", "mpo", "trotter", "tenpy", "quimb"), "trotter"),
        **dict.fromkeys(("ode", "sesolve", "mesolve", "mcsolve", "adams", "bdf", "rk45", "dop853", "lsoda",
                         "solve_ivp", "vern7", "vern9", "qutip"), "ode"),
    }
)
"""Words of ``meta.method`` (split at non-alphanumeric characters, lower case) → profile. The first word
found decides: ``"tenpy.TEBDEngine"`` and ``"tenpy.ExpMPOEvolution"`` are ``trotter`` (TeNPy evolves
MPS), ``"qutip.sesolve"`` is ``ode``."""


_SUBSTRING_WORDS = (
    "tebd", "mps", "mpo", "dmrg", "tdvp", "trotter", "chebyshev", "krylov", "lanczos", "sesolve", "mesolve",
)
"""Words also recognized inside a longer word of ``meta.method`` (``"tebd4"``, ``"mps_tdvp"``)."""


def profile_for_method(method: object) -> str | None:
    """The profile a record's ``meta.method`` names (:data:`METHOD_PROFILES`), or None when no word of it
    is known (or it is not a string).

    Examples
    --------
    >>> profile_for_method("tebd"), profile_for_method("qutip.sesolve"), profile_for_method("magic")
    ('trotter', 'ode', None)
    """
    if not isinstance(method, str):
        return None
    words = [word for word in re.split(r"[^a-z0-9_]+", method.lower()) if word]
    for word in words:
        if word in METHOD_PROFILES:
            return METHOD_PROFILES[word]
    for word in words:
        for known in _SUBSTRING_WORDS:
            if known in word:
                return METHOD_PROFILES[known]
    return None


def resolve_profile(profile: str | None, params: Mapping[str, Any], keys: Collection[str]) -> tuple[str, str]:
    """``(profile, how it was chosen)`` for a record with (flattened) metadata ``params`` and array ``keys``:
    ``profile`` when given, else the one ``meta.method`` names (:func:`profile_for_method`), else
    ``"trotter"`` when there is a ``truncation_error`` array, else ``"exact"``."""
    if profile is not None:
        return profile, "given"
    method = params.get("method")
    named = profile_for_method(method)
    if named is not None:
        return named, f"from meta.method {method!r}"
    if "truncation_error" in keys:
        return "trotter", "from the 'truncation_error' array"
    return "exact", "default (no known meta.method)"

"""Ready-made assertions for property tests of states and runs (use inside a Hypothesis ``@given`` test).

Each ``assert_*`` function checks one mathematical fact and raises ``AssertionError`` with a message
that states the inequality, the numbers on both sides and the margin when it fails. Malformed inputs
(wrong shapes, non-normalized states, bad subsystem indices) raise ``ValueError``/``TypeError`` from
the underlying :mod:`entanglement` functions instead: a property can only fail on valid input.

Entropies are in nats (natural log), as everywhere in the package. Every entropy assertion takes
``entropy=``, a function ρ ↦ S(ρ) of a reduced density matrix, so the same properties test your own
entropy implementation (the default is :func:`entanglement.von_neumann_entropy`). The default ``atol = 1e-9`` of
the entropy inequalities is far above the round-off of an entropy of a ≤ 4096-dimensional density
matrix (eigenvalues accurate to ~n·ε ≈ 1e-12, entropies to ~1e-11 including the x log x
near-zero behaviour after round-off cleaning) and far below any genuine violation.

Example
-------
>>> from hypothesis import given, settings
>>> from verify.testing import properties, strategies
>>> @settings(max_examples=5)
... @given(strategies.pure_states(min_subsystems=2))
... def test_symmetric(sample):
...     state, dims = sample
...     properties.assert_pure_state_entropy_symmetric(state, keep=[0], dims=dims)
>>> test_symmetric()
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from entanglement import check_density_matrices, partial_trace, von_neumann_entropy
from states.validation import is_integer, is_real, require_real
from verify.checks import check_run
from verify.records import RunResult

__all__ = [
    "DEFAULT_ATOL",
    "assert_araki_lieb",
    "assert_conserved",
    "assert_mutual_information_bounds",
    "assert_pure_state_entropy_symmetric",
    "assert_run_passes",
    "assert_strong_subadditivity",
    "assert_subadditivity",
    "assert_valid_density_matrix",
]

DEFAULT_ATOL: float = 1e-9
"""Slack of the entropy inequalities (module docstring)."""


def _atol(value: object, name: str = "atol") -> float:
    return require_real(name, value, minimum=0.0)


def _selection(value: int | Sequence[int], name: str) -> tuple[int, ...]:
    """Subsystem indices as a tuple (validated for range/duplicates by :mod:`entanglement`)."""
    if is_integer(value):
        return (int(value),)  # type: ignore[call-overload]
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}")
    items = tuple(np.ravel(value).tolist()) if isinstance(value, np.ndarray) else tuple(value)
    for item in items:
        if not is_integer(item):
            raise TypeError(f"{name} must contain integers, got {item!r}")
    return tuple(int(item) for item in items)


Entropy = Callable[[np.ndarray], float]
"""An entropy function of a reduced density matrix (default :func:`entanglement.von_neumann_entropy`)."""


def _entropy_function(entropy: Entropy | None) -> Entropy:
    if entropy is None:
        return von_neumann_entropy
    if not callable(entropy):
        raise TypeError(f"entropy must be a callable rho -> float, got {entropy!r}")
    return entropy


def _entropy(
    state: np.ndarray, keep: tuple[int, ...], dims: Sequence[int] | None, entropy: Entropy | None = None
) -> float:
    value = _entropy_function(entropy)(partial_trace(state, sorted(keep), dims))
    if not is_real(value):
        raise TypeError(f"the entropy function returned {value!r}, not a real number")
    return float(value)


def _n_subsystems(state: np.ndarray, dims: Sequence[int] | None) -> int:
    """Number of subsystems (validates the state through partial_trace)."""
    rho = partial_trace(state, [], dims)  # validates state and dims; returns [[1]]
    del rho
    if dims is not None:
        return len(tuple(dims))
    array = np.asarray(state)
    size = array.shape[0]
    return size.bit_length() - 1


def _disjoint(parts: dict[str, tuple[int, ...]]) -> None:
    seen: dict[int, str] = {}
    for name, part in parts.items():
        if not part:
            raise ValueError(f"{name} must not be empty")
        for k in part:
            if k in seen:
                raise ValueError(f"subsystem {k} is in both {seen[k]} and {name}: the parts must be disjoint")
            seen[k] = name


def assert_pure_state_entropy_symmetric(
    state: np.ndarray,
    keep: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    atol: float = DEFAULT_ATOL,
    entropy: Entropy | None = None,
) -> None:
    """Assert S(A) = S(B) for a pure state and any bipartition A = ``keep``, B = the rest (Schmidt).

    Parameters
    ----------
    state : ndarray
        A normalized ket (a density matrix is accepted only if it is pure: then S(A) = S(B) too).
    keep : int or sequence of int
        Subsystems of A.
    dims : sequence of int, optional
        Local dimensions (``None``: qubits).
    atol : float
        Allowed |S(A) − S(B)|.
    entropy : callable, optional
        ρ ↦ S(ρ) applied to each reduced density matrix (default: von Neumann entropy in nats).

    Raises
    ------
    AssertionError
        When |S(A) − S(B)| > atol.
    ValueError, TypeError
        For malformed input.
    """
    tol = _atol(atol)
    part_a = _selection(keep, "keep")
    n = _n_subsystems(state, dims)
    part_b = tuple(k for k in range(n) if k not in part_a)
    s_a, s_b = _entropy(state, part_a, dims, entropy), _entropy(state, part_b, dims, entropy)
    if not abs(s_a - s_b) <= tol:
        raise AssertionError(
            f"pure-state entropy symmetry violated: S(A={list(part_a)}) = {s_a!r} but S(B={list(part_b)}) = {s_b!r}, "
            f"|difference| = {abs(s_a - s_b):.3g} > atol = {tol:g} (is the state pure?)"
        )


def assert_subadditivity(
    state: np.ndarray,
    a: int | Sequence[int],
    b: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    atol: float = DEFAULT_ATOL,
    entropy: Entropy | None = None,
) -> None:
    """Assert subadditivity S(AB) <= S(A) + S(B) for disjoint A, B.

    Parameters
    ----------
    state : ndarray
        A normalized ket or a density matrix (validated by :func:`entanglement.partial_trace`).
    a, b : int or sequence of int
        Disjoint, non-empty subsystem sets A and B (other subsystems are traced out).
    dims : sequence of int, optional
        Local dimensions (``None``: qubits).
    atol : float
        Slack of the inequality (default :data:`DEFAULT_ATOL`).
    entropy : callable, optional
        ρ ↦ S(ρ) applied to each reduced density matrix (default: von Neumann entropy in nats).

    Raises
    ------
    AssertionError
        When the inequality is violated by more than ``atol``; the message gives both sides.
    ValueError, TypeError
        For malformed input (invalid state, overlapping or out-of-range subsystems).
    """
    tol = _atol(atol)
    part_a, part_b = _selection(a, "a"), _selection(b, "b")
    _disjoint({"a": part_a, "b": part_b})
    s_a, s_b, s_ab = (_entropy(state, p, dims, entropy) for p in (part_a, part_b, part_a + part_b))
    if not s_ab <= s_a + s_b + tol:
        raise AssertionError(
            f"subadditivity violated for A={list(part_a)}, B={list(part_b)}: S(AB) = {s_ab!r} > "
            f"S(A) + S(B) = {s_a!r} + {s_b!r} by {s_ab - s_a - s_b:.3g} (atol {tol:g})"
        )


def assert_araki_lieb(
    state: np.ndarray,
    a: int | Sequence[int],
    b: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    atol: float = DEFAULT_ATOL,
    entropy: Entropy | None = None,
) -> None:
    """Assert the Araki–Lieb triangle inequality S(AB) >= |S(A) − S(B)| for disjoint A, B.

    Parameters
    ----------
    state : ndarray
        A normalized ket or a density matrix (validated by :func:`entanglement.partial_trace`).
    a, b : int or sequence of int
        Disjoint, non-empty subsystem sets A and B (other subsystems are traced out).
    dims : sequence of int, optional
        Local dimensions (``None``: qubits).
    atol : float
        Slack of the inequality (default :data:`DEFAULT_ATOL`).
    entropy : callable, optional
        ρ ↦ S(ρ) applied to each reduced density matrix (default: von Neumann entropy in nats).

    Raises
    ------
    AssertionError
        When the inequality is violated by more than ``atol``; the message gives both sides.
    ValueError, TypeError
        For malformed input (invalid state, overlapping or out-of-range subsystems).
    """
    tol = _atol(atol)
    part_a, part_b = _selection(a, "a"), _selection(b, "b")
    _disjoint({"a": part_a, "b": part_b})
    s_a, s_b, s_ab = (_entropy(state, p, dims, entropy) for p in (part_a, part_b, part_a + part_b))
    if not s_ab >= abs(s_a - s_b) - tol:
        raise AssertionError(
            f"Araki-Lieb violated for A={list(part_a)}, B={list(part_b)}: S(AB) = {s_ab!r} < "
            f"|S(A) - S(B)| = |{s_a!r} - {s_b!r}| by {abs(s_a - s_b) - s_ab:.3g} (atol {tol:g})"
        )


def assert_strong_subadditivity(
    state: np.ndarray,
    a: int | Sequence[int],
    b: int | Sequence[int],
    c: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    atol: float = DEFAULT_ATOL,
    entropy: Entropy | None = None,
) -> None:
    """Assert strong subadditivity S(ABC) + S(B) <= S(AB) + S(BC) for disjoint A, B, C (Lieb–Ruskai).

    Parameters
    ----------
    state : ndarray
        A normalized ket or a density matrix (validated by :func:`entanglement.partial_trace`).
    a, b, c : int or sequence of int
        Disjoint, non-empty subsystem sets A, B and C (other subsystems are traced out).
    dims : sequence of int, optional
        Local dimensions (``None``: qubits).
    atol : float
        Slack of the inequality (default :data:`DEFAULT_ATOL`).
    entropy : callable, optional
        ρ ↦ S(ρ) applied to each reduced density matrix (default: von Neumann entropy in nats).

    Raises
    ------
    AssertionError
        When the inequality is violated by more than ``atol``; the message gives both sides.
    ValueError, TypeError
        For malformed input (invalid state, overlapping or out-of-range subsystems).
    """
    tol = _atol(atol)
    part_a, part_b, part_c = _selection(a, "a"), _selection(b, "b"), _selection(c, "c")
    _disjoint({"a": part_a, "b": part_b, "c": part_c})
    s_abc = _entropy(state, part_a + part_b + part_c, dims, entropy)
    s_b = _entropy(state, part_b, dims, entropy)
    s_ab = _entropy(state, part_a + part_b, dims, entropy)
    s_bc = _entropy(state, part_b + part_c, dims, entropy)
    if not s_abc + s_b <= s_ab + s_bc + tol:
        raise AssertionError(
            f"strong subadditivity violated for A={list(part_a)}, B={list(part_b)}, C={list(part_c)}: "
            f"S(ABC) + S(B) = {s_abc!r} + {s_b!r} > S(AB) + S(BC) = {s_ab!r} + {s_bc!r} "
            f"by {s_abc + s_b - s_ab - s_bc:.3g} (atol {tol:g})"
        )


def assert_mutual_information_bounds(
    state: np.ndarray,
    a: int | Sequence[int],
    b: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    atol: float = DEFAULT_ATOL,
    entropy: Entropy | None = None,
) -> None:
    """Assert 0 <= I(A:B) <= 2 min(S(A), S(B)) <= 2 log min(d_A, d_B) (the PRX Eq. 14 quantity).

    I(A:B) = S(A) + S(B) − S(AB); the upper bound is Araki–Lieb, the lower one subadditivity. The
    last inequality (dimension ceiling) is checked only for the default entropy (nats).

    Parameters
    ----------
    state : ndarray
        A normalized ket or a density matrix (validated by :func:`entanglement.partial_trace`).
    a, b : int or sequence of int
        Disjoint, non-empty subsystem sets A and B (other subsystems are traced out).
    dims : sequence of int, optional
        Local dimensions (``None``: qubits).
    atol : float
        Slack of the inequality (default :data:`DEFAULT_ATOL`).
    entropy : callable, optional
        ρ ↦ S(ρ) applied to each reduced density matrix (default: von Neumann entropy in nats).

    Raises
    ------
    AssertionError
        When the inequality is violated by more than ``atol``; the message gives both sides.
    ValueError, TypeError
        For malformed input (invalid state, overlapping or out-of-range subsystems).
    """
    tol = _atol(atol)
    part_a, part_b = _selection(a, "a"), _selection(b, "b")
    _disjoint({"a": part_a, "b": part_b})
    s_a, s_b, s_ab = (_entropy(state, p, dims, entropy) for p in (part_a, part_b, part_a + part_b))
    info = s_a + s_b - s_ab
    dim_a, dim_b = (
        partial_trace(state, sorted(part_a), dims).shape[0],
        partial_trace(state, sorted(part_b), dims).shape[0],
    )
    upper = 2 * min(s_a, s_b)
    ceiling = 2 * math.log(min(dim_a, dim_b))
    where = f"A={list(part_a)}, B={list(part_b)}"
    if not info >= -tol:
        raise AssertionError(f"mutual information negative for {where}: I = {info!r} < 0 (atol {tol:g})")
    if not info <= upper + tol:
        raise AssertionError(
            f"mutual information above 2 min(S_A, S_B) for {where}: I = {info!r} > 2 min({s_a!r}, {s_b!r}) = "
            f"{upper!r} by {info - upper:.3g} (atol {tol:g})"
        )
    if entropy is None and not upper <= ceiling + tol:
        raise AssertionError(
            f"2 min(S_A, S_B) = {upper!r} exceeds 2 log min(d_A, d_B) = {ceiling!r} for {where} (atol {tol:g})"
        )


def assert_conserved(series: np.ndarray | Sequence[float], tol: float, name: str = "quantity") -> None:
    """Assert that a time series stays within ``tol`` of its first value: max_t |x(t) − x(0)| <= tol.

    Parameters
    ----------
    series : array_like, shape (n_t,) or (n_t, ...)
        Real values (time first); NaN or inf fails the assertion.
    tol : float
        Allowed absolute drift (>= 0).
    name : str
        Name used in the message.
    """
    limit = _atol(tol, "tol")
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    try:
        values = np.asarray(series)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: series is not an array ({exc})") from None
    if values.dtype.kind not in "iuf":
        raise TypeError(f"{name}: series must be real numbers, got dtype {values.dtype}")
    if values.ndim < 1 or values.shape[0] == 0:
        raise ValueError(f"{name}: series must have at least one time point, got shape {values.shape}")
    values = values.astype(np.float64)
    drift = np.abs(values - values[0])
    if not np.isfinite(drift).all():
        first = int(np.flatnonzero(~np.isfinite(drift.reshape(drift.shape[0], -1)).any(axis=1))[0])
        raise AssertionError(f"{name} is not finite at time index {first}")
    worst = int(np.unravel_index(int(np.argmax(drift)), drift.shape)[0])
    if not float(np.max(drift)) <= limit:
        raise AssertionError(
            f"{name} not conserved: max |x(t) - x(0)| = {float(np.max(drift)):.3g} at time index {worst} "
            f"(x(0) = {values[0]!r}, x = {values[worst]!r}) exceeds tol = {limit:g}"
        )


def assert_valid_density_matrix(rho: np.ndarray, *, atol: float = 1e-8) -> None:
    """Assert that ``rho`` is a density matrix: square, finite, Hermitian, unit trace, positive semidefinite.

    Parameters
    ----------
    rho : ndarray, shape (n, n)
    atol : float
        Tolerance of Hermiticity (max |ρ − ρ†|), of |Tr ρ − 1| and of the smallest eigenvalue
        (>= −atol). Default 1e-8, the normalization tolerance of :mod:`entanglement` (a ρ assembled in
        floating point is Hermitian and normalized to ~1e-15; a construction error is far larger).

    Raises
    ------
    AssertionError
        With the message of :func:`entanglement.check_density_matrices`.
    """
    tol = _atol(atol)
    try:
        matrix = np.asarray(rho)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"rho is not an array ({exc})") from None
    if matrix.dtype.kind not in "iufc":
        raise TypeError(f"rho must be numeric, got dtype {matrix.dtype}")
    if matrix.ndim != 2:
        raise AssertionError(f"rho is not a single square matrix: shape {matrix.shape}")
    try:  # the one validation of the package (entanglement), here as a physics assertion
        check_density_matrices(matrix, "rho", atol=tol, positive=True)
    except ValueError as exc:
        raise AssertionError(str(exc)) from None


def assert_run_passes(record: RunResult | str | os.PathLike | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
    """Assert that every check of :func:`verify.checks.check_run` passes; the message is the report table.

    Parameters
    ----------
    record : RunResult, path or mapping, optional
        The record (see :func:`verify.checks.check_run`).
    **kwargs
        Passed to :func:`verify.checks.check_run` (tolerances, n_e, arrays, ...).
    """
    report = check_run(record, **kwargs)
    if not report.passed:
        names = ", ".join(check.name for check in report.failures)
        raise AssertionError(f"run checks failed ({names}):\n{report.to_table()}")

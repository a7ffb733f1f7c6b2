"""Input checks and numerical tolerances shared by :mod:`entanglement.reduced` and :mod:`entanglement.measures`.

Every check raises ``ValueError`` (``TypeError`` for an argument of the wrong type, e.g. non-integer
dims) with a message that names the offending argument and says what is wrong with it; nothing is
clipped, renormalized or reinterpreted silently beyond the round-off cleaning documented at
:data:`EIGENVALUE_EPS_FACTOR`.

Tolerances
----------
NORMALIZATION_ATOL = 1e-8
    Default allowed |<ψ|ψ> − 1| for kets and |Tr ρ − 1| for density matrices and spectra. The
    round-off of a norm or trace computed in double precision is ~1e-15 even for 2^24 amplitudes
    (numpy sums pairwise); states produced by the exact evolvers carry more (Krylov restarts,
    Chebyshev steps, each ~1e-12 and accumulating over ~1e3 steps). 1e-8 accepts all of that yet
    rejects a forgotten normalization, which is off by far more (typically O(1)).

    The tolerance is a property of where a state comes from, so every public function that checks a
    state takes it as the keyword ``normalization_atol`` (validated by :func:`normalization_tolerance`).
    A TEBD/MPS state that is not renormalized after truncation has 1 − <ψ|ψ> = 1 − Π_k (1 − ε_k) ≤
    Σ_k ε_k, its accumulated truncation error (``truncation_error`` of a run record, e.g. 1e-6): it is
    a legitimate state, and ``normalization_atol`` = that error (or a little more) accepts it. Entropies
    and measures are then those of the normalized state ψ/‖ψ‖ (spectra are divided by their sum);
    :func:`entanglement.partial_trace` returns the reduced matrix of the vector as given (trace <ψ|ψ>).
    The default is not raised to cover such states because a too-wide default would hide a forgotten
    normalization of a state that is off by 1e-6..1e-4 (a truncated but not renormalized vector).
HERMITICITY_ATOL = 1e-8
    Allowed max |ρ − ρ†| (entries of ρ are at most 1 in modulus). A ρ assembled in floating
    point (M M†, a sum of outer products, an MPS contraction) is Hermitian to ~1e-15; an error
    above 1e-8 means a wrong construction (e.g. |ψ><φ| or a mis-ordered reshape), not round-off.
    The anti-Hermitian remainder below the tolerance is dropped: eigenvalues are computed with a
    Hermitian solver on (ρ + ρ†)/2.
EIGENVALUE_EPS_FACTOR = 100
    Eigenvalues with |λ| ≤ 100 · n · ε (n the matrix size, ε the machine epsilon; the scale is
    ||ρ||₂ ≤ Tr ρ = 1) are round-off and set to exactly zero; λ below minus that bound make the
    matrix unphysical and raise. Why this size: LAPACK's Hermitian eigensolver is backward stable,
    |λ̂ − λ| ≤ p(n) ε ||ρ||₂ with p(n) ≈ n in practice; the input ρ is itself a computed object,
    e.g. a Gram product M M† summed over k traced-out states, whose error grows like √k ε (measured:
    ≈ 6 ε at k = 2^20 for a rank-1 two-qubit RDM). A factor 100 covers k up to ~2^30 for the
    smallest (n = 2) matrices, while a genuinely negative eigenvalue of an unphysical ρ (an
    error ≳ 1e-10) is still caught for every n up to ~4000.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np

from states.validation import is_integer, is_real, require_log_base, require_real

__all__ = [
    "EIGENVALUE_EPS_FACTOR",
    "HERMITICITY_ATOL",
    "NORMALIZATION_ATOL",
    "as_numeric_array",
    "as_state",
    "check_alpha",
    "check_density_matrices",
    "check_probabilities",
    "clean_eigenvalues",
    "eigenvalue_atol",
    "log_base_factor",
    "normalization_tolerance",
    "parse_dims",
    "parse_subsystems",
    "qobj_parts",
]

NORMALIZATION_ATOL: float = 1e-8
HERMITICITY_ATOL: float = 1e-8
EIGENVALUE_EPS_FACTOR: float = 100.0

_EPS = float(np.finfo(np.float64).eps)


def normalization_tolerance(normalization_atol: object) -> float:
    """The allowed |<ψ|ψ> − 1| (|Tr ρ − 1|): :data:`NORMALIZATION_ATOL` for ``None``, else the value.

    Raises
    ------
    TypeError
        Unless it is None or a real number.
    ValueError
        Unless 0 <= normalization_atol < 1 (a tolerance of 1 would accept any vector).
    """
    if normalization_atol is None:
        return NORMALIZATION_ATOL
    value = require_real("normalization_atol", normalization_atol, minimum=0.0)
    if value >= 1.0:
        raise ValueError(f"normalization_atol must be < 1, got {value!r}")
    return value


def qobj_parts(value: object, name: str = "state") -> tuple[np.ndarray, tuple[int, ...]] | None:
    """``(array, dims)`` of a ``qutip.Qobj`` ket or operator, None for anything that is not a Qobj.

    The one place where QuTiP objects enter :mod:`entanglement`: a ket becomes a 1-D array, an
    operator a (D, D) matrix, and ``dims`` are its tensor-product dims (QuTiP orders tensor factors as
    this package does, first factor leftmost). QuTiP is never imported here: an object can only be a
    Qobj if ``qutip`` is already loaded, so the lookup in ``sys.modules`` keeps QuTiP optional.

    Raises
    ------
    ValueError
        For a bra, a superoperator or an operator whose row and column dims differ (not a state).
    """
    qutip = sys.modules.get("qutip")
    qobj_type = getattr(qutip, "Qobj", None) if qutip is not None else None
    if qobj_type is None or not isinstance(value, qobj_type):
        return None
    dims = value.dims
    if value.isket:
        return np.asarray(value.full())[:, 0], tuple(int(d) for d in dims[0])
    if value.isoper and list(dims[0]) == list(dims[1]):
        return np.asarray(value.full()), tuple(int(d) for d in dims[0])
    raise ValueError(
        f"{name} is a qutip.Qobj of type {value.type!r} with dims {dims}: only kets and density matrices "
        "(operators with equal row and column dims) are states (use .dag() for a bra)"
    )


def as_numeric_array(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a float64 or complex128 array; reject strings, objects and booleans.

    A ``qutip.Qobj`` ket or operator (or a list of them) is converted to its dense array
    (:func:`qobj_parts`). Lower-precision and integer inputs are promoted (a copy); float64/complex128
    arrays are returned without copying, which matters for large kets.
    """
    parts = qobj_parts(value, name)
    if parts is not None:
        value = parts[0]
    elif isinstance(value, (list, tuple)) and value and all(qobj_parts(item, name) is not None for item in value):
        value = np.stack([qobj_parts(item, name)[0] for item in value])  # type: ignore[index]
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a numeric array, could not convert it: {exc}") from None
    if array.dtype.kind not in "iufc":
        raise ValueError(f"{name} must be a numeric (integer, real or complex) array, got dtype {array.dtype}")
    target = np.complex128 if array.dtype.kind == "c" else np.float64
    return np.asarray(array, dtype=target)


def parse_dims(dims: Sequence[int] | None, total: int, name: str = "dims") -> tuple[int, ...]:
    """Validate local dimensions against the total Hilbert-space dimension ``total``.

    ``None`` means qubits, which requires ``total`` to be a power of two.

    Raises
    ------
    TypeError
        When ``dims`` is not a sequence or holds a non-integer (a float, a bool; numpy integers pass).
    ValueError
        For a dimension below 1 or dimensions whose product is not ``total``.
    """
    if dims is None:
        n_qubits = total.bit_length() - 1
        if total < 1 or 2**n_qubits != total:
            raise ValueError(
                f"{name}=None means qubits, but the state dimension {total} is not a power of 2; pass the local dims"
            )
        return (2,) * n_qubits
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of positive integers, got {dims!r}")
    parsed = tuple(dims)
    for d in parsed:
        if not is_integer(d):
            raise TypeError(f"{name} must contain integers only, got {d!r} in {list(parsed)}")
        if d < 1:
            raise ValueError(f"{name} must be positive (a local dimension is at least 1), got {d} in {list(parsed)}")
    parsed = tuple(int(d) for d in parsed)
    if math.prod(parsed) != total:
        raise ValueError(f"{name}={list(parsed)} multiply to {math.prod(parsed)}, but the state dimension is {total}")
    return parsed


def parse_subsystems(subsystems: int | Sequence[int], n_subsystems: int, name: str) -> tuple[int, ...]:
    """Validate a subsystem selection (an int or a sequence of ints) and return it sorted ascending."""
    if is_integer(subsystems):
        selection: tuple = (subsystems,)
    elif isinstance(subsystems, (str, bytes)) or not isinstance(subsystems, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be an int or a sequence of ints, got {subsystems!r}")
    else:
        selection = tuple(np.ravel(subsystems).tolist()) if isinstance(subsystems, np.ndarray) else tuple(subsystems)
    for k in selection:
        if not is_integer(k):
            raise ValueError(f"{name} must contain integer subsystem indices, got {k!r}")
        if not 0 <= k < n_subsystems:
            raise ValueError(
                f"{name} contains subsystem {k}, out of range for {n_subsystems} subsystems "
                f"(valid: 0..{n_subsystems - 1})"
            )
    if len(set(selection)) != len(selection):
        raise ValueError(f"{name} contains duplicate subsystems: {list(selection)}")
    return tuple(sorted(int(k) for k in selection))


def check_density_matrices(
    rho: object,
    name: str = "rho",
    *,
    atol: float | None = None,
    positive: bool = False,
    normalization_atol: float | None = None,
) -> np.ndarray:
    """Validate one density matrix (n, n) or a stack (..., n, n): square, finite, Hermitian, unit trace.

    Parameters
    ----------
    rho : array_like or qutip.Qobj
    name : str
        Used in error messages.
    atol : float, optional
        Tolerance of Hermiticity and trace (default :data:`HERMITICITY_ATOL`, :data:`NORMALIZATION_ATOL`)
        and, with ``positive``, of the smallest eigenvalue (default :func:`eigenvalue_atol`).
    positive : bool
        Also require positive semidefiniteness (one eigendecomposition per matrix). Entropy-based
        measures check it on the spectrum they compute anyway (:func:`clean_eigenvalues`).
    normalization_atol : float, optional
        Tolerance of the trace alone, overriding ``atol`` for it (module docstring).
    """
    array = as_numeric_array(rho, name)
    if array.ndim < 2 or array.shape[-1] != array.shape[-2]:
        raise ValueError(f"{name} must be a square matrix (or a stack of them), got shape {array.shape}")
    if array.shape[-1] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite entries")
    hermiticity_tol = HERMITICITY_ATOL if atol is None else atol
    non_hermiticity = float(np.max(np.abs(array - np.swapaxes(array, -1, -2).conj())))
    if non_hermiticity > hermiticity_tol:
        raise ValueError(
            f"{name} is not Hermitian: max |rho - rho^dagger| = {non_hermiticity:.3g} > {hermiticity_tol:g}"
        )
    if normalization_atol is not None:
        trace_tol = normalization_tolerance(normalization_atol)
    else:
        trace_tol = NORMALIZATION_ATOL if atol is None else atol
    traces = np.trace(array, axis1=-2, axis2=-1).real
    worst = float(np.max(np.abs(traces - 1.0)))
    if worst > trace_tol:
        raise ValueError(f"{name} does not have trace 1: |Tr rho - 1| = {worst:.3g} > {trace_tol:g}")
    if positive:
        lowest = float(np.min(np.linalg.eigvalsh((array + np.swapaxes(array, -1, -2).conj()) / 2)))
        floor = eigenvalue_atol(array.shape[-1]) if atol is None else atol
        if lowest < -floor:
            raise ValueError(f"{name} is not positive semidefinite: smallest eigenvalue {lowest:.3g} < {-floor:g}")
    return array


def eigenvalue_atol(size: int) -> float:
    """Round-off bound for the eigenvalues of a ``size`` × ``size`` Hermitian matrix of spectral norm ≤ 1.

    Density matrices (||ρ||₂ ≤ Tr ρ = 1), their partial transposes (||ρ^T_A||₂ ≤ 1) and
    probability vectors all have unit scale, so the bound is absolute.
    """
    return EIGENVALUE_EPS_FACTOR * size * _EPS


def clean_eigenvalues(eigenvalues: np.ndarray, name: str, *, from_eigensolver: bool = True) -> np.ndarray:
    """Zero round-off eigenvalues and reject clearly negative ones, along the last axis.

    |λ| ≤ :func:`eigenvalue_atol` → 0 (so that 0·log 0 = 0 applies exactly); λ below −atol →
    ``ValueError`` (the matrix is not positive semidefinite, i.e. not a density matrix).
    With ``from_eigensolver=False`` (a probability vector handed in by the caller, e.g. an exact
    hypergeometric spectrum) small positive entries are real data, not eigensolver noise, and are
    kept; only round-off negatives are zeroed.
    """
    values = np.array(eigenvalues, dtype=np.float64)
    atol = eigenvalue_atol(values.shape[-1])
    if np.any(values < -atol):
        lowest = float(np.min(values))
        raise ValueError(
            f"{name} has a negative eigenvalue {lowest:.3g} beyond round-off (atol {atol:.3g}): "
            "not positive semidefinite, so not a density matrix / probability vector"
        )
    if from_eigensolver:
        values[np.abs(values) <= atol] = 0.0
    else:
        values[values < 0.0] = 0.0
    return values


def check_probabilities(
    spectrum: object, name: str = "spectrum", *, normalization_atol: float | None = None
) -> np.ndarray:
    """Validate a 1-D probability vector (eigenvalues of ρ): real, finite, nonnegative, summing to 1.

    Returns the cleaned vector divided by its sum (the sum is 1 within ``normalization_atol``,
    default :data:`NORMALIZATION_ATOL`).
    """
    tolerance = normalization_tolerance(normalization_atol)
    array = as_numeric_array(spectrum, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of probabilities, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite entries")
    if np.iscomplexobj(array):
        imaginary = float(np.max(np.abs(array.imag)))
        if imaginary > HERMITICITY_ATOL:
            raise ValueError(f"{name} must be real (eigenvalues of a Hermitian matrix), max |imag| = {imaginary:.3g}")
        array = array.real
    total = float(np.sum(array))
    if abs(total - 1.0) > tolerance:
        raise ValueError(f"{name} does not sum to 1: |sum - 1| = {abs(total - 1.0):.3g} > {tolerance:g}")
    cleaned = clean_eigenvalues(array, name, from_eigensolver=False)
    return cleaned / np.sum(cleaned)


def as_state(
    state: object,
    dims: Sequence[int] | None,
    name: str = "state",
    *,
    check_positive: bool = False,
    normalization_atol: float | None = None,
) -> tuple[np.ndarray, bool, tuple[int, ...]]:
    """Validate a ket (shape (D,) or (D, 1)) or a density matrix (D, D): the one input-normalizing
    step of every function that takes a state.

    A ``qutip.Qobj`` ket or operator is accepted as well (:func:`qobj_parts`); ``dims=None`` then
    means its own tensor dims rather than qubits (explicit ``dims`` win, if they multiply to D).

    With ``check_positive`` a density matrix is also diagonalized and rejected when it has a
    negative eigenvalue beyond round-off: a measure built from reduced matrices alone would
    otherwise return a number for an unphysical ρ whose marginals happen to be valid.

    Parameters
    ----------
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| / |Tr ρ − 1| (default :data:`NORMALIZATION_ATOL`; module docstring).

    Returns
    -------
    array : ndarray
        A 1-D ket (normalized within tolerance) or a validated D × D density matrix.
    is_ket : bool
    dims : tuple of int
        The validated local dimensions.
    """
    tolerance = normalization_tolerance(normalization_atol)
    parts = qobj_parts(state, name)
    if parts is not None:
        state, own_dims = parts
        dims = own_dims if dims is None else dims
    array = as_numeric_array(state, name)
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if array.ndim == 2 and array.shape[1] == 1:  # (D, 1) is a column ket (for D = 1 both readings agree)
        array = array[:, 0]
    if array.ndim == 1:
        norm_squared = float(np.vdot(array, array).real)  # NaN/inf anywhere makes this non-finite: no extra copy
        if not math.isfinite(norm_squared):
            raise ValueError(f"{name} (a ket) contains NaN or infinite entries")
        if norm_squared == 0.0:
            raise ValueError(f"{name} (a ket) is the zero vector")
        if abs(norm_squared - 1.0) > tolerance:
            raise ValueError(
                f"{name} (a ket) is not normalized: <psi|psi> = {norm_squared:.12g}, "
                f"|<psi|psi> - 1| > {tolerance:g}; normalize it first, or pass normalization_atol "
                "(e.g. the accumulated truncation error of an MPS that was not renormalized)"
            )
        return array, True, parse_dims(dims, array.shape[0])
    if array.ndim == 2:
        if array.shape[0] != array.shape[1]:
            raise ValueError(
                f"{name} must be a ket (shape (D,) or (D, 1)) or a square density matrix, got shape {array.shape}"
            )
        rho = check_density_matrices(array, name, normalization_atol=tolerance)
        if check_positive:
            clean_eigenvalues(np.linalg.eigvalsh((rho + rho.conj().T) / 2), name)
        return rho, False, parse_dims(dims, rho.shape[0])
    raise ValueError(f"{name} must be a ket (1-D) or a density matrix (2-D), got a {array.ndim}-D array")


def check_alpha(alpha: object) -> float:
    """Validate a Rényi order: a real number in [0, ∞] (``inf`` allowed)."""
    if not is_real(alpha):
        raise TypeError(f"alpha must be a real number >= 0 (or inf), got {alpha!r}")
    value = float(alpha)
    if math.isnan(value) or value < 0:
        raise ValueError(f"alpha must be >= 0 (or inf), got {alpha!r}")
    return value


def log_base_factor(base: float | None) -> float:
    """Return ln(base) (1 for ``None``, natural log); entropies in nats are divided by it.

    The base is checked by :func:`states.validation.require_log_base` (TypeError for a non-number,
    ValueError for base <= 0, 1, NaN or inf).
    """
    base = require_log_base(base)
    return 1.0 if base is None else math.log(base)

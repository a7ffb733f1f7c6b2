"""Entropies and entanglement measures of numeric states (PRX Sec. VII, Eqs. 10, 12–14).

All logarithms are natural unless ``base=`` is given (``docs/conventions.md``). Spectra are obtained
with the Hermitian eigensolver and cleaned by :func:`entanglement._validation.clean_eigenvalues`:
round-off eigenvalues become exactly 0 (so 0·log 0 = 0), a clearly negative eigenvalue raises
``ValueError``. Entropies normalize the cleaned spectrum by its sum, which is 1 within the
normalization tolerance.

Every function that takes a state accepts a ``qutip.Qobj`` ket or operator as well (converted in
:func:`entanglement._validation.as_state`, the one input-normalizing place; a Qobj's tensor dims
are used when ``dims`` is not given) and the keyword ``normalization_atol``: the allowed
|<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL`` = 1e-8. A state accepted within a wider
tolerance (e.g. an MPS of norm² 1 − ε after truncation, with ``normalization_atol=ε``) gives the
measures of the normalized state ψ/‖ψ‖.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from entanglement._shannon import entropy_terms
from entanglement._validation import (
    NORMALIZATION_ATOL,
    as_numeric_array,
    as_state,
    check_alpha,
    check_density_matrices,
    check_probabilities,
    clean_eigenvalues,
    eigenvalue_atol,
    log_base_factor,
    parse_subsystems,
)
from entanglement.reduced import complement, partial_trace, partial_transpose
from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z

__all__ = [
    "bloch_vector",
    "concurrence",
    "density_matrix_from_bloch",
    "entanglement_entropy",
    "log_negativity",
    "meyer_wallach",
    "meyer_wallach_from_rdms",
    "mutual_information",
    "negativity",
    "purity",
    "renyi_entropy",
    "spectrum",
    "von_neumann_entropy",
]

_PAULI_VECTOR = np.stack([PAULI_X, PAULI_Y, PAULI_Z])
_SIGMA_Y_SIGMA_Y = np.kron(PAULI_Y, PAULI_Y)
_RENYI_SERIES_WINDOW = 0.5
"""For |α − 1| ≤ this, Rényi entropies use the expm1/log1p form, exact near α = 1 where the plain
formula log(Σ p^α)/(1 − α) loses all digits to cancellation; outside it, a max-scaled sum that
cannot underflow to log 0 for large α."""


def spectrum(rho: np.ndarray, *, normalization_atol: float | None = None) -> np.ndarray:
    """Cleaned eigenvalues of a density matrix, in ascending order.

    Parameters
    ----------
    rho : ndarray, shape (n, n), or qutip.Qobj
        Density matrix: finite, Hermitian and of unit trace within tolerance.
    normalization_atol : float, optional
        Allowed |Tr ρ − 1| (default ``NORMALIZATION_ATOL``).

    Returns
    -------
    ndarray, shape (n,)
        Eigenvalues from the Hermitian solver (``eigvalsh`` of (ρ + ρ†)/2); those within the
        round-off bound ``EIGENVALUE_EPS_FACTOR · n · ε`` of zero are set to exactly 0.

    Raises
    ------
    ValueError
        If ρ is not a valid density matrix, including a negative eigenvalue beyond round-off.
    """
    matrix = check_density_matrices(rho, "rho", normalization_atol=normalization_atol)
    if matrix.ndim != 2:
        raise ValueError(f"rho must be a single square matrix, got shape {matrix.shape}")
    return _clean_spectrum(matrix, "rho")


def _clean_spectrum(matrices: np.ndarray, name: str) -> np.ndarray:
    hermitian_part = (matrices + np.swapaxes(matrices, -1, -2).conj()) / 2
    return clean_eigenvalues(np.linalg.eigvalsh(hermitian_part), name)


def _probabilities(rho_or_spectrum: np.ndarray, normalization_atol: float | None = None) -> np.ndarray:
    """Normalized nonnegative spectrum from a density matrix (2-D) or a probability vector (1-D)."""
    array = as_numeric_array(rho_or_spectrum, "rho_or_spectrum")
    if array.ndim == 1:
        return check_probabilities(array, "spectrum", normalization_atol=normalization_atol)
    values = spectrum(array, normalization_atol=normalization_atol)
    return values / np.sum(values)


def von_neumann_entropy(
    rho_or_spectrum: np.ndarray, base: float | None = None, *, normalization_atol: float | None = None
) -> float:
    """Von Neumann entropy S = −Tr ρ ln ρ = −Σ_i p_i ln p_i (PRX Eq. 12), with 0·ln 0 = 0.

    Parameters
    ----------
    rho_or_spectrum : ndarray
        A density matrix (n, n) or its eigenvalues (n,) (a probability vector). Repeated
        eigenvalues count with their multiplicity.
    base : float, optional
        Logarithm base (2 for bits); ``None`` gives nats.
    normalization_atol : float, optional
        Allowed |Tr ρ − 1| (|Σ p − 1|), default ``NORMALIZATION_ATOL``; S is that of ρ / Tr ρ.

    Returns
    -------
    float
        S ∈ [0, log n].
    """
    factor = log_base_factor(base)
    p = _probabilities(rho_or_spectrum, normalization_atol)
    p = p[p > 0]  # 0·ln 0 = 0: exact zeros (including cleaned round-off) are dropped before the sum
    return float(np.sum(entropy_terms(p)) / factor)


def renyi_entropy(
    rho_or_spectrum: np.ndarray, alpha: float, base: float | None = None, *, normalization_atol: float | None = None
) -> float:
    """Rényi entropy S_α = ln(Σ_i p_i^α)/(1 − α).

    Limits: α = 0 gives ln rank (rank after round-off cleaning), α = 1 the von Neumann entropy,
    α = ∞ the min-entropy −ln max_i p_i. S_α is nonincreasing in α.

    Parameters
    ----------
    rho_or_spectrum : ndarray
        A density matrix (n, n) or its eigenvalues (n,).
    alpha : float
        Order, 0 ≤ α ≤ ∞.
    base : float, optional
        Logarithm base; ``None`` gives nats.
    normalization_atol : float, optional
        Allowed |Tr ρ − 1| (|Σ p − 1|), default ``NORMALIZATION_ATOL``.
    """
    order = check_alpha(alpha)
    factor = log_base_factor(base)
    p = _probabilities(rho_or_spectrum, normalization_atol)
    p = p[p > 0]
    if order == 1.0:
        return float(np.sum(entropy_terms(p)) / factor)
    if order == 0.0:
        return float(np.log(p.size) / factor)
    if math.isinf(order):
        return float(-np.log(np.max(p)) / factor) + 0.0  # + 0.0 turns −0.0 (pure state) into 0.0
    if abs(order - 1.0) <= _RENYI_SERIES_WINDOW:
        # Σ p^α / Σ p = 1 + Σ p (p^{α−1} − 1) / Σ p, each bracket by expm1: no cancellation near α = 1.
        log_sum = np.log1p(np.sum(p * np.expm1((order - 1.0) * np.log(p))) / np.sum(p))
    else:
        largest = np.max(p)
        log_sum = order * np.log(largest) + np.log(np.sum((p / largest) ** order))
    return float(log_sum / (1.0 - order) / factor) + 0.0


def purity(rho_or_spectrum: np.ndarray, *, normalization_atol: float | None = None) -> float:
    """Purity Tr ρ² = Σ_i p_i² ∈ [1/n, 1] of a density matrix (n, n) or of its spectrum (n,) (of ρ / Tr ρ,
    Tr ρ = 1 within ``normalization_atol``, default ``NORMALIZATION_ATOL``)."""
    p = _probabilities(rho_or_spectrum, normalization_atol)
    return float(np.sum(p**2))


def _smaller_side_reduced(
    array: np.ndarray, is_ket: bool, dims: tuple[int, ...], keep: tuple[int, ...], tolerance: float | None = None
) -> np.ndarray:
    """Reduced state with the spectrum of ρ_keep; for a pure state, that of the smaller side.

    For a pure state the nonzero spectra of ρ_A and ρ_complement coincide (Schmidt decomposition),
    so the smaller matrix is built: 2 of 24 qubits or 22 of 24 cost the same.
    """
    if is_ket:
        rest = complement(keep, len(dims))
        if math.prod(dims[k] for k in rest) < math.prod(dims[k] for k in keep):
            return partial_trace(array, rest, dims, normalization_atol=tolerance)
    return partial_trace(array, keep, dims, normalization_atol=tolerance)


def entanglement_entropy(
    state: np.ndarray,
    keep: int | Sequence[int],
    dims: Sequence[int] | None = None,
    base: float | None = None,
    *,
    normalization_atol: float | None = None,
) -> float:
    """Von Neumann entropy of the subsystems ``keep`` of ``state`` (PRX Eq. 12 with Eq. 10's ρ).

    Parameters
    ----------
    state : ndarray or qutip.Qobj
        Ket (D,) / (D, 1) or density matrix (D, D).
    keep : int or sequence of int
        Subsystems of the reduced state.
    dims : sequence of int, optional
        Local dimensions; ``None`` means qubits (or a Qobj's own dims).
    base : float, optional
        Logarithm base; ``None`` gives nats.
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL`` = 1e-8; the entropy is that
        of the normalized state.

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1.0, 0.0, 0.0, 1.0]) / np.sqrt(2)
    >>> round(entanglement_entropy(bell, [0]) / math.log(2), 12)
    1.0
    >>> truncated = bell * np.sqrt(1 - 1e-6)  # an MPS of norm^2 1 - 1e-6 after truncation
    >>> round(entanglement_entropy(truncated, [0], normalization_atol=1e-5) / math.log(2), 12)
    1.0
    """
    tolerance = normalization_atol
    array, is_ket, parsed_dims = as_state(state, dims, check_positive=True, normalization_atol=tolerance)
    kept = parse_subsystems(keep, len(parsed_dims), "keep")
    reduced = _smaller_side_reduced(array, is_ket, parsed_dims, kept, tolerance)
    return von_neumann_entropy(reduced, base=base, normalization_atol=tolerance)


def mutual_information(
    state: np.ndarray,
    a: int | Sequence[int],
    b: int | Sequence[int],
    dims: Sequence[int] | None = None,
    base: float | None = None,
    *,
    normalization_atol: float | None = None,
) -> float:
    """Quantum mutual information I(A:B) = S_A + S_B − S_AB (PRX Eq. 14).

    A and B must be non-empty and disjoint; A ∪ B need not be the whole system (the rest is traced
    out first). ``state`` may be a ``qutip.Qobj``; ``normalization_atol`` as for
    :func:`entanglement_entropy`.

    Returns
    -------
    float
        I(A:B) ∈ [0, 2 min(S_A, S_B)].
    """
    tol = normalization_atol
    array, is_ket, parsed_dims = as_state(state, dims, check_positive=True, normalization_atol=tol)
    part_a = parse_subsystems(a, len(parsed_dims), "a")
    part_b = parse_subsystems(b, len(parsed_dims), "b")
    if not part_a or not part_b:
        raise ValueError(f"a and b must both be non-empty, got a={list(part_a)}, b={list(part_b)}")
    overlap = sorted(set(part_a) & set(part_b))
    if overlap:
        raise ValueError(f"a and b must be disjoint, both contain subsystems {overlap}")
    union = tuple(sorted(part_a + part_b))
    if is_ket:
        rdm_ab = _smaller_side_reduced(array, is_ket, parsed_dims, union, tol)
        rdm_a = _smaller_side_reduced(array, is_ket, parsed_dims, part_a, tol)
        rdm_b = _smaller_side_reduced(array, is_ket, parsed_dims, part_b, tol)
    else:
        # reduce once to A ∪ B, then within it (subsystem positions relative to the sorted union)
        rdm_ab = partial_trace(array, union, parsed_dims, normalization_atol=tol)
        union_dims = tuple(parsed_dims[k] for k in union)
        rdm_a = partial_trace(rdm_ab, [union.index(k) for k in part_a], union_dims, normalization_atol=tol)
        rdm_b = partial_trace(rdm_ab, [union.index(k) for k in part_b], union_dims, normalization_atol=tol)
    entropies = [von_neumann_entropy(rdm, base=base, normalization_atol=tol) for rdm in (rdm_a, rdm_b, rdm_ab)]
    return entropies[0] + entropies[1] - entropies[2]


def meyer_wallach_from_rdms(
    rdms: np.ndarray | Sequence[np.ndarray], *, normalization_atol: float | None = None
) -> float:
    """Meyer–Wallach global entanglement Q = 2 (1 − mean_k Tr ρ_k²) from single-qubit RDMs (PRX Eq. 13).

    This is the form used when the RDMs come from different places, e.g. localized-spin RDMs
    together with electron RDMs ρ_e = (1 + s̃_e·σ)/2 (see :func:`density_matrix_from_bloch`).

    Parameters
    ----------
    rdms : array_like, shape (k, 2, 2) or (2, 2)
        Single-qubit density matrices (a sequence of 2 × 2 matrices or ``qutip.Qobj``, or a stacked array).
    normalization_atol : float, optional
        Allowed |Tr ρ_k − 1| (default ``NORMALIZATION_ATOL``); purities are those of ρ_k / Tr ρ_k.

    Returns
    -------
    float
        Q ∈ [0, 1]; 0 iff every ρ_k is pure.
    """
    if np.size(rdms) == 0:
        raise ValueError("rdms is empty: Q_MW needs at least one single-qubit density matrix")
    stack = check_density_matrices(rdms, "rdms", normalization_atol=normalization_atol)
    if stack.ndim == 2:
        stack = stack[np.newaxis]
    if stack.ndim != 3 or stack.shape[-1] != 2:
        raise ValueError(f"rdms must be single-qubit (2 × 2) density matrices, shape (k, 2, 2); got {stack.shape}")
    eigenvalues = _clean_spectrum(stack, "rdms")
    purities = np.sum(eigenvalues**2, axis=-1) / np.sum(eigenvalues, axis=-1) ** 2
    return float(2.0 * (1.0 - np.mean(purities)))


def meyer_wallach(
    state: np.ndarray, dims: Sequence[int] | None = None, *, normalization_atol: float | None = None
) -> float:
    """Meyer–Wallach global entanglement of a state of two-level subsystems (PRX Eq. 13).

    Q = 2 (1 − (1/n) Σ_k Tr ρ_k²) with ρ_k the RDM of qubit k.

    Parameters
    ----------
    state : ndarray or qutip.Qobj
        Ket (2^n,) / (2^n, 1) or density matrix (2^n, 2^n).
    dims : sequence of int, optional
        Must be all 2 if given (``None`` means qubits).
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL``.

    Returns
    -------
    float
        Q ∈ [0, 1].
    """
    tol = normalization_atol
    array, _, parsed_dims = as_state(state, dims, check_positive=True, normalization_atol=tol)
    if not parsed_dims:
        raise ValueError("meyer_wallach needs at least one subsystem, got a state of dimension 1")
    if any(d != 2 for d in parsed_dims):
        raise ValueError(f"meyer_wallach needs two-level subsystems (PRX Eq. 13), got dims={list(parsed_dims)}")
    rdms = np.stack([partial_trace(array, k, parsed_dims, normalization_atol=tol) for k in range(len(parsed_dims))])
    return meyer_wallach_from_rdms(rdms, normalization_atol=tol)


def _two_qubit_density_matrix(state: np.ndarray, normalization_atol: float | None) -> np.ndarray:
    """ρ / Tr ρ of a two-qubit ket or density matrix (a Qobj's dims must then multiply to 4)."""
    array = as_numeric_array(state, "state")
    size = array.shape[0] if array.ndim >= 1 else 0
    if size != 4:
        raise ValueError(f"concurrence is defined for two qubits (dimension 4), got a state of shape {array.shape}")
    validated, is_ket, _ = as_state(array, (2, 2), normalization_atol=normalization_atol)
    rho = np.outer(validated, validated.conj()) if is_ket else validated
    return rho / np.trace(rho).real


def concurrence(state: np.ndarray, *, normalization_atol: float | None = None) -> float:
    """Wootters concurrence of a two-qubit state.

    C = max(0, λ₁ − λ₂ − λ₃ − λ₄) with λ_i, in decreasing order, the square roots of the eigenvalues
    of ρ ρ̃, ρ̃ = (σ^y ⊗ σ^y) ρ* (σ^y ⊗ σ^y). They are computed as the singular values of
    √ρ (σ^y ⊗ σ^y) √ρ* (same λ_i, since ρ ρ̃ is similar to √ρ ρ̃ √ρ), which avoids the square root of
    a non-Hermitian eigenproblem.

    Parameters
    ----------
    state : ndarray or qutip.Qobj
        Ket (4,) / (4, 1) or density matrix (4, 4), subsystem order (qubit 0, qubit 1).
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL``; C is that of ρ / Tr ρ.

    Returns
    -------
    float
        C ∈ [0, 1].
    """
    rho = _two_qubit_density_matrix(state, normalization_atol)
    hermitian_part = (rho + rho.conj().T) / 2
    eigenvalues, vectors = np.linalg.eigh(hermitian_part)
    eigenvalues = clean_eigenvalues(eigenvalues, "state")
    sqrt_rho = (vectors * np.sqrt(eigenvalues)) @ vectors.conj().T
    lambdas = np.linalg.svd(sqrt_rho @ _SIGMA_Y_SIGMA_Y @ sqrt_rho.conj(), compute_uv=False)
    return float(max(0.0, lambdas[0] - np.sum(lambdas[1:])))


def negativity(
    state: np.ndarray,
    a: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    normalization_atol: float | None = None,
) -> float:
    """Negativity N = (||ρ^{T_A}||₁ − 1)/2 = Σ |negative eigenvalues of ρ^{T_A}| for the cut A | rest.

    For a density matrix the partial transpose is diagonalized (ρ itself is checked positive first).
    For a ket the Schmidt form is used instead: N = ((Σ_i √p_i)² − 1)/2 with p the spectrum of the
    reduced state of A, so the D × D matrix is never built.

    Parameters
    ----------
    state : ndarray or qutip.Qobj
        Ket or density matrix.
    a : int or sequence of int
        Subsystems of A (transposed); the cut is A versus all other subsystems.
    dims : sequence of int, optional
        Local dimensions; ``None`` means qubits (or a Qobj's own dims).
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL``; N is that of the normalized state.

    Returns
    -------
    float
        N ≥ 0 (1/2 for a two-qubit Bell state).
    """
    tol = normalization_atol
    array, is_ket, parsed_dims = as_state(state, dims, normalization_atol=tol)
    part_a = parse_subsystems(a, len(parsed_dims), "a")
    if is_ket:
        p = spectrum(_smaller_side_reduced(array, True, parsed_dims, part_a, tol), normalization_atol=tol)
        p = p / np.sum(p)
        return float((np.sum(np.sqrt(p)) ** 2 - 1.0) / 2)
    # raises for an unphysical (non-positive) ρ, whose negativity would be meaningless
    spectrum(array, normalization_atol=tol)
    transposed = partial_transpose(array, part_a, parsed_dims, normalization_atol=tol)
    mu = np.linalg.eigvalsh((transposed + transposed.conj().T) / 2)
    negative = mu[mu < -eigenvalue_atol(mu.size)]  # smaller |μ| are round-off of zero eigenvalues
    return float(-np.sum(negative) / np.sum(mu))


def log_negativity(
    state: np.ndarray,
    a: int | Sequence[int],
    dims: Sequence[int] | None = None,
    base: float | None = None,
    *,
    normalization_atol: float | None = None,
) -> float:
    """Logarithmic negativity E_N = ln ||ρ^{T_A}||₁ = ln(1 + 2N) (ln 2 for a Bell state); arguments as
    for :func:`negativity`."""
    factor = log_base_factor(base)
    return float(np.log1p(2.0 * negativity(state, a, dims, normalization_atol=normalization_atol)) / factor)


def bloch_vector(rho: np.ndarray, *, normalization_atol: float | None = None) -> np.ndarray:
    """Bloch vector r_α = Tr(ρ σ^α) of a qubit density matrix (inverse of PRX Eq. 10).

    Parameters
    ----------
    rho : ndarray, shape (2, 2) or (..., 2, 2), or qutip.Qobj
    normalization_atol : float, optional
        Allowed |Tr ρ − 1| (default ``NORMALIZATION_ATOL``).

    Returns
    -------
    ndarray, shape (3,) or (..., 3), real, |r| ≤ 1.
        Tr(ρ σ^α) / Tr ρ: the Bloch vector of ρ normalized (Tr ρ = 1 within ``NORMALIZATION_ATOL``),
        so that it is always accepted back by :func:`density_matrix_from_bloch`.
    """
    matrices = check_density_matrices(rho, "rho", normalization_atol=normalization_atol)
    if matrices.shape[-1] != 2:
        raise ValueError(f"bloch_vector needs qubit (2 × 2) density matrices, got shape {matrices.shape}")
    _clean_spectrum(matrices, "rho")  # raises for |r| > 1 (a negative eigenvalue)
    traces = np.trace(matrices, axis1=-2, axis2=-1).real
    return np.einsum("...ij,aji->...a", matrices, _PAULI_VECTOR).real / traces[..., np.newaxis]


def density_matrix_from_bloch(r: np.ndarray | Sequence[float]) -> np.ndarray:
    """Qubit density matrix ρ = (1 + r·σ)/2 from a Bloch vector (PRX Eq. 10).

    Parameters
    ----------
    r : array_like, shape (3,) or (..., 3)
        Real Bloch vector(s) with |r| ≤ 1 + ``NORMALIZATION_ATOL``. A vector longer than 1 within
        that tolerance (the image of a state normalized only to the tolerance, e.g. ⟨σ⟩ of an
        evolved fully polarized spin) is scaled to |r| = 1 so that ρ stays positive.

    Returns
    -------
    ndarray, shape (2, 2) or (..., 2, 2), complex.
    """
    vector = as_numeric_array(r, "r")
    if vector.ndim < 1 or vector.shape[-1] != 3:
        raise ValueError(f"r must be a Bloch vector of shape (3,) or (..., 3), got shape {vector.shape}")
    if np.iscomplexobj(vector):
        raise ValueError("r must be real (a Bloch vector has real components)")
    if not np.isfinite(vector).all():
        raise ValueError("r contains NaN or infinite entries")
    length = np.linalg.norm(vector, axis=-1, keepdims=True)
    # eigenvalues of ρ are (1 ± |r|)/2: |r| > 1 beyond the normalization tolerance is unphysical
    if np.any(length > 1.0 + NORMALIZATION_ATOL):
        raise ValueError(f"Bloch vector length |r| = {float(np.max(length)):.10g} > 1: not a physical state")
    vector = vector / np.maximum(length, 1.0)
    return (IDENTITY_2 + np.einsum("...a,aij->...ij", vector, _PAULI_VECTOR)) / 2

"""The PRX Eq. 15 state: an equal-weight superposition that conserves total S^z (a Dicke state).

PRX Eq. 15 writes, for N_e electron spins initially all ↑ and N_FM localized spins initially all ↓,
the equal-weight sum of *every* separable basis state with the same total S^z. On n = N_e + N_FM
qubits (electrons first, then localized spins) these are exactly the basis states with N_e spins ↑,
so the state is the Dicke state |D_n^{N_e}> with C = binom(n, N_e) terms of amplitude 1/√C.

Two representations are offered:

* :func:`stt_superposition` / :func:`dicke_vector` — the dense 2^n vector, for n up to
  :data:`MAX_DENSE_QUBITS`.
* :class:`DickeState` — an exact compact description that never enumerates 2^n. Permutation symmetry
  fixes every reduced state: any m qubits of |D_n^k> are in
  ρ_m = Σ_j p_j |D_m^j><D_m^j|,  p_j = C(m, j) C(n−m, k−j) / C(n, k)
  (the Schmidt decomposition |D_n^k> = Σ_j √p_j |D_m^j> ⊗ |D_{n−m}^{k−j}>), so the reduced
  spectrum is the hypergeometric distribution and works for n up to 10^6 and beyond.

Conventions (basis order, ↑ = index 0) come from :mod:`states.conventions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import DTypeLike

from states.conventions import DOWN, UP
from states.validation import require_int

__all__ = [
    "MAX_DENSE_QUBITS",
    "MAX_DENSE_RDM_QUBITS",
    "MAX_TERM_DIGITS",
    "DickeState",
    "dicke_vector",
    "stt_sizes",
    "stt_superposition",
]

MAX_DENSE_QUBITS: int = 26
"""Largest n for a dense 2^n vector: 2^26 complex128 amplitudes are already 1 GiB."""
MAX_DENSE_RDM_QUBITS: int = 12
"""Largest m for a dense 2^m × 2^m reduced density matrix (2^24 float64 entries = 128 MiB)."""

MAX_TERM_DIGITS: int = 10**4
"""Largest number of decimal digits of the exact C(n, k) of :meth:`DickeState.count_terms` (10^4 digits take
~0.2 s, 3·10^4 ~1 s, the cost grows faster than linearly; C(10^9, 5·10^8) has 3·10^8); raised with the
keyword ``max_digits=``."""

# The bit patterns below rely on ↑ = 0 and ↓ = 1: the number of ↓ in a basis state is the popcount
# of its index (index = Σ_q b_q 2^(n−1−q), conventions.py).
assert (UP, DOWN) == (0, 1)


def _require(condition: bool, message: str) -> None:
    """ValueError unless ``condition`` (values only: types are checked by :mod:`states.validation`)."""
    if not condition:
        raise ValueError(message)


def stt_sizes(n_e: int, n_fm: int) -> tuple[int, int]:
    """Validate the PRX sizes of an Eq. 15 state and return (n_qubits, n_up) = (N_e + N_FM, N_e).

    Raises
    ------
    TypeError
        Unless both are integers.
    ValueError
        For negative sizes or N_e + N_FM = 0.
    """
    n_e = require_int("n_e", n_e, minimum=0)
    n_fm = require_int("n_fm", n_fm, minimum=0)
    _require(n_e + n_fm >= 1, "n_e + n_fm must be at least 1 (the state needs at least one spin)")
    return n_e + n_fm, n_e


def _check_dtype(dtype: DTypeLike) -> np.dtype:
    resolved = np.dtype(dtype)
    _require(
        np.issubdtype(resolved, np.inexact),
        f"dtype must be a floating or complex type, got {resolved}",
    )
    return resolved


def _down_counts(n_qubits: int) -> np.ndarray:
    """Number of ↓ spins (popcount) of every basis index of ``n_qubits`` qubits, as uint8.

    Built by doubling (prepending one qubit at a time: indices with the new leading bit 1 have one
    more ↓), a loop over qubits rather than over 2^n, and 1 byte per entry instead of the 4–8 bytes of
    an ``arange`` of indices; it also avoids ``np.bitwise_count`` (NumPy >= 2 only).
    """
    counts = np.zeros(1, dtype=np.uint8)
    for _ in range(n_qubits):
        counts = np.concatenate((counts, counts + np.uint8(1)))
    return counts


def dicke_vector(n_qubits: int, n_up: int, dtype: DTypeLike = np.float64) -> np.ndarray:
    """Dense Dicke state |D_n^k>: equal weight 1/√binom(n, k) on every basis state with k spins ↑.

    Parameters
    ----------
    n_qubits : int
        n, 1 <= n <= :data:`MAX_DENSE_QUBITS`.
    n_up : int
        k, 0 <= k <= n.
    dtype : floating or complex dtype
        dtype of the returned vector.

    Returns
    -------
    numpy.ndarray, shape (2**n_qubits,)
        Amplitudes in the basis order of :mod:`states.conventions` (qubit 0 most significant).
    """
    n_qubits = require_int("n_qubits", n_qubits, minimum=1)
    n_up = require_int("n_up", n_up, minimum=0)
    _require(n_up <= n_qubits, f"n_up = {n_up} exceeds n_qubits = {n_qubits}")
    _require(
        n_qubits <= MAX_DENSE_QUBITS,
        f"n = {n_qubits} qubits is too large for a dense vector (limit {MAX_DENSE_QUBITS}, 2^n amplitudes); "
        "use the compact states.DickeState instead",
    )
    dtype = _check_dtype(dtype)
    selected = _down_counts(n_qubits) == np.uint8(n_qubits - n_up)
    vector = np.zeros(selected.size, dtype=dtype)
    # binom(26, 13) < 2^53, so the float square root of the exact integer count is correctly rounded.
    vector[selected] = 1.0 / math.sqrt(math.comb(n_qubits, n_up))
    return vector


def stt_superposition(n_e: int, n_fm: int, dtype: DTypeLike = np.float64) -> np.ndarray:
    """Dense PRX Eq. 15 spin state of N_e electron spins and N_FM localized spins.

    The equal-weight superposition (amplitude 1/√C, C = binom(N_e + N_FM, N_e)) of all separable
    basis states that have the total S^z of |↑...↑>_e ⊗ |↓...↓>_FM, i.e. exactly N_e spins ↑. The
    orbital factor |orb> of Eq. 15 is omitted. Its total σ^z (Pauli units) is N_e − N_FM.

    Parameters
    ----------
    n_e, n_fm : int
        N_e >= 0 electrons and N_FM >= 0 localized spins, with 1 <= N_e + N_FM <= :data:`MAX_DENSE_QUBITS`.
    dtype : floating or complex dtype

    Returns
    -------
    numpy.ndarray, shape (2**(n_e + n_fm),)
        Qubits ordered electrons first (qubits 0..N_e−1), then localized spins; ↑ = index 0.
    """
    n_qubits, n_up = stt_sizes(n_e, n_fm)
    return dicke_vector(n_qubits, n_up, dtype)


@dataclass(frozen=True)
class DickeState:
    """Exact compact Dicke state |D_n^k> (k spins ↑ among n), e.g. the PRX Eq. 15 state.

    Nothing here enumerates the 2^n basis: every quantity follows from permutation symmetry, so
    n may be 10^6 or larger. All spin expectation values are in Pauli units (σ, eigenvalues ±1).

    Attributes
    ----------
    n_qubits : int
        n >= 1.
    n_up : int
        k, 0 <= k <= n.
    """

    n_qubits: int
    n_up: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_qubits", require_int("n_qubits", self.n_qubits, minimum=1))
        object.__setattr__(self, "n_up", require_int("n_up", self.n_up, minimum=0))
        _require(self.n_up <= self.n_qubits, f"n_up = {self.n_up} exceeds n_qubits = {self.n_qubits}")

    @classmethod
    def from_stt(cls, n_e: int, n_fm: int) -> DickeState:
        """The PRX Eq. 15 state of N_e electron spins (first) and N_FM localized spins: |D_{N_e+N_FM}^{N_e}>."""
        n_qubits, n_up = stt_sizes(n_e, n_fm)
        return cls(n_qubits, n_up)

    @property
    def n_down(self) -> int:
        """Number of ↓ spins, n − k."""
        return self.n_qubits - self.n_up

    @property
    def n_terms(self) -> int:
        """C = binom(n, k), the number of basis states in the superposition (exact integer).

        At most :data:`MAX_TERM_DIGITS` digits (ValueError otherwise; :meth:`count_terms` raises the limit).
        """
        return self.count_terms()

    def log10_n_terms(self) -> float:
        """log10 C(n, k) from log-gamma functions (float; any n)."""
        n, k = self.n_qubits, self.n_up
        return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)

    def count_terms(self, *, max_digits: int = MAX_TERM_DIGITS) -> int:
        """C = binom(n, k) exactly, refused before any work when it has more than ``max_digits`` digits.

        Raises
        ------
        ValueError
            When C(n, k) has more than ``max_digits`` decimal digits (estimated by :meth:`log10_n_terms`).
        """
        limit = require_int("max_digits", max_digits, minimum=1)
        estimate = self.log10_n_terms()
        _require(
            estimate < limit,
            f"C({self.n_qubits}, {self.n_up}) has about {estimate:,.0f} digits, more than the limit "
            f"max_digits={limit:,}: use log10_n_terms(), or count_terms(max_digits=...) to raise it",
        )
        return math.comb(self.n_qubits, self.n_up)

    @property
    def total_sz(self) -> int:
        """Eigenvalue of Σ_q σ^z_q (Pauli units): k − (n − k) = N_e − N_FM for PRX Eq. 15."""
        return self.n_up - self.n_down

    def expectation_sz(self) -> float:
        """<σ^z_q> of every single qubit q (Pauli units): (2k − n)/n."""
        return self.total_sz / self.n_qubits

    def correlation_zz(self) -> float:
        """<σ^z_p σ^z_q> for any two distinct qubits p ≠ q: ((2k − n)² − n) / (n(n − 1))."""
        n = self.n_qubits
        _require(n >= 2, "a two-qubit correlation needs n_qubits >= 2")
        return float(Fraction(self.total_sz**2 - n, n * (n - 1)))

    def correlation_xx(self) -> float:
        """<σ^x_p σ^x_q> = <σ^y_p σ^y_q> for p ≠ q: 2k(n − k) / (n(n − 1)).

        Only the flip-flop part σ^+_p σ^-_q + h.c. of σ^x σ^x survives in a state of fixed total S^z,
        and each of its two terms connects C(n−2, k−1) pairs of basis states.
        """
        n = self.n_qubits
        _require(n >= 2, "a two-qubit correlation needs n_qubits >= 2")
        return float(Fraction(2 * self.n_up * self.n_down, n * (n - 1)))

    def _check_subsystem(self, m: int) -> int:
        return require_int("subsystem size m", m, minimum=0, maximum=self.n_qubits)

    def subsystem_up_counts(self, m: int) -> np.ndarray:
        """Values j (↑ spins among the m subsystem qubits) with p_j > 0, in increasing order.

        j runs over max(0, m − (n − k)) .. min(m, k); :meth:`reduced_spectrum` is ordered the same way,
        and p_j belongs to the eigenvector |D_m^j>.
        """
        m = self._check_subsystem(m)
        return np.arange(max(0, m - self.n_down), min(m, self.n_up) + 1)

    def reduced_spectrum(self, m: int) -> np.ndarray:
        """Nonzero eigenvalues p_j of the reduced density matrix of any m qubits.

        p_j = C(m, j) C(n−m, k−j) / C(n, k) (hypergeometric), j = :meth:`subsystem_up_counts`; each
        belongs to the symmetric eigenvector |D_m^j> (multiplicity 1). Used for PRX Eqs. 12–17.

        Computed as the ratio of binomial probabilities
        p_j = b(j; m, q) b(k−j; n−m, q) / b(k; n, q) with q = k/n (the q-dependence cancels
        identically; this is Loader's route, as in R's ``dhyper``), whose SciPy binomial pmf is
        accurate to a few ulps even at n = 10^6, unlike differences of log-gamma functions (≈1e-9
        relative there). Far-tail weights below ~1e-308 underflow to 0.0.

        Parameters
        ----------
        m : int
            Subsystem size, 0 <= m <= n.

        Returns
        -------
        numpy.ndarray of float64, length len(subsystem_up_counts(m)) (= m + 1 when m <= min(k, n − k))
        """
        j = self.subsystem_up_counts(m)
        n, k = self.n_qubits, self.n_up
        if k in (0, n) or m in (0, n):
            # Product state, or a pure subsystem: one weight 1 (and q = 0 or 1 would be degenerate).
            return np.ones(1)
        # Imported here: scipy.stats costs ~1 s at import time and only this method needs it.
        from scipy import stats

        q = k / n
        return stats.binom.pmf(j, m, q) * stats.binom.pmf(k - j, n - m, q) / stats.binom.pmf(k, n, q)

    def reduced_spectrum_exact(self, m: int) -> tuple[Fraction, ...]:
        """Exact rational weights p_j = C(m, j) C(n−m, k−j) / C(n, k), same order as :meth:`reduced_spectrum`.

        Integer arithmetic: exact for any n, but binom(n, k) has ~0.3 n digits, so keep n moderate.
        """
        total = self.n_terms
        n, k = self.n_qubits, self.n_up
        return tuple(
            Fraction(math.comb(m, j) * math.comb(n - m, k - j), total) for j in self.subsystem_up_counts(m).tolist()
        )

    def reduced_density_matrix(self, m: int) -> np.ndarray:
        """Dense reduced density matrix of any m qubits: ρ_m = Σ_j p_j |D_m^j><D_m^j|.

        By permutation symmetry the result is the same for every choice and order of the m qubits.
        Built without loops: ρ[a, b] = p_j / C(m, j) when basis states a and b both have j spins ↑,
        else 0.

        Parameters
        ----------
        m : int
            0 <= m <= min(n, :data:`MAX_DENSE_RDM_QUBITS`).

        Returns
        -------
        numpy.ndarray of float64, shape (2**m, 2**m), in the basis order of :mod:`states.conventions`.
        """
        m = self._check_subsystem(m)
        _require(
            m <= MAX_DENSE_RDM_QUBITS,
            f"m = {m} is too large for a dense reduced density matrix (limit {MAX_DENSE_RDM_QUBITS}); "
            "use reduced_spectrum(m) instead",
        )
        weight_per_state = np.zeros(m + 1)  # indexed by j = number of ↑
        j = self.subsystem_up_counts(m)
        binomials = np.array([math.comb(m, int(value)) for value in j], dtype=float)  # m + 1 <= 13 values
        weight_per_state[j] = self.reduced_spectrum(m) / binomials
        ups = m - _down_counts(m).astype(np.intp)
        same_sector = ups[:, None] == ups[None, :]
        return np.where(same_sector, weight_per_state[ups][:, None], 0.0)

    def to_dense(self, dtype: DTypeLike = np.float64) -> np.ndarray:
        """The dense 2^n vector (see :func:`dicke_vector`); needs n <= :data:`MAX_DENSE_QUBITS`."""
        return dicke_vector(self.n_qubits, self.n_up, dtype)

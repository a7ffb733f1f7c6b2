"""The measuring sweep: every site RDM, every bond's Schmidt values, ⟨h_b⟩ and span RDMs of an MPS.

:func:`canonical_sweep` takes the tensors of a state in mixed-canonical form with the orthogonality
centre on site 0 (all others right-canonical, B_i) and walks the centre to the right by QR:
C_0 = B_0, C_{i+1} = R_i B_{i+1} with C_i = Q_i R_i (only R_i is formed: LAPACK's geqrf without the
Q). At site i (Schollwöck, Ann. Phys. 326, 96 (2011), Sec. 4.2; PRX Eqs. 10–12):

* ρ_i = Σ_{l,r} C_i C_i† (the left part left-canonical, the right part right-canonical);
* the Schmidt values of bond i are the singular values of R_i;
* ⟨h_i⟩ = ⟨θ|h_i|θ⟩ with θ = C_i B_{i+1} (:func:`bond_expectation`: for charged tensors straight from the
  products of the shared bond's sectors, no two-site tensor is built);
* a requested RDM whose first site is i comes from C_i and the B that follow
  (:func:`verify.mps.reduced.span_rdm`).

Everything is the tensor backend's work, blockwise for charged tensors (no tensor is densified).
The per-site work could run beside the QR chain on a second thread, but measured at χ = 400 on the
2-core machine that was slower (the blocks are small and their interpreter overhead holds the GIL),
so the sweep is serial.

:func:`b_form_sweep` measures the same quantities from Vidal's B form (right-canonical B_i and the
Schmidt values Λ_b of every bond, the form the even–odd TEBD keeps, as TeNPy's ``TEBDEngine``) with
no decomposition at all, as TeNPy's ``MPS.expectation_value``, ``entanglement_entropy`` and
``get_rho_segment`` measure its B form (``get_theta``: S B ...): the Schmidt values are the stored Λ_b,
C_i = √w_{i−1} B_i stands in for the centre tensor, θ_b = C_b B_{b+1}. After a truncation the B form is
canonical only up to the discarded weight of the last updates (a kept B_L = C V† is isometric only on
the kept space), so these values differ from those of the exact canonical form of the same tensors by
O(discarded weight) — within the run's own truncation error (:func:`verify.tebd.measure_engine`
documents the measured size). The weights w of the bond states are carried from the left edge,
w_{−1} = 1, w_i(r) = Σ_{l,p} w_{i−1}(l) |B_i[l, p, r]|² / ‖B_i[l, ·, ·]‖², with every row of B_i
normalized (in exact canonical form w_i = Λ_i² and the rows have norm 1: the same numbers as TeNPy's
Λ_{i−1}² B_i B_i†). This makes the site RDMs a consistent chain: each ρ_i is a density matrix (trace 1,
positive) and the totals of the charges the tensors carry telescope to the sector's values exactly
(Σ_i ⟨N_i⟩ = N_e to round-off), so sum rules such as |Σ_i ⟨σ_i⟩| ≤ N_e hold; with the stored Λ_{i−1}²
they were off by O(ε) and the PRX frame's per-electron Bloch vector s_e/N_e could exceed 1. (Measured:
exact to round-off over the N_e = 8 runs at χ = 400 and 800 except for a few stretches deep in the
truncation-limited regime — t = 23–25 at χ = 400, ε = 7e-3 — where Σ_i ⟨N_i⟩ was off by up to 1.4e-5,
far inside the checks' ‖N‖ ε. A row of B_i emptied by truncation would drop its weight this way; the
cause is not pinned down.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from verify.mps.reduced import FactorSpec, span_rdm
from verify.tensors import ChargedTensor, Leg, RestrictedOperator, TensorBackend, bond_observation
from verify.tensors.charged import restricted_by_total

__all__ = ["SweepResult", "b_form_sweep", "bond_expectation", "canonical_sweep", "restricted_operator", "scale_left"]

SpanRequest = tuple[int, int, list[FactorSpec | None]]
"""(first site, last site, factor spec of every site of the span) of a requested RDM."""


class SweepResult:
    """What :meth:`verify.mps.MPS.sweep` measures.

    Attributes
    ----------
    site_rdms : list of ndarray
        ρ_i (d_i × d_i) for every site.
    schmidt : list of ndarray
        Schmidt values of bond b (between sites b and b+1), descending, for b = 0..N−2.
    bond_values : list of complex
        ⟨ψ|h_b|ψ⟩ for the bond operators passed in (empty when none were).
    rdms : list of ndarray
        The requested span RDMs (``rdms=`` of :meth:`verify.mps.MPS.sweep`), trace 1, in request order.
    norm_squared : float
        ⟨ψ|ψ⟩ as seen by the sweep (trace of the last site's ρ before normalization).
    deferred : dict of int to (int, ndarray)
        :func:`b_form_sweep` with ``deferred=``: bond → (its position in ``bond_values``, which holds
        None there, and the left weights w_l of its θ = B_b B_{b+1}); fill in with :meth:`set_bond`.
    """

    def __init__(self) -> None:
        self.site_rdms: list[np.ndarray] = []
        self.schmidt: list[np.ndarray] = []
        self.bond_values: list[complex] = []
        self.rdms: list[np.ndarray] = []
        self.norm_squared: float = float("nan")
        self.deferred: dict[int, tuple[int, np.ndarray]] = {}

    def set_bond(self, bond: int, value: complex, weight: float) -> None:
        """Fill in ⟨h_b⟩ of a deferred bond, scaled to :attr:`norm_squared` as every other bond.

        Parameters
        ----------
        bond : int
            A key of :attr:`deferred` (removed from it).
        value, weight : complex, float
            Σ_l w_l ⟨θ_l|h_b θ_l⟩ and Σ_l w_l ⟨θ_l|θ_l⟩ of θ = B_b B_{b+1} with the bond's weights
            (:func:`verify.tensors.observation_from_rows`, or the next TEBD run's rows weighed).
        """
        position, _ = self.deferred.pop(bond)
        self.bond_values[position] = value * (self.norm_squared / weight)


def canonical_sweep(
    backend: TensorBackend,
    tensors: Sequence[Any],
    bond_operators: Sequence[np.ndarray | None] | None = None,
    requests: Sequence[SpanRequest] = (),
) -> SweepResult:
    """The measurements of the module docstring from tensors with the centre on site 0.

    Parameters
    ----------
    backend : TensorBackend
        The tensors' backend.
    tensors : sequence
        C_0, B_1, …, B_{N−1}: the state with its orthogonality centre on site 0 (not modified).
    bond_operators : sequence of ndarray or None, optional
        h_b per bond (``np.kron`` order) or None to skip a bond; None for no energies.
    requests : sequence of SpanRequest
        Span RDMs to contract (validated by the caller).
    """
    n = len(tensors)
    out = SweepResult()
    out.rdms = [np.zeros((0, 0))] * len(requests)
    c = tensors[0]
    for i in range(n):
        out.site_rdms.append(backend.density(c))
        for k, (first, last, specs) in enumerate(requests):
            if first == i:
                out.rdms[k] = span_rdm(backend, [c, *tensors[first + 1 : last + 1]], specs)
        if i == n - 1:
            break
        if bond_operators is not None and bond_operators[i] is not None:
            out.bond_values.append(bond_expectation(backend, c, tensors[i + 1], np.asarray(bond_operators[i]))[0])
        r = backend.qr_r(c)  # the left-isometric factor is never used
        out.schmidt.append(backend.singular_values(r))
        c = backend.absorb_left(r, tensors[i + 1])
    out.norm_squared = float(np.trace(out.site_rdms[-1]).real)
    return out


def scale_left(tensor: Any, values: np.ndarray) -> Any:
    """Λ · A: the site tensor A[l, p, r] with every left index l multiplied by ``values[l]``.

    Works on both backends' tensors (a :class:`verify.tensors.ChargedTensor`, whose left-leg sectors
    pick the values of each block, or a dense (l, p, r) array); the input is not modified.
    """
    values = np.asarray(values, dtype=float)
    if isinstance(tensor, ChargedTensor):
        sectors = tensor.legs[0].sectors
        blocks = {key: block * values[sectors[key[0]]][:, None, None] for key, block in tensor.blocks.items()}
        return ChargedTensor(tensor.legs, tensor.signs, blocks)
    return np.asarray(tensor) * values[:, None, None]


def _weights(tensor: Any, left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scale(l)² = left(l) / ‖A[l, ·, ·]‖² per left index l (0 for a zero row), Σ_{l,p} scale(l)² |A[l, p, r]|²
    per right index r) of a site tensor (charged or a dense array): the squared row scale of this site
    and the weights it hands to the next (:func:`b_form_sweep`)."""
    if isinstance(tensor, ChargedTensor):
        return _charged_weights(tensor, left)
    a = np.asarray(tensor)
    square = a.real**2 + a.imag**2
    rows = square.sum(axis=(1, 2))
    scale2 = np.divide(left, rows, out=np.zeros_like(rows), where=rows > 0)
    return scale2, scale2 @ square.sum(axis=1)


def _charged_weights(tensor: ChargedTensor, left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_weights` of a charged site tensor: the blocks of every left charge side by side as one
    matrix (rows l, columns (p, r) block after block in key order), so that |A|², the row sums and the
    weighted column sums take a few calls per left charge instead of several per block."""
    l_sectors, r_sectors = tensor.legs[0].sectors, tensor.legs[2].sectors
    by_left: dict[Any, list] = defaultdict(list)  # q_l -> keys in order
    for key in sorted(tensor.blocks):
        by_left[key[0]].append(key)
    rows = np.zeros(tensor.legs[0].dim)
    squares = []
    for ql, keys in by_left.items():
        blocks = [tensor.blocks[key] for key in keys]
        nl = blocks[0].shape[0]
        joined = np.concatenate([block.reshape(nl, -1) for block in blocks], axis=1)
        square = joined.real**2
        square += joined.imag**2
        rows[l_sectors[ql]] = square.sum(axis=1)
        squares.append((ql, keys, blocks, square))
    scale2 = np.divide(left, rows, out=np.zeros_like(rows), where=rows > 0)
    columns = np.zeros(tensor.legs[2].dim)
    for ql, keys, blocks, square in squares:
        part = scale2[l_sectors[ql]] @ square
        start = 0
        for key, block in zip(keys, blocks, strict=True):  # Σ_p of the block's columns (p, r), into its r
            _, dp, nr = block.shape
            columns[r_sectors[key[2]]] += part[start : start + dp * nr].reshape(dp, nr).sum(axis=0)
            start += dp * nr
    return scale2, columns


def _row_weights(tensors: Sequence[Any]) -> list[np.ndarray]:
    """w_{i−1}(l) / ‖B_i[l]‖² of every site i, the weights carried from the left edge (module docstring):
    the squares of the row scales of C_i = √w_{i−1} B_i."""
    squares, weights = [], np.ones(1)
    for b in tensors:
        scale2, weights = _weights(b, weights)
        squares.append(scale2)
    return squares


def b_form_sweep(
    backend: TensorBackend,
    tensors: Sequence[Any],
    schmidt: Sequence[np.ndarray],
    bond_operators: Sequence[np.ndarray | None] | None = None,
    requests: Sequence[SpanRequest] = (),
    *,
    parallel: bool = False,
    deferred: Collection[int] = (),
) -> SweepResult:
    """The measurements of :func:`canonical_sweep` from Vidal's B form, with no decomposition (module
    docstring): ρ_i from C_i = √w_{i−1} B_i, the Schmidt values Λ_b, ⟨h_b⟩ from θ_b = C_b B_{b+1}, span
    RDMs from C B ... B.

    Parameters
    ----------
    backend : TensorBackend
        The tensors' backend.
    tensors : sequence
        B_0, …, B_{N−1} (right-canonical up to truncation; not modified).
    schmidt : sequence of ndarray
        Λ_b of bond b (between sites b and b+1), b = 0..N−2, in the order of the bond's leg.
    bond_operators : sequence of ndarray or None, optional
        h_b per bond (``np.kron`` order) or None to skip a bond; None for no energies.
    requests : sequence of SpanRequest
        Span RDMs to contract (validated by the caller).
    parallel : bool
        Run the independent pieces (each span RDM, each site with its bond) as tasks on the
        :func:`verify.tensors.svd_workers` threads (:func:`verify.tensors.run_dataflow`; call with one
        BLAS thread). Every piece is computed alone and the results are combined in site order, so
        they are the same bits as the serial ones.
    deferred : collection of int
        Bonds (with an operator) whose ⟨h_b⟩ is left out: ``bond_values`` holds None there and
        ``deferred`` their left weights, the squared row scales w_{b−1}(l) / ‖B_b[l]‖² of C_b, to be
        filled in by :meth:`SweepResult.set_bond` — from the next TEBD run
        (:meth:`verify.tebd.TEBD.observe`) or from :func:`verify.tensors.observation_from_rows`.

    Returns
    -------
    SweepResult
        ``norm_squared`` is Σ Λ² of the first bond (the engine keeps Σ Λ_b² equal on every bond up to
        truncation: each split is renormalized to the norm of its θ); every ρ_i (trace Σ w = 1), every
        ⟨h_b⟩ (by ⟨θ_b|θ_b⟩) and every bond's Schmidt values are scaled to that norm, so that dividing by
        it normalizes each one on its own.
    """
    from verify.tensors import threads  # looked up per call (tests patch svd_workers)

    n = len(tensors)
    if len(schmidt) != n - 1:
        raise ValueError(f"need the Schmidt values of {n - 1} bonds, got {len(schmidt)}")
    lam = [np.asarray(v, dtype=float) for v in schmidt]
    deferred = set(deferred)
    nsq = float(np.sum(lam[0] ** 2)) if n > 1 else backend.norm(tensors[0]) ** 2
    squares = _row_weights(tensors)
    scales = [np.sqrt(s2) for s2 in squares]
    operators = [None if bond_operators is None else bond_operators[i] for i in range(n - 1)] + [None]

    def task(k: int) -> Any:
        if k < len(requests):
            first, last, specs = requests[k]
            return span_rdm(backend, [scale_left(tensors[first], scales[first]), *tensors[first + 1 : last + 1]], specs)
        i = k - len(requests)
        rho = backend.scaled_density(tensors[i], scales[i])
        if operators[i] is None or i in deferred:
            return rho * (nsq / np.trace(rho).real), None
        # θ_b = C_b B_{b+1} through the row weights of C_b: a deferred bond's numbers, to round-off
        value, weight = bond_expectation(backend, tensors[i], tensors[i + 1], np.asarray(operators[i]), squares[i])
        return rho * (nsq / np.trace(rho).real), value * (nsq / weight)

    count = len(requests) + n
    if parallel and threads.svd_workers() > 1:
        results = threads.run_dataflow(task, [[]] * count)
    else:
        results = [task(k) for k in range(count)]
    out = SweepResult()
    out.norm_squared = nsq
    out.rdms = list(results[: len(requests)])
    out.site_rdms = [rho for rho, _ in results[len(requests) :]]
    measured = [i for i in range(n - 1) if operators[i] is not None]
    out.bond_values = [results[len(requests) + i][1] for i in measured]
    out.deferred = {i: (k, squares[i]) for k, i in enumerate(measured) if i in deferred}
    out.schmidt = [np.sort(values)[::-1] * np.sqrt(nsq / np.sum(values**2)) for values in lam]
    return out


def bond_expectation(
    backend: TensorBackend, a: Any, b: Any, matrix: np.ndarray, weights: np.ndarray | None = None
) -> tuple[complex, float]:
    """(⟨θ|M|θ⟩, ⟨θ|θ⟩) of θ = a b (θ[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r]) and a dense operator M on
    (p1, p2) (``np.kron`` order), e.g. a bond Hamiltonian h_b (PRX Eqs. 2–4); with ``weights`` w on a's
    left index, of θ = (√w · a) b: (Σ_l w_l ⟨θ_l|M|θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩).

    Charged tensors take one pass with no intermediate two-site tensor: one matrix product per charge
    of the shared bond k, whose blocks go straight into one matrix per total physical charge Q =
    q_p1 + q_p2 — rows (p1, p2) of charge Q, columns (l, r) — on which M restricted to Q acts
    (:func:`verify.tensors.bond_observation`; M restricted by :func:`restricted_operator`, cached by
    content, since a run measures the same bond operators at every output). A part of M that changes the
    charge is not seen, exactly as it does not contribute: every column of θ has one total charge. The
    same numbers as ``backend.expectation(backend.two_site(a', b), M)`` and ``backend.norm(θ)²`` with
    a' = √w · a (:func:`scale_left`; a itself without weights) up to round-off, for any M of the right
    shape and weights of a's left leg (ValueError otherwise). Other backends: exactly those calls.
    """
    d1, d2 = (a.legs[1].dim, b.legs[1].dim) if isinstance(a, ChargedTensor) else (np.shape(a)[1], np.shape(b)[1])
    if np.shape(matrix) != (d1 * d2, d1 * d2):
        raise ValueError(f"a bond operator of sites of dimensions {d1} and {d2} must be "
                         f"{d1 * d2} x {d1 * d2}, got shape {np.shape(matrix)}")
    if weights is not None and np.shape(weights) != (backend.shape(a)[0],):
        raise ValueError(f"weights of shape {np.shape(weights)} for a left leg of dimension {backend.shape(a)[0]}")
    if not isinstance(a, ChargedTensor):
        theta = backend.two_site(a if weights is None else scale_left(a, np.sqrt(weights)), b)
        return backend.expectation(theta, matrix), backend.norm(theta) ** 2
    if not a.legs[2].same(b.legs[0]):
        raise ValueError("cannot contract legs with different charges")
    restricted = restricted_operator(matrix, a.legs[1], b.legs[1])
    return bond_observation(a, b, (restricted, weights))


_RESTRICTED: dict[tuple, RestrictedOperator] = {}
_RESTRICTED_MAX = 256
"""Distinct (operator, legs) kept by :func:`restricted_operator`, for the whole process (a run has a
handful, one per kind of bond; an entry is at most a few hundred kB: its key holds M's bytes)."""


def restricted_operator(matrix: np.ndarray, p1: Leg, p2: Leg) -> RestrictedOperator:
    """M restricted to every total physical charge of (p1, p2) (``verify.tensors.charged.restricted_by_total``),
    cached by the content of M and of the legs' charges (a changed M is a new entry, never a stale one).

    Parameters
    ----------
    matrix : ndarray
        A two-site operator, (d1 d2) × (d1 d2) in ``np.kron`` order.
    p1, p2 : Leg
        The physical legs of the two sites.

    Returns
    -------
    (dict, dict)
        ``(sectors, pair_offsets)`` as the attributes of :class:`verify.tensors.ChargedGate`.

    Raises
    ------
    ValueError
        When M is not (d1 d2) × (d1 d2).
    """
    matrix = np.ascontiguousarray(matrix, dtype=complex)
    if matrix.shape != (p1.dim * p2.dim,) * 2:  # a larger M would be cut to a sub-block silently
        raise ValueError(f"a bond operator of sites of dimensions {p1.dim} and {p2.dim} must be "
                         f"{p1.dim * p2.dim} x {p1.dim * p2.dim}, got shape {matrix.shape}")
    key = (matrix.shape, matrix.tobytes(), p1.charges.shape, p1.charges.tobytes(), p2.charges.shape,
           p2.charges.tobytes())
    restricted = _RESTRICTED.get(key)
    if restricted is None:
        restricted = restricted_by_total(matrix, p1, p2)
        if len(_RESTRICTED) >= _RESTRICTED_MAX:
            _RESTRICTED.clear()
        _RESTRICTED[key] = restricted
    return restricted

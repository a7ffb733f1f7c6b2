"""The generic measurement (:class:`verify.models.Measurement`) of a state vector of an exact sector.

What the model asks for (:class:`verify.models.Observables`) is computed from the sector vector ψ
without leaving the sector:

* local probabilities p_k(a) = Σ_{states with digit a on site k} |ψ|² (one ``bincount`` per site)
  give every diagonal site observable (the density, s^z) and the totals of the conserved charges;
* off-diagonal site observables and totals (s^x_e, s^y_e) are sparse matrices built once
  (:mod:`verify.exact.lift`), one product per frame;
* the reduced density matrix of some tensor factors of some sites (the localized spins) pairs every
  state with the states that differ from it only in those factors: ρ[K', K] = Σ ψ(K', rest) ψ*(K, rest),
  the partner's position from :meth:`verify.exact.sector.SectorBasis.rank_shift`;
* the entropy of sites 1..cut: the lexicographic order of the sector puts all completions of one left
  part next to each other, and for a fixed left charge they are the same set, so ψ restricted to one
  left charge is a dense matrix ψ[left, right]; its Schmidt spectrum goes through :mod:`entanglement`;
* the energy ⟨ψ|H|ψ⟩ with the sector Hamiltonian.

Expectation values are those of ψ/‖ψ‖; the norm itself is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

import entanglement
from verify.exact.lift import lift_sum, total_operator
from verify.exact.sector import SectorBasis
from verify.models import Measurement, validate_cut

__all__ = ["ExactMeasurer", "expectation", "real_matvec"]


def real_matvec(matrix: sp.csr_array, v: np.ndarray) -> np.ndarray:
    """M v for a sparse M and complex v; a real M multiplies a (dim, 2) real view (no complex copy of M)."""
    v = np.ascontiguousarray(v, dtype=complex)
    if np.iscomplexobj(matrix.data):
        return matrix @ v
    return np.ascontiguousarray(matrix @ v.view(np.float64).reshape(-1, 2)).view(complex).reshape(v.shape)


def expectation(matrix: sp.csr_array, psi: np.ndarray) -> complex:
    """⟨ψ|M|ψ⟩."""
    return complex(np.vdot(psi, real_matvec(matrix, psi)))


@dataclass(frozen=True)
class _FactorRDM:
    """Plan of one reduced density matrix of tensor factors (module docstring).

    The states that differ only in the kept factors form groups ("the rest" is the same); ``layout``
    lists each group's state for every kept index K (``dim`` — a zero pad — where that combination
    leaves the sector), so ψ[layout] is the matrix X[rest, K] and ρ = Xᵀ X*. Only groups of two or
    more states enter ``layout`` (a lone state adds to the diagonal only, which comes from ``kept``).
    """

    sizes: tuple[int, ...]  # dimension of the kept factor on each site
    kept: np.ndarray  # kept index K of every state
    layout: np.ndarray  # (n_groups, D) state indices of the groups with partners, dim = padding

    @property
    def dim(self) -> int:
        return math.prod(self.sizes)


def _sub_rdms(specs: dict) -> dict[str, tuple[str, list[int]]]:
    """RDMs whose factors are a subset of another requested RDM's: key → (that RDM's key, kept positions)."""
    derived = {}
    for key, spec in specs.items():
        for other, bigger in specs.items():
            if other != key and len(bigger) > len(spec) and set(spec) <= set(bigger) and other not in derived:
                derived[key] = (other, [bigger.index(item) for item in spec])
                break
    return derived


class ExactMeasurer:
    """Measure a model's observables on vectors of its exact sector.

    Parameters
    ----------
    basis : SectorBasis
    hamiltonian : csr_array
        H of the t ≥ 0 dynamics (for the energy).
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default ``basis.model.cut``.
    """

    def __init__(self, basis: SectorBasis, hamiltonian: sp.csr_array, cut: int | None = None) -> None:
        model = basis.model
        if hamiltonian.shape != (basis.dim, basis.dim):
            raise ValueError(f"Hamiltonian shape {hamiltonian.shape} does not match the sector dimension {basis.dim}")
        self.basis = basis
        self.model = model
        self.hamiltonian = hamiltonian
        self.cut = model.cut if cut is None else validate_cut(cut, model.n_sites)
        observables = model.observables
        self._site_diag, self._site_full = self._split_site_observables(observables.site)
        self._totals = {key: self._total_plan(op, sites) for key, (op, sites) in observables.total.items()}
        self._derived = _sub_rdms(observables.rdms)
        self._rdms = {key: self._rdm_plan(spec) for key, spec in observables.rdms.items() if key not in self._derived}
        self._blocks = self._cut_blocks()
        self._common, self._indicator = self._digit_indicator()

    # ------------------------------------------------------------------ plans
    def _split_site_observables(self, site_obs: dict) -> tuple[dict, dict]:
        diagonal, general = {}, {}
        for key, (op, sites) in site_obs.items():
            matrices = [self.model.sites[k].op(op) for k in sites]
            if all(np.count_nonzero(m - np.diag(np.diagonal(m))) == 0 for m in matrices):
                diagonal[key] = (tuple(sites), [np.diagonal(m).real for m in matrices])
            else:
                general[key] = [total_operator(self.basis, op, [k]) for k in sites]
        return diagonal, general

    def _total_plan(self, op: str, sites: tuple[int, ...]) -> tuple[tuple[int, ...], list, sp.csr_array | None]:
        """(sites, diagonal parts, sparse off-diagonal part or None) of Σ_k O_k."""
        diagonal, off = [], []
        for k in sites:
            matrix = self.model.sites[k].op(op)
            diagonal.append(np.diagonal(matrix).real)
            off.append((k, matrix - np.diag(np.diagonal(matrix))))
        offdiagonal = lift_sum(self.basis, off, real=False) if any(np.any(m) for _, m in off) else None
        if offdiagonal is not None and offdiagonal.nnz == 0:  # every element leaves the sector (s^x at fixed S^z)
            offdiagonal = None
        return tuple(sites), diagonal, offdiagonal

    def _rdm_plan(self, spec: tuple[tuple[int, str], ...]) -> _FactorRDM:
        basis, model = self.basis, self.model
        sites, inner, sizes = [], [], []
        kept = np.zeros(basis.dim, dtype=np.int64)
        for site_index, factor in spec:
            site = model.sites[site_index]
            position = site.factor_position(factor)
            dims = site.factor_dims()
            stride = math.prod(dims[position + 1 :])
            sites.append(site_index)
            inner.append(stride)
            sizes.append(dims[position])
            kept = kept * dims[position] + (basis.digits[site_index].astype(np.int64) // stride) % dims[position]
        if sites != sorted(set(sites)):
            raise ValueError(f"rdm sites must be distinct and ascending, got {sites}")
        representative = np.arange(basis.dim, dtype=np.int64)
        for stays, partner in self._partners(sites, inner, sizes, kept):
            # a group is a clique of partners: its smallest member is every member's smallest partner
            representative[stays] = np.minimum(representative[stays], partner)
        _, rest = np.unique(representative, return_inverse=True)
        index_type = np.int32 if basis.dim < 2**31 - 1 else np.int64
        rest = rest.ravel()
        shared = np.bincount(rest)[rest] > 1  # states with at least one partner
        _, group = np.unique(rest[shared], return_inverse=True)
        layout = np.full((int(group.max(initial=-1)) + 1, math.prod(sizes)), basis.dim, dtype=index_type)
        layout[group.ravel(), kept[shared]] = np.flatnonzero(shared).astype(index_type)
        return _FactorRDM(tuple(sizes), kept, layout)

    def _partners(
        self, sites: list[int], inner: list[int], sizes: list[int], kept: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For every shift K → K + shift (mod D) of the kept index: the states whose partner stays in the
        sector, and the partners (positions from :meth:`verify.exact.sector.SectorBasis.rank_shift`)."""
        basis = self.basis
        dim = math.prod(sizes)
        span = range(sites[0], sites[-1] + 1)
        prefix = basis.prefix_charges(sites[0])
        old = [basis.digits[k].astype(np.int64) for k in span]
        kept_old = np.unravel_index(kept, sizes)
        pairs = []
        for shift_index in range(1, dim):  # every other value of the kept factors
            kept_new = np.unravel_index((kept + shift_index) % dim, sizes)
            new = list(old)
            for j, site in enumerate(sites):
                new[site - span.start] = old[site - span.start] + (kept_new[j] - kept_old[j]) * inner[j]
            charge_old = sum(basis.steps[k][old[k - span.start]] for k in sites)
            charge_new = sum(basis.steps[k][new[k - span.start]] for k in sites)
            stays = np.flatnonzero(charge_old == charge_new)
            if stays.size:
                shift = basis.rank_shift(span.start, [o[stays] for o in old], [n[stays] for n in new], prefix[stays])
                pairs.append((stays, stays + shift))
        return pairs

    def _cut_blocks(self) -> list[tuple[np.ndarray, int, int]]:
        """(positions, n_left, n_right) of every left-charge block of the cut (module docstring)."""
        q_cut = self.basis.prefix_charges(self.cut)
        order = np.argsort(q_cut, kind="stable")
        values, counts = np.unique(q_cut, return_counts=True)
        blocks, start = [], 0
        for value, count in zip(values, counts, strict=True):  # loop over charge blocks
            n_right = self.basis.completions(self.cut, int(value))
            blocks.append((order[start : start + int(count)], int(count) // n_right, n_right))
            start += int(count)
        return blocks

    # ------------------------------------------------------------------ measurements
    def _digit_indicator(self) -> tuple[list[int], sp.csr_array]:
        """Each site's most common digit, and a 0/1 matrix (dim, Σ_k d_k) marking every other digit.

        Most sites of a state are in their most common local state (empty, for a dilute pulse), so
        leaving it out keeps about (N_e + N_FM)·dim entries instead of N·dim; its probability is
        the rest of the norm.
        """
        common, rows, cols, offset = [], [], [], 0
        for k, d in enumerate(self.model.dims):  # loop over sites
            digits = self.basis.digits[k]
            top = int(np.argmax(np.bincount(digits, minlength=d)))
            hit = np.flatnonzero(digits != top)
            common.append(top)
            rows.append(hit)
            cols.append(offset + digits[hit].astype(np.int64))
            offset += d
        r, c = np.concatenate(rows), np.concatenate(cols)
        indicator = sp.csr_array((np.ones(r.size), (r, c)), shape=(self.basis.dim, offset))
        return common, indicator

    def probabilities(self, weights: np.ndarray) -> list[np.ndarray]:
        """p_k(a) of every site from |ψ|² (``weights``, summing to 1)."""
        flat = self._indicator.T @ weights
        total = float(np.sum(weights))
        out, offset = [], 0
        for top, d in zip(self._common, self.model.dims, strict=True):
            p = flat[offset : offset + d].copy()
            p[top] = total - (p.sum() - p[top])
            out.append(p)
            offset += d
        return out

    def factor_rdm(self, plan: _FactorRDM, psi: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """ρ[K', K] = Σ_rest ψ(K', rest) ψ*(K, rest) of the kept factors, trace 1 for a normalized ψ.

        ``weights`` = |ψ|² if already computed; ``psi`` may carry one extra zero entry at the end (the
        pad of the layout) to save a copy.
        """
        dim = self.basis.dim
        weights = np.abs(psi[:dim]) ** 2 if weights is None else weights
        rho = np.diag(np.bincount(plan.kept, weights=weights, minlength=plan.dim)).astype(complex)
        if plan.layout.size:
            padded = psi if psi.shape[0] == dim + 1 else np.append(psi, 0.0)
            x = padded[plan.layout]
            off = x.T @ x.conj()
            rho += off - np.diag(np.diagonal(off))
        return rho

    def entropy_cut(self, psi: np.ndarray) -> float:
        """Von Neumann entropy of sites 1..cut (PRX Eq. 12) from the block Schmidt spectra."""
        weights = []
        for positions, n_left, n_right in self._blocks:
            block = psi[positions]
            weight = float(np.vdot(block, block).real)
            if weight == 0.0:
                continue
            keep = 0 if n_left <= n_right else 1
            rho = entanglement.partial_trace(block / math.sqrt(weight), [keep], dims=[n_left, n_right])
            weights.append(weight * entanglement.spectrum(rho))
        return entanglement.von_neumann_entropy(np.concatenate(weights))

    def measure(self, t: float, psi: np.ndarray) -> Measurement:
        """The :class:`verify.models.Measurement` of ψ at time ``t``."""
        psi = np.asarray(psi, dtype=complex)
        if psi.shape != (self.basis.dim,):
            raise ValueError(f"state has shape {psi.shape}, expected ({self.basis.dim},)")
        norm = float(np.linalg.norm(psi))
        if not (math.isfinite(norm) and norm > 0):
            raise ValueError("the state is zero or not finite")
        psi = psi / norm  # expectation values ⟨ψ|O|ψ⟩/⟨ψ|ψ⟩; the norm itself is recorded
        weights = np.abs(psi) ** 2
        p = self.probabilities(weights)
        return Measurement(
            t=float(t),
            norm=norm,
            energy=expectation(self.hamiltonian, psi).real,
            entropy_cut=self.entropy_cut(psi),
            site=self._site_values(p, psi),
            total=self._total_values(p, psi),
            rdms=self._rdm_values(psi, weights),
            charges=self.model.charge_totals(p),
        )

    def _rdm_values(self, psi: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
        padded = np.append(psi, 0.0)
        rdms = {key: self.factor_rdm(plan, padded, weights) for key, plan in self._rdms.items()}
        for key, (source, keep) in self._derived.items():  # a sub-set of another RDM's factors: trace it out
            rdms[key] = entanglement.partial_trace(rdms[source], keep, dims=self._rdms[source].sizes)
        return rdms

    def _site_values(self, p: list[np.ndarray], psi: np.ndarray) -> dict[str, np.ndarray]:
        values = {key: np.array([p[k] @ diagonal for k, diagonal in zip(sites, diagonals, strict=True)])
                  for key, (sites, diagonals) in self._site_diag.items()}
        values.update({key: np.array([expectation(m, psi).real for m in matrices])
                       for key, matrices in self._site_full.items()})
        return values

    def _total_values(self, p: list[np.ndarray], psi: np.ndarray) -> dict[str, float]:
        totals = {}
        for key, (sites, diagonals, offdiagonal) in self._totals.items():
            value = sum(float(p[k] @ diagonal) for k, diagonal in zip(sites, diagonals, strict=True))
            totals[key] = value + (expectation(offdiagonal, psi).real if offdiagonal is not None else 0.0)
        return totals

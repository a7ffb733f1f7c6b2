"""PRX chain: our TEBD (``verify.tebd.TEBD``, block-sparse backend) against TeNPy's ``TEBDEngine``.

The same model (PRX Eqs. 2–4, Pauli normalization), the same initial state (``verify.tebd.initial_mps``),
the same δt, Trotter order 2, χ_max and truncation, run for the same number of steps in one process with
one BLAS thread each. Prints wall and CPU time per step of each code, the ratio ours / TeNPy, and the
maximum deviation of ⟨σ^z⟩ of the localized spins and of the site densities n_i between the two states.

How the two codes are matched
-----------------------------
* **Sites.** Lead sites are ``SpinHalfFermionSite(cons_N="N", cons_Sz="Sz")``; FM sites a
  ``GroupedSite`` of such a site and a spin-1/2 (a plain ``Site`` with the fermion site's charge info,
  charges (N, 2S^z) = (0, ±1)), labels ``"e"`` and ``"l"``. For a noncollinear model (polarization
  ``"x"``) only N is conserved, as in our backend.
* **Basis and Jordan–Wigner.** TeNPy's fermion site is defined in our order (empty, up, down, full)
  with ``Cd = JWu · a_↓`` — the same on-site sign as our ``C_↓ = (−1)^{n_↑} a_↓``, so |full⟩ =
  c†_↑c†_↓|0⟩ in both, and both use site-major mode order (1↑, 1↓, 2↑, ...). The only difference is that
  TeNPy sorts every local basis by charge. Each site's permutation is taken from ``site.state_labels``
  (our index k ↔ TeNPy label ``("empty", "up", "down", "full")[k]``, FM sites
  ``"<el>_e <spin>_l"`` with the electron factor first as in ``docs/conventions.md``), never assumed.
* **Normalization.** TeNPy's spin operators are S = σ/2 and its electron spin is s/2, so
  −J_sd s·σ = −4 J_sd S_e·S_l, −[J_z σ^zσ^z + J(σ^xσ^x + σ^yσ^y)] = −4 J_z S^zS^z − 2 J (S^+S^− + S^−S^+),
  and the hopping −γ Σ_s (c†c + H.c.) goes through ``add_coupling`` (TeNPy inserts the JW strings).
* **Initial state.** Our MPS is converted to block-sparse form (every bond state has one charge),
  densified, locally permuted and handed to ``MPS.from_Bflat(..., form=None)``, then brought into
  canonical form by TeNPy.
* **Verification** (printed, and asserted): ⟨H⟩ of the initial state in both codes (our bond sum vs
  TeNPy's ``H_MPO`` and ``H_bond``), ⟨σ^z⟩ and n_i at t = 0, and the overlap of the TeNPy state read
  back (``verify.interop.from_tenpy_mps``) with ours; at the end, ⟨H⟩ of TeNPy's evolved state by our bond
  sum and by TeNPy's MPO. ``--quick`` (N = 20) adds :func:`hamiltonian_self_test` (random states with
  electrons of both spins on a 5-site chain).
* **Truncation.** Ours keeps the fewest singular values with Σ_disc s²/Σ s² ≤ ``trunc`` (and drops
  s < 1e-14 s_max). TeNPy's ``trunc_cut`` bounds Σ_disc S² ≤ trunc_cut² for normalized S, so
  ``trunc_cut = sqrt(trunc)``; ``svd_min = 1e-14`` (TeNPy's S are normalized, s_max ≤ 1).
* **Trotter schedule.** By default both run TeNPy's even/odd order-2 schedule
  U_even(δt/2) U_odd(δt) U_even(δt/2) (ours: ``scheme="even-odd"``), and both merge the half steps
  where consecutive steps meet within each chunk of ``--chunk`` steps, so the printed deviation is
  truncation (and round-off) only. ``--scheme prx`` runs ours with PRX Eq. 8 instead (sweeps,
  2N − 3 gates a step); then the states also differ by O(δt²) Trotter error.
* **Measurements** (``--measure-every K``, the user's run: ``python -m verify run prx --method tebd`` records
  every observable at every output time, δt_out = 0.1 = δt for the figures). Every K steps both codes
  measure, timed: ours exactly what a record row holds (:func:`verify.tebd.measure_engine` and the
  model's frame: every site observable, every bond entropy, the energy, all localized-spin RDMs and
  the edge-spin mutual information, from the exact canonical form), TeNPy 2s^z_i and n_i on every site
  and σ^z of the localized spins (``expectation_value``), the entropy at the cut
  (``entanglement_entropy``) and the edge-spin mutual information (``get_rho_segment`` of the two edge FM
  sites, electrons traced out) — in TeNPy's B form, which after truncation is canonical only up to the
  discarded weight of the last updates. Measuring every step also stops both codes from merging the
  half steps of consecutive steps. The summary adds each code's measurement share of its wall time.
* **Threads.** Every BLAS call runs on one thread in both codes (as TeNPy is usually run, and as the
  issue's reference timing was taken). Ours additionally decomposes the charge sectors of one SVD on
  ``QSTT_SVD_THREADS`` threads (default: the usable cores), each single-threaded; ``--svd-threads 1``
  switches that off for a strictly one-core comparison. ``--tenpy-blas-threads 2`` gives TeNPy two
  BLAS threads instead, its own way of using the second core.

Run (``OMP_NUM_THREADS=1`` is forced here anyway)::

    python benchmarks/tebd_vs_tenpy.py --quick
    python benchmarks/tebd_vs_tenpy.py --steps 100            # N = 75, N_e = 8, first 100 steps
    python benchmarks/tebd_vs_tenpy.py --n-e 1 --steps 100
    python benchmarks/tebd_vs_tenpy.py                        # the whole paper run (400 steps)
    python benchmarks/tebd_vs_tenpy.py --measure-every 1      # the same, both codes measuring every step
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import entanglement  # noqa: E402
from verify.models import PRXChain  # noqa: E402
from verify.mps import MPS as OurMPS  # noqa: E402
from verify.mps import to_charged_mps  # noqa: E402
from verify.tebd import TEBD, TEBDOptions, initial_mps, measure_engine, tensor_backend  # noqa: E402
from verify.tensors import blas_threads, svd_workers  # noqa: E402

FERMION_LABELS = ("empty", "up", "down", "full")  # our local order (docs/conventions.md)
SPIN_LABELS = ("up", "down")


# ------------------------------------------------------------------------------------------- TeNPy side
def tenpy_sites(model: PRXChain) -> list:
    """TeNPy sites of the chain: SpinHalfFermionSite, GroupedSite(fermion, spin-1/2) on FM sites."""
    import tenpy.linalg.np_conserved as npc
    from tenpy.networks.site import GroupedSite, Site, SpinHalfFermionSite

    cons_sz = "Sz" if model.collinear else None

    def fermion():
        return SpinHalfFermionSite(cons_N="N", cons_Sz=cons_sz)

    chinfo = fermion().leg.chinfo
    if model.collinear:
        spin_charges = [[0, 1], [0, -1]]  # (N, 2S^z) of |↑⟩, |↓⟩
    else:
        spin_charges = [[0], [0]]
    sz = np.diag([0.5, -0.5])
    sp = np.array([[0.0, 1.0], [0.0, 0.0]])

    def spin():  # S = σ/2 in the (↑, ↓) order; fresh instances, GroupedSite re-sorts its members
        return Site(npc.LegCharge.from_qflat(chinfo, spin_charges), list(SPIN_LABELS), Sz=sz, Sp=sp, Sm=sp.T)

    fm = set(model.fm_sites)
    return [GroupedSite([fermion(), spin()], labels=["e", "l"]) if i in fm else fermion() for i in range(model.n_sites)]


def local_labels(has_spin: bool) -> list[str]:
    """TeNPy state labels in our local order (electron factor first on FM sites)."""
    if not has_spin:
        return list(FERMION_LABELS)
    return [f"{e}_e {s}_l" for e in FERMION_LABELS for s in SPIN_LABELS]


def tenpy_model(model: PRXChain, sites: list):
    """PRX Eqs. 2–4 as a TeNPy CouplingModel on a TrivialLattice, with MPO and bond terms."""
    from tenpy.models.lattice import TrivialLattice
    from tenpy.models.model import CouplingModel, MPOModel, NearestNeighborModel

    fm = set(model.fm_sites)

    def op(name: str, i: int, part: str) -> str:
        return name + part if i in fm else name

    class PRXTenpy(CouplingModel, NearestNeighborModel, MPOModel):
        def __init__(self) -> None:
            lat = TrivialLattice(sites, bc="open", bc_MPS="finite")
            CouplingModel.__init__(self, lat)
            n = model.n_sites
            for i in range(n - 1):  # Eq. 2: −γ Σ_s (c†_{i,s} c_{i+1,s} + H.c.)
                for s in ("u", "d"):
                    self.add_coupling(-model.hopping, i, op("Cd" + s, i, "e"), i + 1, op("C" + s, i + 1, "e"), 0,
                                      plus_hc=True)
                if i in fm and i + 1 in fm:  # Eq. 3 in S = σ/2 units
                    self.add_coupling(-4 * model.j_z, i, "Szl", i + 1, "Szl", 0)
                    self.add_coupling(-2 * model.j_xy, i, "Spl", i + 1, "Sml", 0, plus_hc=True)
            for i in fm:  # Eq. 4: −J_sd s·σ = −4 J_sd (S^z_e S^z_l + (S^+_e S^−_l + S^−_e S^+_l)/2)
                self.add_onsite_term(-4 * model.j_sd, i, "Sze Szl")
                self.add_onsite_term(-2 * model.j_sd, i, "Spe Sml")
                self.add_onsite_term(-2 * model.j_sd, i, "Sme Spl")
            MPOModel.__init__(self, lat, self.calc_H_MPO())
            NearestNeighborModel.__init__(self, lat, self.calc_H_bond())

    return PRXTenpy()


def charged_mps(mps: OurMPS, model: PRXChain) -> OurMPS:
    """``mps`` with block-sparse tensors conserving the charges of the model's sector (as simulate_prx_tebd)."""
    return to_charged_mps(mps, *tensor_backend(model, "charges"))


def to_tenpy_mps(ours: OurMPS, model: PRXChain, sites: list):
    """Our state as a TeNPy MPS: charged bonds, explicit local permutation, TeNPy canonical form."""
    from tenpy.networks.mps import MPS

    charged = charged_mps(ours.copy(), model)
    fm = set(model.fm_sites)
    bflat = []
    for i, a in enumerate(charged.tensors):
        dense = charged.backend.to_dense(a)  # (l, p, r), every bond state of one charge
        labels = local_labels(i in fm)
        t = np.zeros_like(dense)
        for k, label in enumerate(labels):
            t[:, sites[i].state_labels[label], :] = dense[:, k, :]
        bflat.append(t.transpose(1, 0, 2))  # TeNPy Bflat legs: p, vL, vR
    psi = MPS.from_Bflat(sites, bflat, bc="finite", dtype=complex, permute=False, form=None)
    psi.canonical_form()
    return psi


def tenpy_observables(psi, model: PRXChain) -> tuple[np.ndarray, np.ndarray]:
    """(⟨σ^z⟩ of the localized spins, n_i of every site)."""
    fm = list(model.fm_sites)
    ops_n = ["Ntote" if i in set(fm) else "Ntot" for i in range(model.n_sites)]
    density = np.real(psi.expectation_value(ops_n))
    sigma_z = 2 * np.real(psi.expectation_value("Szl", sites=fm))
    return sigma_z, density


def tenpy_measurement(psi, model: PRXChain, sites: list) -> dict:
    """What the user's run records, by TeNPy's own tools: 2s^z_i and n_i on every site, σ^z of the
    localized spins (``expectation_value``), the entropy at the cut (``entanglement_entropy``) and the
    mutual information of the two edge localized spins from TeNPy's ``get_rho_segment`` of the two
    FM sites (``mutinf_two_site`` would give that of the whole sites, electron included), the electrons
    traced out in our basis order."""
    fm = list(model.fm_sites)
    density = np.real(psi.expectation_value(["Ntote" if i in set(fm) else "Ntot" for i in range(model.n_sites)]))
    spin_z = 2 * np.real(psi.expectation_value(["Sze" if i in set(fm) else "Sz" for i in range(model.n_sites)]))
    sigma_z = 2 * np.real(psi.expectation_value("Szl", sites=fm))
    entropy = float(psi.entanglement_entropy(bonds=[(model.n_sites + 1) // 2])[0])
    rho = psi.get_rho_segment([fm[0], fm[-1]]).itranspose(["p0", "p1", "p0*", "p1*"]).to_ndarray()
    order = [sites[fm[0]].state_labels[label] for label in local_labels(True)]  # the same for both sites
    rho = rho[np.ix_(order, order, order, order)].reshape(64, 64)
    spins = entanglement.partial_trace(rho / np.trace(rho), [1, 3], dims=[4, 2, 4, 2])  # B form: trace 1 ± trunc
    mutual = entanglement.mutual_information(spins, [0], [1], dims=[2, 2])
    return {"density": density, "spin_density_z": spin_z, "sigma_z": sigma_z, "entropy_cut": entropy,
            "mutual_info_edges": mutual}


# --------------------------------------------------------------------------------------------- our side
def our_measurement(engine: TEBD, model: PRXChain, bonds: list) -> dict:
    """The user's run's measurement (``simulate_tebd``): every observable of the PRX record, exactly
    (:func:`verify.tebd.measure_engine`), turned into the record row by the model's frame."""
    chain = model.chain()
    row = chain.observables.frame(chain, measure_engine(engine, chain, bonds=bonds))
    return {"density": row["density"], "spin_density_z": row["spin_density_z"], "sigma_z": row["spin"][:, 2],
            "entropy_cut": row["entropy_cut"], "mutual_info_edges": row["mutual_info_edges"]}

def our_observables(mps: OurMPS, model: PRXChain, bonds: list) -> tuple[np.ndarray, np.ndarray, float]:
    """(⟨σ^z⟩ of the localized spins, n_i, ⟨H⟩) from one QR sweep."""
    sweep = mps.sweep(bonds)
    nsq = sweep.norm_squared
    ops = model.chain().sites
    density = np.array([np.trace(r @ s.op("N")).real for r, s in zip(sweep.site_rdms, ops, strict=True)]) / nsq
    sigma_z = np.array([np.trace(sweep.site_rdms[i] @ ops[i].op("Sz")).real for i in model.fm_sites]) / nsq
    return sigma_z, density, float(np.real(sum(sweep.bond_values))) / nsq


def tenpy_energy(psi, m) -> tuple[float, float]:
    """⟨H⟩ from TeNPy's MPO and from its bond terms."""
    e_mpo = float(np.real(m.H_MPO.expectation_value(psi)))
    e_bond = float(np.real(np.sum(m.bond_energies(psi))))
    return e_mpo, e_bond


def hamiltonian_self_test(seed: int = 7) -> float:
    """max |⟨H⟩_ours − ⟨H⟩_TeNPy| / |⟨H⟩| over random states of a tiny chain (N = 5, two FM sites at 2, 3).

    Random complex vectors in fixed (N_e, 2S^z) sectors with electrons of both spins — every hopping sign,
    JW string, spin flip and sd term contributes — built densely in our basis, converted with
    :func:`to_tenpy_mps` and measured by our bond sum and by TeNPy's ``H_MPO``.
    """

    model = PRXChain(n_sites=5, n_left=1, n_fm=2, n_conf=1, n_e=1, j_xy=0.3, j_z=0.2, j_sd=0.7)
    ops = model.chain().sites
    charge_n, charge_sz = np.zeros(1, dtype=int), np.zeros(1, dtype=int)
    for o in ops:
        charge_n = np.add.outer(charge_n, o.charges["N"]).ravel()
        charge_sz = np.add.outer(charge_sz, o.charges["2Sz"]).ravel()
    sites = tenpy_sites(model)
    m = tenpy_model(model, sites)
    bonds = model.chain().bond_hamiltonians()
    rng = np.random.default_rng(seed)
    worst = 0.0
    for n_el, two_sz in ((2, 0), (3, -1), (4, -2), (5, 1)):
        vec = (rng.normal(size=charge_n.size) + 1j * rng.normal(size=charge_n.size)) * (
            (charge_n == n_el) & (charge_sz == two_sz))
        vec /= np.linalg.norm(vec)
        mps = OurMPS.from_dense(vec, [o.dim for o in ops])
        e_ours = our_observables(mps, model, bonds)[2]
        e_tp = float(np.real(m.H_MPO.expectation_value(to_tenpy_mps(mps, model, sites))))
        worst = max(worst, abs(e_ours - e_tp) / max(1.0, abs(e_ours)))
    return worst


# ------------------------------------------------------------------------------------------------- main
def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (paper values as defaults)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    d, paper = PRXChain(), TEBDOptions()
    p.add_argument("--n-sites", type=int, default=d.n_sites)
    p.add_argument("--n-left", type=int, default=d.n_left)
    p.add_argument("--n-fm", type=int, default=d.n_fm)
    p.add_argument("--n-conf", type=int, default=d.n_conf)
    p.add_argument("--n-e", type=int, default=d.n_e)
    p.add_argument("--polarization", choices=("z", "x"), default=d.polarization)
    p.add_argument("--dt", type=float, default=paper.dt)
    p.add_argument("--steps", type=int, default=None, help="Trotter steps (default 400 = paper's t = 40)")
    p.add_argument("--chunk", type=int, default=10, help="steps between comparisons (not timed)")
    p.add_argument("--measure-every", type=int, default=0, metavar="K",
                   help="both codes measure what the user's run records every K steps, timed (0: bare race)")
    p.add_argument("--chi-max", type=int, default=paper.chi_max)
    p.add_argument("--trunc", type=float, default=paper.trunc, help="discarded weight per SVD (TeNPy trunc_cut = sqrt)")
    p.add_argument("--quick", action="store_true", help="N = 20, N_FM = 3, N_e <= 3, 20 steps")
    p.add_argument("--scheme", choices=("even-odd", "prx"), default="even-odd",
                   help="our Trotter scheme (even-odd = TeNPy's order 2; prx = PRX Eq. 8)")
    p.add_argument("--svd-threads", type=int, default=None, help="threads for our sector SVDs (default: cores)")
    p.add_argument("--tenpy-blas-threads", type=int, default=1, help="BLAS threads while TeNPy runs (default 1)")
    p.add_argument("--json", type=str, default=None, help="write the results here")
    args = p.parse_args(argv)
    if args.svd_threads is not None:
        if args.svd_threads < 1:
            p.error("--svd-threads must be >= 1")
        os.environ["QSTT_SVD_THREADS"] = str(args.svd_threads)
    if args.quick:
        args.n_sites, args.n_left, args.n_fm, args.n_conf = 20, 8, 3, 5
        args.n_e = min(args.n_e, 3)
    if args.steps is None:
        args.steps = 20 if args.quick else 400
    if args.measure_every < 0:
        p.error("--measure-every must be >= 0")
    return args


def check_same_start(args: argparse.Namespace, model: PRXChain, bonds: list) -> tuple:
    """Build both codes' initial states and models; refuse to race unless ⟨H⟩, the overlap and the
    observables agree at t = 0. Returns (ours, psi, tenpy model, sites labels, t = 0 check, ⟨H⟩_0)."""
    from verify.interop import from_tenpy_mps

    fm = set(model.fm_sites)
    mps0, _ = initial_mps(model)
    sites = tenpy_sites(model)
    m = tenpy_model(model, sites)
    psi = to_tenpy_mps(mps0, model, sites)
    ours = charged_mps(mps0.copy(), model)
    sz_o, n_o, e_o = our_observables(ours, model, bonds)
    sz_t, n_t = tenpy_observables(psi, model)
    e_mpo, e_bond = tenpy_energy(psi, m)
    back = from_tenpy_mps(psi, labels=[local_labels(i in fm) for i in range(model.n_sites)])
    overlap = abs(back.overlap(mps0)) / (back.norm() * mps0.norm())
    check = {"energy_ours": e_o, "energy_tenpy_mpo": e_mpo, "energy_tenpy_bonds": e_bond,
             "overlap": overlap, "dev_sigma_z": float(np.max(np.abs(sz_o - sz_t))),
             "dev_density": float(np.max(np.abs(n_o - n_t)))}
    print(f"PRX N={model.n_sites} N_L={model.n_left} N_FM={model.n_fm} N_conf={model.n_conf} N_e={model.n_e} "
          f"pol={model.polarization}  dt={args.dt} steps={args.steps} chi_max={args.chi_max} "
          f"trunc={args.trunc}  scheme ours={args.scheme}  threads: our SVD sectors {svd_workers()}, "
          f"TeNPy BLAS {args.tenpy_blas_threads}")
    print(f"t=0 check: <H> ours {e_o:.12f}  TeNPy MPO {e_mpo:.12f}  TeNPy bonds {e_bond:.12f}  "
          f"|<ours|tenpy>| = {overlap:.15f}  max|d sigma_z| {check['dev_sigma_z']:.1e}  "
          f"max|d n_i| {check['dev_density']:.1e}")
    scale = max(1.0, abs(e_o))
    if not (abs(e_o - e_mpo) < 1e-9 * scale and abs(e_o - e_bond) < 1e-9 * scale and abs(1 - overlap) < 1e-10):
        raise SystemExit("initial state / Hamiltonian mismatch between the codes: see the check line above")
    return ours, psi, m, check, e_o


def _timed(func, *args, threads: int | None = None):
    """(result, wall seconds, CPU seconds) of func(*args), with ``threads`` BLAS threads if given."""
    w0, c0 = time.perf_counter(), time.process_time()
    if threads is None:
        out = func(*args)
    else:
        with blas_threads(threads):
            out = func(*args)
    return out, time.perf_counter() - w0, time.process_time() - c0


def race(args: argparse.Namespace, model: PRXChain, bonds: list, engine: TEBD, psi, eng, sites: list) -> tuple:
    """Alternate chunks of both engines (``--chunk`` steps, or ``--measure-every`` steps and then both
    codes' timed measurements); per-chunk times and deviations."""
    measuring = args.measure_every > 0
    chunk = args.measure_every if measuring else args.chunk
    rows, totals, done = [], {f"{p}_{c}": 0.0 for p in ("evolve", "measure") for c in ("ours", "tenpy")}, 0
    cpu = dict(totals)
    print(f"{'t':>6} {'chi ours':>8} {'chi tp':>7} {'ours s/step':>11} {'TeNPy s/step':>12} {'ratio':>6} "
          f"{'max|d sz|':>9} {'max|d n|':>9} {'trunc ours':>10} {'trunc tp':>9}")
    while done < args.steps:
        k = min(chunk, args.steps - done)
        _, w_ours, c_ours = _timed(engine.run, k)
        _, w_tp, c_tp = _timed(eng.evolve, k, args.dt, threads=args.tenpy_blas_threads)  # merges half steps
        done += k
        for key, w, c in (("evolve_ours", w_ours, c_ours), ("evolve_tenpy", w_tp, c_tp)):
            totals[key] += w
            cpu[key] += c
        if measuring:
            ours, w_mo, c_mo = _timed(our_measurement, engine, model, bonds)
            theirs, w_mt, c_mt = _timed(tenpy_measurement, psi, model, sites, threads=args.tenpy_blas_threads)
            for key, w, c in (("measure_ours", w_mo, c_mo), ("measure_tenpy", w_mt, c_mt)):
                totals[key] += w
                cpu[key] += c
            w_ours, w_tp = w_ours + w_mo, w_tp + w_mt
            sz_o, n_o, sz_t, n_t = ours["sigma_z"], ours["density"], theirs["sigma_z"], theirs["density"]
        else:
            sz_o, n_o, _ = our_observables(engine.mps, model, bonds)
            sz_t, n_t = tenpy_observables(psi, model)
        row = {"t": done * args.dt, "chi_ours": engine.mps.max_bond_dimension(), "chi_tenpy": max(psi.chi),
               "wall_ours": w_ours / k, "wall_tenpy": w_tp / k,
               "dev_sigma_z": float(np.max(np.abs(sz_o - sz_t))), "dev_density": float(np.max(np.abs(n_o - n_t))),
               "dev_total_n": float(abs(n_o.sum() - n_t.sum())),
               "trunc_ours": engine.truncation_error, "trunc_tenpy": float(eng.trunc_err.eps)}
        if measuring:
            row.update(dev_entropy_cut=abs(ours["entropy_cut"] - theirs["entropy_cut"]),
                       dev_mutual_info=abs(ours["mutual_info_edges"] - theirs["mutual_info_edges"]))
        rows.append(row)
        if done % max(chunk, 10) == 0 or done == args.steps:
            print(f"{row['t']:6.2f} {row['chi_ours']:8d} {row['chi_tenpy']:7d} {row['wall_ours']:11.4f} "
                  f"{row['wall_tenpy']:12.4f} {row['wall_ours'] / row['wall_tenpy']:6.3f} {row['dev_sigma_z']:9.1e} "
                  f"{row['dev_density']:9.1e} {row['trunc_ours']:10.1e} {row['trunc_tenpy']:9.1e}", flush=True)
    return rows, totals, cpu


def end_energies(model: PRXChain, bonds: list, engine: TEBD, psi, m, e_0: float, t: float) -> dict:
    """⟨H⟩ of TeNPy's final state read back into ours (the same Hamiltonian on an entangled state with ↓
    electrons), by both codes, and of our final state."""
    from verify.interop import from_tenpy_mps

    fm = set(model.fm_sites)
    canonical = psi.copy()
    canonical.canonical_form()  # TEBD leaves the form approximate after truncation
    back = from_tenpy_mps(canonical, labels=[local_labels(i in fm) for i in range(model.n_sites)])
    e_back = our_observables(back, model, bonds)[2]
    e_mpo, e_bond = tenpy_energy(canonical, m)
    e_ours = our_observables(engine.mps, model, bonds)[2]
    print(f"t={t:g}: <H> of TeNPy's state: our bonds {e_back:.12f}, TeNPy MPO {e_mpo:.12f}, "
          f"TeNPy bonds {e_bond:.12f};  <H> of our state {e_ours:.12f} (t=0: {e_0:.12f})")
    return {"tenpy_state_ours": e_back, "tenpy_state_mpo": e_mpo, "tenpy_state_bonds": e_bond, "our_state": e_ours}


def summarize(args: argparse.Namespace, rows: list, wall: dict, cpu: dict, setup: dict) -> dict:
    """Per-step times, the ratios, the measurement shares and the largest deviations; printed and returned."""
    n = max(args.steps, 1)
    total = {code: {"wall": wall[f"evolve_{code}"] + wall[f"measure_{code}"],
                    "cpu": cpu[f"evolve_{code}"] + cpu[f"measure_{code}"]} for code in ("ours", "tenpy")}
    summary = {
        "setup_s": setup,
        "wall_s": wall,
        "cpu_s": cpu,
        "wall_per_step": {code: v["wall"] / n for code, v in total.items()},
        "cpu_per_step": {code: v["cpu"] / n for code, v in total.items()},
        "ratio_wall": total["ours"]["wall"] / total["tenpy"]["wall"],
        "ratio_cpu": total["ours"]["cpu"] / total["tenpy"]["cpu"],
        "measurement_share_wall": {code: wall[f"measure_{code}"] / v["wall"] for code, v in total.items()},
        "measure_every": args.measure_every,
    }
    for key in ("dev_sigma_z", "dev_density", "dev_total_n", "dev_entropy_cut", "dev_mutual_info"):
        values = [r[key] for r in rows if key in r]
        if values:
            summary["max_" + key] = max(values)
    w, c = summary["wall_per_step"], summary["cpu_per_step"]
    print(f"per step: ours {w['ours']:.4f} s wall / {c['ours']:.4f} s CPU, "
          f"TeNPy {w['tenpy']:.4f} s wall / {c['tenpy']:.4f} s CPU")
    print(f"ratio ours/TeNPy: wall {summary['ratio_wall']:.3f}, CPU {summary['ratio_cpu']:.3f}")
    if args.measure_every:
        share = summary["measurement_share_wall"]
        print(f"measuring every {args.measure_every} step(s): measurement share of the wall time: ours "
              f"{share['ours']:.1%} ({wall['measure_ours']:.1f} s of {total['ours']['wall']:.1f} s), TeNPy "
              f"{share['tenpy']:.1%} ({wall['measure_tenpy']:.1f} s of {total['tenpy']['wall']:.1f} s)")
    print("max deviation over the run: " + ", ".join(f"{k[8:]} {v:.2e}" for k, v in summary.items()
                                                       if k.startswith("max_"))
          + (" (same schedule: truncation only)" if args.scheme == "even-odd"
             else " (different 2nd-order Trotter schedules: O(dt^2))"))
    return summary


def main(argv: list[str] | None = None) -> dict:
    """Run both codes side by side, print per-step times, their ratio and deviations; return them."""
    args = parse(argv)
    import logging

    logging.getLogger("tenpy").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="tenpy")
    from tenpy.algorithms.tebd import TEBDEngine

    model = PRXChain(n_sites=args.n_sites, n_left=args.n_left, n_fm=args.n_fm, n_conf=args.n_conf, n_e=args.n_e,
                     polarization=args.polarization)
    bonds = model.chain().bond_hamiltonians()
    out: dict = {"model": model.to_dict(), "dt": args.dt, "steps": args.steps, "chi_max": args.chi_max,
                 "trunc": args.trunc, "scheme": args.scheme, "svd_threads": svd_workers(),
                 "tenpy_blas_threads": args.tenpy_blas_threads, "measure_every": args.measure_every}
    with blas_threads(1):
        if args.quick:
            worst = hamiltonian_self_test()
            print(f"H self-test (random states, N = 5, 2-5 electrons of both spins): max rel |dE| = {worst:.1e}")
            if worst > 1e-10:
                raise SystemExit("Hamiltonian mismatch between the codes")
            out["hamiltonian_self_test"] = worst
        ours, psi, m, out["check_t0"], e_0 = check_same_start(args, model, bonds)
        t0 = time.perf_counter()
        engine = TEBD(ours, bonds, TEBDOptions(dt=args.dt, chi_max=args.chi_max, trunc=args.trunc, order=2,
                                                scheme=args.scheme))
        setup = {"ours": time.perf_counter() - t0}
        options = {"order": 2, "dt": args.dt, "N_steps": 1, "max_N_sites_per_ring": model.n_sites,
                   "trunc_params": {"chi_max": args.chi_max, "svd_min": 1e-14, "trunc_cut": math.sqrt(args.trunc)}}
        t0 = time.perf_counter()
        eng = TEBDEngine(psi, m, options)
        eng.calc_U(2, args.dt, type_evo="real")
        setup["tenpy"] = time.perf_counter() - t0
        rows, wall, cpu = race(args, model, bonds, engine, psi, eng, psi.sites)
        out["energy_end"] = end_energies(model, bonds, engine, psi, m, e_0, args.steps * args.dt)
    out["summary"], out["rows"] = summarize(args, rows, wall, cpu, setup), rows
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()

"""verify.tebd.measure: the blockwise measurement against the dense route it replaced.

Until issue 17 every output densified the tensors of a QR sweep (site RDMs, dense θ for ⟨h_b⟩) and
contracted the edge-spin RDM with dense transfer matrices. :func:`reference_measurement` below is that
route, verbatim, on dense copies of the tensors; the package now does the same contractions blockwise
(:mod:`verify.mps.sweep`, :mod:`verify.mps.reduced`, :mod:`verify.tensors.blocksparse_env`). Both are
compared on states of the engine itself — truncated, in Vidal's B form (even–odd, through the exact
canonical copy) and with a travelling centre (PRX Eq. 8) — to 1e-12: the routes differ only in the
order of round-off sums of O(1) numbers over χ ≤ 24 states.

Since issue 17 (target 1) an even–odd engine is measured in its B form as stored
(:func:`verify.mps.b_form_sweep`, what TeNPy measures): exact without truncation, and within the
accumulated truncation error of the exact canonical measurement otherwise (tests below).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import math

import numpy as np
import pytest

from entanglement import partial_trace, von_neumann_entropy
from verify.models import PRXChain, XXZChain
from verify.mps import MPS, to_charged_mps
from verify.tebd import TEBD, TEBDOptions, initial_mps, measure, tensor_backend
from verify.tensors import DENSE

TOL = 1e-12  # round-off of sums of O(1) numbers over χ ≤ 24 states, taken in another order


def reference_sweep(mps: MPS, bonds: list[np.ndarray]) -> tuple[list, list, list, float]:
    """The dense QR sweep of the package before issue 17 (site ρ, Schmidt values, ⟨h_b⟩, ⟨ψ|ψ⟩)."""
    work = MPS([mps.backend.to_dense(t) for t in mps.tensors], center=mps.center)
    work.canonicalize(0) if work.center is None else work.move_center(0)
    rdms, schmidt, values = [], [], []
    for i in range(len(work)):
        c = work.tensors[i]
        rdms.append(np.tensordot(c, c.conj(), axes=([0, 2], [0, 2])))
        if i == len(work) - 1:
            break
        theta = DENSE.two_site(work.tensors[i], work.tensors[i + 1])
        vec = theta.transpose(1, 2, 0, 3).reshape(theta.shape[1] * theta.shape[2], -1)
        values.append(complex(np.vdot(vec, bonds[i] @ vec)))
        q, r = DENSE.qr_left(work.tensors[i])
        schmidt.append(DENSE.singular_values(r))
        work.tensors[i] = q
        work.tensors[i + 1] = DENSE.absorb_left(r, work.tensors[i + 1])
    return rdms, schmidt, values, float(np.trace(rdms[-1]).real)


def reference_rdm(mps: MPS, sites: list[int], factors: list) -> np.ndarray:
    """The dense transfer-matrix RDM of kept tensor factors of the package before issue 17."""
    work = MPS([mps.backend.to_dense(t) for t in mps.tensors], center=mps.center)
    work.canonicalize(sites[0]) if work.center is None else work.move_center(sites[0])
    spec = dict(zip(sites, factors, strict=True))
    env, kept = None, 1
    for i in range(sites[0], sites[-1] + 1):
        a = work.tensors[i]
        chi_l, _d, chi_r = a.shape
        if i not in spec:
            x = np.tensordot(env, a, axes=([2], [0]))
            env = np.tensordot(x, a.conj(), axes=([2, 3], [0, 1]))
            continue
        dims_f, keep = spec[i]
        traced = [k for k in range(len(dims_f)) if k not in keep]
        dk, dt = math.prod(dims_f[k] for k in keep), math.prod(dims_f[k] for k in traced)
        perm = [0, *[1 + k for k in keep], *[1 + k for k in traced], 1 + len(dims_f)]
        a4 = a.reshape(chi_l, *dims_f, chi_r).transpose(perm).reshape(chi_l, dk, dt, chi_r)
        if env is None:
            new = np.tensordot(a4, a4.conj(), axes=([0, 2], [0, 2])).transpose(0, 2, 1, 3)
        else:
            x = np.tensordot(env, a4, axes=([2], [0]))
            x = np.tensordot(x, a4.conj(), axes=([2, 4], [0, 2]))
            new = x.transpose(0, 2, 1, 4, 3, 5).reshape(kept * dk, kept * dk, chi_r, chi_r)
        kept *= dk
        env = new.reshape(kept, kept, chi_r, chi_r)
    rho = np.trace(env, axis1=2, axis2=3)
    return rho / np.trace(rho).real


def evolved(model, scheme: str, backend: str, steps: int = 6) -> TEBD:
    """An engine after ``steps`` truncated steps (χ_max = 24 on a chain that wants more)."""
    chain = model.chain()
    mps, _ = initial_mps(chain)
    be, charges = tensor_backend(chain, backend)
    engine = TEBD(to_charged_mps(mps, be, charges), chain.bond_hamiltonians(),
                  TEBDOptions(dt=0.1, chi_max=24, trunc=1e-9, scheme=scheme, backend=backend))
    engine.run(steps)
    return engine


PRX = PRXChain(n_sites=10, n_left=3, n_fm=3, n_conf=3, n_e=3, j_xy=0.4, j_z=0.3, j_sd=0.8)


@pytest.mark.parametrize(("scheme", "backend", "polarization"), [
    ("even-odd", "charges", "z"), ("prx", "charges", "z"), ("even-odd", "dense", "z"), ("prx", "charges", "x"),
])
def test_blockwise_measurement_equals_the_dense_route(scheme: str, backend: str, polarization: str) -> None:
    model = dataclasses.replace(PRX, polarization=polarization)
    chain = model.chain()
    engine = evolved(model, scheme, backend)
    assert engine.truncation_error > 1e-9  # the states are truncated (the B form is not exact)
    state = engine.canonical_mps()
    bonds = chain.bond_hamiltonians()
    got = measure(state, chain, t=0.6, bonds=bonds)
    rdms, schmidt, values, nsq = reference_sweep(state, bonds)
    assert got.norm == pytest.approx(math.sqrt(nsq), abs=TOL)
    assert got.energy == pytest.approx(float(np.real(sum(values))) / nsq, abs=TOL)
    want_entropy = [von_neumann_entropy(s**2 / nsq) for s in schmidt]
    np.testing.assert_allclose(got.bond_entropy, want_entropy, atol=TOL)
    for key, (op, sites) in chain.observables.site.items():
        want = [np.trace(rdms[i] @ chain.sites[i].op(op)).real / nsq for i in sites]
        np.testing.assert_allclose(got.site[key], want, atol=TOL)
    fm = list(model.fm_sites)
    spin = ((4, 2), (1,))
    np.testing.assert_allclose(got.rdms["edges"], reference_rdm(state, [fm[0], fm[-1]], [spin, spin]), atol=TOL)
    single = partial_trace(rdms[fm[1]] / nsq, [1], dims=[4, 2])
    np.testing.assert_allclose(got.rdms["spin_1"], single, atol=TOL)


def test_sweep_and_rdm_of_a_non_canonical_charged_mps_equal_the_dense_route() -> None:
    """An XXZ state evolved with charges (2S^z), then handed over without its centre: the sweep
    canonicalizes on its own; RDMs of three sites (two adjacent), whole sites kept."""
    engine = evolved(XXZChain(n_sites=9, j_z=0.7, initial="neel"), "even-odd", "charges", steps=8)
    state = MPS(engine.mps.tensors, backend=engine.mps.backend)  # the B form, no centre claimed
    bonds = XXZChain(n_sites=9, j_z=0.7, initial="neel").chain().bond_hamiltonians()
    sweep = state.sweep(bonds, rdms=[([2, 3, 6], None)])
    rdms, schmidt, values, nsq = reference_sweep(state, bonds)
    assert sweep.norm_squared == pytest.approx(nsq, abs=TOL)
    for got, want in itertools.chain(zip(sweep.site_rdms, rdms, strict=True), zip(sweep.schmidt, schmidt, strict=True)):
        np.testing.assert_allclose(got, want, atol=TOL)
    np.testing.assert_allclose(sweep.bond_values, values, atol=TOL)
    whole = [((2,), (0,))] * 3
    np.testing.assert_allclose(sweep.rdms[0], reference_rdm(state, [2, 3, 6], whole), atol=TOL)
    np.testing.assert_allclose(state.rdm([2, 3, 6]), sweep.rdms[0], atol=TOL)


def test_measure_engine_routes() -> None:
    """Sweep scheme: the state itself (centre on site 0 after a step); B form: the stored B form by
    default, the exact canonical copy with ``exact=True``. One BLAS thread for charged tensors; the
    engine's own time stamp by default."""
    from verify.tebd import measure_engine, measurement_threads

    for scheme in ("prx", "even-odd"):
        engine = evolved(PRX, scheme, "charges", steps=3)
        chain = PRX.chain()
        want = measure(engine.canonical_mps(), chain, t=engine.time)
        got = measure_engine(engine, chain, exact=True)
        assert got.t == pytest.approx(0.3) and got.energy == want.energy
        np.testing.assert_array_equal(got.bond_entropy, want.bond_entropy)
        fast = measure_engine(engine, chain)
        assert (fast.energy == want.energy) == (scheme == "prx")  # the B form is its own route
        no_charges = evolved(PRX, scheme, "dense", steps=3)  # no charge in the blocks: always exact
        assert measure_engine(no_charges, chain).energy == measure(no_charges.canonical_mps(), chain, t=0.3).energy
        assert (engine.mps.center == 0) == (scheme == "prx")
        assert measurement_threads(engine.mps) == 1
    dense = evolved(PRX, "prx", "dense", steps=1)
    assert measurement_threads(dense.mps) == 1  # "dense" is the trivial-charge block-sparse backend
    plain = MPS([dense.mps.backend.to_dense(t) for t in dense.mps.tensors], center=0)
    assert measurement_threads(plain) == 1  # χ d = 24 · 8 ≤ SINGLE_THREAD_MAX_DIM: one thread anyway
    with pytest.raises(TypeError, match="TEBD"):
        measure_engine(plain, PRX.chain())
    with pytest.raises(TypeError, match="exact"):
        measure_engine(dense, PRX.chain(), exact=1)


def _fannes_audenaert(distance: float, dim: int) -> float:
    """Bound on |S(ρ) − S(σ)| for trace distance T ≤ 1 − 1/D (Audenaert, J. Phys. A 40, 8127 (2007)):
    T ln(D − 1) + H_2(T)."""
    t = min(distance, 1 - 1 / dim)
    return t * math.log(max(dim - 1, 1)) - t * math.log(t) - (1 - t) * math.log1p(-t) if t > 0 else 0.0


@pytest.mark.parametrize(("model", "chi_max", "trunc", "steps", "backend"), [
    (PRX, 12, 1e-9, 10, "charges"),
    (PRX, 8, 1e-6, 10, "charges"),
    (dataclasses.replace(PRX, polarization="x"), 12, 1e-9, 8, "charges"),
    (XXZChain(n_sites=12, j_z=0.7, initial="neel"), 10, 1e-9, 20, "charges"),
])
@pytest.mark.parametrize("dense_max_dim", [0, 10**9], ids=["blockwise", "dense-copies"])
def test_b_form_measurement_is_within_the_truncation_error(model, chi_max, trunc, steps, backend, dense_max_dim,
                                                           monkeypatch) -> None:
    """The B-form measurement against the exact canonical one of the same tensors, truncated states.

    Each truncation leaves a kept B_L = C V† that is isometric only on the kept space: its defect,
    weighted by the Schmidt values to its left, is that split's discarded weight, and the defects of
    the B form are those of the truncations so far — bounded by the accumulated discarded weight ε.
    The trace distance of every ρ_i (and of the edge-spin RDM) from the exact one is therefore
    *assumed* (a heuristic from that argument, not a derived bound) to be at most ε, and
    |Δ⟨O⟩| ≤ ‖O‖ ε, |ΔE| ≤ Σ_b ‖h_b‖ ε, |Δ charge| ≤ ‖Q‖ ε, |ΔS_b| ≤ the Fannes–Audenaert bound at T = ε.
    Measured: site values differ by 0.12–0.36 ε on these chains (7e-4 ≈ 0.01 ε at paper scale, χ = 400),
    a margin ≥ 2.5. The difference must also be real (> 1e-4 ε): the routes differ.
    The charges the tensors carry are the sector's to round-off (the weights telescope, see
    :mod:`verify.mps.sweep`), which keeps sum rules such as |Σ_i ⟨σ_i⟩| ≤ N_e exact.
    """
    measure_module = importlib.import_module("verify.tebd.measure")  # the name `measure` is the function
    from verify.tebd import measure_engine

    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", dense_max_dim)  # both routes of small χ
    chain = model.chain()
    chain_mps, _ = initial_mps(chain)
    be, charges = tensor_backend(chain, backend)
    engine = TEBD(to_charged_mps(chain_mps, be, charges), chain.bond_hamiltonians(),
                  TEBDOptions(dt=0.1, chi_max=chi_max, trunc=trunc, scheme="even-odd", backend=backend))
    engine.run(steps)
    eps = engine.truncation_error
    assert eps > 1e-9
    fast, exact = measure_engine(engine, chain), measure_engine(engine, chain, exact=True)
    worst = 0.0
    for key, (op, sites) in chain.observables.site.items():
        norms = np.array([np.linalg.norm(chain.sites[i].op(op), 2) for i in sites])
        deviation = np.abs(fast.site[key] - exact.site[key])
        assert np.all(deviation <= norms * eps), key
        worst = max(worst, float(np.max(deviation)))
    assert worst > 1e-4 * eps
    for key, (op, sites) in chain.observables.total.items():
        bound = sum(np.linalg.norm(chain.sites[i].op(op), 2) for i in sites) * eps
        assert abs(fast.total[key] - exact.total[key]) <= bound, key
    h_norm = sum(np.linalg.norm(h, 2) for h in chain.bond_hamiltonians())
    assert abs(fast.energy - exact.energy) <= h_norm * eps
    for k, name in enumerate(chain.sector):  # ‖Q‖ = Σ_i max|q_i|
        q_norm = sum(float(np.max(np.abs(q[:, k]))) for q in chain.site_charges())
        assert abs(fast.charges[name] - exact.charges[name]) <= q_norm * eps, name
        if backend == "charges":  # carried by the blocks: the B-form weights telescope to the sector's value
            assert fast.charges[name] == pytest.approx(chain.sector[name], abs=1e-12), name
    for b, chi in enumerate(engine.mps.bond_dimensions()):
        assert abs(fast.bond_entropy[b] - exact.bond_entropy[b]) <= _fannes_audenaert(eps, max(chi, 2)), b
    for key in chain.observables.rdms:
        distance = 0.5 * np.abs(np.linalg.eigvalsh(fast.rdms[key] - exact.rdms[key])).sum()
        assert distance <= eps, key
        assert np.allclose(fast.rdms[key], fast.rdms[key].conj().T, atol=1e-14)
        assert np.min(np.linalg.eigvalsh(fast.rdms[key])) > -1e-14  # a density matrix
        assert np.trace(fast.rdms[key]).real == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("model", [PRX, dataclasses.replace(PRX, polarization="x")])
def test_dense_copies_measure_what_the_blocks_measure(model, monkeypatch) -> None:
    """Below :data:`verify.tebd.DENSE_MEASURE_MAX_DIM` the B form is measured on dense copies of its
    tensors: every value equals the blockwise measurement of the same tensors to round-off (1e-12 on
    O(1) values: the sums only run in another order over the same nonzero entries, the zeros outside
    the blocks being exact), the charge totals included."""
    measure_module = importlib.import_module("verify.tebd.measure")  # the name `measure` is the function
    from verify.tebd import measure_engine

    engine = evolved(model, "even-odd", "charges", steps=8)
    chain = model.chain()
    assert engine.truncation_error > 0 and engine.mps.max_bond_dimension() <= measure_module.DENSE_MEASURE_MAX_DIM
    routes = []
    sweep = measure_module.b_form_sweep
    monkeypatch.setattr(measure_module, "b_form_sweep", lambda backend, *a, **k: routes.append(backend) or sweep(
        backend, *a, **k))
    dense = measure_engine(engine, chain)
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)
    blocks = measure_engine(engine, chain)
    assert routes == [DENSE, engine.mps.backend]  # the test would pass on one route alone: check which ran
    assert dense.energy == pytest.approx(blocks.energy, abs=1e-12)
    np.testing.assert_allclose(dense.bond_entropy, blocks.bond_entropy, atol=1e-12)
    for key in blocks.site:
        np.testing.assert_allclose(dense.site[key], blocks.site[key], atol=1e-12)
    for key in blocks.total:
        assert dense.total[key] == pytest.approx(blocks.total[key], abs=1e-12)
    for key in blocks.rdms:
        np.testing.assert_allclose(dense.rdms[key], blocks.rdms[key], atol=1e-12)
    for name, value in chain.sector.items():
        assert dense.charges[name] == pytest.approx(value, abs=1e-12) and blocks.charges[name] == pytest.approx(
            value, abs=1e-12)


@pytest.mark.parametrize("dense_max_dim", [0, 10**9], ids=["blockwise", "dense-copies"])
def test_b_form_measurement_is_exact_without_truncation(dense_max_dim: int, monkeypatch) -> None:
    """Nothing discarded (χ_max far above what the chain needs, trunc at round-off): the B form is
    canonical, and its measurement is the exact one up to round-off (sums of O(1) numbers over χ ≤ 64
    states; 1e-11 leaves a margin of 100 over what was measured), by both routes of small χ."""
    from verify.tebd import measure_engine

    monkeypatch.setattr(importlib.import_module("verify.tebd.measure"), "DENSE_MEASURE_MAX_DIM", dense_max_dim)
    chain = PRX.chain()
    mps, _ = initial_mps(chain)
    be, charges = tensor_backend(chain, "charges")
    engine = TEBD(to_charged_mps(mps, be, charges), chain.bond_hamiltonians(),
                  TEBDOptions(dt=0.1, chi_max=400, trunc=1e-15, scheme="even-odd"))
    engine.run(6)
    assert engine.truncation_error < 1e-12
    fast, exact = measure_engine(engine, chain), measure_engine(engine, chain, exact=True)
    assert fast.energy == pytest.approx(exact.energy, abs=1e-11)
    np.testing.assert_allclose(fast.bond_entropy, exact.bond_entropy, atol=1e-11)
    for key in fast.site:
        np.testing.assert_allclose(fast.site[key], exact.site[key], atol=1e-11)
    for key in fast.rdms:
        np.testing.assert_allclose(fast.rdms[key], exact.rdms[key], atol=1e-11)


@pytest.mark.parametrize("backend", ["charges", "dense"])
def test_bond_expectation_equals_the_two_site_route(backend: str) -> None:
    """``bond_expectation`` (no two-site tensor) against the backend's θ = two_site(a, b) route, on every
    bond of a truncated state, charged and trivial-charge tensors, and the plain-array backend."""
    from verify.mps.sweep import bond_expectation, scale_left

    engine = evolved(PRX, "even-odd", backend, steps=4)
    be, tensors, lam = engine.mps.backend, engine.mps.tensors, [np.ones(1), *engine.bond_values]
    bonds = PRX.chain().bond_hamiltonians()
    for b in range(len(tensors) - 1):
        a = scale_left(tensors[b], lam[b])
        theta = be.two_site(a, tensors[b + 1])
        value, weight = bond_expectation(be, a, tensors[b + 1], bonds[b])
        assert value == pytest.approx(be.expectation(theta, bonds[b]), abs=TOL)
        assert weight == pytest.approx(be.norm(theta) ** 2, abs=TOL)
        dense_a, dense_b = be.to_dense(a), be.to_dense(tensors[b + 1])
        plain = bond_expectation(DENSE, dense_a, dense_b, bonds[b])
        assert plain[0] == pytest.approx(value, abs=TOL) and plain[1] == pytest.approx(weight, abs=TOL)


def test_bond_expectation_follows_a_changed_operator_and_sees_no_charge_breaking_part() -> None:
    """The restricted operators are cached by content: the same array edited in place gives the new
    value (the two-site route's), never the cached one. A part of M that changes the charges does not
    contribute to ⟨θ|M|θ⟩ (θ has fixed charge): a random Hermitian M, which breaks them, gives the
    two-site route's value; an operator of the wrong shape is refused."""
    from verify.mps.sweep import bond_expectation, scale_left

    engine = evolved(PRX, "even-odd", "charges", steps=4)
    be, tensors, lam = engine.mps.backend, engine.mps.tensors, [np.ones(1), *engine.bond_values]
    bonds = PRX.chain().bond_hamiltonians()
    thetas = [be.two_site(scale_left(tensors[b], lam[b]), tensors[b + 1]) for b in range(len(tensors) - 1)]
    b = int(np.argmax([abs(be.expectation(theta, h)) for theta, h in zip(thetas, bonds, strict=True)]))
    a, matrix = scale_left(tensors[b], lam[b]), np.array(bonds[b], dtype=complex)
    first = bond_expectation(be, a, tensors[b + 1], matrix)[0]
    matrix *= 3.0  # in place: same object, new content
    again = bond_expectation(be, a, tensors[b + 1], matrix)[0]
    assert again == pytest.approx(be.expectation(thetas[b], matrix), abs=TOL)
    assert again == pytest.approx(3.0 * first, abs=TOL) and abs(first) > 0.1  # a bond that carries energy
    rng = np.random.default_rng(3)
    d = matrix.shape[0]
    breaking = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    breaking += breaking.conj().T
    value = bond_expectation(be, a, tensors[b + 1], breaking)[0]
    assert value == pytest.approx(be.expectation(thetas[b], breaking), abs=TOL)
    dense = be.to_dense(thetas[b])
    dense = dense.reshape(dense.shape[0], d, dense.shape[3])  # (l, (p1 p2), r): every entry of M meets θ
    assert value == pytest.approx(np.einsum("lar,ab,lbr->", dense.conj(), breaking, dense), abs=TOL)
    with pytest.raises(ValueError, match="bond operator"):
        bond_expectation(be, a, tensors[b + 1], np.eye(d - 1))


def test_records_are_bit_identical_for_one_and_two_threads(monkeypatch) -> None:
    """simulate_tebd with the gates, the sector decompositions and the blockwise measurement's pieces on
    one thread or two (BLAS on one): the measured records are the same bits (every piece is computed
    alone and combined in order). The dense small-χ measurement is switched off so that the blockwise
    one, which runs on threads from PARALLEL_MEASURE_MIN_DIM on, is the one compared; a patched
    b_form_sweep records that the threaded run asked for threads."""
    import verify.tebd.engine as engine_module
    import verify.tensors.threads as threads
    from verify.records import simulate_tebd

    measure_module = importlib.import_module("verify.tebd.measure")
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)
    asked: list[bool] = []
    sweep = measure_module.b_form_sweep
    monkeypatch.setattr(measure_module, "b_form_sweep", lambda *a, parallel, **k: asked.append(parallel) or sweep(
        *a, parallel=parallel, **k))
    records = []
    for min_dim, workers in ((10**9, 1), (1, 2)):
        monkeypatch.setattr(engine_module, "PARALLEL_BOND_MIN_DIM", min_dim)
        monkeypatch.setattr(measure_module, "PARALLEL_MEASURE_MIN_DIM", min_dim)
        monkeypatch.setattr(threads, "svd_workers", lambda w=workers: w)
        monkeypatch.setattr(threads, "PARALLEL_SVD_MIN_WORK", 0 if workers > 1 else 10**18)
        options = TEBDOptions(dt=0.1, chi_max=12, trunc=1e-9, scheme="even-odd")
        records.append(simulate_tebd(PRX, t_max=0.6, dt_out=0.2, options=options).arrays)
    serial, threaded = records
    half = len(asked) // 2
    assert half > 0 and asked == [False] * half + [True] * half
    assert serial.keys() == threaded.keys()
    for key in serial:
        assert np.array_equal(serial[key], threaded[key]), key


def test_measurement_threads_follow_their_own_threshold(monkeypatch) -> None:
    """The blockwise B-form measurement asks for threads exactly when the widest bond is at least
    PARALLEL_MEASURE_MIN_DIM, whatever the gates' threshold (PARALLEL_BOND_MIN_DIM): the pieces are
    interpreter-bound, and two threads were slower than one up to χ = 400."""
    import verify.tebd.engine as engine_module
    from verify.tebd import measure_engine

    measure_module = importlib.import_module("verify.tebd.measure")
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)
    asked: list[bool] = []
    sweep = measure_module.b_form_sweep
    monkeypatch.setattr(measure_module, "b_form_sweep", lambda *a, parallel, **k: asked.append(parallel) or sweep(
        *a, parallel=parallel, **k))
    engine = evolved(PRX, "even-odd", "charges", steps=4)
    widest = engine.mps.max_bond_dimension()
    assert widest > 1
    cases = [(1, 10**9, False), (10**9, widest, True), (1, widest + 1, False), (1, widest, True)]
    for bond_min, measure_min, _ in cases:
        monkeypatch.setattr(engine_module, "PARALLEL_BOND_MIN_DIM", bond_min)
        monkeypatch.setattr(measure_module, "PARALLEL_MEASURE_MIN_DIM", measure_min)
        measure_engine(engine, PRX.chain())
    assert asked == [expected for _, _, expected in cases]


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_charged_steps_run_on_one_blas_thread(monkeypatch, scheme) -> None:
    """Issue #17: the steps of charged tensors ask for one BLAS thread whatever χ d (before, χ d > 512
    left the default count: two threads spinning on sector blocks below 250 × 250). The rule is read
    at the BLAS-thread requests the engine makes, with χ d made to look large."""
    import verify.tebd.engine as engine_module

    monkeypatch.setenv("QSTT_GATE_PROCESSES", "1")  # the threads' route (the processes': test_segments.py)
    engine = evolved(PRX, scheme, "charges", steps=1)
    requested: list[int | None] = []
    original = engine_module.blas_threads
    monkeypatch.setattr(engine_module, "blas_threads", lambda n: requested.append(n) or original(n))
    monkeypatch.setattr(type(engine.mps), "max_bond_dimension", lambda self: 10_000)  # χ d ≫ 512
    engine.run(1)
    assert requested and set(requested) == {1}
    plain = MPS([engine.mps.backend.to_dense(t) for t in engine.mps.tensors], center=0)
    from verify.tebd import blas_threads_for

    assert blas_threads_for(plain) is None  # a dense MPS this large keeps the default threading


def _charged_engine(scheme: str, steps: int = 4) -> tuple[TEBD, object]:
    """A truncated charged engine of the PRX test chain after ``steps`` steps, and its chain."""
    chain = PRX.chain()
    backend, charges = tensor_backend(chain, "charges")
    mps, _ = initial_mps(chain)
    engine = TEBD(to_charged_mps(mps, backend, charges), chain.bond_hamiltonians(),
                  TEBDOptions(dt=0.1, chi_max=10, trunc=1e-9, scheme=scheme))
    engine.run(steps)
    return engine, chain


@pytest.mark.parametrize("threads_on", [False, True])
def test_engine_observes_its_leading_bonds_with_the_bits_of_observation_from_rows(threads_on, monkeypatch) -> None:
    """TEBD.observe: the first layer of the next run (the even bonds of even–odd) returns, per requested
    leading bond, observation_from_rows of the tensors the run started from, bit for bit, serially and on the
    gate threads; a request on another bond is ignored; the requests hold for one run."""
    import verify.tebd.engine as engine_module
    import verify.tensors.threads as threads
    from verify.mps import restricted_operator
    from verify.tensors import blas_threads, observation_from_rows

    monkeypatch.setattr(engine_module, "PARALLEL_BOND_MIN_DIM", 1 if threads_on else 10**9)
    monkeypatch.setattr(threads, "svd_workers", lambda: 2 if threads_on else 1)
    engine, chain = _charged_engine("even-odd")
    n = len(engine.mps)
    assert engine.leading_bonds() == list(range(0, n - 1, 2))
    rng = np.random.default_rng(3)
    tensors, bonds = list(engine.mps.tensors), chain.bond_hamiltonians()
    requests = {}
    for b in (0, 1, 2, n - 2):  # bond 1 is not leading: ignored
        a, c = tensors[b], tensors[b + 1]
        requests[b] = (restricted_operator(bonds[b], a.legs[1], c.legs[1]), rng.uniform(0.5, 1.5, a.legs[0].dim))
    engine.observe(requests)
    engine.run(2)
    leading = [b for b in requests if b % 2 == 0]
    assert list(engine.observed) == sorted(leading)
    with blas_threads(1):  # as the gates run: the bits are those of one BLAS thread
        for b in leading:
            assert engine.observed[b] == observation_from_rows(tensors[b], tensors[b + 1], requests[b])
    engine.run(1)
    assert engine.observed == {}


def test_sweep_schemes_have_no_leading_bonds_and_observe_nothing() -> None:
    """PRX Eq. 8 sweeps carry a centre, not the B form: no bond is free to observe, a request is dropped."""
    from verify.mps import restricted_operator

    engine, chain = _charged_engine("prx", steps=1)
    assert engine.leading_bonds() == []
    a, b = engine.mps.tensors[0], engine.mps.tensors[1]
    engine.observe({0: (restricted_operator(chain.bond_hamiltonians()[0], a.legs[1], b.legs[1]),
                        np.ones(a.legs[0].dim))})
    engine.run(1)
    assert engine.observed == {} and engine.observed_from == 1


def test_observe_and_the_bond_operators_are_checked_before_any_gate() -> None:
    """Bad requests fail in observe (not halfway through a layer), a wrong-shaped bond operator in the
    measurement (a larger one would otherwise be cut to a sub-block)."""
    from verify.mps import restricted_operator
    from verify.tebd import begin_measurement

    engine, chain = _charged_engine("even-odd", steps=2)
    a, b = engine.mps.tensors[0], engine.mps.tensors[1]
    good = restricted_operator(chain.bond_hamiltonians()[0], a.legs[1], b.legs[1])
    with pytest.raises(ValueError, match="weights of shape"):
        engine.observe({0: (good, np.ones(a.legs[0].dim + 1))})
    with pytest.raises(ValueError, match="not a bond"):
        engine.observe({len(engine.mps) - 1: (good, np.ones(1))})
    bonds = chain.bond_hamiltonians()
    bonds[0] = np.eye(bonds[0].shape[0] + 1)
    with pytest.raises(ValueError, match="bond operator"):
        begin_measurement(engine, chain, bonds=bonds)


@pytest.mark.parametrize("observed_share", [0.0, 0.5, 1.0])
def test_a_pending_measurement_equals_measuring_at_once_with_any_part_observed(observed_share, monkeypatch) -> None:
    """begin_measurement, the engine observing all, half or none of the requests, complete(engine): the
    same bits whatever part was observed, and the energy of the sweep that measures every bond through
    C_b = √w B_b (b_form_sweep with nothing deferred, another order of the same sums: 1e-12 relative)."""
    from verify.mps import b_form_sweep
    from verify.tebd import begin_measurement

    measure_module = importlib.import_module("verify.tebd.measure")
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)
    engine, chain = _charged_engine("even-odd", steps=3)
    bonds = chain.bond_hamiltonians()
    sweep = b_form_sweep(engine.mps.backend, engine.mps.tensors, engine.bond_values, bonds)
    independent = float(np.real(sum(sweep.bond_values))) / sweep.norm_squared
    at_once = begin_measurement(engine, chain).complete()
    assert at_once.energy == pytest.approx(independent, rel=1e-12)
    pending = begin_measurement(engine, chain)
    requests = pending.requests()
    assert sorted(requests) == engine.leading_bonds()
    kept = sorted(requests)[: round(observed_share * len(requests))]
    engine.observe({bond: requests[bond] for bond in kept})
    engine.run(1)
    assert sorted(engine.observed) == kept and engine.observed_from == 3
    m = pending.complete(engine)
    assert m.energy == at_once.energy and np.array_equal(m.bond_entropy, at_once.bond_entropy)
    assert pending.requests() == {} and pending.complete() is m


def test_observations_of_another_state_are_ignored(monkeypatch) -> None:
    """complete(engine) uses the engine's observations only when they belong to the output's state
    (observed_from): bogus values dated to an earlier state change nothing, dated to this one they are used."""
    from verify.tebd import begin_measurement

    measure_module = importlib.import_module("verify.tebd.measure")
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)
    engine, chain = _charged_engine("even-odd", steps=3)
    right = begin_measurement(engine, chain).complete().energy
    bogus = {bond: (1e3 + 0j, 1.0) for bond in engine.leading_bonds()}
    engine.observed, engine.observed_from = dict(bogus), engine.steps - 1
    assert begin_measurement(engine, chain).complete(engine).energy == right
    engine.observed, engine.observed_from = dict(bogus), engine.steps
    assert begin_measurement(engine, chain).complete(engine).energy != pytest.approx(right, abs=1.0)


@pytest.mark.parametrize("dt_out", [0.1, 0.2])
def test_deferred_energies_give_the_record_of_measuring_at_once(dt_out, monkeypatch, tmp_path) -> None:
    """simulate_tebd takes the even bonds' energies of each output from the next output's run; with a
    checkpoint after every step every output is recorded at once (observation_from_rows). The two records are
    the same bits, and the deferred run computed only the last output's even bonds itself
    (observation_from_rows counted)."""
    from verify.records import simulate_tebd

    measure_module = importlib.import_module("verify.tebd.measure")
    monkeypatch.setattr(measure_module, "DENSE_MEASURE_MAX_DIM", 0)  # the blockwise route at this small χ
    calls: list[int] = []
    standalone = measure_module.observation_from_rows
    monkeypatch.setattr(measure_module, "observation_from_rows", lambda *a: calls.append(1) or standalone(*a))
    options = TEBDOptions(dt=0.1, chi_max=10, trunc=1e-9, scheme="even-odd")
    deferred = simulate_tebd(PRX, t_max=0.8, dt_out=dt_out, options=options).arrays
    even_bonds = PRX.n_sites // 2
    assert len(calls) == even_bonds  # the last output only (t = 0 is measured before the B form exists)
    calls.clear()
    at_once = simulate_tebd(PRX, t_max=0.8, dt_out=dt_out, options=options, checkpoint_every=1,
                            checkpoint=str(tmp_path / "every_step.npz")).arrays
    assert len(calls) == round(0.8 / dt_out) * even_bonds
    assert deferred.keys() == at_once.keys()
    for key in deferred:
        assert np.array_equal(deferred[key], at_once[key]), key

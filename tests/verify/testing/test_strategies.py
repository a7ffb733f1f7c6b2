"""Tests of verify.testing.strategies: every draw is valid by construction; bad arguments fail when built."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entanglement import partial_trace, spectrum
from verify.models import ChainModel, PairOnRing, PRXChain, XXZChain, model_from_dict
from verify.testing import strategies as S

# ------------------------------------------------------------------------------------------- dims


@given(S.local_dims(min_subsystems=2, max_subsystems=5, min_dim=2, max_dim=4, max_total=48))
def test_local_dims_respect_bounds(dims: tuple[int, ...]) -> None:
    assert 2 <= len(dims) <= 5
    assert all(2 <= d <= 4 for d in dims)
    assert math.prod(dims) <= 48


@settings(max_examples=50)
@given(st.data())
def test_local_dims_reach_every_size(data: st.DataObject) -> None:
    # with a generous budget every count of subsystems is possible
    dims = data.draw(S.local_dims(min_subsystems=3, max_subsystems=3, max_total=27))
    assert len(dims) == 3


@given(st.integers(2, 6).flatmap(lambda n: st.tuples(st.just(n), S.bipartitions(n_subsystems=n))))
def test_bipartitions_cover_and_are_disjoint(case: tuple[int, tuple[tuple[int, ...], tuple[int, ...]]]) -> None:
    n, (a, b) = case
    assert a and b and not set(a) & set(b)
    assert sorted(a + b) == list(range(n))
    assert list(a) == sorted(a) and list(b) == sorted(b)


@given(S.subsystem_partitions(n_subsystems=5, n_parts=3, cover=False))
def test_partitions_without_cover(parts: tuple[tuple[int, ...], ...]) -> None:
    assert len(parts) == 3 and all(parts)
    flat = [k for part in parts for k in part]
    assert len(flat) == len(set(flat)) and set(flat) <= set(range(5))


# ------------------------------------------------------------------------------------------- states


@given(S.pure_states(max_subsystems=4, max_dim=3, max_total=36))
def test_pure_states_are_normalized_kets(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
    state, dims = sample
    assert state.shape == (math.prod(dims),) and state.dtype == np.complex128
    assert abs(np.vdot(state, state).real - 1.0) < 1e-14
    partial_trace(state, [0], dims)  # accepted by the package's validation


@given(S.pure_states(dims=(2, 3), real=True))
def test_pure_states_fixed_dims_real(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
    state, dims = sample
    assert dims == (2, 3) and state.dtype == np.float64 and abs(state @ state - 1.0) < 1e-14


@settings(max_examples=60)
@given(S.pure_states(dims=(2, 2)))
def test_pure_states_include_product_and_entangled(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
    # not a tautology: a product-only or basis-only generator would fail the coverage test below
    state, dims = sample
    assert spectrum(partial_trace(state, [0], dims)).shape == (2,)


def test_pure_states_cover_entangled_and_product_states() -> None:
    ranks = set()

    @settings(max_examples=60, derandomize=True)
    @given(S.pure_states(dims=(2, 2)))
    def collect(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
        state, dims = sample
        ranks.add(int(np.sum(spectrum(partial_trace(state, [0], dims)) > 1e-12)))

    collect()
    assert ranks == {1, 2}


@pytest.mark.parametrize("kind", ["any", "full-rank", "low-rank", "pure"])
def test_density_matrices_are_valid(kind: str) -> None:
    @settings(max_examples=30)
    @given(S.density_matrices(kind=kind, max_total=12))  # type: ignore[arg-type]
    def check(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
        rho, dims = sample
        size = math.prod(dims)
        assert rho.shape == (size, size)
        assert np.array_equal(rho, rho.conj().T)
        assert abs(np.trace(rho).real - 1.0) < 1e-14
        p = spectrum(rho)  # raises for a negative eigenvalue beyond round-off
        rank = int(np.sum(p > 1e-12))
        if kind == "full-rank":
            assert p.min() >= 0.05 / size * (1 - 1e-9)
        if kind == "low-rank":
            assert rank < size
        if kind == "pure":
            assert rank == 1

    check()


@given(S.stt_states(max_n=3))
def test_stt_states_are_eq15(sample: S.STTSample) -> None:
    state, n_e, n_fm, dims = sample
    assert dims == (2,) * (n_e + n_fm) and abs(np.vdot(state, state) - 1) < 1e-14
    # Eq. 15: equal weights on exactly the basis states with N_e spins up (qubit bit 0 = up)
    n = n_e + n_fm
    ups = np.array([n - bin(i).count("1") for i in range(2**n)])
    support = np.abs(state) > 0
    assert np.array_equal(support, ups == n_e)
    assert np.allclose(np.abs(state[support]), 1 / math.sqrt(math.comb(n, n_e)))


@given(S.stt_states(min_n=2, max_n=3, equal_sizes=True))
def test_stt_states_equal_sizes(sample: S.STTSample) -> None:
    assert sample.n_e == sample.n_fm


@given(st.integers(1, 6).flatmap(lambda d: S.unitaries(dim=d)))
def test_unitaries_are_unitary(u: np.ndarray) -> None:
    assert np.allclose(u.conj().T @ u, np.eye(u.shape[0]), atol=1e-13)


# ------------------------------------------------------------------------------------------- models


@given(S.prx_chains())
def test_prx_chains_are_small_and_physical(model: PRXChain) -> None:
    assert isinstance(model, PRXChain)
    assert model.n_sites <= 6 and model.n_fm <= 2 and 1 <= model.n_e <= 2
    assert model.n_e <= model.n_conf <= model.n_left  # fully polarized well state exists
    assert model.j_z >= model.j_xy >= 0 and model.hopping > 0 and model.j_sd >= 0
    assert model.confinement >= 5 and model.field >= 50
    PRXChain(**{k: v for k, v in model.to_dict().items() if k != "model"})  # round-trips through validation


@settings(max_examples=10)
@given(S.prx_chains(max_sites=4, max_fm=1, max_electrons=1, polarization="z"))
def test_prx_chains_run_with_the_exact_evolver(model: PRXChain) -> None:
    from verify.checks import check_run
    from verify.records import simulate_prx_exact

    run = simulate_prx_exact(model, t_max=1.0, dt_out=0.5)
    assert check_run(run).passed


@given(S.pair_models())
def test_pair_models_are_physical(model: PairOnRing) -> None:
    assert isinstance(model, PairOnRing) and model.n_sites <= 16 and model.n_spins <= 2
    assert model.x1 < model.x2 < model.chain_start
    assert model.x2 - model.x1 >= 2 * model.sigma > 0
    assert 0 < model.k < math.pi and model.hopping > 0


@settings(max_examples=5)
@given(S.pair_models(max_sites=10, max_spins=1, conventions=["pauli-half"], terms=["full"]))
def test_pair_models_run_with_the_exact_evolver(model: PairOnRing) -> None:
    from verify.checks import check_run
    from verify.records import simulate_pair

    assert model.convention == "pauli-half" and model.terms == "full"
    assert check_run(simulate_pair(model, "singlet", t_max=1.0, dt_out=0.5)).passed


@given(S.xxz_chains())
def test_xxz_chains_are_small_and_valid(model: XXZChain) -> None:
    assert isinstance(model, XXZChain) and 2 <= model.n_sites <= 6
    assert -2 <= model.j_xx <= 2 and -2 <= model.j_z <= 2 and -1 <= model.h_z <= 1
    labels = model.spin_labels()
    assert len(labels) == model.n_sites and set(labels) <= {"u", "d"}
    assert model_from_dict(model.to_dict()) == model  # round-trips through validation
    chain = model.chain()
    assert chain.sector == {"2Sz": labels.count("u") - labels.count("d")}


@settings(max_examples=10)
@given(S.xxz_chains(max_sites=5))
def test_xxz_chains_run_with_the_exact_evolver(model: XXZChain) -> None:
    from verify.checks import check_run
    from verify.records import simulate_exact

    report = check_run(simulate_exact(model, t_max=1.0, dt_out=0.5))
    assert report.passed, report.to_table()
    assert {"sz_conservation", "energy", "norm"} <= {c.name for c in report.checks if c.status == "pass"}


@settings(max_examples=25)
@given(S.chain_models(prx_variants=True))
def test_chain_models_are_valid_chain_models(chain: ChainModel) -> None:
    assert isinstance(chain, ChainModel) and chain.kind in S.CHAIN_KINDS and 2 <= chain.n_sites <= 5
    params = model_from_dict(chain.params)  # the record's meta.model rebuilds the same parameters
    assert params.chain().params == chain.params and params.chain().dims == chain.dims
    if chain.kind == "prx":
        assert params.localized_spin in S.LOCALIZED_SPINS and params.n_fm <= 2 and params.n_e <= 2


@settings(max_examples=5)
@given(S.chain_models(max_sites=4, prx_variants=True))
def test_chain_models_run_with_the_exact_evolver(chain: ChainModel) -> None:
    from verify.checks import check_run
    from verify.records import simulate_exact

    report = check_run(simulate_exact(chain, t_max=1.0, dt_out=0.5))
    assert report.passed, report.to_table()


def test_model_strategies_reach_every_variant() -> None:
    """Not vacuous: the variant flags draw S = 1/2, 1, 3/2 and both signs of J_sd, chain_models both
    kinds, xxz_chains every kind of initial state."""
    seen: dict[str, set] = {"spin": set(), "sign": set(), "kind": set(), "initial": set()}

    @settings(max_examples=80, derandomize=True)
    @given(S.prx_chains(localized_spins=S.LOCALIZED_SPINS, signed_j_sd=True, j_sd=(0.5, 1.0)),
           S.chain_models(), S.xxz_chains(min_sites=4))
    def collect(prx: PRXChain, chain: ChainModel, xxz: XXZChain) -> None:
        seen["spin"].add(prx.localized_spin)
        seen["sign"].add(math.copysign(1.0, prx.j_sd))
        seen["kind"].add(chain.kind)
        seen["initial"].add(xxz.initial if xxz.initial in ("neel", "domain-wall") else "random")

    collect()
    assert seen == {"spin": {0.5, 1.0, 1.5}, "sign": {1.0, -1.0}, "kind": {"prx", "xxz"},
                    "initial": {"neel", "domain-wall", "random"}}


# ------------------------------------------------------------------------------------------- MPS


@given(S.random_mps(max_sites=4, max_dim=3, max_bond=3))
def test_random_mps_is_normalized_and_canonical(mps) -> None:
    assert abs(mps.norm() - 1.0) < 1e-12
    assert mps.is_canonical(atol=1e-10)
    assert mps.max_bond_dimension() <= 3
    psi = mps.to_dense()
    assert abs(np.vdot(psi, psi).real - 1.0) < 1e-12


@given(S.random_mps(dims=(2, 3, 2), canonical=False))
def test_random_mps_fixed_dims(mps) -> None:
    assert mps.dims == (2, 3, 2) and mps.center is None


# ------------------------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("factory", "kwargs", "error"),
    [
        (S.local_dims, {"min_subsystems": 0}, ValueError),
        (S.local_dims, {"max_subsystems": 1.5}, TypeError),
        (S.local_dims, {"min_dim": 3, "max_dim": 2}, ValueError),
        (S.local_dims, {"min_subsystems": 4, "min_dim": 3, "max_total": 27}, ValueError),
        (S.bipartitions, {"n_subsystems": 1}, ValueError),
        (S.subsystem_partitions, {"n_subsystems": 2, "n_parts": 3}, ValueError),
        (S.pure_states, {"dims": "22"}, TypeError),
        (S.pure_states, {"dims": (2, 0)}, ValueError),
        (S.pure_states, {"dims": (64, 128)}, ValueError),
        (S.pure_states, {"real": 1}, TypeError),
        (S.density_matrices, {"kind": "mixed"}, ValueError),
        (S.stt_states, {"max_n": 13}, ValueError),
        (S.stt_states, {"min_n": 0}, ValueError),
        (S.unitaries, {"dim": 0}, ValueError),
        (S.prx_chains, {"max_fm": 0}, ValueError),
        (S.prx_chains, {"max_sites": 2, "max_fm": 2}, ValueError),
        (S.prx_chains, {"polarization": "y"}, ValueError),
        (S.prx_chains, {"j_sd": (-1.0, 1.0)}, ValueError),
        (S.prx_chains, {"j_sd": [0.0, 1.0]}, TypeError),
        (S.prx_chains, {"localized_spins": (2.0,)}, ValueError),
        (S.prx_chains, {"localized_spins": 0.5}, TypeError),
        (S.prx_chains, {"signed_j_sd": 1}, TypeError),
        (S.xxz_chains, {"min_sites": 1}, ValueError),
        (S.xxz_chains, {"max_sites": 17}, ValueError),
        (S.xxz_chains, {"j_z": (1.0, 0.0)}, ValueError),
        (S.xxz_chains, {"h_z": (0.0, math.inf)}, ValueError),
        (S.xxz_chains, {"initial": ["bogus"]}, ValueError),
        (S.xxz_chains, {"initial": "neel"}, TypeError),
        (S.chain_models, {"kinds": ["pair"]}, ValueError),
        (S.chain_models, {"kinds": "prx"}, TypeError),
        (S.chain_models, {"max_sites": 1}, ValueError),
        (S.pair_models, {"max_sites": 3}, ValueError),
        (S.pair_models, {"conventions": ["bogus"]}, ValueError),
        (S.pair_models, {"terms": []}, ValueError),
        (S.random_mps, {"max_bond": 0}, ValueError),
        (S.random_mps, {"canonical": "yes"}, TypeError),
    ],
)
def test_bad_arguments_raise_when_building(factory, kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"\w"):
        factory(**kwargs)


def test_strategies_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        S.unitaries(4)  # type: ignore[misc]
    with pytest.raises(TypeError):
        S.bipartitions(3)  # type: ignore[misc]

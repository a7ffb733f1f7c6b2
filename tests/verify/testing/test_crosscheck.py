"""verify.testing.crosscheck and ``python -m verify crosscheck``: TEBD vs exact, Eq. 15 MPS vs closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from verify.cli import main
from verify.cli.crosscheck import parse_tolerances
from verify.exact import SectorBasis
from verify.models import PairOnRing, PRXChain, XXZChain
from verify.tebd import TEBDOptions
from verify.testing import strategies
from verify.testing.crosscheck import (
    PRX_OBSERVABLES,
    crosscheck,
    crosscheck_prx,
    crosscheck_stt,
    crosscheck_tolerances,
    exceeded,
    sector_state_to_mps,
    sector_to_site_basis,
    stt_measurements,
)

SMALL = dict(n_sites=7, n_left=3, n_fm=2, n_conf=2, n_e=2)


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_sector_state_to_mps(polarization: str) -> None:
    """The sparse sequential-SVD conversion reproduces the sector vector in the MPS basis exactly."""
    model = PRXChain(**SMALL, polarization=polarization)
    basis = SectorBasis.build(model)
    rng = np.random.default_rng(2)
    psi = rng.normal(size=basis.dim) + 1j * rng.normal(size=basis.dim)
    psi /= np.linalg.norm(psi)
    mps = sector_state_to_mps(basis, psi)
    assert np.allclose(mps.to_dense(), sector_to_site_basis(basis, psi), atol=1e-12)
    assert mps.is_canonical(atol=1e-12)


def test_crosscheck_prx_exact_initial_state() -> None:
    """Order 4, δt = 0.05, T = 1, no truncation, TEBD started from the exact ground state: every
    observable within 1e-6 (Trotter error ~T δt⁴ ≈ 1e-8 here); an impossible tolerance is reported."""
    model = PRXChain(**SMALL, polarization="x")
    result = crosscheck_prx(
        model, t_max=1.0, dt_out=0.5, dt=0.05, chi_max=10**6, trunc=0.0, order=4, initial="exact",
        tolerances=dict.fromkeys(PRX_OBSERVABLES, 1e-6) | {"spin": 1e-15},
    )
    assert set(result["deviations"]) == set(PRX_OBSERVABLES)
    assert result["exceeded"] == ["spin"]
    assert 0 < result["deviations"]["spin"] < 1e-6


def test_crosscheck_prx_full_pipeline() -> None:
    """The default comparison (TEBD's own Slater-determinant initial state): the well (sites 1–2) is
    two sites from the FM region, so the initial states differ by the orbital tail ~(1/110)^4; with
    second order δt = 0.02 to T = 1 the deviations are ~1e-4·T δt²/... well below the default 1e-3."""
    model = PRXChain(**SMALL, polarization="z")
    result = crosscheck_prx(model, t_max=1.0, dt_out=0.5, dt=0.02, chi_max=400, trunc=1e-10, order=2)
    assert result["exceeded"] == [], result["deviations"]
    assert result["deviations"]["n_electrons"] < 1e-12
    assert result["tebd"].meta["method"] == "tebd" and result["exact"].meta["method"] == "exact"


CONVERGED = TEBDOptions(dt=0.05, order=4, trunc=0.0, chi_max=10**6)
"""Fourth-order Trotter without truncation: the error is ≈ t δt⁴ c (c a fivefold commutator of bond terms)."""


@pytest.mark.parametrize("initial", ["model", "exact"])
def test_crosscheck_xxz_chain_converged(initial: str) -> None:
    """XXZ chain (L = 8, Néel state) at converged settings: every key of its record schema within 1e-6
    of the exact evolution (measured 8e-8 to T = 2: T δt⁴ ≈ 1e-5 times a commutator factor < 1; the
    charge and the norm at round-off). Product initial state: both initial states are the same."""
    model = XXZChain(n_sites=8, j_xx=1.0, j_z=0.5, h_z=0.2, initial="neel")
    tolerances = dict.fromkeys(crosscheck_tolerances(model), 1e-6)
    result = crosscheck(model, t_max=2.0, dt_out=0.5, options=CONVERGED, initial=initial, tolerances=tolerances)
    assert set(result["deviations"]) == {"norm", "energy", "entropy_cut", "spin_z", "total_spin_z"}
    assert result["exceeded"] == [] and result["missing"] == [], result["deviations"]
    assert result["deviations"]["total_spin_z"] < 1e-12  # both evolvers conserve 2S^z exactly
    assert result["tebd"].meta["method"] == "tebd" and result["exact"].meta["method"] == "exact"


def test_crosscheck_xxz_default_tolerances_catch_a_coarse_step() -> None:
    """The default 1e-3 is met by second order at δt = 0.02 and reported as exceeded at δt = 0.25 on
    the same instance to T = 2 (measured for the default even–odd scheme: ⟨σ^z_i⟩ 2.6e-3, energy
    1.5e-3 at δt = 0.25, 3.4e-4 at δt = 0.1: the O(t δt²) Trotter error), and by PRX Eq. 8 at δt = 0.1,
    whose error constant is 3× larger (⟨σ^z_i⟩ 1.1e-3, S_cut 1.6e-3)."""
    model = XXZChain(n_sites=8, j_xx=1.0, j_z=0.5, h_z=0.2, initial="neel")
    fine = crosscheck(model, t_max=2.0, dt_out=0.5, options=TEBDOptions(dt=0.02, trunc=1e-12))
    assert fine["exceeded"] == [], fine["deviations"]
    coarse = crosscheck(model, t_max=2.0, dt_out=0.5, options=TEBDOptions(dt=0.25))
    assert "spin_z" in coarse["exceeded"]
    paper_scheme = crosscheck(model, t_max=2.0, dt_out=0.5, options=TEBDOptions(scheme="prx"))
    assert "spin_z" in paper_scheme["exceeded"]


def test_crosscheck_prx_spin_one_antiferromagnetic_j_sd() -> None:
    """PRX chain with localized spin S = 1 and J_sd < 0 (Kondo-chain variant): exact ↔ TEBD within
    1e-6 on every PRX record key (measured 6e-8 at δt = 0.025, order 4, T = 1)."""
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=1, n_e=1, localized_spin=1.0, j_sd=-0.7)
    options = CONVERGED.replace(dt=0.025)
    tolerances = dict.fromkeys(crosscheck_tolerances(model), 1e-6)
    result = crosscheck(model, t_max=1.0, dt_out=0.5, options=options, initial="exact", tolerances=tolerances)
    assert result["exceeded"] == [], result["deviations"]
    assert {"spin", "density", "mutual_info_edges", "total_spin_z"} <= set(result["deviations"])


@settings(max_examples=5, deadline=None)
@given(strategies.chain_models(max_sites=4, prx_variants=True))
def test_crosscheck_of_drawn_chain_models(chain) -> None:
    """Any drawn chain model (PRX with S ∈ {1/2, 1, 3/2} and either sign of J_sd, or XXZ): TEBD from the
    exact initial state agrees with the exact evolution within 1e-4 to T = 0.5 (order 4, δt = 0.025, no
    truncation: measured ≤ 1.3e-6 over 15 draws with couplings up to |J_sd| = 2.5, γ = 2)."""
    options = CONVERGED.replace(dt=0.025)
    result = crosscheck(chain, t_max=0.5, dt_out=0.25, options=options, initial="exact",
                        tolerances=dict.fromkeys(crosscheck_tolerances(chain), 1e-4))
    assert result["exceeded"] == [] and result["missing"] == [], result["deviations"]


def test_crosscheck_bad_input_fails_before_any_work() -> None:
    model = XXZChain(n_sites=4)
    with pytest.raises(TypeError, match="chain model"):
        crosscheck(PairOnRing(), t_max=0.5, dt_out=0.5)
    with pytest.raises(ValueError, match="initial"):
        crosscheck(model, t_max=0.5, dt_out=0.5, initial="slater")
    with pytest.raises(ValueError, match="unknown observables"):
        crosscheck(model, t_max=0.5, dt_out=0.5, tolerances={"density": 1.0})
    with pytest.raises(ValueError, match="unknown observables"):
        crosscheck(model, t_max=0.5, dt_out=0.5, keys=["spin"])
    with pytest.raises(TypeError, match="TEBDOptions"):
        crosscheck(model, t_max=0.5, dt_out=0.5, options={"dt": 0.1})
    with pytest.raises(TypeError, match="PRXChain"):
        crosscheck_prx(model, t_max=0.5, dt_out=0.5)


@pytest.mark.parametrize(("n_e", "n_fm"), [(1, 1), (2, 3), (8, 5), (5, 8), (0, 4), (3, 1), (100, 100)])
def test_crosscheck_stt(n_e: int, n_fm: int) -> None:
    """MPS measurements of PRX Eq. 15 equal entanglement.closed_form within round-off (STT tolerances)."""
    result = crosscheck_stt(n_e, n_fm)
    assert result["exceeded"] == [], result["deviations"]
    assert result["max_bond_dimension"] <= min(n_e, n_fm) + 1
    if n_e == n_fm >= 2:
        big_n = n_e  # PRX Eq. 16 written out
        s_pair = big_n / (2 * big_n - 1) * math.log((2 * big_n - 1) / big_n) + (big_n - 1) / (2 * big_n - 1) * math.log(
            (4 * big_n - 2) / (big_n - 1)
        )
        assert result["mps"]["S_1_N_FM"] == pytest.approx(s_pair, abs=1e-12)
        assert result["mps"]["S_1"] == pytest.approx(math.log(2), abs=1e-14)


def test_stt_large_mutual_information_approaches_prx_eq17() -> None:
    """N_e = N_FM = 100: I(1|N_FM) is within 0.01 of ln 2 / 2 (PRX Eq. 17: the limit; Fig. 8)."""
    got = stt_measurements(100, 100)
    assert abs(got["I_1_N_FM"] - math.log(2) / 2) < 0.01


def test_long_schmidt_spectra_keep_their_small_weights() -> None:
    """N_e = N_FM = 100: the block entropies (spectra of up to 101 Schmidt values, the smallest ~1e-59)
    agree with the closed form to 1e-13 — tiny weights are not dropped as round-off on the way."""
    result = crosscheck_stt(100, 100)
    assert result["deviations"]["block_entropy"] < 1e-13


def test_cli_stt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crosscheck", "stt", "--n-e", "4", "--n-fm", "6"]) == 0
    out = capsys.readouterr().out
    assert "I_1_N_FM" in out and "block_entropy" in out and "NO" not in out
    assert main(["crosscheck", "stt", "--n-e", "4", "--n-fm", "6", "--tol", "Q_MW=0", "--tol", "S_1=-1"]) == 2
    assert "S_1=-1" in capsys.readouterr().err


def test_cli_prx_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["crosscheck", "prx", "--n-sites", "5", "--n-left", "2", "--n-fm", "2", "--n-conf", "1", "--n-e", "1",
            "--t-max", "0.5", "--dt-out", "0.5", "--dt", "0.05", "--order", "4", "--trunc", "0", "--initial", "exact"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "entropy_cut" in out and "mutual_info_edges" in out
    assert main([*args, "--tol", "density=1e-16"]) == 1
    assert "NO" in capsys.readouterr().out
    assert main([*args, "--tol", "nonsense=1"]) == 2
    assert "unknown observables" in capsys.readouterr().err


def test_cli_xxz_converged_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """``crosscheck xxz`` (default L = 8, Néel) at converged settings — order 4, δt = 0.05, no
    truncation — is within 1e-6 on every key (measured 1.6e-7 to T = 2, as in
    test_crosscheck_xxz_chain_converged); the model's ``--initial`` is the XXZ initial state, the TEBD
    initial state is ``--tebd-initial``."""
    args = ["crosscheck", "xxz", "--j-z", "0.5", "--h-z", "0.2", "--t-max", "2", "--dt", "0.05", "--order", "4",
            "--trunc", "0", "--chi-max", "1000000"]
    tight = [f"--tol={key}=1e-6" for key in ("norm", "energy", "entropy_cut", "spin_z", "total_spin_z")]
    assert main([*args, *tight]) == 0
    out = capsys.readouterr().out
    assert out.startswith("xxz crosscheck: xxz, 8 sites, 2Sz=0") and "NO" not in out
    assert {"norm", "energy", "entropy_cut", "spin_z", "total_spin_z"} <= {line.split()[0] for line in out.splitlines()}
    assert main([*args, "--initial", "domain-wall", "--tebd-initial", "exact", *tight]) == 0
    assert "initial=exact" in capsys.readouterr().out
    assert main([*args[:2], "--t-max", "2", "--tol", "spin_z=1e-6"]) == 1  # the paper's δt = 0.1: Trotter error
    assert "NO" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["crosscheck", "xxz", "--initial", "udx"], "udx"),
        (["crosscheck", "xxz", "--tol", "density=1"], "unknown observables"),
        (["crosscheck", "xxz", "--tebd-initial", "slater"], "--tebd-initial"),
        (["crosscheck", "xxz", "--dt", "0.3"], "dt_out"),
        (["crosscheck", "prx", "--localized-spin", "2/3"], "localized_spin"),
    ],
)
def test_cli_chain_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], args, fragment) -> None:
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own errors (a bad choice) exit from the parser
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and fragment in err, err


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown observables"):
        exceeded({"spin": 0.0}, {"spn": 1.0})
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_tolerances(["spin"])
    with pytest.raises(ValueError, match="not a number"):
        parse_tolerances(["spin=abc"])
    with pytest.raises(ValueError, match="n_fm"):
        crosscheck_stt(3, 0)
    with pytest.raises(ValueError, match="initial"):
        crosscheck_prx(PRXChain(**SMALL), t_max=0.5, dt_out=0.5, initial="dense")
    assert exceeded({"a": float("nan")}, {"a": 1.0}) == ["a"]

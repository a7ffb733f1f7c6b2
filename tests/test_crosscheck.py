"""verify.crosscheck and ``python -m verify crosscheck``: TEBD vs exact, Eq. 15 MPS vs closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify import prx_exact as px
from verify.cli import main
from verify.crosscheck import (
    PRX_OBSERVABLES,
    crosscheck_prx,
    crosscheck_stt,
    exceeded,
    sector_state_to_mps,
    sector_to_site_basis,
    stt_measurements,
)
from verify.crosscheck_cli import parse_tolerances
from verify.models import PRXChain

SMALL = dict(n_sites=7, n_left=3, n_fm=2, n_conf=2, n_e=2)


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_sector_state_to_mps(polarization: str) -> None:
    """The sparse sequential-SVD conversion reproduces the sector vector in the MPS basis exactly."""
    model = PRXChain(**SMALL, polarization=polarization)
    basis = px.PRXBasis.build(model)
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

"""Tests of verify.checks on a chain model that is not registered: the laws come from the record's own
declaration (meta.conserved, meta.sector, meta.site_dims, meta.cut), not from a guess at the arrays.

The model is a four-site Hubbard chain built by hand (not in verify.models.MODEL_KINDS), conserving N,
2S^z and N_↑ ("Nu", a charge the checks know by no name), evolved exactly from |↑, ↓, 0, 0⟩ by the
package's own driver. Its good record must pass with the report naming its kind; each corrupted copy
must fail exactly the check that guards what was broken, at the corrupted time (and site).
Corruptions are 2x the tolerance they test (conservation 1e-8, bound 1e-9), so round-off cannot decide
them; the exact evolver conserves to ~1e-15.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from verify.checks import CheckResult, Report, check_run, load_record
from verify.models import Bond, ChainModel, Observables, OnSite, PRXChain, fermion_site, product_state_from_labels
from verify.records import simulate_exact
from verify.records.run import RunResult

LN2 = math.log(2.0)
N_SITES = 4


def hubbard_chain(u: float = 4.0) -> ChainModel:
    """H = −Σ_{iσ} (c†_iσ c_{i+1σ} + H.c.) + U Σ_i n_i↑ n_i↓ on fermion sites that also carry N_↑."""
    plain = fermion_site()
    n_up = np.rint(np.diag(plain.operators["Nu"]).real).astype(np.int64)
    site = dataclasses.replace(plain, name="fermion+Nu", charges={**plain.charges, "Nu": n_up})
    sites = (site,) * N_SITES
    every = tuple(range(N_SITES))
    bonds = tuple(
        Bond(i, create, annihilate, -1.0, plus_hc=True)
        for i in range(N_SITES - 1)
        for create, annihilate in (("Cdu", "Cu"), ("Cdd", "Cd"))
    )
    return ChainModel(
        kind="hubbard",
        params={"model": "hubbard", "u": u},
        sites=sites,
        onsite=tuple(OnSite(i, "Nu Nd", u) for i in every),
        bonds=bonds,
        conserved=("N", "2Sz", "Nu"),
        sector={"N": 2, "2Sz": 0},
        initial=product_state_from_labels(sites, ["↑", "↓", "0", "0"]),
        observables=Observables(site={"density": ("N", every), "double_occupancy": ("Nu Nd", every)}),
        cut=2,
    )


@pytest.fixture(scope="module")
def hubbard() -> RunResult:
    return simulate_exact(hubbard_chain(), t_max=3.0, dt_out=0.25)


def changed(run: RunResult, key: str, index: tuple, value: float | None = None, add: float = 0.0) -> RunResult:
    arrays = {k: np.array(v, dtype=float, copy=True) for k, v in run.arrays.items()}
    if value is not None:
        arrays[key][index] = value
    arrays[key][index] += add
    return RunResult(arrays, dict(run.meta))


def only_failure(report: Report) -> CheckResult:
    assert len(report.failures) == 1, report.to_table()
    return report.failures[0]


def test_the_record_declares_its_laws(hubbard: RunResult) -> None:
    meta = hubbard.meta
    assert meta["model"]["model"] == "hubbard" and meta["conserved"] == ["N", "2Sz", "Nu"]
    assert meta["sector"] == {"N": 2, "2Sz": 0} and meta["site_dims"] == [4] * 4 and meta["cut"] == 2
    assert {"total_Nu", "double_occupancy", "density"} <= set(hubbard.arrays)


def test_good_record_passes_with_its_own_kind(hubbard: RunResult) -> None:
    report = check_run(hubbard)
    assert report.passed and report.model == "hubbard" and not report.approximate, report.to_table()
    assert {check.name for check in report.ran} == {
        "time_grid", "finite_values", "norm", "sz_conservation", "particle_number", "energy", "density_bounds",
        "entropy_bounds", "charge_conservation", "required_arrays",
    }
    # every numeric array is checked, double_occupancy and total_Nu included (no check reads them by name)
    assert report["finite_values"].detail == f"{len(hubbard.arrays)} arrays"
    assert "2Sz = 0 (the initial eigenstate)" in report["sz_conservation"].detail
    assert report["particle_number"].detail.startswith("N_e = 2")
    charge = report["charge_conservation"]
    assert charge.detail.startswith("Nu (total_Nu)") and "not an eigenstate" in charge.detail  # Nu not in the sector
    assert "cut after site 2: log2 dims (4, 4)" in report["entropy_bounds"].detail
    # the exact evolver conserves to round-off: far inside the 1e-8 tolerances
    for name in ("norm", "sz_conservation", "particle_number", "charge_conservation", "energy"):
        assert report[name].deviation < 1e-10, report.to_table()


def test_drift_of_an_unnamed_charge_fails_charge_conservation(hubbard: RunResult) -> None:
    failure = only_failure(check_run(changed(hubbard, "total_Nu", (5,), add=2e-8)))
    assert (failure.name, failure.time_index) == ("charge_conservation", 5)
    assert "total_Nu" in failure.detail


def test_sector_values_of_the_declared_charges_are_enforced(hubbard: RunResult) -> None:
    # a constant n_electrons of the wrong value: N = 2 is declared in meta.sector
    arrays = dict(hubbard.arrays, n_electrons=hubbard.arrays["n_electrons"] + 2e-8)
    failure = only_failure(check_run(RunResult(arrays, hubbard.meta)))
    assert failure.name == "particle_number"
    wrong_sector = RunResult(hubbard.arrays, {**hubbard.meta, "sector": {"N": 2, "2Sz": 2}})
    assert only_failure(check_run(wrong_sector)).name == "sz_conservation"


def test_nan_in_a_site_array_no_check_reads_fails_finite_values(hubbard: RunResult) -> None:
    failure = only_failure(check_run(changed(hubbard, "double_occupancy", (3, 1), value=np.nan)))
    assert (failure.name, failure.time_index, failure.site) == ("finite_values", 3, 1)
    assert "double_occupancy" in failure.detail


def test_entropy_above_ln_of_the_cut_dimension_fails(hubbard: RunResult) -> None:
    # cut = 2 of four d = 4 sites: S <= ln 4^2 = 4 ln 2
    assert check_run(changed(hubbard, "entropy_cut", (4,), value=4 * LN2)).passed
    failure = only_failure(check_run(changed(hubbard, "entropy_cut", (4,), value=4 * LN2 + 2e-9)))
    assert (failure.name, failure.time_index) == ("entropy_bounds", 4)
    # at cut 1 the same entropy exceeds ln 4
    moved = RunResult(hubbard.arrays, {**hubbard.meta, "cut": 1})
    assert check_run(changed(moved, "entropy_cut", (4,), value=2 * LN2 + 2e-9))["entropy_bounds"].passed is False


@pytest.mark.parametrize("cut", [0, N_SITES])
def test_a_cut_outside_the_chain_is_refused(hubbard: RunResult, cut: int) -> None:
    with pytest.raises(ValueError, match=r"metadata 'cut'.*1\.\.3"):
        check_run(RunResult(hubbard.arrays, {**hubbard.meta, "cut": cut}))
    with pytest.raises(ValueError, match="'cut'"):
        check_run(dict(hubbard.arrays), meta={**hubbard.meta, "cut": cut})


def test_a_malformed_declaration_is_refused(hubbard: RunResult) -> None:
    with pytest.raises(ValueError, match="sector"):
        check_run(RunResult(hubbard.arrays, {**hubbard.meta, "sector": {"Nd": 1}}))
    with pytest.raises(TypeError, match="site_dims"):
        check_run(RunResult(hubbard.arrays, {**hubbard.meta, "site_dims": "4444"}))
    with pytest.raises(ValueError, match=r"'total_Nu'"):  # a declared total is validated as a time series
        check_run(RunResult(dict(hubbard.arrays, total_Nu=np.ones((hubbard.arrays["t"].size, 2))), hubbard.meta))


def test_without_a_declaration_nothing_is_guessed_for_other_charges(hubbard: RunResult) -> None:
    bare = check_run(dict(hubbard.arrays))
    assert bare.model == "prx"  # a bare record is still read from its array names
    assert bare["charge_conservation"].skipped and "meta.conserved" in bare["charge_conservation"].skip_reason


def test_approximate_record_scales_with_the_declared_dimensions(hubbard: RunResult) -> None:
    # no site charges in the record: ||sum_i Q_i|| <= sum_i (d_i - 1) = 12; Nu is not in the sector,
    # so its tolerance is 1e-8 + 2 x 12 x sqrt(eps)
    eps = np.linspace(0.0, 1e-8, hubbard.arrays["t"].size)
    run = RunResult(dict(hubbard.arrays, truncation_error=eps), {**hubbard.meta, "method": "tebd"})
    report = check_run(run)
    assert report.approximate and report.passed, report.to_table()
    assert "2 x 12 x sqrt of the truncation error" in report["charge_conservation"].detail
    allowed = 1e-8 + 24 * math.sqrt(eps[6])
    assert check_run(changed(run, "total_Nu", (6,), add=0.9 * allowed))["charge_conservation"].passed
    assert check_run(changed(run, "total_Nu", (6,), add=1.2 * allowed))["charge_conservation"].passed is False


def test_registered_models_declare_no_other_charge() -> None:
    t = np.arange(3.0)
    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2)
    report = check_run({"t": t, "norm": np.ones(3)}, meta={"model": model.to_dict()})
    assert report["charge_conservation"].skip_reason == "the prx model declares no charge besides N and 2S^z"
    with pytest.raises(ValueError, match="metadata 'cut'"):
        check_run({"t": t}, meta={"model": model.to_dict(), "cut": 5})


def test_unknown_arrays_are_checked_for_finite_values_only() -> None:
    t = np.arange(4.0)
    ok = check_run({"t": t, "my_phase": np.zeros((4, 2)), "labels": np.array(["a", "b"])})
    assert ok["finite_values"].passed and ok["finite_values"].detail == "2 arrays"  # the string array is not numeric
    # no check of the physics reads 'my_phase': the record is not verified (issue #14, item 5)
    assert not ok.passed and "nothing was verified" in ok["required_arrays"].detail
    bad = check_run({"t": t, "my_phase": np.array([0.0, 1.0, np.inf, 0.0]) + 0j})
    assert bad["finite_values"].passed is False and bad["finite_values"].time_index == 2
    static = check_run({"t": t, "positions": np.array([0.0, np.nan])})["finite_values"]
    assert static.passed is False and static.time_index is None and "not a time series" in static.detail
    arrays, _, _ = load_record({"t": t, "my_phase": np.ones(4, dtype=int)})
    assert arrays["my_phase"].dtype == np.float64


def test_bare_prx_entropy_dimensions_come_from_the_model() -> None:
    # n_sites = 6, FM sites 3 and 4 with spin 1: d = 4, 4, 12, 12, 4, 4; default cut 3: ln(4 * 4 * 12)
    t = np.arange(3.0)
    meta = {"n_sites": 6, "n_left": 2, "n_fm": 2, "localized_spin": 1}
    bound = math.log(4 * 4 * 12)
    at = check_run({"t": t, "entropy_cut": np.array([0.0, bound, 0.0])}, meta=meta)["entropy_bounds"]
    assert at.passed and "ln dims" in at.detail
    over = check_run({"t": t, "entropy_cut": np.array([0.0, bound + 2e-9, 0.0])}, meta=meta)["entropy_bounds"]
    assert over.passed is False and over.time_index == 1
    with pytest.raises(ValueError, match="metadata 'cut'"):
        check_run({"t": t, "entropy_cut": np.zeros(3)}, meta={**meta, "cut": 6})

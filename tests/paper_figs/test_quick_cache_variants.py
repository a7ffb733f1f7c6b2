"""Tests of the quick pair sizes, the source digest in the cache keys and ``--set`` variants.

* the quick pair geometry is the paper's geometry on a smaller ring, read out before the wrap-around;
* θ = 0 and π of Eq. 8 are the singlet and triplet-0 vectors (so pair Fig. 4 may reuse those runs);
* an edited copy of the evolver (or figure) sources misses the cache, an unedited copy hits it;
* ``--set`` overrides are typed, checked, and written under their own names;
* reduced-size and variant figures say so on the figure; ``BuildResult`` has a one-line repr.
"""

from __future__ import annotations

import importlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import paper_figs
from paper_figs import _pair, cache, registry
from paper_figs.__main__ import main
from paper_figs.sweep import RunSpec
from paper_figs.variants import parse_overrides, size_note, variant_stem
from verify.models import PairOnRing

# ----------------------------------------------------------------------------------- quick sizes


def test_quick_pair_geometry_is_the_papers_on_a_smaller_ring():
    quick = _pair.model_at(paper_figs.figure_params("pair-fig2", "quick"))
    full = _pair.model_at(paper_figs.figure_params("pair-fig2", "full"))
    assert quick.n_sites < full.n_sites
    # same packets, couplings and distances to the chain: only the ring is shorter
    for name in ("n_spins", "hopping", "j_ex", "j_sd", "k", "sigma", "packet_distance"):
        assert getattr(quick, name) == getattr(full, name), name
    assert quick.chain_start - quick.x2 == full.chain_start - full.x2
    params = paper_figs.figure_params("pair-fig2", "quick")
    for d in params["d_values"]:
        model = _pair.model_at(params, d)
        t_read = _pair.read_time(model, params)
        _pair.check_read_time(model, t_read)  # raises if the ring is too small for this d
        assert t_read == _pair.read_time(_pair.model_at(paper_figs.figure_params("pair-fig2", "full"), d), params)
    with pytest.raises(ValueError, match="wrap-around"):
        _pair.read_time(_pair.model_at(params, 40.0), params)  # why quick d stops at 30a


@pytest.mark.parametrize("size", ["tiny", "quick", "full"])
def test_pair_fig4_reuses_the_singlet_and_triplet0_runs_of_fig2(size):
    fig2 = registry.get("pair-fig2").load()
    fig4 = registry.get("pair-fig4").load()
    keys2 = {spec.key() for spec in fig2.run_specs(paper_figs.figure_params("pair-fig2", size))}
    specs4 = fig4.run_specs(paper_figs.figure_params("pair-fig4", size))
    theta_runs = [s for s in specs4 if dict(s.options)["pair"] != "single-down"]
    n_theta = paper_figs.figure_params("pair-fig4", size)["n_theta"]
    assert len(theta_runs) == n_theta
    shared = [s for s in theta_runs if s.key() in keys2]
    assert {dict(s.options)["pair"] for s in shared} == {"singlet", "triplet0"}
    assert len({s.key() for s in specs4}) == n_theta + 1


def test_theta_state_at_0_and_pi_is_the_singlet_and_triplet0():
    from verify.exact import pair_initial_state

    model = _pair.model_at(paper_figs.figure_params("pair-fig4", "tiny"))
    for theta, name in ((0.0, "singlet"), (math.pi, "triplet0")):
        a = pair_initial_state(model, "theta", theta)
        b = pair_initial_state(model, name)
        # same construction up to e^{iπ} = -1 + 1.2e-16i: the vectors agree to round-off
        assert np.max(np.abs(a - b)) < 1e-15


def test_long_runs_are_submitted_first(tmp_path, monkeypatch):
    build_module = importlib.import_module("paper_figs.build")  # the package exports the function build()
    seen: list[list[RunSpec]] = []
    monkeypatch.setattr(build_module, "run_records", lambda specs, executor=None: seen.append(list(specs)) or [])
    names = ["prx-fig3", "prx-fig5", "pair-fig2"]
    n = build_module.prefetch_runs(names, size="quick", cache_dir=tmp_path)
    (order,) = seen
    assert len(order) == n
    first = order[0]
    assert first.kind == "prx-exact" and first.model.n_e == 4 and first.model.polarization == "x"


# ----------------------------------------------------------------------------------- source digest


def _copy_package(name: str, root: Path) -> Path:
    """Copy package ``name`` to ``root/evolver_copy`` (found via sys.path, never imported: only hashed)."""
    source = Path(importlib.import_module(name).__file__).parent
    target = root / "evolver_copy"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    importlib.invalidate_caches()
    return target


def test_source_digest_covers_the_evolver_packages():
    files = {name for package in cache.SOURCE_PACKAGES for name, _ in cache.module_files(package)}
    for expected in ("verify.exact/chebyshev.py", "verify.exact/pair.py", "verify.records/simulate_exact.py",
                     "verify.models/pair.py", "verify.tebd/__init__.py", "verify.mps/__init__.py"):
        assert expected in files
    assert cache.source_digest() == cache.source_digest()  # computed once, stable


def test_edited_evolver_copy_misses_the_cache(tmp_path, monkeypatch):
    copy = _copy_package("verify.exact", tmp_path / "a")
    monkeypatch.syspath_prepend(str(tmp_path / "a"))
    monkeypatch.setattr(cache, "SOURCE_PACKAGES", ("evolver_copy",))
    monkeypatch.setattr(cache, "_DIGESTS", {})
    out = tmp_path / "out"
    spec = RunSpec.make("pair", PairOnRing(), pair="singlet", t_max=1.0, dt_out=0.5)
    first = paper_figs.build("prx-fig8", size="tiny", out=out)
    run_key = spec.key()
    assert paper_figs.build("prx-fig8", size="tiny", out=out).cached  # same sources: a hit

    # an unedited copy elsewhere has the same digest: paths do not enter the key
    other = _copy_package("verify.exact", tmp_path / "b")
    monkeypatch.syspath_prepend(str(tmp_path / "b"))
    digest = cache.source_digest()
    cache.clear_source_digests()
    assert cache.digest_files(cache.module_files("evolver_copy")) == digest
    assert other != copy

    # edit the evolver copy that is found first, as a new process would see it
    (other / "chebyshev.py").write_text((other / "chebyshev.py").read_text() + "\n# edited\n")
    cache.clear_source_digests()
    assert cache.source_digest() != digest
    third = paper_figs.build("prx-fig8", size="tiny", out=out)
    assert not third.cached and third.meta["cache_key"] != first.meta["cache_key"]
    assert spec.key() != run_key
    assert third.meta["source_digest"] == cache.source_digest()


def test_edited_figure_module_changes_the_figure_key_but_not_the_run_keys(tmp_path, monkeypatch):
    copy = tmp_path / "figure_copy.py"  # a top-level module: located, never imported
    shutil.copyfile(registry.get("pair-fig4").load().__file__, copy)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(cache, "_DIGESTS", {})
    spec = RunSpec.make("pair", PairOnRing(), pair="singlet", t_max=1.0, dt_out=0.5)
    params = paper_figs.figure_params("pair-fig4", "tiny")
    run_key = spec.key()
    key = cache.figure_key("pair-fig4", params, "figure_copy")
    assert key != cache.figure_key("pair-fig4", params, "paper_figs.pair_fig3")  # the module's source counts
    copy.write_text(copy.read_text() + "\n# edited\n")
    cache.clear_source_digests()
    assert cache.figure_key("pair-fig4", params, "figure_copy") != key
    assert spec.key() == run_key


# ----------------------------------------------------------------------------------- variants


def test_overrides_are_typed_by_the_default():
    params = paper_figs.figure_params("pair-fig2", "quick")
    got = parse_overrides(params, ["dt_out=2", "d_values=[10, 20]", "model.n_sites=150", "d=25"])
    assert got == {"dt_out": 2.0, "d_values": [10, 20], "model.n_sites": 150, "d": 25.0}
    assert isinstance(got["dt_out"], float) and isinstance(got["model.n_sites"], int)
    prx = paper_figs.figure_params("prx-fig3", "quick")
    assert parse_overrides(prx, ["method=tebd"]) == {"method": "tebd"}
    for bad, message in ((["nope=1"], "unknown parameter"), (["model.n_sites=1.5"], "expected int"),
                         (["d_values=3"], "expected a JSON list"), (["dt_out"], "key=value")):
        with pytest.raises(ValueError, match=message):
            parse_overrides(params, bad)
    assert paper_figs.figure_params("pair-fig2", "quick", {"model.n_sites": 150})["model"]["n_sites"] == 150
    assert params["model"]["n_sites"] == 130  # the defaults are not modified


def test_variant_stems_never_equal_the_figure_name():
    assert variant_stem("pair-fig4", None) == "pair-fig4"
    assert variant_stem("pair-fig4", {"n_theta": 12}) == "pair-fig4--n_theta=12"
    assert variant_stem("pair-fig2", {"d": 25.0, "dt_out": 0.5}) == "pair-fig2--d=25--dt_out=0.5"
    hashed = variant_stem("pair-fig2", {"d_values": [10, 20]})  # "[" is not a plain file-name character
    assert hashed.startswith("pair-fig2-variant-") and len(hashed) == len("pair-fig2-variant-") + 10
    assert hashed != variant_stem("pair-fig2", {"d_values": [10, 30]})
    assert variant_stem("x", {"a" * 100: 1}).startswith("x-variant-")


def test_cli_set_writes_a_variant_next_to_the_figure(tmp_path, capsys):
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path)]) == 0
    plain = (tmp_path / "prx-fig8.json").read_bytes()
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path), "--set", "n_fm_max=5"]) == 0
    assert (tmp_path / "prx-fig8.json").read_bytes() == plain  # not overwritten
    meta = json.loads((tmp_path / "prx-fig8--n_fm_max=5.json").read_text())
    assert meta["variant"] == {"n_fm_max": 5} and meta["params"]["n_fm_max"] == 5
    assert "variant: n_fm_max = 5" in meta["size_note"]
    with np.load(tmp_path / "prx-fig8--n_fm_max=5.npz") as data:
        assert data["n_fm"][-1] == 5
    assert (tmp_path / "prx-fig8--n_fm_max=5.png").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["pair-fig4", "--set", "n_theta=x"], "expected int"),
        (["pair-fig4", "--set", "n_theta=2"], "n_theta must be an integer >= 3"),
        (["pair-fig4", "--set", "bogus=1"], "unknown parameter 'bogus'"),
        (["pair-fig3", "--set", "model.n_sites=50"], "runs off"),
        (["all", "--set", "n_theta=6"], "one figure name"),
    ],
)
def test_cli_bad_set_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    assert main([*argv, "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not list(tmp_path.glob("*.png"))


def test_reduced_size_figures_say_so_and_repr_is_short(tmp_path):
    result = paper_figs.build("prx-fig8", size="tiny", out=tmp_path, keep_figure=True)
    note = result.meta["size_note"]
    assert note.startswith("reduced size (tiny") and "n_fm_max = " in note
    assert result.figure._supxlabel.get_text().replace("\n", " ") == note
    text = repr(result)
    assert text.startswith("BuildResult(name='prx-fig8', size='tiny'") and "\n" not in text and len(text) < 300
    assert "array(" not in text
    full = paper_figs.figure_params("pair-fig4", "full")
    assert size_note("full", full, full) is None
    quick = paper_figs.figure_params("pair-fig4", "quick")
    assert size_note("quick", quick, full) == (
        "reduced size (quick, not the paper's): dt_out = 1, n_theta = 6, n_sites = 130, chain_start = 73, x2 = 51")

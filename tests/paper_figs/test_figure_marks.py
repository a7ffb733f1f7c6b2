"""Tests of what a referee reads off the figures: the reflection time of the PRX chain against the exact
evolver, the hatched contaminated times, the 1/N_FM panel of PRX Fig. 8, panel labels "(a)", "(b)", … placed
by the one helper on every figure, coinciding curves named in the legend, and the reduced-size note.

The figures are those of the session fixture ``built`` (``conftest.py``, tiny size), replotted here.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp

import paper_figs
from paper_figs import _prx, registry
from paper_figs.style import label_panels, shade_after, style_context

PRX_TIME_FIGURES = ("prx-fig3", "prx-fig4", "prx-fig5", "prx-fig6", "prx-fig7")


def _plot(result: paper_figs.BuildResult, data=None):
    module = registry.get(result.name).load()
    with style_context():
        return module.plot(result.data if data is None else data, result.meta["params"])


def _panels(fig) -> list:
    """The data axes of a figure (no colour bars)."""
    return [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]


# ----------------------------------------------------------------------------------- reflection time


@pytest.mark.parametrize(("n_sites", "n_ref", "t_max"), [(10, 18, 8.0), (12, 20, 9.5)])
def test_reflection_time_is_when_the_chain_end_starts_to_matter(n_sites, n_ref, t_max):
    """Independent estimate: the exact evolver on N sites against a chain with a longer right lead.

    The FM-site density and S^z agree until the reflected front is back (light cone at v_max = 2γa/ħ,
    front width ~t^(1/3)): below 2e-3 until t_refl − 1.5, below 3e-2 until t_refl, and they separate after.
    """
    from verify.models import PRXChain
    from verify.records import simulate_prx_exact

    geometry = {"n_left": 4, "n_fm": 2, "n_conf": 3}
    runs = [simulate_prx_exact(PRXChain(n_sites=n, **geometry, n_e=2), t_max=t_max, dt_out=0.1)
            for n in (n_sites, n_ref)]
    t = runs[0].arrays["t"]
    fm = slice(geometry["n_left"], geometry["n_left"] + geometry["n_fm"])
    dev = np.maximum(
        np.abs(runs[0].arrays["density"][:, fm] - runs[1].arrays["density"][:, fm]).max(axis=1),
        np.abs(runs[0].arrays["spin"][:, :, 2] - runs[1].arrays["spin"][:, :, 2]).max(axis=1),
    )
    t_refl = _prx.reflection_time({"model": {"n_sites": n_sites, **geometry}})
    assert t_refl + 1.5 <= t_max
    assert dev[t <= t_refl - 1.5 + 1e-9].max() < 2e-3
    assert dev[t <= t_refl + 1e-9].max() < 3e-2
    assert dev[t <= t_refl + 1.5 + 1e-9].max() > 3e-2


def test_reflection_time_at_the_published_sizes():
    """Quick: inside the plotted range (hatched); full: after the PRX's t_max (nothing hatched)."""
    quick, full = (paper_figs.figure_params("prx-fig4", size) for size in ("quick", "full"))
    assert _prx.reflection_time(quick) == pytest.approx(12.5) and 12.5 < quick["t_max"]
    assert _prx.reflection_time(full) == pytest.approx(50.0) and 50.0 > full["t_max"]
    assert _prx.reflection_note(quick)["contaminated_after_t_reflection"] is True
    assert _prx.reflection_note(full)["contaminated_after_t_reflection"] is False


@pytest.mark.parametrize("name", PRX_TIME_FIGURES)
def test_prx_figures_hatch_the_times_after_the_reflection(built, name):
    result = built[name]
    t_refl = float(result.data["t_reflection"])
    assert t_refl == _prx.reflection_time(result.meta["params"])
    assert result.meta["notes"]["t_reflection"] == t_refl
    t = result.data["t"]
    hatched = lambda fig: [p for ax in _panels(fig) for p in ax.patches if p.get_gid() == "contaminated"]  # noqa: E731
    assert t_refl > t[-1] and not hatched(_plot(result))  # tiny: the reflection comes after t_max
    inside = dict(result.data)
    inside["t_reflection"] = np.array(0.5 * float(t[-1]))
    fig = _plot(result, inside)
    regions = hatched(fig)
    assert len(regions) == len(_panels(fig))  # every time axis
    for region in regions:
        assert region.get_x() == pytest.approx(0.5 * float(t[-1]))


def test_shade_after_draws_only_inside_the_axis():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    ax.set_xlim(0, 10)
    assert shade_after(ax, 10.0) is None and shade_after(ax, 12.0) is None
    region = shade_after(ax, 7.0, "late")
    assert region is not None and region.get_label() == "late" and ax.get_xlim() == (0, 10)


# ----------------------------------------------------------------------------------- PRX Fig. 8, 1/N panel


def test_prx_fig8_inverse_panel_plots_the_closed_form_and_the_series(built):
    from entanglement import closed_form

    result = built["prx-fig8"]
    data = result.data
    exact = [float(closed_form.mutual_information_mp(int(n), int(n), dps=30)) for n in data["n_fm"]]
    ax_b = _panels(_plot(result))[1]
    assert ax_b.get_xlabel() == r"$1/N_{\rm FM}$"
    lines = {line.get_label(): line for line in ax_b.get_lines()}
    closed = lines["closed form"]
    np.testing.assert_allclose(closed.get_xdata(), 1.0 / data["n_fm"], rtol=1e-15)
    np.testing.assert_allclose(closed.get_ydata(), exact, rtol=0, atol=1e-14)
    assert lines[r"$\ln 2/2$ (Eq. 17)"].get_ydata()[0] == pytest.approx(math.log(2) / 2, abs=1e-15)
    big_n = sp.Symbol("N", positive=True)
    for order in (1, 2):
        series = closed_form.mutual_information_series(order, big_n)
        x = data["series_x"]
        expected = [float(math.log(2) / 2) if v == 0 else float(series.subs(big_n, 1 / sp.Rational(v))) for v in x]
        np.testing.assert_allclose(data[f"series{order}"], expected, rtol=0, atol=1e-14)
        plotted = [line for line in ax_b.get_lines() if np.array_equal(line.get_ydata(), data[f"series{order}"])]
        assert len(plotted) == 1 and np.array_equal(plotted[0].get_xdata(), x)
    # the series through 1/N^2 is closer to the exact values than the one through 1/N, and both meet ln 2/2
    inv = 1.0 / data["n_fm"]
    err = [np.abs(np.interp(inv, data["series_x"], data[f"series{o}"]) - data["mi_closed"]).max() for o in (1, 2)]
    assert err[1] < err[0]


# ----------------------------------------------------------------------------------- labels, legends, notes


@pytest.mark.parametrize("name", registry.names())
def test_every_panel_is_labelled_in_order_above_its_upper_left_corner(built, name):
    fig = _plot(built[name])
    panels = _panels(fig)
    assert len(panels) >= 2, "every published figure has several panels"
    for index, ax in enumerate(panels):
        title = ax.get_title(loc="left")
        assert title.startswith(f"({chr(ord('a') + index)})"), (name, index, title)
        assert not ax.get_title(loc="center") and not ax.get_title(loc="right")
        stray = [t.get_text() for t in ax.texts if re.match(r"\s*\([a-z]\)", t.get_text())]
        assert not stray, f"{name}: panel label written inside the axes: {stray}"


def test_label_panels_refuses_a_wrong_number_of_texts():
    from matplotlib.figure import Figure

    axes = Figure().subplots(1, 2)
    with pytest.raises(ValueError, match="panel texts"):
        label_panels(axes, ["only one"])
    label_panels(axes, [None, "second"])
    assert [ax.get_title(loc="left") for ax in axes] == ["(a)", "(b) second"]


def test_coinciding_curves_coincide_and_the_legends_say_so(built):
    data = built["pair-fig2"].data
    # between the packets (φ2 has left the chain, φ1 not yet in it; intervals are ±2σ_d): only φ2 has acted
    gap = 0.5 * (data["intervals"][1, 1] + data["intervals"][0, 0])
    before = data["t"] <= gap
    assert before.sum() >= 5
    for dotted, solid in (("triplet0", "singlet"), ("single-down", "triplet-1")):
        a, b = data[f"transfer_{dotted}"], data[f"transfer_{solid}"]
        assert np.max(np.abs(a - b)[before]) < 1e-2 * np.max(np.abs(b))  # within a line width (tiny: 4e-3)
        assert abs(a[-1] - b[-1]) > 0.05  # and they separate once φ1 has acted
    labels = _panels(_plot(built["pair-fig2"]))[0].get_legend_handles_labels()[1]
    assert sum("before" in label for label in labels) == 2
    fig3 = _plot(built["pair-fig3"])
    legend_texts = [t.get_text() for legend in fig3.legends for t in legend.get_texts()]
    assert any("=0" in text and "m=-1" in text for text in legend_texts)
    assert any("in chain" in text for text in legend_texts)  # the shading is explained


@pytest.mark.parametrize("name", registry.names())
def test_every_reduced_size_figure_says_so(built, name):
    note = built[name].meta["size_note"]
    assert note.startswith("reduced size (tiny, not the paper's): ")

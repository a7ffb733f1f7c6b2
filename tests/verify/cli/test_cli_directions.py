"""The command line of the polarization angles, PRX initial states and ``compare``: flags generated from the
PRXChain fields with their docstring help, angles written as multiples of π, the subcommand registry."""

from __future__ import annotations

import math

import pytest

from verify.cli import build_parser, finite_float, main
from verify.cli.main import SUBCOMMANDS
from verify.records import load_run

PRX_SMALL = ["--n-sites", "8", "--n-left", "3", "--n-fm", "2", "--n-conf", "2", "--n-e", "2"]


def test_run_prx_help_lists_the_angles(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "prx", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--electron-theta", "--electron-phi", "--spin-theta", "--spin-phi",
                 "--initial-state {ground,slater,product}"):
        assert flag in text
    assert "polar angle of the electron polarization n_e from +z" in text  # the PRXChain docstring
    assert "azimuth of n_s in radians (default 0)" in text


def test_angles_as_multiples_of_pi() -> None:
    assert finite_float("pi/2") == math.pi / 2 and finite_float("3pi/4") == 3 * math.pi / 4
    assert finite_float("-0.5*pi") == -math.pi / 2 and finite_float("pi") == math.pi
    assert finite_float("3/2") == 1.5
    args = build_parser().parse_args(["run", "prx", "--electron-theta", "pi/2", "--spin-phi", "pi", "--out", "x.npz"])
    assert args.electron_theta == math.pi / 2 and args.spin_phi == math.pi


def test_run_prx_with_tilted_product_state(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tilted.npz"
    args = ["run", "prx", *PRX_SMALL, "--electron-theta", "pi/2", "--electron-phi", "pi/2", "--spin-theta", "pi/2",
            "--initial-state", "product", "--t-max", "0.5", "--dt-out", "0.5", "--out", str(out)]
    assert main(args) == 0
    run = load_run(out)
    assert run.meta["model"]["electron_phi"] == math.pi / 2 and run.meta["model"]["initial_state"] == "product"
    assert run.meta["sector"] == {"N": 2} and run.meta["initial_state"]["label"] == "product: electrons on sites 1..2"
    assert run.arrays["electron_spin"][0] == pytest.approx([0.0, 2.0, 0.0], abs=1e-12)  # both electrons along +y
    assert run.arrays["spin"][0, :, 0] == pytest.approx([1.0, 1.0], abs=1e-12)  # localized spins along +x
    capsys.readouterr()
    assert main(["run", "prx", *PRX_SMALL, "--polarization", "x", "--electron-theta", "1",
                 "--out", str(tmp_path / "bad.npz")]) == 2
    assert "not both" in capsys.readouterr().err


def test_compare_is_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert SUBCOMMANDS["compare"] == "verify.cli.compare"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "compare" in capsys.readouterr().out

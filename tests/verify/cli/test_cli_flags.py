"""verify.cli.flags and verify.cli.docstrings: command-line flags generated from dataclass fields.

Every field of every parameter class (:data:`verify.models.MODEL_KINDS`) and of
:class:`verify.tebd.TEBDOptions` gets a flag, in ``run KIND`` and (chain models) ``crosscheck KIND``,
with its type, choices and help from the class; no subcommand lists flags by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Literal

import pytest

from verify.cli import (
    add_dataclass_arguments,
    attribute_docs,
    build_parser,
    chain_kinds,
    dataclass_from_arguments,
    field_flags,
    finite_float,
    flag_name,
    given_fields,
)
from verify.cli.docstrings import plain_text, split_shared_description
from verify.models import MODEL_KINDS, PRXChain, XXZChain
from verify.tebd import TEBDOptions


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_every_field_of_every_model_kind_has_a_run_flag(kind: str) -> None:
    """``run KIND --field VALUE`` for every field: the default written back as text parses to the
    default, is recorded as given, and builds the class's default instance."""
    cls = MODEL_KINDS[kind]
    parser = build_parser()
    default = cls()
    names = [f.name for f in dataclasses.fields(cls)]
    argv = ["run", kind, "--out", "x.npz"]
    for name in names:
        argv += [flag_name(name), str(getattr(default, name))]
    args = parser.parse_args(argv)
    assert given_fields(args) >= set(names)
    assert dataclass_from_arguments(cls, args) == default


@pytest.mark.parametrize("kind", chain_kinds())
def test_every_tebd_option_and_model_field_has_flags_in_run_and_crosscheck(kind: str) -> None:
    cls = MODEL_KINDS[kind]
    parser = build_parser()
    options = TEBDOptions(dt=0.05, chi_max=17, trunc=1e-9, order=4, scheme="suzuki", backend="dense")
    tebd_argv = []
    for field in dataclasses.fields(TEBDOptions):
        tebd_argv += [flag_name(field.name), str(getattr(options, field.name))]
    run = parser.parse_args(["run", kind, "--method", "tebd", *tebd_argv, "--out", "x.npz"])
    assert dataclass_from_arguments(TEBDOptions, run) == options
    assert given_fields(run) == {f.name for f in dataclasses.fields(TEBDOptions)}
    model_argv = []
    for field in dataclasses.fields(cls):
        model_argv += [flag_name(field.name), str(getattr(cls(), field.name))]
    check = parser.parse_args(["crosscheck", kind, *model_argv, *tebd_argv])
    assert dataclass_from_arguments(TEBDOptions, check) == options
    assert dataclass_from_arguments(cls, check) == cls()


def test_chain_kinds_are_the_model_kinds_with_a_chain() -> None:
    assert set(chain_kinds()) == {kind for kind, cls in MODEL_KINDS.items() if hasattr(cls, "chain")}
    assert {"prx", "xxz"} <= set(chain_kinds()) and "pair" not in chain_kinds()


def test_crosscheck_defaults_are_the_small_instances() -> None:
    parser = build_parser()
    prx = dataclass_from_arguments(PRXChain, parser.parse_args(["crosscheck", "prx"]))
    assert (prx.n_sites, prx.n_left, prx.n_fm, prx.n_conf, prx.n_e) == (10, 4, 2, 2, 2)
    args = parser.parse_args(["crosscheck", "prx"])
    assert (args.t_max, args.dt_out, args.tebd_initial) == (2.0, 0.5, "slater")
    assert dataclass_from_arguments(TEBDOptions, args) == TEBDOptions()  # the paper's TEBD defaults
    assert parser.parse_args(["crosscheck", "prx", "--initial", "exact"]).tebd_initial == "exact"
    xxz = parser.parse_args(["crosscheck", "xxz", "--initial", "domain-wall"])
    assert dataclass_from_arguments(XXZChain, xxz) == XXZChain(n_sites=8, initial="domain-wall")
    assert xxz.tebd_initial == "model"


def test_run_defaults_per_kind() -> None:
    parser = build_parser()
    for kind, (t_max, dt_out) in {"prx": (40.0, 0.5), "xxz": (10.0, 0.1), "pair": (60.0, 0.5)}.items():
        args = parser.parse_args(["run", kind, "--out", "x.npz"])
        assert (args.t_max, args.dt_out) == (t_max, dt_out)
        assert given_fields(args) == frozenset()


# ----------------------------------------------------------------------------------------- types, choices, help
def test_types_and_choices_come_from_the_class() -> None:
    flags = {flag.name: flag for flag in field_flags(PRXChain)}
    assert flags["n_sites"].type("12") == 12 and flags["j_sd"].type("-0.5") == -0.5
    assert flags["polarization"].choices == ("z", "x")  # the Literal annotation
    assert flags["spin_normalization"].choices == ("pauli", "half")  # the docstring's {"pauli", "half"}
    assert flags["localized_spin"].type("3/2") == 1.5 and flags["localized_spin"].type("1") == 1.0
    tebd = {flag.name: flag for flag in field_flags(TEBDOptions)}
    assert tebd["order"].choices == (2, 4) and tebd["order"].type("4") == 4
    assert tebd["backend"].choices == ("dense", "charges")  # metadata["choices"]
    assert "forest-ruth" in tebd["scheme"].choices and tebd["scheme"].type is str and tebd["scheme"].default is None
    assert tebd["dt"].help == "Trotter step dt > 0 (PRX Sec. III: 0.1) (default 0.1)"  # metadata["help"]


def test_help_from_the_numpydoc_attributes() -> None:
    docs = attribute_docs(PRXChain)
    assert docs["j_sd"].description == "J_sd of Eqs. 2–4 (any sign)."
    assert docs["n_fm"].description.startswith("N_FM. The FM sites are n_left+1 .. n_left+n_fm")
    assert docs["polarization"].choices == ("z", "x")
    assert set(docs) == {f.name for f in dataclasses.fields(PRXChain)}
    xxz = {flag.name: flag.help for flag in field_flags(XXZChain, defaults={"n_sites": 8})}
    assert xxz["j_xx"] == "TeNPy's Jxx (couplings of S = σ/2) (default 1.0)"
    assert xxz["n_sites"] == "L >= 2 (default 8)"
    for cls in (*MODEL_KINDS.values(), TEBDOptions):
        assert all(flag.help for flag in field_flags(cls)), cls


def test_docstring_helpers() -> None:
    text = "see :data:`~verify.models.SPIN_CONVENTIONS` and ``x``\n  more"
    assert plain_text(text) == "see SPIN_CONVENTIONS and x more"
    assert plain_text(":func:`verify.records.simulate_tebd`") == "verify.records.simulate_tebd"
    assert split_shared_description(["a", "b"], "x, y in eV.") == {"a": "x in eV.", "b": "y in eV."}
    assert split_shared_description(["a", "b"], "V and B of Eq. 5.") == dict.fromkeys("ab", "V and B of Eq. 5.")
    assert split_shared_description(["a"], "one, two") == {"a": "one, two"}


def test_finite_float_parser() -> None:
    assert finite_float("1e-7") == 1e-7 and finite_float("3/2") == 1.5 and finite_float("-1/4") == -0.25
    for bad in ("nan", "inf", "-inf", "x", "1/0", "1/x"):
        with pytest.raises(argparse.ArgumentTypeError):
            finite_float(bad)


@dataclasses.dataclass(frozen=True)
class _Toy:
    """A toy.

    Attributes
    ----------
    size : int
        How many.
    mode : {"a", "b"}
        Which one.
    """

    size: int = 3
    mode: Literal["a", "b"] = "a"
    flag: bool = False
    label: str | None = None
    weights: tuple = ()


def test_defaults_exclude_and_unsupported_types() -> None:
    with pytest.raises(TypeError, match="weights"):
        field_flags(_Toy)
    parser = argparse.ArgumentParser()
    added = add_dataclass_arguments(parser, _Toy, defaults={"size": 5}, exclude=("weights",))
    assert [flag.flag for flag in added] == ["--size", "--mode", "--flag", "--label"]
    assert added[0].help == "How many (default 5)" and added[3].help == ""
    args = parser.parse_args(["--flag", "yes", "--label", "x"])
    assert dataclass_from_arguments(_Toy, args) == _Toy(size=5, flag=True, label="x")
    assert given_fields(args) == {"flag", "label"}
    assert field_flags(_Toy, defaults=_Toy(size=9), exclude=["weights"])[0].default == 9
    with pytest.raises(ValueError, match="no field"):
        field_flags(_Toy, defaults={"sise": 1}, exclude=("weights",))
    with pytest.raises(ValueError, match="no field"):
        field_flags(_Toy, exclude=("weights", "colour"))
    with pytest.raises(TypeError, match="dataclass"):
        field_flags(int)
    with pytest.raises(SystemExit):
        parser.parse_args(["--mode", "c"])

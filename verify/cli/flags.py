"""Command-line flags generated from the fields of a frozen dataclass — written once, used by every subcommand.

:func:`add_dataclass_arguments` adds ``--field-name`` for every field of a parameter class
(:class:`verify.models.PRXChain`, :class:`verify.models.XXZChain`, :class:`verify.models.PairOnRing`,
:class:`verify.tebd.TEBDOptions`, any future one), and :func:`dataclass_from_arguments` builds the
instance back from the parsed namespace. Per field:

* type — from the default value's type (from the annotation when the default is None): ``int`` →
  :func:`integer`, ``float`` → :func:`finite_float` (accepts fractions such as ``3/2``, so the PRX
  ``--localized-spin`` takes 0.5, 1 or 3/2, and multiples of π such as ``pi/2`` for the PRX
  ``--electron-theta``), ``bool`` → :func:`boolean`, ``str`` → the text; a number that may be None
  (``float | None``) also reads ``none`` (:func:`optional_float`), so every default round-trips;
* choices — ``metadata["choices"]``, else a ``Literal`` annotation, else a braced numpydoc type
  (``{"z", "x"}``, ``{2, 4}``);
* help — ``metadata["help"]``, else the field's entry in the class docstring's numpydoc
  ``Attributes`` section (:func:`verify.cli.docstrings.attribute_docs`), with the default shown.

The values are checked by the class itself on construction (``TypeError``/``ValueError``, which the
subcommands turn into one ``error:`` line); the flags only parse numbers. :func:`given_fields` says
which flags were given on the command line (e.g. the TEBD flags are refused with ``--method exact``).

Examples
--------
>>> import argparse
>>> from verify.models import XXZChain
>>> parser = argparse.ArgumentParser()
>>> _ = add_dataclass_arguments(parser, XXZChain, defaults={"n_sites": 8})
>>> args = parser.parse_args(["--j-z", "0.5", "--initial", "domain-wall"])
>>> dataclass_from_arguments(XXZChain, args)
XXZChain(n_sites=8, j_xx=1.0, j_z=0.5, h_z=0.0, initial='domain-wall')
>>> sorted(given_fields(args))
['initial', 'j_z']
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

from verify.cli.docstrings import attribute_docs, plain_text

__all__ = [
    "GIVEN",
    "FieldFlag",
    "add_dataclass_arguments",
    "boolean",
    "dataclass_from_arguments",
    "field_flags",
    "finite_float",
    "flag_name",
    "given_fields",
    "integer",
    "optional_float",
    "optional_integer",
]

GIVEN = "given_fields"
"""Namespace attribute holding the names of the generated flags given on the command line."""


# ----------------------------------------------------------------------------------------- value parsers
_PI = re.compile(r"^(?P<factor>[+-]?(?:\d+(?:\.\d*)?|\.\d+)?)\s*\*?\s*pi\s*(?:/\s*(?P<divisor>\d+(?:\.\d*)?))?$")


def _multiple_of_pi(text: str) -> float | None:
    """``"pi"``, ``"pi/2"``, ``"3pi/4"``, ``"-0.5*pi"`` as a float; None when ``text`` is not of that form."""
    match = _PI.match(text.strip().lower())
    if match is None:
        return None
    factor = match.group("factor")
    value = math.pi * (float(factor) if factor not in ("", "+", "-") else (-1.0 if factor == "-" else 1.0))
    return value / float(match.group("divisor")) if match.group("divisor") else value


def finite_float(text: str) -> float:
    """argparse type: a finite number, also written as a fraction (``"0.5"``, ``"1e-7"``, ``"3/2"``) or a
    multiple of π (``"pi/2"``, ``"3pi/4"``: angles)."""
    angle = _multiple_of_pi(text)
    if angle is not None:
        return angle
    try:
        value = float(Fraction(text.strip())) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def integer(text: str) -> int:
    """argparse type: an integer (``"8"``; not ``"8.0"``)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def boolean(text: str) -> bool:
    """argparse type: ``true/false``, ``yes/no``, ``1/0`` (any case)."""
    value = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not true or false")
    return value


PARSERS: dict[type, Callable[[str], Any]] = {bool: boolean, int: integer, float: finite_float, str: str}
"""Field value type → argparse type."""

NONE_WORDS = ("none", "null")
"""What a numeric field that may be None (``electron_theta: float | None``) reads as None."""


def optional_float(text: str) -> float | None:
    """argparse type of a ``float | None`` field: ``none``/``null`` (any case) or :func:`finite_float`."""
    return None if text.strip().lower() in NONE_WORDS else finite_float(text)


def optional_integer(text: str) -> int | None:
    """argparse type of an ``int | None`` field: ``none``/``null`` (any case) or :func:`integer`."""
    return None if text.strip().lower() in NONE_WORDS else integer(text)


OPTIONAL_PARSERS: dict[type, Callable[[str], Any]] = {int: optional_integer, float: optional_float}
"""Numeric value type → argparse type of a field whose annotation allows None (its default text
``None`` parses back, so every default round-trips through the command line)."""


def _allows_none(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def flag_name(name: str) -> str:
    """``"chi_max"`` → ``"--chi-max"``."""
    return "--" + name.replace("_", "-")


# ----------------------------------------------------------------------------------------- one flag per field
@dataclasses.dataclass(frozen=True)
class FieldFlag:
    """The flag generated for one dataclass field (:func:`field_flags`)."""

    name: str
    flag: str
    type: Callable[[str], Any]
    default: Any
    help: str
    choices: tuple | None = None
    required: bool = False


class FieldAction(argparse.Action):
    """Store the value and record the field in the namespace's :data:`GIVEN` set."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, GIVEN, frozenset(getattr(namespace, GIVEN, frozenset())) | {self.dest})


def given_fields(args: argparse.Namespace) -> frozenset[str]:
    """Names of the generated flags that were given on the command line (not left at their default)."""
    return frozenset(getattr(args, GIVEN, frozenset()))


def _value_type(field: dataclasses.Field, hint: Any, default: Any) -> type:
    """The type a field's flag parses: the default's, or the annotation's when the default is None."""
    if default is not None and default is not dataclasses.MISSING:
        candidates = [type(default)]
    elif typing.get_origin(hint) is typing.Literal:
        candidates = [type(typing.get_args(hint)[0])]
    elif typing.get_origin(hint) in (typing.Union, types.UnionType):
        candidates = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    else:
        candidates = [hint]
    for candidate in candidates:
        for known in PARSERS:  # bool before int: a bool is an int
            if isinstance(candidate, type) and issubclass(candidate, known):
                return known
    raise TypeError(f"cannot generate a flag for field {field.name!r} of type {hint!r}: exclude it")


def _choices(field: dataclasses.Field, hint: Any, documented: tuple | None) -> tuple | None:
    if "choices" in field.metadata:
        return tuple(field.metadata["choices"])
    if typing.get_origin(hint) is typing.Literal:
        return typing.get_args(hint)
    return documented


def _help(text: str, default: Any) -> str:
    text = text.rstrip()
    if default is not None and default is not dataclasses.MISSING and "default" not in text.lower():
        text = text[:-1] if text.endswith(".") and not text.endswith("..") else text
        text = f"{text} (default {default})" if text else f"(default {default})"
    return text.replace("%", "%%")  # argparse formats help with %


def _defaults(cls: type, defaults: Mapping[str, Any] | Any | None) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(cls)]
    if defaults is None:
        return {}
    if isinstance(defaults, cls):
        return {name: getattr(defaults, name) for name in names}
    if not isinstance(defaults, Mapping):
        raise TypeError(f"defaults must be a mapping or a {cls.__name__}, got {type(defaults).__name__}")
    unknown = sorted(set(defaults) - set(names))
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {unknown}")
    return dict(defaults)


def field_flags(
    cls: type, *, defaults: Mapping[str, Any] | Any | None = None, exclude: Collection[str] = ()
) -> list[FieldFlag]:
    """The flag of every init field of the frozen dataclass ``cls`` but ``exclude`` (module docstring).

    Parameters
    ----------
    cls : dataclass type
        E.g. :class:`verify.models.XXZChain` or :class:`verify.tebd.TEBDOptions`.
    defaults : mapping or instance of ``cls``, optional
        Defaults replacing the class's (e.g. a small instance for a cross-check); shown in the help.
    exclude : collection of str
        Fields that get no flag (they keep their defaults).

    Raises
    ------
    TypeError
        When ``cls`` is not a dataclass or a field's type has no parser (exclude such fields).
    ValueError
        For ``defaults`` or ``exclude`` naming no field.
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"expected a dataclass type, got {cls!r}")
    overrides = _defaults(cls, defaults)
    unknown = sorted(set(exclude) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise ValueError(f"exclude names no field of {cls.__name__}: {unknown}")
    hints = typing.get_type_hints(cls, include_extras=False)
    docs = attribute_docs(cls)
    flags = []
    for field in dataclasses.fields(cls):
        if not field.init or field.name in exclude:
            continue
        default = overrides.get(field.name, field.default)
        if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        doc = docs.get(field.name)
        text = plain_text(field.metadata["help"]) if "help" in field.metadata else (doc.description if doc else "")
        value_type = _value_type(field, hints.get(field.name), default)
        optional = _allows_none(hints.get(field.name)) and value_type in OPTIONAL_PARSERS
        flags.append(FieldFlag(
            name=field.name,
            flag=flag_name(field.name),
            type=OPTIONAL_PARSERS[value_type] if optional else PARSERS[value_type],
            default=None if default is dataclasses.MISSING else default,
            help=_help(text, default),
            choices=_choices(field, hints.get(field.name), doc.choices if doc else None),
            required=default is dataclasses.MISSING,
        ))
    return flags


def add_dataclass_arguments(
    parser_or_group: Any, cls: type, *, defaults: Mapping[str, Any] | Any | None = None,
    exclude: Collection[str] = (),
) -> list[FieldFlag]:
    """Add ``--field-name`` for every field of ``cls`` to an argparse parser or argument group.

    Parameters as :func:`field_flags`; the destination of each flag is the field's name, so
    :func:`dataclass_from_arguments` finds it, and :func:`given_fields` lists the flags given.

    Returns
    -------
    list of FieldFlag
        The flags added.
    """
    flags = field_flags(cls, defaults=defaults, exclude=exclude)
    for flag in flags:
        parser_or_group.add_argument(
            flag.flag, dest=flag.name, type=flag.type, default=flag.default, choices=flag.choices,
            help=flag.help, required=flag.required, action=FieldAction,
        )
    return flags


def dataclass_from_arguments(cls: type, args: argparse.Namespace | Mapping[str, Any],
                             *, exclude: Sequence[str] = ()) -> Any:
    """The instance of ``cls`` built from the parsed values named like its fields.

    Fields absent from ``args`` (or in ``exclude``) keep the class's defaults. The class validates
    the values (``TypeError`` / ``ValueError``).
    """
    values = args if isinstance(args, Mapping) else vars(args)
    return cls(**{
        field.name: values[field.name]
        for field in dataclasses.fields(cls)
        if field.init and field.name in values and field.name not in exclude
    })

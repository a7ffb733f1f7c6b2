"""The package's validation rules, written once and called everywhere else.

Every public entry point of ``states``, ``entanglement`` and ``verify`` checks its arguments with these
functions, so the same input gets the same answer everywhere:

* a wrong *type* raises ``TypeError`` (a string where a number belongs, a bool where an integer
  belongs, a float where an integer belongs);
* a wrong *value* of the right type raises ``ValueError`` (negative, out of range, NaN, inf);
* both messages name the argument, say what was expected and show what was given.

Integers are ``numbers.Integral`` (Python ``int`` and every numpy integer type) but never a bool
(``True`` is an ``int`` in Python; as a site count it is always a mistake). Reals are
``numbers.Real`` (ints, floats and numpy floats), again never a bool. This module sits at the bottom of
the dependency graph (``states`` imports nothing else of the package), so every package can use it.

Examples
--------
>>> import numpy as np
>>> require_int("n_sites", np.int64(8), minimum=2)
8
>>> require_int("n_sites", True)
Traceback (most recent call last):
    ...
TypeError: n_sites must be an integer, got True (bool)
>>> require_real("dt", float("nan"))
Traceback (most recent call last):
    ...
ValueError: dt must be a finite number, got nan
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "int_argument",
    "is_integer",
    "is_real",
    "require_bool",
    "require_choice",
    "require_int",
    "require_log_base",
    "require_real",
]

T = TypeVar("T")


def _shown(value: object) -> str:
    text = repr(value)
    if len(text) > 60:  # a 10**400 or a long list: enough to recognize it, not the whole thing
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def is_integer(value: object) -> bool:
    """True for Python and numpy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value: object) -> bool:
    """True for ints, floats and numpy real scalars, False for bools, complex numbers and strings."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def require_int(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int after checking its type and range.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    value : object
        The argument.
    minimum, maximum : int, optional
        Inclusive bounds.

    Raises
    ------
    TypeError
        Unless ``value`` is an integer (numpy integers accepted, bools refused).
    ValueError
        When it lies outside [minimum, maximum].
    """
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {_shown(value)}")
    number = int(value)  # type: ignore[call-overload]
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise ValueError(f"{name} must be an integer in {minimum}..{maximum}, got {_shown(value)}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_shown(value)}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {_shown(value)}")
    return number


def require_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a Python float after checking its type, finiteness and range.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    value : object
        The argument.
    minimum, maximum : float, optional
        Inclusive bounds.
    positive : bool
        Require ``value > 0``.
    finite : bool
        Refuse NaN and ±inf (default). With ``finite=False`` infinities pass, NaN never does.

    Raises
    ------
    TypeError
        Unless ``value`` is a real number (bools and complex numbers refused).
    ValueError
        For NaN, infinities (when ``finite``) or a value out of range.
    """
    if not is_real(value):
        raise TypeError(f"{name} must be a real number, got {_shown(value)}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        raise ValueError(f"{name} must be a finite number, got {_shown(value)}") from None
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{name} must be a finite number, got {number!r}")
    if positive and not number > 0:
        raise ValueError(f"{name} must be > 0, got {number!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {number!r}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {number!r}")
    return number


def require_bool(name: str, value: object) -> bool:
    """``value`` if it is a bool (numpy bools accepted); TypeError otherwise (1 and 0 are not flags)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_shown(value)}")
    return bool(value)


def require_choice(name: str, value: T, choices: Collection[Any]) -> T:
    """``value`` if it is one of ``choices``.

    Raises
    ------
    TypeError
        When ``value`` is of another type than every choice (e.g. a number where names are expected).
    ValueError
        When it has the right type but is not among the choices.
    """
    listed = ", ".join(repr(c) for c in choices)
    if not any(type(value) is type(choice) for choice in choices):
        raise TypeError(f"{name} must be one of {listed}, got {_shown(value)}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}: use one of {listed}")
    return value


def require_log_base(base: object) -> float | None:
    """A logarithm base: ``None`` (natural log, nats) or a finite real number > 0 other than 1.

    ``1`` and ``1.0`` are refused (log 1 = 0 would divide every entropy by zero), and so are bools.

    Raises
    ------
    TypeError
        For a non-real base.
    ValueError
        For base <= 0, base == 1, NaN or inf.
    """
    if base is None:
        return None
    number = require_real("base", base)
    if number <= 0 or number == 1:
        raise ValueError(f"base must be a positive number other than 1 (or None for nats), got {_shown(base)}")
    return number


def int_argument(minimum: int) -> Callable[[str], int]:
    """An ``argparse`` ``type=`` for integer flags of at least ``minimum``: the command lines' one rule.

    A text that is not an integer or is below ``minimum`` raises ``argparse.ArgumentTypeError`` with a
    message naming what was expected ("a non-negative integer", "a positive integer", "an integer >= m"),
    which argparse turns into a one-line usage error.

    Examples
    --------
    >>> int_argument(1)("3")
    3
    >>> int_argument(0)("-1")
    Traceback (most recent call last):
        ...
    argparse.ArgumentTypeError: expected a non-negative integer, got '-1'
    """
    import argparse

    minimum = require_int("minimum", minimum)
    wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse

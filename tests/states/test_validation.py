"""states.validation: the package's one set of argument rules (TypeError for types, ValueError for values)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from states.validation import (
    is_integer,
    is_real,
    require_bool,
    require_choice,
    require_int,
    require_log_base,
    require_real,
)


@pytest.mark.parametrize("value", [3, np.int64(3), np.int8(3), np.uint16(3)])
def test_integers_include_numpy_integers(value):
    assert is_integer(value) and require_int("n", value, minimum=0) == 3
    assert type(require_int("n", value)) is int  # returned as a Python int, JSON-ready


@pytest.mark.parametrize("value", [True, np.bool_(False), 3.0, "3", None, 3 + 0j])
def test_everything_else_is_not_an_integer(value):
    assert not is_integer(value)
    with pytest.raises(TypeError, match="n must be an integer"):
        require_int("n", value)


def test_integer_ranges():
    assert require_int("k", 5, minimum=0, maximum=5) == 5
    with pytest.raises(ValueError, match=r"k must be an integer in 0\.\.5, got 6"):
        require_int("k", 6, minimum=0, maximum=5)
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        require_int("k", 1, minimum=2)
    with pytest.raises(ValueError, match="k must be an integer <= 2"):
        require_int("k", 3, maximum=2)
    with pytest.raises(ValueError, match=r"\.\.\."):  # a huge value is shown shortened
        require_int("k", 10**400, maximum=2)


@pytest.mark.parametrize("value", [1, 1.5, np.float32(1.5), np.int64(2), math.inf])
def test_reals(value):
    assert is_real(value)
    if math.isinf(value):
        assert require_real("x", value, finite=False) == math.inf
        with pytest.raises(ValueError, match="finite"):
            require_real("x", value)
    else:
        assert require_real("x", value) == float(value)


@pytest.mark.parametrize("value", [True, "1.5", None, 1j, [1.0]])
def test_non_reals_are_type_errors(value):
    with pytest.raises(TypeError, match="x must be a real number"):
        require_real("x", value)


def test_real_values():
    for bad, message in ((math.nan, "finite"), (10**400, "finite"), (0.0, "> 0"), (-1.0, ">= 0"), (3.0, "<= 2")):
        with pytest.raises(ValueError, match=message):
            require_real("x", bad, positive=message == "> 0", minimum=0.0 if message == ">= 0" else None,
                         maximum=2.0 if message == "<= 2" else None)


def test_bools_and_choices():
    assert require_bool("flag", np.bool_(True)) is True
    with pytest.raises(TypeError, match="True or False"):
        require_bool("flag", 1)
    assert require_choice("pol", "z", ("z", "x")) == "z"
    with pytest.raises(ValueError, match="unknown pol 'y'"):
        require_choice("pol", "y", ("z", "x"))
    with pytest.raises(TypeError, match="pol must be one of"):
        require_choice("pol", 2, ("z", "x"))


def test_log_bases():
    assert require_log_base(None) is None and require_log_base(2) == 2.0
    for bad in (1, 1.0, 0, -2.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="base"):
            require_log_base(bad)
    for bad in ("e", True):
        with pytest.raises(TypeError, match="base"):
            require_log_base(bad)

"""states.conventions: spin-S charges and operators, and the largest spin they are built for."""

from __future__ import annotations

import numpy as np
import pytest

from states.conventions import MAX_TWO_S, spin_operators, spin_s_charges, spin_s_operators


def test_spin_s_charges():
    assert spin_s_charges(1).tolist() == [1, -1]
    assert spin_s_charges(np.int64(3)).tolist() == [3, 1, -1, -3]  # numpy integers accepted
    assert spin_s_charges(MAX_TWO_S).size == MAX_TWO_S + 1


@pytest.mark.parametrize(("two_s", "error"), [(0, ValueError), (-1, ValueError), (MAX_TWO_S + 1, ValueError),
                                              (10**12, ValueError), (1.0, TypeError), (True, TypeError),
                                              ("1", TypeError)])
def test_spin_s_charges_refuse_bad_spins_before_allocating(two_s, error):
    with pytest.raises(error, match="two_s"):
        spin_s_charges(two_s)
    with pytest.raises(error, match="two_s"):
        spin_s_operators(two_s)


def test_spin_half_operators_are_the_pauli_matrices():
    for ours, pauli in zip(spin_s_operators(1), spin_operators("pauli"), strict=True):
        np.testing.assert_array_equal(ours, pauli)

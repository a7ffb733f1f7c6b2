"""states.conventions: polarization directions n(θ, φ) and spin coherent states along them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from states.conventions import direction_vector, spin_coherent_state, spin_s_operators


@pytest.mark.parametrize("two_s", [1, 2, 3, 4])
@pytest.mark.parametrize(("theta", "phi"), [(0.0, 0.0), (math.pi, 0.0), (0.7, 1.3), (math.pi / 2, -2.0), (2.9, 7.0)])
def test_coherent_state_points_along_n(two_s: int, theta: float, phi: float) -> None:
    """n·S |n⟩ = S |n⟩ and ⟨S⟩ = S n (round-off: entries are products of a few cos/sin, ≲ 1e-15)."""
    v = spin_coherent_state(two_s, theta, phi)
    n = direction_vector(theta, phi)
    ops = spin_s_operators(two_s, "half")
    along = sum(n[a] * ops[a] for a in range(3))
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-14)
    assert np.linalg.norm(along @ v - two_s / 2 * v) < 1e-13
    spin = np.array([np.vdot(v, op @ v).real for op in ops])
    assert np.allclose(spin, two_s / 2 * n, atol=1e-13)


def test_axes_are_exact() -> None:
    """θ = π/2, π and φ = π/2 give exact axes (round-off zeros snapped), so ±z states are exact 2S^z eigenstates."""
    assert direction_vector(math.pi / 2, 0.0).tolist() == [1.0, 0.0, 0.0]
    assert direction_vector(math.pi / 2, math.pi / 2).tolist() == [0.0, 1.0, 0.0]
    assert direction_vector(math.pi, 0.3).tolist() == [0.0, 0.0, -1.0]
    assert spin_coherent_state(3, math.pi, 0.0).tolist() == [0, 0, 0, 1]
    assert np.abs(spin_coherent_state(3, math.pi, 1.1)).tolist() == [0, 0, 0, 1]  # m = −S up to a phase
    assert spin_coherent_state(2, 0.0, 1.1).tolist() == [1, 0, 0]
    spinor = spin_coherent_state(1, 0.4, 0.9)
    assert spinor[0] == pytest.approx(math.cos(0.2)) and spinor[1] == pytest.approx(np.exp(0.9j) * math.sin(0.2))


def test_bad_angles() -> None:
    with pytest.raises(ValueError, match="theta"):
        direction_vector(-0.1, 0.0)
    with pytest.raises(ValueError, match="theta"):
        spin_coherent_state(1, 3.2, 0.0)
    with pytest.raises(ValueError, match="phi"):
        direction_vector(1.0, math.inf)
    with pytest.raises(TypeError, match="phi"):
        direction_vector(1.0, "x")

"""Trotter schedules on their own (verify.tebd.trotter): weights, PRX Eq. 8 order, error order on matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from verify.tebd.trotter import (
    SCHEMES,
    Layer,
    Sweep,
    bond_sequence,
    even_odd,
    forest_ruth,
    schedule,
    second_order,
    step_sequence,
    suzuki4,
)

ALL = [(order, name) for order, names in SCHEMES.items() for name in names]


@pytest.mark.parametrize(("order", "scheme"), ALL)
@pytest.mark.parametrize("n_sites", [2, 3, 4, 7])
def test_every_bond_gets_one_step(order: int, scheme: str, n_sites: int) -> None:
    """Σ of the weights of each bond's gates is exactly one step δt (to round-off of the stage weights)."""
    seq = bond_sequence(schedule(order, scheme), n_sites)
    totals = np.zeros(n_sites - 1)
    for b, w in seq:
        totals[b] += w
    assert np.allclose(totals, 1.0, rtol=0, atol=1e-14)


SWEEP_SCHEMES = [(o, s) for o, s in ALL if s != "even-odd"]


@pytest.mark.parametrize(("order", "scheme"), SWEEP_SCHEMES)
def test_sweep_weights_sum_to_two_steps(order: int, scheme: str) -> None:
    """Each sweep schedule has right and left sweeps summing to 1/2 + 1/2 of the step."""
    sweeps = schedule(order, scheme)
    right = sum(s.weight for s in sweeps if s.direction == "right")
    left = sum(s.weight for s in sweeps if s.direction == "left")
    assert right == pytest.approx(0.5, abs=1e-15)
    assert left == pytest.approx(0.5, abs=1e-15)


def test_second_order_is_prx_eq8() -> None:
    """PRX Eq. 8: H_1 … H_{N−1} with δt/2, then H_{N−1} … H_1 with δt/2; the two H_{N−1} merge."""
    assert schedule(2, "prx") == (Sweep("right", 0.5), Sweep("left", 0.5))
    assert bond_sequence(schedule(2, "prx"), 4) == [(0, 0.5), (1, 0.5), (2, 1.0), (1, 0.5), (0, 0.5)]
    assert bond_sequence(schedule(2, "prx"), 2) == [(0, 1.0)]


def test_default_second_order_is_even_odd() -> None:
    """The order-2 default is U_even(δt/2) U_odd(δt) U_even(δt/2) (SCHEMES: as accurate as Eq. 8 at a
    fraction of its cost); the paper's options name Eq. 8 explicitly."""
    from verify.tebd import PAPER_TEBD, TEBDOptions

    assert schedule(2) == (Layer(0, 0.5, "right"), Layer(1, 1.0, "left"), Layer(0, 0.5, "right"))
    assert TEBDOptions().scheme_name == "even-odd"
    assert PAPER_TEBD.scheme_name == "prx" and PAPER_TEBD.replace(scheme=None) == TEBDOptions()


@pytest.mark.parametrize(("order", "scheme"), SWEEP_SCHEMES)
def test_schedules_are_palindromic(order: int, scheme: str) -> None:
    """Symmetric products S(τ)S(−τ) = 1 are what makes the error even order: the gate list reads the same backwards."""
    seq = bond_sequence(schedule(order, scheme), 5)
    assert [b for b, _ in seq] == [b for b, _ in reversed(seq)]
    assert np.allclose([w for _, w in seq], [w for _, w in reversed(seq)], atol=1e-15)


def test_even_odd_is_tenpy_order_two() -> None:
    """U_even(δt/2) U_odd(δt) U_even(δt/2): a palindrome of layers (gates within a layer commute)."""
    stages = schedule(2, "even-odd")
    assert stages == even_odd()
    assert [(s.parity, s.weight) for s in stages] == [(s.parity, s.weight) for s in reversed(stages)]
    assert bond_sequence(stages, 5) == [(0, 0.5), (2, 0.5), (3, 1.0), (1, 1.0), (0, 0.5), (2, 0.5)]


@pytest.mark.parametrize(("order", "scheme"), ALL)
@pytest.mark.parametrize("n_steps", [1, 2, 5])
def test_merged_steps_are_the_same_operator(order: int, scheme: str, n_steps: int) -> None:
    """n steps run back to back (merged at the step boundaries) equal n separate steps as matrices,
    with fewer gates: PRX Eq. 8 saves one gate per boundary, even-odd a whole even layer."""
    n, tau = 5, 0.3
    bonds = _random_bonds(n, seed=11)
    one = np.eye(2**n, dtype=complex)
    for b, w in bond_sequence(schedule(order, scheme), n):
        one = sla.expm(-1j * bonds[b] * w * tau) @ one
    merged = np.eye(2**n, dtype=complex)
    sequence = step_sequence(schedule(order, scheme), n, n_steps)
    for b, w, _ in sequence:
        merged = sla.expm(-1j * bonds[b] * w * tau) @ merged
    # both are products of ~50 exact unitaries: agreement to a few hundred ε
    assert np.allclose(merged, np.linalg.matrix_power(one, n_steps), atol=1e-12)
    per_step = len(bond_sequence(schedule(order, scheme), n))
    saved = {"prx": 1, "even-odd": len(range(0, n - 1, 2))}.get(scheme, 1)
    assert len(sequence) == n_steps * per_step - (n_steps - 1) * saved
    assert [k for _, _, k in sequence] == sorted(k for _, _, k in sequence)
    assert {k for _, _, k in sequence} == set(range(n_steps))


def test_fourth_order_stage_weights() -> None:
    """Forest–Ruth θ = 1/(2 − 2^{1/3}) and Suzuki p = 1/(4 − 4^{1/3}) cancel the third-order error."""
    theta = 1 / (2 - 2 ** (1 / 3))
    assert [s.weight * 2 for s in forest_ruth()[::2]] == pytest.approx([theta, 1 - 2 * theta, theta])
    # the cubes of the stage weights sum to zero (condition for the δt³ term to vanish)
    for sweeps in (forest_ruth(), suzuki4()):
        stages = np.array([2 * s.weight for s in sweeps[::2]])
        assert stages.sum() == pytest.approx(1.0, abs=1e-15)
        assert np.sum(stages**3) == pytest.approx(0.0, abs=1e-14)
    assert second_order(0.3) == (Sweep("right", 0.15), Sweep("left", 0.15))


def _random_bonds(n_sites: int, seed: int) -> list[np.ndarray]:
    """Random Hermitian nearest-neighbour terms on a chain of qubits, embedded in 2^n dimensions."""
    rng = np.random.default_rng(seed)
    out = []
    for b in range(n_sites - 1):
        a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
        h = (a + a.conj().T) / 2
        out.append(np.kron(np.kron(np.eye(2**b), h), np.eye(2 ** (n_sites - b - 2))))
    return out


@pytest.mark.parametrize(
    ("order", "scheme", "expected"), [(2, "prx", 3), (2, "even-odd", 3), (4, "forest-ruth", 5), (4, "suzuki", 5)]
)
def test_local_error_order(order: int, scheme: str, expected: int) -> None:
    """One step of the schedule vs exp(−iHτ) for non-commuting random bonds: local error ∝ τ^(order+1).

    The slope of log(error) vs log(τ) over τ = 0.1, 0.05, 0.025 must be within 0.2 of order + 1 (the
    next term of the error series is one power of τ higher, its relative weight ~τ/τ_0 ≈ 0.1).
    """
    n = 4
    bonds = _random_bonds(n, seed=order)
    h = sum(bonds)
    taus = np.array([0.1, 0.05, 0.025])
    errors = []
    for tau in taus:
        u = np.eye(2**n, dtype=complex)
        for b, w in bond_sequence(schedule(order, scheme), n):
            u = sla.expm(-1j * bonds[b] * w * tau) @ u
        errors.append(np.linalg.norm(u - sla.expm(-1j * h * tau), 2))
    slopes = np.diff(np.log(errors)) / np.diff(np.log(taus))
    assert np.all(np.abs(slopes - expected) < 0.2), slopes


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: schedule(3), "order"),
        (lambda: schedule(4, "yoshida-typo"), "scheme"),
        (lambda: schedule(2, "forest-ruth"), "scheme"),
        (lambda: bond_sequence(schedule(2), 1), "n_sites"),
        (lambda: Sweep("up", 0.5), "direction"),  # type: ignore[arg-type]
        (lambda: Layer(2, 0.5), "parity"),
        (lambda: Layer(0, 0.5, "up"), "direction"),  # type: ignore[arg-type]
        (lambda: step_sequence(schedule(2), 4, 0), "n_steps"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_step_counts_are_integers() -> None:
    stages = schedule(2)
    assert step_sequence(stages, 4, np.int64(3)) == step_sequence(stages, 4, 3)  # numpy integers accepted
    for bad in (2.0, True, "2"):
        with pytest.raises(TypeError, match="n_steps must be an integer"):
            step_sequence(stages, 4, bad)  # type: ignore[arg-type]

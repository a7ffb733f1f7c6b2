"""Tests of verify.testing.properties: each assertion passes on valid states and fails on a crafted violation.

A true theorem (subadditivity, Araki–Lieb, SSA) cannot be violated by a valid state, so the failing
side is shown the way users meet it: with a buggy entropy function passed as ``entropy=`` (a sign
error, or the log of the dimension instead of the entropy). The worked example of
``docs/verify_users.md`` is extracted and run.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from entanglement import von_neumann_entropy
from verify.records import RunResult
from verify.testing import properties as P
from verify.testing import strategies as S

ROOT = Path(__file__).resolve().parents[3]
BELL = np.array([1, 0, 0, 1]) / math.sqrt(2)
GHZ3 = np.zeros(8)
GHZ3[[0, 7]] = 1 / math.sqrt(2)


def negated_entropy(rho: np.ndarray) -> float:
    """A sign bug."""
    return -von_neumann_entropy(rho)


def log_dimension(rho: np.ndarray) -> float:
    """Returns log d instead of the entropy."""
    return math.log(rho.shape[0])


# ----------------------------------------------------------------------------------------- passing side


@given(S.pure_states(min_subsystems=2, max_subsystems=4, max_dim=3, max_total=36), st.data())
def test_valid_states_satisfy_every_inequality(sample: tuple[np.ndarray, tuple[int, ...]], data: st.DataObject) -> None:
    state, dims = sample
    a, b = data.draw(S.bipartitions(n_subsystems=len(dims)))
    P.assert_pure_state_entropy_symmetric(state, a, dims)
    P.assert_subadditivity(state, a, b, dims)
    P.assert_araki_lieb(state, a, b, dims)
    P.assert_mutual_information_bounds(state, a, b, dims)


@given(S.density_matrices(min_subsystems=3, max_subsystems=3, max_dim=2), st.data())
def test_mixed_states_satisfy_ssa(sample: tuple[np.ndarray, tuple[int, ...]], data: st.DataObject) -> None:
    rho, dims = sample
    P.assert_valid_density_matrix(rho)
    a, b, c = data.draw(S.subsystem_partitions(n_subsystems=3, n_parts=3))
    P.assert_strong_subadditivity(rho, a, b, c, dims)
    P.assert_subadditivity(rho, a, c, dims)
    P.assert_araki_lieb(rho, a, b, dims)
    P.assert_mutual_information_bounds(rho, a, c, dims)


@given(S.stt_states(min_n=1, max_n=3, equal_sizes=True))
def test_stt_edge_mutual_information_bounds(sample: S.STTSample) -> None:
    # PRX Eq. 14: edge localized spins 1 and N_FM (qubits n_e and n_e + n_fm - 1)
    first, last = sample.n_e, sample.n_e + sample.n_fm - 1
    if first != last:
        P.assert_mutual_information_bounds(sample.state, first, last, sample.dims)


# ----------------------------------------------------------------------------------------- failing side


def test_symmetry_fails_for_a_buggy_entropy_and_a_mixed_state() -> None:
    state = np.kron(BELL, [1, 0, 0])  # dims (2, 2, 3): S(A) = S(B) for the true entropy
    P.assert_pure_state_entropy_symmetric(state, [0], (2, 2, 3))
    with pytest.raises(AssertionError, match=r"symmetry violated: S\(A=\[0\]\) = .* S\(B=\[1, 2\]\)"):
        P.assert_pure_state_entropy_symmetric(state, [0], (2, 2, 3), entropy=log_dimension)
    mixed = np.diag([0.5, 0.5, 0.0, 0.0])  # |0><0| (x) 1/2: S(A) = 0, S(B) = ln 2
    with pytest.raises(AssertionError, match="is the state pure"):
        P.assert_pure_state_entropy_symmetric(mixed, [0], (2, 2))


def test_subadditivity_fails_for_a_sign_bug() -> None:
    P.assert_subadditivity(GHZ3, [0], [1], (2, 2, 2))
    with pytest.raises(AssertionError, match=r"subadditivity violated for A=\[0\], B=\[1\]: S\(AB\)"):
        P.assert_subadditivity(GHZ3, [0], [1], (2, 2, 2), entropy=negated_entropy)


def test_araki_lieb_fails_for_a_sign_bug() -> None:
    P.assert_araki_lieb(GHZ3, [0], [1], (2, 2, 2))
    with pytest.raises(AssertionError, match="Araki-Lieb violated"):
        P.assert_araki_lieb(GHZ3, [0], [1], (2, 2, 2), entropy=negated_entropy)


def test_strong_subadditivity_fails_for_a_sign_bug() -> None:
    # GHZ: S(ABC) + S(B) = 0 + ln 2 < S(AB) + S(BC) = 2 ln 2: strict, so the sign bug flips it
    P.assert_strong_subadditivity(GHZ3, [0], [1], [2], (2, 2, 2))
    with pytest.raises(AssertionError, match="strong subadditivity violated"):
        P.assert_strong_subadditivity(GHZ3, [0], [1], [2], (2, 2, 2), entropy=negated_entropy)


def test_mutual_information_bounds_fail_for_buggy_entropies() -> None:
    P.assert_mutual_information_bounds(BELL, [0], [1], (2, 2))  # I = 2 ln 2: at the upper bound
    with pytest.raises(AssertionError, match="mutual information negative"):
        P.assert_mutual_information_bounds(BELL, [0], [1], (2, 2), entropy=negated_entropy)

    def overcounted_pair(rho: np.ndarray) -> float:  # S_AB one nat too small: I too large
        return von_neumann_entropy(rho) - (1.0 if rho.shape[0] == 4 else 0.0)

    with pytest.raises(AssertionError, match=r"above 2 min\(S_A, S_B\)"):
        P.assert_mutual_information_bounds(BELL, [0], [1], (2, 2), entropy=overcounted_pair)


def test_atol_is_used() -> None:
    def shifted(rho: np.ndarray) -> float:  # S(AB) too large by 1e-6 only for the pair
        return von_neumann_entropy(rho) + (1e-6 if rho.shape[0] == 4 else 0.0)

    product = np.kron([1, 0], [0, 1]).astype(float)
    with pytest.raises(AssertionError):
        P.assert_subadditivity(product, [0], [1], (2, 2), entropy=shifted)
    P.assert_subadditivity(product, [0], [1], (2, 2), entropy=shifted, atol=1e-5)


def test_assert_conserved() -> None:
    series = np.full(50, 3.0)
    P.assert_conserved(series, 1e-12, "N")
    series[17] += 2e-9
    with pytest.raises(AssertionError, match=r"N not conserved: max \|x\(t\) - x\(0\)\| = 2e-09 at time index 17"):
        P.assert_conserved(series, 1e-9, "N")
    P.assert_conserved(series, 1e-8, "N")
    series[30] = np.nan
    with pytest.raises(AssertionError, match="not finite at time index 30"):
        P.assert_conserved(series, 1.0, "N")
    vectors = np.zeros((5, 3))
    vectors[2, 1] = 1.0
    with pytest.raises(AssertionError, match="time index 2"):
        P.assert_conserved(vectors, 0.5, "S")


@given(S.density_matrices(max_total=9))
def test_assert_valid_density_matrix_accepts_valid(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
    P.assert_valid_density_matrix(sample[0])


@pytest.mark.parametrize(
    ("rho", "fragment"),
    [
        (np.array([[0.5, 0.1], [0.0, 0.5]]), "not Hermitian"),
        (np.diag([0.6, 0.6]), "trace 1"),
        (np.diag([1.2, -0.2]), "positive semidefinite"),
        (np.array([[0.5, 0.5j + 0.6], [0.6 - 0.5j, 0.5]]), "positive semidefinite"),
        (np.array([[np.nan, 0], [0, 1]]), "NaN"),
        (np.ones((2, 3)) / 2, "square"),
        (np.ones((2, 2, 2)) / 2, "square"),  # a stack is not one density matrix
    ],
)
def test_assert_valid_density_matrix_rejects(rho: np.ndarray, fragment: str) -> None:
    with pytest.raises(AssertionError, match=fragment):
        P.assert_valid_density_matrix(rho)


def test_assert_run_passes() -> None:
    t = np.linspace(0.0, 1.0, 11)
    good = RunResult({"t": t, "norm": np.ones(11)})
    P.assert_run_passes(good)
    P.assert_run_passes(t=t, norm=np.ones(11))
    norm = np.ones(11)
    norm[4] = 1.1
    with pytest.raises(AssertionError, match=r"run checks failed \(norm\)") as excinfo:
        P.assert_run_passes(RunResult({"t": t, "norm": norm}))
    assert "t[4]" in str(excinfo.value)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: P.assert_subadditivity(BELL, [0], [0], (2, 2)), ValueError),  # overlapping parts
        (lambda: P.assert_subadditivity(BELL, [], [1], (2, 2)), ValueError),
        (lambda: P.assert_subadditivity(BELL, [0], [2], (2, 2)), ValueError),  # out of range
        (lambda: P.assert_subadditivity(BELL * 2, [0], [1], (2, 2)), ValueError),  # not normalized
        (lambda: P.assert_subadditivity(BELL, "0", [1], (2, 2)), TypeError),
        (lambda: P.assert_subadditivity(BELL, [0], [1], (2, 2), atol=-1.0), ValueError),
        (lambda: P.assert_subadditivity(BELL, [0], [1], (2, 2), entropy="vn"), TypeError),
        (lambda: P.assert_subadditivity(BELL, [0], [1], (2, 2), entropy=lambda rho: "x"), TypeError),
        (lambda: P.assert_pure_state_entropy_symmetric(BELL, [0], (2, 3)), ValueError),
        (lambda: P.assert_conserved(["a", "b"], 1.0), TypeError),
        (lambda: P.assert_conserved([], 1.0), ValueError),
        (lambda: P.assert_conserved([1.0], math.nan), ValueError),
        (lambda: P.assert_valid_density_matrix(np.array([["a"]])), TypeError),
    ],
)
def test_malformed_input_raises_value_or_type_error(call, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"\w"):
        call()


# ----------------------------------------------------------------------------------------- docs example


def test_worked_example_in_docs_runs() -> None:
    """Every ```python block of docs/verify_users.md runs as written (in order, one namespace)."""
    text = (ROOT / "docs" / "verify_users.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 2
    namespace: dict = {"__name__": "verify_users_example"}
    for number, block in enumerate(blocks):
        # a pseudo file name: inspect/linecache must not try to tokenize the markdown file itself
        exec(compile(block, f"<docs/verify_users.md python block {number}>", "exec"), namespace)
    assert "test_my_entropy" in namespace and "report" in namespace


def test_docs_example_would_catch_a_buggy_entropy() -> None:
    """The docs' property test is not vacuous: the same test body fails for a wrong entropy."""

    def wrong_entropy(rho: np.ndarray) -> float:  # off-by-one: drops the smallest eigenvalue
        p = np.sort(np.linalg.eigvalsh(rho))[1:]
        p = p[p > 1e-12]
        return float(-np.sum(p * np.log(p)))

    @settings(max_examples=30, derandomize=True, phases=[Phase.generate])  # no shrinking: just detect
    @given(S.pure_states(min_subsystems=3, max_subsystems=4, max_dim=2), st.data())
    def body(sample, data):
        state, dims = sample
        a, _ = data.draw(S.bipartitions(n_subsystems=len(dims)))
        P.assert_pure_state_entropy_symmetric(state, a, dims, entropy=wrong_entropy)

    with pytest.raises(AssertionError):
        body()

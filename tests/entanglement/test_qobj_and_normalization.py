"""``qutip.Qobj`` inputs and the ``normalization_atol`` parameter of every function that takes a state.

A Qobj is converted in the one input-normalizing place (``entanglement._validation.as_state`` /
``as_numeric_array``), so every function gives for a Qobj exactly what it gives for the array; a Qobj's
tensor dims replace the qubit default of ``dims``. QuTiP is never imported by ``entanglement``.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import entanglement as E
from entanglement._validation import NORMALIZATION_ATOL

qutip = pytest.importorskip("qutip")


def _random_ket(dims: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=math.prod(dims)) + 1j * rng.normal(size=math.prod(dims))
    return psi / np.linalg.norm(psi)


def _random_rho(dims: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    size = math.prod(dims)
    m = rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))
    rho = m @ m.conj().T
    return rho / np.trace(rho).real


DIMS = (2, 3, 2)
KET = _random_ket(DIMS, 1)
RHO = _random_rho(DIMS, 2)
QKET = qutip.Qobj(KET.reshape(-1, 1), dims=[list(DIMS), [1] * len(DIMS)])
QRHO = qutip.Qobj(RHO, dims=[list(DIMS), list(DIMS)])

STATE_FUNCTIONS = {
    "partial_trace": lambda s, **k: E.partial_trace(s, [0, 2], **k),
    "partial_transpose": lambda s, **k: E.partial_transpose(s, [1], **k),
    "entanglement_entropy": lambda s, **k: E.entanglement_entropy(s, [1], **k),
    "mutual_information": lambda s, **k: E.mutual_information(s, [0], [2], **k),
    "negativity": lambda s, **k: E.negativity(s, [0], **k),
    "log_negativity": lambda s, **k: E.log_negativity(s, [0], **k),
}


@pytest.mark.parametrize("name", sorted(STATE_FUNCTIONS))
@pytest.mark.parametrize(("array", "qobj"), [(KET, QKET), (RHO, QRHO)], ids=["ket", "rho"])
def test_a_qobj_gives_what_its_array_gives_with_its_own_dims(name: str, array: np.ndarray, qobj) -> None:
    function = STATE_FUNCTIONS[name]
    expected = function(array, dims=DIMS)
    np.testing.assert_allclose(function(qobj), expected, atol=1e-14)  # dims=None: the Qobj's [2, 3, 2]
    np.testing.assert_allclose(function(qobj, dims=DIMS), expected, atol=1e-14)


def test_qobj_inputs_of_the_spectral_and_qubit_functions() -> None:
    rho_a = E.partial_trace(RHO, [1], DIMS)
    q_rho_a = qutip.Qobj(rho_a)
    for function in (E.spectrum, E.von_neumann_entropy, E.purity):
        np.testing.assert_allclose(function(q_rho_a), function(rho_a), atol=1e-14)
    assert E.renyi_entropy(q_rho_a, 2) == pytest.approx(E.renyi_entropy(rho_a, 2), abs=1e-14)
    bell = qutip.bell_state("00")
    assert E.concurrence(bell) == pytest.approx(1.0, abs=1e-12)
    assert E.meyer_wallach(bell) == pytest.approx(1.0, abs=1e-12)
    qubit = qutip.ket2dm(qutip.basis(2, 0))
    np.testing.assert_allclose(E.bloch_vector(qubit), [0, 0, 1], atol=1e-14)
    np.testing.assert_allclose(E.meyer_wallach_from_rdms([qubit, qutip.qeye(2) / 2]), 0.5, atol=1e-14)
    E.check_density_matrices(q_rho_a)


def test_qobjs_that_are_no_states_are_refused() -> None:
    with pytest.raises(ValueError, match="bra"):
        E.partial_trace(QKET.dag(), [0])
    with pytest.raises(ValueError, match="only kets and density matrices"):
        E.entanglement_entropy(qutip.to_super(qutip.sigmax()), [0])
    rectangular = qutip.Qobj(np.eye(4), dims=[[2, 2], [4]])
    with pytest.raises(ValueError, match="equal row and column dims"):
        E.von_neumann_entropy(rectangular)
    with pytest.raises(ValueError, match="not normalized"):
        E.partial_trace(qutip.Qobj(2 * KET.reshape(-1, 1), dims=[list(DIMS), [1, 1, 1]]), [0])


def test_entanglement_never_imports_qutip() -> None:
    code = (
        "import sys, numpy as np, entanglement as E; "
        "E.entanglement_entropy(np.array([1.0, 0, 0, 1]) / np.sqrt(2), [0]); print('qutip' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


# ------------------------------------------------------------------------------- normalization_atol


def test_a_truncated_mps_state_of_norm_1_minus_1e_6_is_accepted_with_its_tolerance() -> None:
    # an MPS that was not renormalized after truncation: <psi|psi> = 1 - eps with eps its accumulated
    # truncation error (1e-6 here); legitimate, and refused by the 1e-8 default that catches a forgotten
    # normalization
    eps = 1e-6
    truncated = KET * math.sqrt(1 - eps)
    with pytest.raises(ValueError, match="normalization_atol"):
        E.entanglement_entropy(truncated, [0], DIMS)
    tol = 2 * eps
    expected = E.entanglement_entropy(KET, [0], DIMS)
    assert E.entanglement_entropy(truncated, [0], DIMS, normalization_atol=tol) == pytest.approx(expected, abs=1e-12)
    assert E.mutual_information(truncated, [0], [2], DIMS, normalization_atol=tol) == pytest.approx(
        E.mutual_information(KET, [0], [2], DIMS), abs=1e-12
    )
    assert E.negativity(truncated, [0], DIMS, normalization_atol=tol) == pytest.approx(
        E.negativity(KET, [0], DIMS), abs=1e-12
    )
    qubits = _random_ket((2, 2, 2), 3)
    assert E.meyer_wallach(qubits * math.sqrt(1 - eps), normalization_atol=tol) == pytest.approx(
        E.meyer_wallach(qubits), abs=1e-12
    )
    assert E.concurrence(qubits[:4] / np.linalg.norm(qubits[:4]) * math.sqrt(1 - eps), normalization_atol=tol) == (
        pytest.approx(E.concurrence(qubits[:4] / np.linalg.norm(qubits[:4])), abs=1e-12)
    )
    # partial_trace returns the reduced matrix of the vector as given: trace <psi|psi>
    rho = E.partial_trace(truncated, [0], DIMS, normalization_atol=tol)
    assert np.trace(rho).real == pytest.approx(1 - eps, abs=1e-14)
    assert E.von_neumann_entropy(rho, normalization_atol=tol) == pytest.approx(
        E.von_neumann_entropy(E.partial_trace(KET, [0], DIMS)), abs=1e-12
    )
    with pytest.raises(ValueError, match="does not have trace 1"):
        E.von_neumann_entropy(rho)


def test_the_default_is_the_documented_tolerance() -> None:
    assert NORMALIZATION_ATOL == 1e-8
    E.partial_trace(KET * math.sqrt(1 + 0.5 * NORMALIZATION_ATOL), [0], DIMS)
    with pytest.raises(ValueError, match="not normalized"):
        E.partial_trace(KET * math.sqrt(1 + 2 * NORMALIZATION_ATOL), [0], DIMS)
    E.partial_trace(KET * math.sqrt(1 + 2 * NORMALIZATION_ATOL), [0], DIMS, normalization_atol=3 * NORMALIZATION_ATOL)
    spectrum = np.array([0.5, 0.5 - 1e-6])
    with pytest.raises(ValueError, match="does not sum to 1"):
        E.von_neumann_entropy(spectrum)
    assert E.von_neumann_entropy(spectrum, normalization_atol=1e-5) == pytest.approx(math.log(2), abs=1e-6)


@pytest.mark.parametrize(("value", "error"), [(-1e-3, ValueError), (1.0, ValueError), (math.nan, ValueError),
                                              ("1e-3", TypeError), (True, TypeError)])
def test_invalid_tolerances_are_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="normalization_atol"):
        E.entanglement_entropy(KET, [0], DIMS, normalization_atol=value)

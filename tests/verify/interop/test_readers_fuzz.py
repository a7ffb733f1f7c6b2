"""Fuzzing the readers: malformed files and arguments raise ValueError / TypeError with a message, never
anything else, and a corrupted value in a readable TeNPy file never passes the checks.

* arbitrary bytes under any suffix (``read_run``), including pickle and HDF5 headers;
* a TeNPy results file made by TeNPy and then damaged with h5py: a truncated file, a measurement removed,
  replaced by a string, an object array or an array of the wrong length, a value set to NaN or inf, an
  ``hdf5_io`` type the reader does not read (``reduce``, ``global``), a model parameter of the wrong type;
* ``from_qutip_result`` with junk results, times and e_ops keys.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.checks import check_run
from verify.interop import from_qutip_result, read_run

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
HEADERS = [b"", b"PK\x03\x04", b"\x89HDF\r\n\x1a\n", b"\x80\x04\x95", b"\x93NUMPY", b"{", b"\x00\x01"]


def _rejects(call) -> str:
    """Call; return the message of its ValueError/TypeError; fail on success or any other exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except (ValueError, TypeError) as exc:
            assert str(exc).strip(), f"{type(exc).__name__} with an empty message"
            return str(exc)
    raise AssertionError("malformed input was accepted")


@FUZZ
@given(header=st.sampled_from(HEADERS), body=st.binary(max_size=256),
       suffix=st.sampled_from([".npz", ".h5", ".hdf5", ".pkl", ".json", ".npy", ""]))
def test_arbitrary_bytes_are_refused(tmp_path_factory: pytest.TempPathFactory, header: bytes, body: bytes,
                                     suffix: str) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"run{suffix}"
    path.write_bytes(header + body)
    _rejects(lambda: read_run(path))


# ------------------------------------------------------------------------------------------ TeNPy files


@pytest.fixture(scope="module")
def tenpy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tenpy = pytest.importorskip("tenpy")
    pytest.importorskip("h5py")
    path = tmp_path_factory.mktemp("fuzz_tenpy") / "xxz.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tenpy.run_simulation(
            "RealTimeEvolution",
            model_class="XXZChain",
            model_params={"L": 6, "Jz": 0.5, "conserve": "Sz"},
            initial_state_params={"method": "lat_product_state", "product_state": [["up"], ["down"]]},
            algorithm_params={"trunc_params": {"chi_max": 16, "svd_min": 1e-10}, "dt": 0.1, "N_steps": 2},
            final_time=1.0,
            connect_measurements=[("tenpy.simulations.measurement", "m_onsite_expectation_value", {"opname": "Sz"})],
            output_filename=str(path),
            log_params={"to_stdout": None, "to_file": None},
        )
    return path


MEASURED = ["<Sz>", "entropy", "eps_error", "bond_dimension", "evolved_time", "bond_energies"]
DAMAGE = ["truncate", "drop", "string", "object", "short", "nan", "inf", "reduce", "model_param"]


def _damage(path: Path, kind: str, name: str, data: st.DataObject) -> None:
    import h5py

    if kind == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1), label="length")])
        return
    with h5py.File(path, "r+") as handle:
        group = handle["measurements"]
        if kind == "model_param":
            del handle["simulation_parameters/model_params/L"]
            handle["simulation_parameters/model_params/L"] = "eight"
            handle["simulation_parameters/model_params/L"].attrs["type"] = "str"
            return
        if name not in group:
            return
        values = group[name][()]
        attrs = dict(group[name].attrs)
        del group[name]
        if kind == "drop":
            return
        if kind == "string":
            group[name] = "not an array"
        elif kind == "object":
            group[name] = np.array([b"a", b"bc"], dtype=object).astype("S")
        elif kind == "short":
            group[name] = values[:-1]
        elif kind in ("nan", "inf"):
            values = values.astype(float)
            index = tuple(data.draw(st.integers(0, n - 1), label=f"axis {k}") for k, n in enumerate(values.shape))
            values[index] = np.nan if kind == "nan" else -np.inf
            group[name] = values
        elif kind == "reduce":
            group[name] = values
            attrs["type"] = "reduce"
        group[name].attrs.update({k: v for k, v in attrs.items() if k != "type"})
        group[name].attrs["type"] = attrs.get("type", "array") if kind == "reduce" else (
            "str" if kind == "string" else "array")


@FUZZ
@given(kind=st.sampled_from(DAMAGE), name=st.sampled_from(MEASURED), data=st.data())
def test_damaged_tenpy_files_raise_or_fail(tenpy_file: Path, tmp_path_factory: pytest.TempPathFactory, kind: str,
                                           name: str, data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("damaged") / "xxz.h5"
    shutil.copy(tenpy_file, path)
    _damage(path, kind, name, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = check_run(read_run(path))
        except (ValueError, TypeError) as exc:
            assert str(exc).strip()
            return
    if kind in ("nan", "inf"):  # a read value that is not finite never passes
        assert not report.passed, report.to_table()
    if kind == "truncate":
        raise AssertionError("a truncated HDF5 file was read")


# ------------------------------------------------------------------------------------------ QuTiP results


JUNK: list[Any] = [None, 3, "result", [1, 2], {"times": [0.0]}, object(), np.zeros(3)]
QUTIP_CASES: list[tuple[str, Any]] = (
    [("result", junk) for junk in JUNK]
    + [("times", junk) for junk in ([0.0, 0.0, 0.0], "abc", [[0.0, 1.0]], [np.nan, 1.0, 2.0], [0.0], [0.0, 2.0, 1.0])]
    + [("e_ops_keys", junk) for junk in (3, "sigma_z", ["a", "b"], {"x": 7}, [""], [3], b"z")]
    + [("model", junk) for junk in (3, "xxz", object(), np.zeros(2))]
)


@pytest.mark.parametrize("case", QUTIP_CASES, ids=lambda case: f"{case[0]}={type(case[1]).__name__}")
def test_from_qutip_result_rejects_junk(case: tuple[str, Any]) -> None:
    qutip = pytest.importorskip("qutip")
    role, junk = case
    result = qutip.sesolve(qutip.sigmax(), qutip.basis(2, 0), [0.0, 0.5, 1.0], e_ops=[qutip.sigmaz()])
    kwargs: dict[str, Any] = {"e_ops_keys": ["sigma_z"]}
    if role == "result":
        _rejects(lambda: from_qutip_result(junk, **kwargs))
    else:
        _rejects(lambda: from_qutip_result(result, **{**kwargs, role: junk}))

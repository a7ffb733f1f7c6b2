"""Fuzzing the readers: malformed files and arguments raise ValueError / TypeError with a message, never
anything else, and a corrupted value in a readable TeNPy file never passes the checks.

* arbitrary bytes under any suffix (``read_run``), including pickle and HDF5 headers;
* a TeNPy results file made by TeNPy and then damaged with h5py: a truncated file, a measurement removed,
  replaced by a string, an object array or an array of the wrong length, a value set to NaN or inf, an
  ``hdf5_io`` type the reader does not read (``reduce``, ``global``), a model parameter of the wrong type,
  a tensor of its final state removed;
* a saved TeNPy MPS (``hdf5_io.save``, charges conserved) damaged with h5py: truncated, a tensor or
  singular values removed, a wrong length ``L``, block indices out of range, blocks of the wrong shape or
  type, malformed leg slices, wrong leg labels or canonical form, NaN/inf entries or norm, infinite
  boundary conditions;
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

from verify.checks import Report, check_run
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
DAMAGE = ["truncate", "drop", "string", "object", "short", "nan", "inf", "reduce", "model_param", "psi_tensor"]


def _damage(path: Path, kind: str, name: str, data: st.DataObject) -> None:
    import h5py

    if kind == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1), label="length")])
        return
    with h5py.File(path, "r+") as handle:
        group = handle["measurements"]
        if kind == "psi_tensor":  # the final state's tensors give the site dimensions and labels
            del handle["psi/tensors/0"]
            return
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


def read_and_check_or_refused(path: Path) -> Report | None:
    """The report of a damaged file, or None when reading or checking it raised ValueError/TypeError with a
    message (any other exception propagates and fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return check_run(read_run(path))
        except (ValueError, TypeError) as exc:
            assert str(exc).strip()
            return None


@FUZZ
@given(kind=st.sampled_from(DAMAGE), name=st.sampled_from(MEASURED), data=st.data())
def test_damaged_tenpy_files_raise_or_fail(tenpy_file: Path, tmp_path_factory: pytest.TempPathFactory, kind: str,
                                           name: str, data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("damaged") / "xxz.h5"
    shutil.copy(tenpy_file, path)
    _damage(path, kind, name, data)
    report = read_and_check_or_refused(path)
    if report is None:
        return
    if kind in ("nan", "inf"):  # a read value that is not finite never passes
        assert not report.passed, report.to_table()
    if kind in ("truncate", "psi_tensor"):
        raise AssertionError(f"an HDF5 file damaged by {kind} was read")


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


# ------------------------------------------------------------------------------------- saved TeNPy MPS


@pytest.fixture(scope="module")
def tenpy_mps_file(tenpy_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The charge-conserving (S^z) MPS of the results file, saved alone by ``hdf5_io.save``: the file
    ``read_run`` reads with the saved-MPS reader (blocks, leg slices, singular values, forms)."""
    from tenpy.tools import hdf5_io

    path = tmp_path_factory.mktemp("fuzz_mps") / "psi.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hdf5_io.save(hdf5_io.load(str(tenpy_file))["psi"], str(path))  # TeNPy's loader, on a file it made
    return path


MPS_DAMAGE = ["truncate", "drop_tensor", "drop_singular", "length", "block_inds", "block_shape", "block_string",
              "slices", "labels", "form", "nan", "inf", "norm", "boundary"]


def _replace(group: Any, name: str, value: Any, kind: str = "array") -> None:
    if name in group:
        del group[name]
    group[name] = value
    group[name].attrs["type"] = kind


def _damage_mps(path: Path, kind: str, data: st.DataObject) -> None:
    """One damage of the module docstring's list to the MPS at the file's root (site drawn)."""
    import h5py

    if kind == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1), label="length")])
        return
    with h5py.File(path, "r+") as root:
        n_sites = int(root.attrs["L"])
        site = data.draw(st.integers(0, n_sites - 1), label="site")
        tensor = root["tensors"][str(site)]
        block = tensor["blocks"][str(data.draw(st.integers(0, int(tensor["blocks"].attrs["len"]) - 1), label="b"))]
        if kind == "drop_tensor":
            del root["tensors"][str(site)]
        elif kind == "drop_singular":
            del root["singular_values"][str(site)]
        elif kind == "length":
            root.attrs["L"] = data.draw(st.sampled_from([0, -1, n_sites + 1, 10**9]), label="L")
        elif kind == "block_inds":
            inds = tensor["block_inds"][()]
            inds[data.draw(st.integers(0, inds.shape[0] - 1)), data.draw(st.integers(0, 2))] = data.draw(
                st.sampled_from([-1, 99]), label="charge block")
            _replace(tensor, "block_inds", inds)
        elif kind == "block_shape":
            _replace(tensor["blocks"], block.name.rsplit("/", 1)[1], np.zeros((2, 3)))
        elif kind == "block_string":
            _replace(tensor["blocks"], block.name.rsplit("/", 1)[1], "not a block", "str")
        elif kind == "slices":
            leg = tensor["legs"][str(data.draw(st.integers(0, 2), label="leg"))]
            if "slices" in leg:
                _replace(leg, "slices", data.draw(st.sampled_from([np.array([3, 1, 0]), np.array([0.0, 1.5]),
                                                                   np.zeros(0, dtype=int)]), label="slices"))
        elif kind == "labels":
            _replace(tensor["labels"], "0", "q", "str")
        elif kind == "form":
            _replace(root["canonical_form"], str(site), data.draw(st.sampled_from(["B", 1.0]), label="form"),
                     "str" if kind == "form" else "float")
        elif kind in ("nan", "inf"):
            values = block[()].astype(complex)
            values.flat[data.draw(st.integers(0, values.size - 1), label="entry")] = np.nan if kind == "nan" else np.inf
            _replace(tensor["blocks"], block.name.rsplit("/", 1)[1], values)
        elif kind == "norm":
            root.attrs["norm"] = data.draw(st.sampled_from([np.nan, np.inf, 0.0]), label="norm")
        elif kind == "boundary":
            _replace(root, "boundary_condition", "infinite", "str")


@FUZZ
@given(kind=st.sampled_from(MPS_DAMAGE), data=st.data())
def test_damaged_saved_mps_raise_or_fail(tenpy_mps_file: Path, tmp_path_factory: pytest.TempPathFactory, kind: str,
                                         data: st.DataObject) -> None:
    """A damaged saved MPS: ``read_run`` (and ``read_tenpy_mps``) raise ValueError/TypeError with a message,
    or read it — and then a non-finite entry or norm never passes ``check_run``."""
    path = tmp_path_factory.mktemp("damaged_mps") / "psi.h5"
    shutil.copy(tenpy_mps_file, path)
    _damage_mps(path, kind, data)
    report = read_and_check_or_refused(path)
    if report is None:
        return
    if kind in ("nan", "inf", "norm"):
        assert not report.passed, report.to_table()
    if kind in ("truncate", "drop_tensor", "drop_singular", "length", "block_string", "boundary"):
        raise AssertionError(f"a saved MPS damaged by {kind} was read")


def test_the_undamaged_saved_mps_is_read_and_passes(tenpy_mps_file: Path) -> None:
    """The fuzz baseline: without damage the file is read and passes (else every damage 'raises')."""
    report = check_run(read_run(tenpy_mps_file))
    assert report.passed, report.to_table()


ARGUMENT_JUNK: list[tuple[str, Any]] = (
    [("group", junk) for junk in (3, b"/", ["/"], object())]
    + [("labels", junk) for junk in (3, "up", b"up", ["up"], [3, 4], ("up", "up"), ("up", "down", "up"), [None, "up"])]
    + [("model", junk) for junk in (3, "xxz", object(), np.zeros(2))]
)


def _junk_id(case: tuple[str, Any]) -> str:
    """A test id that is the same in every process (an ``object()``'s repr holds its address)."""
    name, junk = case
    return f"{name}=object()" if type(junk) is object else f"{name}={junk!r}"


@pytest.mark.parametrize("case", ARGUMENT_JUNK, ids=_junk_id)
def test_reader_arguments_are_checked(tenpy_mps_file: Path, tenpy_file: Path, case: tuple[str, Any]) -> None:
    """Junk ``group`` / ``labels`` of read_tenpy_mps (duplicate labels would duplicate a basis state and
    silently change the state) and junk ``model`` of read_run / read_tenpy_hdf5 raise with a message."""
    from verify.interop import read_tenpy_hdf5, read_tenpy_mps

    role, junk = case
    if role == "model":
        for path in (tenpy_file, tenpy_mps_file):
            _rejects(lambda path=path: read_run(path, model=junk))
        _rejects(lambda: read_tenpy_hdf5(tenpy_file, model=junk))
    else:
        _rejects(lambda: read_tenpy_mps(tenpy_mps_file, **{role: junk}))

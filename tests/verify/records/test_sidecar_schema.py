"""The published sidecar schema (docs/run_record.schema.json), its validation on load, and pickles refused."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.checks import check_run, load_record
from verify.cli import check as check_cli
from verify.models import XXZChain
from verify.records import (
    SIDECAR_SCHEMA,
    RunResult,
    file_format,
    load_run,
    schema_json,
    simulate_exact,
    validate_sidecar,
)

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "run_record.schema.json"
SUPPORTED = {
    "$schema", "$id", "title", "description", "type", "properties", "additionalProperties", "required",
    "items", "minItems", "maxItems", "uniqueItems", "minimum", "exclusiveMinimum", "minLength", "enum",
}


def test_the_committed_schema_file_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text() == schema_json(), (
        "docs/run_record.schema.json is stale: regenerate it with "
        "python -c \"from verify.records.sidecar import schema_json; print(schema_json(), end='')\" "
        "> docs/run_record.schema.json"
    )
    assert json.loads(SCHEMA_FILE.read_text()) == SIDECAR_SCHEMA


def _keywords(schema: Any) -> set[str]:
    found = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key == "properties":
                for sub in value.values():
                    found |= _keywords(sub)
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                found |= _keywords(value)
    return found


def test_the_validator_knows_every_keyword_the_schema_uses() -> None:
    assert _keywords(SIDECAR_SCHEMA) <= SUPPORTED


def test_records_the_package_writes_are_valid(tmp_path: Path) -> None:
    run = simulate_exact(XXZChain(n_sites=4, initial="uudd"), t_max=0.5, dt_out=0.25)
    path = run.save(tmp_path / "xxz.npz")
    validate_sidecar(json.loads(path.with_suffix(".json").read_text()))
    assert load_run(path).meta["model"]["model"] == "xxz"


@pytest.mark.parametrize(
    ("field", "value", "error", "fragment"),
    [
        ("site_dims", "2222", TypeError, "'site_dims' must be a list"),
        ("site_dims", [2, 0, 2], ValueError, r"'site_dims\[1\]' must be >= 1"),
        ("site_dims", [2], ValueError, "at least 2 entries"),
        ("conserved", ["N", "N"], ValueError, "twice"),
        ("conserved", ["N", ""], ValueError, "non-empty"),
        ("sector", {"N": 1.5}, TypeError, "'sector.N' must be an integer"),
        ("entropy_dims", [4], ValueError, "at least 2"),
        ("entropy_dims", [4, 4, 4], ValueError, "at most 2"),
        ("dt_out", 0.0, ValueError, "'dt_out' must be > 0"),
        ("initial_state", "neel", TypeError, "'initial_state' must be an object"),
        ("initial_state", {"label": 3}, TypeError, "'initial_state.label' must be a string"),
        ("energy_conserved", "no", TypeError, "true or false"),
        ("model", 3, TypeError, "an object or a string"),
        ("n_e", True, TypeError, "'n_e' must be an integer"),
        ("stopped", {"t": 3.0}, ValueError, "'stopped' lacks the required field 't_max_asked'"),
        ("stopped", {"t": "3", "t_max_asked": 40.0}, TypeError, "'stopped.t' must be a number"),
        ("stopped", 3.0, TypeError, "'stopped' must be an object"),
    ],
)
def test_a_sidecar_off_the_schema_is_refused_naming_the_field(
    tmp_path: Path, field: str, value: Any, error: type[Exception], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = RunResult({"t": np.arange(3.0), "norm": np.ones(3)}).save(tmp_path / "run.npz")
    sidecar = path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    meta[field] = value
    sidecar.write_text(json.dumps(meta))
    with pytest.raises(error, match=fragment):
        load_run(path)
    with pytest.raises(error, match=fragment):  # a record in memory is validated by the checks as well
        load_record(RunResult({"t": np.arange(3.0)}, {field: value}))
    assert check_cli.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and str(path) in err


def test_committed_records_of_earlier_releases_are_valid() -> None:
    runs = sorted((SCHEMA_FILE.parent / "figures" / "full" / "runs").glob("*.json"))
    assert runs
    for sidecar in runs:
        validate_sidecar(json.loads(sidecar.read_text()), str(sidecar))


def test_fields_beyond_the_schema_are_allowed() -> None:
    validate_sidecar({"tebd": {"dt": 0.1}, "my_field": [1, "a"], "model": "prx"})


# ---------------------------------------------------------------------------------------- never unpickle


def test_a_pickle_is_refused_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.pkl"
    path.write_bytes(pickle.dumps({"t": np.arange(3.0)}))
    assert file_format(path) == "pickle"
    with pytest.raises(ValueError, match="never unpickled"):
        load_run(path)
    with pytest.raises(ValueError, match="never unpickled"):
        check_run(path)
    disguised = tmp_path / "run.npz"  # a pickle under a record's name: recognized by its header
    disguised.write_bytes(pickle.dumps({"t": np.arange(3.0)}, protocol=4))
    with pytest.raises(ValueError, match="pickle"):
        load_run(disguised)
    for target in (path, disguised):
        assert check_cli.main([str(target)]) == 2
        err = capsys.readouterr().err
        assert "never unpickled" in err and len(err.strip().splitlines()) == 1


def test_object_arrays_in_an_npz_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, t=np.arange(3.0), norm=np.array([{"a": 1}, None, 3], dtype=object))
    with pytest.raises(ValueError, match="object arrays"):
        load_run(path)
    assert check_cli.main([str(path)]) == 2
    assert "object arrays" in capsys.readouterr().err


def test_other_files_are_named_for_what_they_are(tmp_path: Path) -> None:
    npy = tmp_path / "t.npy"
    np.save(npy, np.arange(3.0))
    assert file_format(npy) == "npy"
    with pytest.raises(ValueError, match=r"single \.npy array"):
        load_run(npy)
    text = tmp_path / "run.txt"
    text.write_text("t,norm\n0,1\n")
    assert file_format(text) == "unknown"
    with pytest.raises(ValueError, match=r"not a readable \.npz"):
        load_run(text)
    with pytest.raises(FileNotFoundError):
        file_format(tmp_path / "missing.npz")

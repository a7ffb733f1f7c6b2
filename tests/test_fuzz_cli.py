"""Fuzzing ``python -m verify`` through in-process :func:`verify.cli.main.main` calls (issue 14: 10^4 cases).

Each generated command line is a valid base (a small PRX or XXZ chain, a pair on a ring, a saved
record) with random valid extra flags and one *poison* added last: a flag value of the wrong type
(``abc``, ``nan``, ``1e400``, an empty string), a value out of range, a size beyond a cost guard
(``--n-sites 10**6``, ``--dt 1e-9``, ``--hopping 1e6``, ``crosscheck stt --n-e 5000``), a bad
``--out`` (wrong suffix, a directory, a name too long, a file as parent), an unknown flag, a TEBD
flag with ``--method exact``, a missing or unreadable record for ``check``/``compare``. The oracle:
exit status 2, exactly one ``error:`` line on stderr, no traceback, nothing written. A poison never
shares its flag with an extra, so no later flag can repair it. :data:`N_CASES` cases per run.
"""

from __future__ import annotations

import contextlib
import io
import random
from collections import Counter
from pathlib import Path

import pytest

from verify.cli.main import main
from verify.models import XXZChain
from verify.records import simulate_exact

N_CASES = 1500
"""Command lines per run."""

BASES: dict[str, list[str]] = {
    "prx": ["run", "prx", "--n-sites", "6", "--n-left", "2", "--n-fm", "2", "--n-conf", "2", "--n-e", "2",
            "--t-max", "0.5", "--dt-out", "0.25"],
    "xxz": ["run", "xxz", "--n-sites", "4", "--t-max", "0.5", "--dt-out", "0.25"],
    "pair": ["run", "pair", "--n-sites", "30", "--t-max", "0.5", "--dt-out", "0.25"],
}
EXTRAS: dict[str, list[list[str]]] = {
    "prx": [["--hopping", "0.5"], ["--j-sd", "0.2"], ["--field", "50"], ["--polarization", "z"],
            ["--initial-state", "product"], ["--confinement", "5"]],
    "xxz": [["--j-z", "0.5"], ["--h-z", "0.1"], ["--initial", "neel"], ["--j-xx", "1"]],
    "pair": [["--hopping", "0.5"], ["--pair", "singlet"], ["--sigma", "3"]],
}
NUMERIC_FLAGS: dict[str, list[str]] = {
    "prx": ["--n-sites", "--n-e", "--hopping", "--j-sd", "--field", "--t-max", "--dt-out", "--cut"],
    "xxz": ["--n-sites", "--j-z", "--h-z", "--t-max", "--dt-out", "--cut"],
    "pair": ["--n-sites", "--hopping", "--sigma", "--t-max", "--dt-out"],
}
JUNK = ["abc", "", "nan", "inf", "-inf", "1e400", "-1e400", "1.5.2", "0x", "None", "1,2", "π", "--", "1e", " "]
OUT_OF_RANGE = {"--n-sites": ["-3", "0", "1"], "--n-e": ["-1", "99"], "--t-max": ["-1"], "--dt-out": ["0", "-0.5"],
                "--cut": ["0", "-2", "999"], "--sigma": ["0", "-1"]}


def _poison(rng: random.Random, kind: str, folder: Path) -> tuple[str, list[str]]:
    """(the flag it poisons, the poison's arguments)."""
    choice = rng.randrange(8)
    if choice == 0:
        flag = rng.choice(NUMERIC_FLAGS[kind])
        return flag, [flag, rng.choice(JUNK)]
    if choice == 1:
        flag = rng.choice(sorted(set(OUT_OF_RANGE) & set(NUMERIC_FLAGS[kind])))
        return flag, [flag, rng.choice(OUT_OF_RANGE[flag])]
    if choice == 2 and kind != "pair":
        return "--n-sites", ["--n-sites", str(rng.randint(10**5, 10**9)), "--method", "tebd"]
    if choice == 3 and kind != "pair":
        return "--dt", ["--method", "tebd", "--dt", rng.choice(["1e-9", "1e-12", "0", "-0.1", "nan"])]
    if choice == 4 and kind != "pair":
        return "--dt", ["--method", "exact", rng.choice(["--dt", "--chi-max", "--trunc"]), "0.1"]
    if choice == 5 and kind != "pair":
        coupling = "--hopping" if kind == "prx" else "--j-z"
        return coupling, [coupling, f"{rng.uniform(1, 9):.3f}e{rng.randint(7, 200)}"]
    if choice == 6:
        return "--bogus", [rng.choice(["--bogus", "--n_sites", "-x", "--max-sites=abc", "--out-dir"]), "1"]
    bad_outs = ["run.txt", "", str(folder), str(folder / ("x" * 300 + ".npz")), str(folder / "file.npz" / "r.npz"),
                str(folder / "d" / ("y" * 260) / "r.npz"), "run.npz.json"]
    return "--out", ["--out", rng.choice(bad_outs)]


def _run_case(rng: random.Random, folder: Path) -> list[str]:
    kind = rng.choice(sorted(BASES))
    flag, poison = _poison(rng, kind, folder)
    extras = [extra for extra in EXTRAS[kind] if extra[0] != flag and rng.random() < 0.4]
    out = [] if "--out" in poison else ["--out", str(folder / "never.npz")]
    return [*BASES[kind], *[part for extra in extras for part in extra], *out, *poison]


def _other_case(rng: random.Random, folder: Path, record: Path) -> list[str]:
    choice = rng.randrange(6)
    if choice == 0:
        return ["check", rng.choice([str(folder / "missing.npz"), str(folder), str(folder / "junk.bin"), ""])]
    if choice == 1:
        bad = rng.choice([["--profile", "loose"], ["--entropy-dims", "4"], ["--entropy-dims", "a,b"], ["--n-e", "x"],
                          ["--conserved", ",,"], ["--conserved", "N,N"], ["--tol", "norm"], ["--tol", "norm=abc"]])
        return ["check", str(record), *bad]
    if choice == 2:
        n_e, n_fm = rng.choice([("-1", "3"), ("3", "x"), ("5000", "5000"), ("1e3", "2"), ("", "2"),
                                (str(rng.randint(300, 10**6)), str(rng.randint(300, 10**6)))])
        return ["crosscheck", "stt", "--n-e", n_e, "--n-fm", n_fm]
    if choice == 3:
        flag, poison = _poison(rng, "xxz", folder)
        if flag == "--out":
            poison = ["--j-z", "nan"]
        return ["crosscheck", "xxz", "--n-sites", "4", "--t-max", "0.5", *poison]
    if choice == 4:
        return ["compare", rng.choice([str(record), str(folder / "missing.npz")]), str(folder / "missing2.npz")]
    return rng.choice([[], ["bogus"], ["run"], ["run", "nomodel"], ["check"], ["crosscheck"], ["compare", "--x"]])


def _status(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 2
    return status, err.getvalue()


def test_cli_fuzz(tmp_path: Path) -> None:
    record = simulate_exact(XXZChain(n_sites=4), t_max=0.5, dt_out=0.25).save(tmp_path / "good.npz")
    (tmp_path / "junk.bin").write_bytes(b"\x00not a record")
    (tmp_path / "file.npz").write_bytes(b"")
    rng = random.Random(2014)
    counts: Counter[str] = Counter()
    for _ in range(N_CASES):
        family = "run" if rng.random() < 0.6 else "other"
        argv = _run_case(rng, tmp_path) if family == "run" else _other_case(rng, tmp_path, record)
        try:
            status, err = _status(argv)
        except Exception as exc:  # any exception out of main() is a traceback
            pytest.fail(f"{argv}: {type(exc).__name__}: {exc}")
        lines = err.strip().splitlines()
        assert status == 2, f"{argv}: exit {status}, stderr {err!r}"
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{argv}: stderr {err!r}"
        counts[family] += 1
    assert not (tmp_path / "never.npz").exists(), "a poisoned run wrote its record"
    assert sum(counts.values()) == N_CASES
    print(f"cli fuzz: {N_CASES} command lines, {dict(counts)}")

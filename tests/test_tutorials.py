"""The tutorials in docs/tutorials/ run as written: each at most 10 lines of user code, executed here.

Every ```python block of a tutorial is executed in a fresh namespace in a temporary directory (the
files a tutorial writes land there), its standard output captured; every ```sh block line
``python -m verify ...`` is run there too and must exit with status 0.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

# The "verify my run" tutorials (the other tutorials run in the docs build: docs/_ext/run_code.py).
TUTORIALS = sorted((Path(__file__).resolve().parents[1] / "docs" / "tutorials").glob("verify_*.md"))
MAX_USER_LINES = 10


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def _user_lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_there_are_the_two_tutorials() -> None:
    assert {path.name for path in TUTORIALS} >= {"verify_tenpy_run.md", "verify_qutip_run.md"}


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda path: path.stem)
def test_tutorial_runs_as_written(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text()
    code = _blocks(text, "python")
    assert code, f"{path.name} has no python block"
    lines = sum(len(_user_lines(block)) for block in code)
    assert lines <= MAX_USER_LINES, f"{path.name}: {lines} lines of user code (at most {MAX_USER_LINES})"
    monkeypatch.chdir(tmp_path)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in code:
            exec(compile(block, str(path), "exec"), {"__name__": "__tutorial__"})
    printed = output.getvalue()
    assert "PASSED" in printed and "FAILED" not in printed, printed
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for block in _blocks(text, "sh"):
        for line in _user_lines(block):
            argv = shlex.split(line)
            assert argv[:3] == ["python", "-m", "verify"], line
            completed = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, env=env,
                                       check=False)
            assert completed.returncode == 0, f"{line}: {completed.stderr}"

"""Run the tutorials' code at build time: a failing block fails the build.

For every page under a prefix of the ``run_code_pages`` setting, each fenced ``python`` block runs in
one namespace per page, in a fresh temporary directory (the files a tutorial writes land there), with
matplotlib's Agg backend. Each ``sh`` block line ``python -m ...`` runs there too, with this
interpreter, and must exit with status 0. What a block prints is shown below it in the page (a
``text`` block). An exception or a nonzero exit is a Sphinx warning at the block's line — an error
under ``-W``.

A page that needs an optional library says so in an HTML comment, ``<!-- run-code: requires dask
distributed -->``: without those modules its code is not run and the page says so in a note (a
warning instead when the environment variable ``QSTT_DOCS_REQUIRE_ALL`` is set, so a CI that installs
them can insist).

The functions below :func:`setup` need no Sphinx: ``tests/test_docs_build.py`` calls them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = re.compile(r"^```(?P<lang>python|sh)[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
REQUIRES = re.compile(r"<!--\s*run-code:\s*requires\s+(?P<modules>[\w. ]+?)\s*-->")
REPO = Path(__file__).resolve().parents[2]
SHELL_TIMEOUT_S = 600  # one `python -m verify ...` line of a tutorial runs in seconds; this catches a hang


@dataclass
class Outcome:
    """What running one page's code gave: the page text with outputs, the errors, the missing modules."""

    text: str
    errors: list[tuple[int, str]] = field(default_factory=list)  # (1-based line of the block, message)
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0


def required_modules(text: str) -> list[str]:
    """The modules a page declares with ``<!-- run-code: requires ... -->``."""
    return [name for match in REQUIRES.finditer(text) for name in match["modules"].split()]


def _run_python(code: str, namespace: dict, origin: str) -> str:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, origin, "exec"), namespace)
    return output.getvalue()


def _run_shell(code: str, cwd: Path) -> str:
    printed = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "Agg"}
    for line in code.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        argv = shlex.split(line, comments=True)
        if argv[0] != "python":
            raise RuntimeError(f"only `python ...` lines run in a tutorial's sh block, not {line!r}")
        completed = subprocess.run([sys.executable, *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                                   timeout=SHELL_TIMEOUT_S, check=False)
        printed.append(completed.stdout)
        if completed.returncode != 0:
            raise RuntimeError(f"`{line}` exited with status {completed.returncode}: {completed.stderr.strip()}")
    return "".join(printed)


def _text_block(output: str) -> str:
    fence = "````" if "```" in output else "```"
    return f"\n\n{fence}text\n{output.rstrip()}\n{fence}"


def run_page(text: str, origin: str) -> Outcome:
    """Run the code blocks of one page in a temporary directory; return the page with their output."""
    missing = [name for name in required_modules(text) if importlib.util.find_spec(name.split(".")[0]) is None]
    if missing:
        return Outcome(text, missing=missing)
    start = time.perf_counter()
    errors: list[tuple[int, str]] = []
    pieces: list[str] = []
    position = 0
    namespace: dict = {"__name__": "__tutorial__"}
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="qstt-docs-") as tmp:
        os.chdir(tmp)
        try:
            for match in BLOCK.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                pieces.append(text[position:match.end()])
                position = match.end()
                try:
                    if match["lang"] == "python":
                        output = _run_python(match["code"], namespace, f"{origin}:{line}")
                    else:
                        output = _run_shell(match["code"], Path(tmp))
                except Exception as error:  # any failure of the user's code is reported, not raised
                    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
                    errors.append((line, f"{match['lang']} block failed: {detail}"))
                    continue
                if output.strip():
                    pieces.append(_text_block(output))
        finally:
            os.chdir(previous)
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
    pieces.append(text[position:])
    return Outcome("".join(pieces), errors, [], time.perf_counter() - start)


def _not_run_note(text: str, missing: list[str]) -> str:
    names = ", ".join(f"`{name}`" for name in missing)
    note = (f":::{{note}}\nThe code of this page was not run in this build of the documentation: {names} "
            "not installed.\n:::\n\n")
    heading = re.search(r"^# .*\n", text, flags=re.MULTILINE)
    cut = heading.end() if heading else 0
    return text[:cut] + "\n" + note + text[cut:]


def setup(app):  # pragma: no cover - exercised by the docs build
    """Sphinx entry point: run the tutorials' code blocks during the build."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    app.add_config_value("run_code_pages", [], "env")
    os.environ.setdefault("MPLBACKEND", "Agg")

    def on_source_read(app, docname: str, source: list[str]) -> None:
        if not any(docname.startswith(prefix) for prefix in app.config.run_code_pages):
            return
        outcome = run_page(source[0], app.env.doc2path(docname))
        if outcome.missing:
            message = f"code not run: {', '.join(outcome.missing)} not installed"
            if os.environ.get("QSTT_DOCS_REQUIRE_ALL"):
                logger.warning(message, location=docname)
            else:
                logger.info(f"{docname}: {message}")
            source[0] = _not_run_note(source[0], outcome.missing)
            return
        for line, message in outcome.errors:
            logger.warning(message, location=(docname, line))
        logger.info(f"{docname}: code ran in {outcome.seconds:.1f} s")
        source[0] = outcome.text

    app.connect("source-read", on_source_read)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}

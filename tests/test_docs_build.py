"""The documentation site's generators and checks (docs/conf.py, docs/_ext/), without building it.

The build itself runs in ``.ci/run`` after the tests (``python -m sphinx -W --keep-going``): there a
public name that did not become a documented object is a warning, hence an error
(``qstt_api.missing``). Here: the generated API pages cover every name of every public module's
``__all__`` (read back from the generated reST, not from the generator's own tables), every public
package is a root of the reference, the docstring escaping keeps reST's own uses of ``|``, the tutorial
runner reports failures with their line and inserts outputs, every page is in a toctree, and the
documentation tools stay out of the runtime dependencies.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import gallery  # noqa: E402 - docs/_ext is not a package
import qstt_api  # noqa: E402
import run_code  # noqa: E402

DIRECTIVE = re.compile(r"^\.\. (?:autofunction|autoclass|automodule):: (\S+)$", re.MULTILINE)
DATA = re.compile(r"^\.\. py:data:: (\S+)\n   :module: (\S+)$", re.MULTILINE)
LINK = re.compile(r":py:(?:obj|mod):`(\S+) <(\S+)>`")


@pytest.fixture(scope="module")
def api_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("api")
    qstt_api.write_pages(out)
    return {path.stem: path.read_text() for path in out.glob("*.rst")}


def _documented(pages: dict[str, str]) -> set[str]:
    names = {match for text in pages.values() for match in DIRECTIVE.findall(text)}
    names |= {f"{module}.{name}" for text in pages.values() for name, module in DATA.findall(text)}
    return names


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    try:  # the attribute first: verify.records.simulate_exact is a function and a module of that name
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def test_every_public_package_is_in_the_reference() -> None:
    documented = set(qstt_api.documented_modules())
    missing = [package for package in qstt_api.public_packages() if package not in documented]
    assert not missing, f"public packages without an API page (add them to qstt_api.ROOTS): {missing}"
    assert {"states", "entanglement", "verify", "paper_figs", "verify.models", "verify.cli"} <= documented
    assert "states.conventions" in documented  # a module object in states.__all__ gets its own page


def test_every_public_name_appears_in_the_api_reference(api_pages: dict[str, str]) -> None:
    documented = _documented(api_pages)
    undocumented = []
    for module in qstt_api.documented_modules():
        text = api_pages[module]
        links = dict(LINK.findall(text))
        for name in importlib.import_module(module).__all__:
            value = getattr(importlib.import_module(module), name)
            if f"{module}.{name}" in documented:
                continue
            target = links.get(name)  # documented elsewhere: a link to the very same object
            if target is None or target not in documented or _resolve(target) is not value:
                undocumented.append(f"{module}.{name}")
    assert not undocumented, f"public names missing from the API reference: {undocumented}"


def test_each_object_is_documented_once(api_pages: dict[str, str]) -> None:
    directives = [match for text in api_pages.values() for match in DIRECTIVE.findall(text)]
    assert len(directives) == len(set(directives))
    assert "verify.checks.check_run" in directives and "verify.check_run" not in directives
    assert ":py:obj:`check_run <verify.checks.check_run>`" in api_pages["verify"]


def test_the_build_time_coverage_check_reports_a_missing_name() -> None:
    table = qstt_api.entries(["verify.checks"])
    documented = {row.canonical for rows in table.values() for row in rows}
    assert qstt_api.missing(table, documented) == []
    assert qstt_api.missing(table, documented - {"verify.checks.check_run"}) == ["verify.checks.check_run"]


def test_references_through_defining_modules_resolve_to_the_documented_names() -> None:
    import verify.testing  # noqa: F401 - loads the modules unique_attribute searches

    table = qstt_api.entries(qstt_api.documented_modules())
    identities = qstt_api._identities(table)

    def target(name: str) -> str | None:
        return qstt_api.documented_target(name, table, identities)

    assert target("verify.exact.chebyshev.evolve") == "verify.exact.evolve"
    assert target("verify.tebd.options.TEBDOptions.scheme_name") == "verify.tebd.TEBDOptions.scheme_name"
    assert target("verify.exact.sector.MAX_SECTOR_DIM") == "verify.exact.MAX_SECTOR_DIM"  # a constant
    assert target("TEBDOptions") == "verify.tebd.TEBDOptions"  # a bare name of one documented object
    assert target("verify.checks.tolerances") == "verify.checks"  # a module without a page: its layer
    assert target("verify.testing.error_budget.BudgetTerms") == "verify.testing"  # a private helper
    assert target("verify.no_such_name") is None and target("numpy.ndarray") is None  # still warns
    assert qstt_api.unique_attribute("eigenvalue_atol") == "entanglement._validation.eigenvalue_atol"
    assert qstt_api.unique_attribute("no_such_name_anywhere") is None


def test_bars_are_escaped_outside_rest_markup() -> None:
    lines = ["ρ = Tr_B |ψ⟩⟨ψ| with ``|x|`` and :math:`|a|`", "", "Example::", "", "    |literal|", "",
             "| a line block", "+---+", ">>> abs(-1)  # |x|", "", "x : int | None"]
    escaped = qstt_api.escape_bars(lines)
    assert escaped[0] == r"ρ = Tr_B \|ψ⟩⟨ψ\| with ``|x|`` and :math:`|a|`"
    assert escaped[4:9] == lines[4:9]  # literal block, line block, table border, doctest kept
    assert escaped[10] == r"x : int \| None"


def test_escaped_docstrings_parse_without_substitution_errors() -> None:
    docutils_core = pytest.importorskip("docutils.core")
    text = "\n".join(qstt_api.escape_bars(["The norm |⟨ψ|ψ⟩ − 1| and |S_1| of :math:`|s|`."]))
    html = docutils_core.publish_string(text, writer="html", settings_overrides={"report_level": 2,
                                                                                 "halt_level": 2})
    assert b"|S_1|" in html


def test_run_code_inserts_outputs_and_runs_in_a_temporary_directory() -> None:
    page = "# T\n\n```python\nfrom pathlib import Path\nPath('out.txt').write_text('x')\nprint(6 * 7)\n```\n\n" \
           "```python\nprint(Path('out.txt').read_text())\n```\n\n```sh\npython -c \"print('shell')\"\n```\n"
    before = Path.cwd()
    outcome = run_code.run_page(page, "page.md")
    assert outcome.errors == [] and Path.cwd() == before and not (before / "out.txt").exists()
    assert "```text\n42\n```" in outcome.text and "```text\nx\n```" in outcome.text
    assert "```text\nshell\n```" in outcome.text


def test_run_code_reports_a_failing_block_with_its_line() -> None:
    page = "# T\n\ntext\n\n```python\nx = 1\n```\n\n```python\nraise ValueError('boom')\n```\n\n```sh\n" \
           "python -c \"raise SystemExit(3)\"\n```\n"
    outcome = run_code.run_page(page, "page.md")
    assert [line for line, _ in outcome.errors] == [9, 13]
    assert "ValueError: boom" in outcome.errors[0][1] and "status 3" in outcome.errors[1][1]


def test_run_code_skips_a_page_whose_libraries_are_missing() -> None:
    page = "# T\n\n<!-- run-code: requires numpy no_such_module_qstt -->\n\n```python\nraise SystemExit\n```\n"
    outcome = run_code.run_page(page, "page.md")
    assert outcome.missing == ["no_such_module_qstt"] and outcome.errors == []
    assert "not run" in run_code._not_run_note(page, outcome.missing)


def test_gallery_has_one_section_per_figure_with_its_committed_png() -> None:
    import paper_figs

    text = gallery.gallery_page(DOCS)
    for name in paper_figs.names():
        assert f".. _gallery-{name}:" in text
        assert f".. automodule:: {paper_figs.FIGURES[name].module}" in text
    for path in re.findall(r"^\.\. figure:: (\S+)$", text, flags=re.MULTILINE):
        assert (DOCS / path).is_file(), path


def test_every_page_is_in_a_toctree() -> None:
    index = (DOCS / "index.md").read_text()
    listed = {line.strip() for block in re.findall(r"```\{toctree\}\n(.*?)```", index, flags=re.DOTALL)
              for line in block.splitlines() if line.strip() and not line.startswith(":")}
    generated = {"gallery", "api/index"}
    pages = {str(path.relative_to(DOCS).with_suffix("")) for path in DOCS.rglob("*.md")
             if not path.relative_to(DOCS).parts[0].startswith("_")} - {"index"}
    assert pages | generated == listed, (pages | generated) ^ listed
    for name in ("tutorials/closed_forms", "tutorials/figure_variant", "tutorials/dask_sweep", "crosswalk"):
        assert name in listed


def test_documentation_tools_are_an_extra_and_ci_builds_with_warnings_as_errors() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    docs_extra = " ".join(project["optional-dependencies"]["docs"]).lower()
    for tool in ("sphinx", "numpydoc", "myst-parser"):
        assert tool in docs_extra and tool not in runtime
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"python -m sphinx .*-W --keep-going.* docs ", ci)
    assert ".[docs]" in ci

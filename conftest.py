"""Pytest configuration at the repository root: doctest collection of the packages.

``--doctest-modules`` (pyproject) runs the examples in the packages' docstrings. The deprecated
shims at the old ``verify`` paths replace themselves in ``sys.modules`` (and warn), and the
``__main__`` modules run their command line on import; neither holds examples, so they are not
collected.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
_SHIMS = (
    "blocksparse", "check_cli", "checkpoint", "crosscheck", "crosscheck_cli", "fock", "linalg", "operators", "pair",
    "propagate", "properties", "prx_exact", "prx_observables", "prx_tebd", "runs", "stt_mps", "strategies", "trotter",
)

collect_ignore = [f"verify/{name}.py" for name in _SHIMS if (ROOT / "verify" / f"{name}.py").exists()]
collect_ignore += ["verify/__main__.py", "paper_figs/__main__.py", "entanglement/__main__.py", "conftest.py"]

"""Sphinx configuration of the qstt documentation site.

Build (what ``.ci/run`` does; every warning is an error)::

    pip install -e '.[docs]'
    python -m sphinx -b html -W --keep-going docs docs/_build/html

The API pages (``docs/api/``) and the figure gallery (``docs/gallery.rst``) are generated at build
time from the packages' ``__all__`` and the figure registry (``docs/_ext/qstt_api.py``,
``docs/_ext/gallery.py``); the tutorials' code runs at build time (``docs/_ext/run_code.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS / "_ext"))

project = "qstt"
author = "the qstt authors"
copyright = "2026, the qstt authors"
try:
    from importlib.metadata import version as _version

    release = _version("qstt")
except Exception:  # not installed: the docs still build from the source tree
    release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "qstt_api",
    "gallery",
    "run_code",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "figures/full/runs", "**/.ipynb_checkpoints"]
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["qstt.css"]
html_theme = "alabaster"
html_title = f"qstt {release}"

# The markdown pages keep their GitHub form: heading anchors for in-page links; $...$ math, ::: fences.
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# autodoc: signatures with type hints, in the source's order; numpydoc renders the sections.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = False  # True breaks on some keyword-only defaults ("pop from empty list")
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# The tutorials run in a temporary directory at build time (docs/_ext/run_code.py).
run_code_pages = ["tutorials/", "crosswalk"]

# Nitpicky: every cross-reference must resolve. A reference through a defining module, to a private helper or
# to an attribute without an entry resolves to where the reference documents it (docs/_ext/qstt_api.py,
# ``resolve``); a name that no project module has — a typo, a removed function — is an error.
nitpicky = True

# Links of the markdown pages to repository paths that are not pages of this site (folders of committed
# figures and run records, the benchmarks' README): they stay relative links into the source tree.
nitpick_ignore_regex = [("myst", r"(\.\./)*(docs/)?(figures/full(/runs)?/?|benchmarks/README\.md)")]

# Without network access there is no intersphinx: the type hints' classes of the standard library and of
# the dependencies stay unlinked (they would warn only under -n, nitpicky).
nitpick_ignore_regex += [
    ("py:class", r"~?(numpy|collections|os|sympy|scipy|hypothesis|pathlib|mpmath|argparse|concurrent|typing|types"
     r"|enum|dataclasses|matplotlib|h5py|qutip|tenpy|io|re|fractions|numbers|functools|contextlib)(\..*)?"),
    ("py:class", r"ndarray|mappingproxy|NoneType|Ellipsis|function|callable|SearchStrategy|UnionType|string"),
    # string annotations autodoc cannot evaluate ('np.ndarray', 'dict[str, ...]') and numpy's DTypeLike expanded
    ("py:class", r"np\..*|dict\[str|type\[~typing\.Any\] \| ~numpy\.dtype.*"),
]

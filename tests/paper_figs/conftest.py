"""Fixtures of the paper_figs tests: every figure built once per session at the ``tiny`` size."""

from __future__ import annotations

import pytest

import paper_figs
from paper_figs import sweep


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, paper_figs.BuildResult]:
    """Every figure (the studies beyond the papers too) built once at the tiny size into one output directory
    (runs shared via the cache).

    The runs go to two spawned worker processes (``--jobs 2``), each with one BLAS thread: that is the
    configuration the command line uses, and it keeps tiny vector operations off contended BLAS threads.
    """
    out = tmp_path_factory.mktemp("figs")
    with sweep.make_executor(2) as pool:
        results = paper_figs.build_all(size="tiny", out=out, executor=pool, names=paper_figs.names())
    failures = {name: repr(value) for name, value in results.items() if isinstance(value, BaseException)}
    assert not failures, failures
    return results

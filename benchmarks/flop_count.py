"""Flop counting of the block-sparse TEBD backend (``benchmarks/tebd_flop_floor.py``; issue 17, item 4).

:func:`instrumented` recompiles every function of :data:`MODULES` that contains a matrix product
from its own source, with each ``a @ b`` replaced by a call that records the operand shapes, the
flops and the time of the product, and wraps numpy/scipy's ``svd``, ``eigh``, ``qr`` and numpy's
``tensordot``/``einsum`` the same way. Flops are real flops: a complex multiply-add is 8 (4
multiplies, 4 adds), a real one 2; LAPACK counts follow LAPACK's own ``dopla.f`` operation counts and
Golub & Van Loan (each formula's docstring). Nothing in the package is changed on disk; everything is
restored when the context exits.
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import inspect
import sys
import textwrap
import threading
import time

import numpy as np
import scipy.linalg

MODULES = ("verify.tensors.charged", "verify.tensors.blocksparse", "verify.tensors.blocksparse_split",
           "verify.tensors.decompositions", "verify.tensors.blocksparse_env", "verify.mps.sweep",
           "verify.mps.reduced", "verify.mps.measures", "verify.tebd.measure")
"""Modules whose functions are recompiled with counted ``@`` (every function that contains one)."""


# ------------------------------------------------------------------ flop formulas (real flops)
def gemm_flops(m: int, n: int, k: int, cplx: bool) -> float:
    """m×k by k×n: m n k multiply-adds; a complex one is 4 real multiplies + 4 adds = 8 flops, a real 2."""
    return (8.0 if cplx else 2.0) * m * n * k


def eigh_flops(n: int, cplx: bool) -> float:
    """zheevd/dsyevd with vectors. Real counts (Golub & Van Loan, Matrix Computations 4th ed. §8.3;
    LAPACK's dopla.f): tridiagonal reduction 4n³/3, back-transform of the vectors (ormtr) 2n³, the
    divide-and-conquer on the real tridiagonal ≲ 4n³/3 (no deflation). Complex: ×4 for the first
    two (a complex multiply-add is 8 real flops instead of 2); the tridiagonal solve stays real."""
    f = 4.0 if cplx else 1.0
    return f * (4 / 3 + 2) * n**3 + 4 / 3 * n**3


def svd_flops(m: int, n: int, cplx: bool, uv: bool) -> float:
    """gesdd of m×n (thin U, V when ``uv``), LAPACK's steps (LAWN 41, dopla.f): bidiagonalization
    gebrd 4mn² − 4n³/3 (m ≥ n; transposed otherwise), ormbr applying Q to the n columns of U
    4mn² − 2n³ and P to V 2n³, ×4 for complex; the real bidiagonal D&C (≲ 8n³/3) is added unscaled."""
    m, n = max(m, n), min(m, n)
    f = 4.0 if cplx else 1.0
    flops = f * (4 * m * n**2 - 4 * n**3 / 3)
    return flops + (f * (4 * m * n**2) + 8 * n**3 / 3 if uv else 0.0)


def qr_flops(m: int, n: int, cplx: bool, with_q: bool) -> float:
    """geqrf 2mnk − 2k³/3 (k = min(m, n)), orgqr for the thin Q 4mnk − 2(m+n)k² + 4k³/3 (dopla.f); ×4 complex."""
    k = min(m, n)
    flops = 2 * m * n * k - 2 * k**3 / 3 + (4 * m * n * k - 2 * (m + n) * k**2 + 4 * k**3 / 3 if with_q else 0)
    return (4.0 if cplx else 1.0) * flops


# ------------------------------------------------------------------ the counter
class FlopCounter:
    """Records (phase, label, kind, shape, flops, seconds) of every counted call, thread-safely."""

    def __init__(self) -> None:
        """An empty counter in the phase ``"step"``."""
        self.records: list[tuple] = []
        self.phase = "step"
        self.lock = threading.Lock()

    def add(self, label: str, kind: str, shape: tuple, flops: float, seconds: float) -> None:
        """Record one call under the current phase."""
        with self.lock:
            self.records.append((self.phase, label, kind, shape, flops, seconds))

    def clear(self) -> None:
        """Forget every record."""
        self.records = []


COUNTER = FlopCounter()
_NAME = "_flop_floor_matmul"


def _flop_floor_matmul(label: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with its flops: (…, m, k) @ (k, n), 1-D operands as a row/column."""
    t0 = time.perf_counter()
    out = a @ b
    dt = time.perf_counter() - t0
    a_, b_ = np.asarray(a), np.asarray(b)
    m = a_.shape[-2] if a_.ndim > 1 else 1
    k = a_.shape[-1]
    n = b_.shape[-1] if b_.ndim > 1 else 1
    batch = int(np.prod(np.shape(out)[:-2])) if np.ndim(out) > 2 else 1
    cplx = np.iscomplexobj(a_) or np.iscomplexobj(b_)
    COUNTER.add(label, "gemm", (m, n, k), batch * gemm_flops(m, n, k, cplx), dt)
    return out


def _wrap(kind: str, func, flops_of):
    """A counting wrapper of a LAPACK/contraction entry point."""
    def wrapper(*args, **kwargs):
        """``func`` timed, its flops recorded."""
        t0 = time.perf_counter()
        out = func(*args, **kwargs)
        shape, flops = flops_of(*args, **kwargs)
        COUNTER.add(kind, kind, shape, flops, time.perf_counter() - t0)
        return out
    wrapper.__wrapped__ = func
    return wrapper


def _svd_of(a, full_matrices=True, compute_uv=True, **_):
    """Shape and flops of an ``svd`` call (numpy or scipy signature)."""
    return a.shape, svd_flops(*a.shape, np.iscomplexobj(a), compute_uv)


def _qr_of(a, mode="reduced", **_):
    """Shape and flops of ``numpy.linalg.qr`` (``mode="r"``: no Q)."""
    return a.shape, qr_flops(*a.shape, np.iscomplexobj(a), mode != "r")


def _tensordot_of(a, b, axes=2):
    """``tensordot`` as the GEMM it becomes: free(a) × contracted × free(b)."""
    a, b = np.asarray(a), np.asarray(b)
    ax_a, ax_b = ((list(range(-axes, 0)), list(range(axes))) if isinstance(axes, int) else axes)
    ax_a, ax_b = np.atleast_1d(ax_a), np.atleast_1d(ax_b)
    k = int(np.prod([a.shape[i] for i in ax_a]))
    m, n = a.size // max(k, 1), b.size // max(k, 1)
    return (m, n, k), gemm_flops(m, n, k, np.iscomplexobj(a) or np.iscomplexobj(b))


def _einsum_of(subscripts, *ops, **_):
    """One multiply-add per point of the full index space (exact for the measurement's two-operand einsums)."""
    dims: dict[str, int] = {}
    for term, op in zip(subscripts.split("->")[0].split(","), ops, strict=False):
        dims.update(zip(term.replace(" ", ""), np.shape(op), strict=False))
    size = int(np.prod(list(dims.values()))) if dims else 1
    return tuple(dims.values()), (8.0 if any(np.iscomplexobj(o) for o in ops) else 2.0) * size


class _MatMulToCall(ast.NodeTransformer):
    """``x @ y`` → ``_flop_floor_matmul(label, x, y)``."""

    def __init__(self, label: str) -> None:
        """``label``: the function whose products are rewritten."""
        self.label = label

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """Rewrite one matrix product (inner ones first)."""
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            call = ast.Call(ast.Name(_NAME, ast.Load()), [ast.Constant(self.label), node.left, node.right], [])
            return ast.copy_location(call, node)
        return node


def _recompiled(func, label: str):
    """``func`` compiled again from its own source with every ``@`` counted (None if it has none)."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    fdef = tree.body[0]
    has_matmul = any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in ast.walk(fdef))
    if not isinstance(fdef, ast.FunctionDef) or fdef.decorator_list or "super(" in source or not has_matmul:
        return None
    tree = ast.fix_missing_locations(_MatMulToCall(label).visit(tree))
    ast.increment_lineno(tree, func.__code__.co_firstlineno - 1)
    code = compile(tree, inspect.getsourcefile(func), "exec", flags=__future__.annotations.compiler_flag,
                   dont_inherit=True)
    func.__globals__[_NAME] = _flop_floor_matmul
    namespace: dict = {}
    exec(code, func.__globals__, namespace)
    new = namespace[fdef.name]
    new.__qualname__ = func.__qualname__
    return new


@contextlib.contextmanager
def instrumented():
    """Counting versions of the backend's functions and of numpy/scipy's LAPACK entry points."""
    patches = [(np.linalg, "svd", _wrap("svd", np.linalg.svd, _svd_of)),
               (np.linalg, "eigh", _wrap("eigh", np.linalg.eigh, lambda a, *x, **k: (a.shape, eigh_flops(
                   a.shape[0], np.iscomplexobj(a))))),
               (np.linalg, "qr", _wrap("qr", np.linalg.qr, _qr_of)),
               (scipy.linalg, "svd", _wrap("svd", scipy.linalg.svd, _svd_of)),
               (np, "tensordot", _wrap("tensordot", np.tensordot, _tensordot_of)),
               (np, "einsum", _wrap("einsum", np.einsum, _einsum_of))]
    for modname in MODULES:
        module = sys.modules[modname]
        owners = [module] + [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == modname]
        for owner in owners:
            for name, func in list(vars(owner).items()):
                if inspect.isfunction(func) and func.__module__ == modname:
                    new = _recompiled(func, f"{modname.rsplit('.', 1)[1]}.{func.__qualname__}")
                    if new is not None:
                        patches.append((owner, name, new))
                        patches += [(m, name, new) for mn, m in list(sys.modules.items())
                                    if mn.startswith("verify") and m is not owner and vars(m).get(name) is func]
    saved = [(owner, name, vars(owner)[name]) for owner, name, _ in patches]
    try:
        for owner, name, new in patches:
            setattr(owner, name, new)
        yield COUNTER
    finally:
        for owner, name, old in reversed(saved):
            setattr(owner, name, old)


CATEGORIES = {"gated_matrices": "gate GEMM", "apply_gate": "gate GEMM", "two_site_products": "theta = A·B GEMM",
              "gram_svd": "decomposition: Gram GEMM", "decompose": "decomposition: projection GEMM",
              "isometry_by_projection": "decomposition: projection GEMM",
              "eigh": "decomposition: eigh (LAPACK)", "svd": "decomposition: gesdd (LAPACK)",
              "qr": "QR (LAPACK): centre moves, projected isometries", "absorb": "centre move: R·A GEMM"}


def category(phase: str, label: str) -> str:
    """The report's category of a counted call (the measurement is one category)."""
    if phase != "step":
        return phase
    return next((cat for key, cat in CATEGORIES.items() if key in label), "other contractions")

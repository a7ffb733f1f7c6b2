"""Tests of verify.interop against TeNPy and QuTiP themselves (skipped when they are not installed)."""

from __future__ import annotations

import ast
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from entanglement import entanglement_entropy, partial_trace, von_neumann_entropy
from verify import interop
from verify.testing import strategies as S


def _random_ket(dims: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=math.prod(dims)) + 1j * rng.normal(size=math.prod(dims))
    return psi / np.linalg.norm(psi)


# ---------------------------------------------------------------------------------------------- TeNPy


def _tenpy_mps_from_dense(psi: np.ndarray, sites: list):
    npc = pytest.importorskip("tenpy.linalg.np_conserved")
    from tenpy.networks.mps import MPS

    dims = [site.dim for site in sites]
    full = npc.Array.from_ndarray_trivial(psi.reshape(dims), labels=[f"p{i}" for i in range(len(sites))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TeNPy's unit_cell_width deprecation notice
        return MPS.from_full(sites, full)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tenpy_random_mps_entropies_and_dense_vector(seed: int) -> None:
    pytest.importorskip("tenpy")
    import tenpy.linalg.np_conserved as npc
    from tenpy.networks.site import Site, SpinHalfSite

    n = 5
    sites = [SpinHalfSite(conserve=None)] * 3 + [Site(npc.LegCharge.from_trivial(3))] * 2  # mixed dims
    dims = tuple(site.dim for site in sites)
    psi = _random_ket(dims, seed)
    tenpy_mps = _tenpy_mps_from_dense(psi, sites)
    ours = interop.from_tenpy_mps(tenpy_mps)
    assert ours.dims == dims and ours.is_canonical(atol=1e-10)
    np.testing.assert_allclose(ours.to_dense(), psi, atol=1e-12)  # exact, including the global phase
    expected = np.asarray(tenpy_mps.entanglement_entropy())
    from_schmidt = [von_neumann_entropy(s**2) for s in ours.sweep().schmidt]
    from_dense = [entanglement_entropy(ours.to_dense(), list(range(b + 1)), dims) for b in range(n - 1)]
    np.testing.assert_allclose(from_schmidt, expected, atol=1e-10)
    np.testing.assert_allclose(from_dense, expected, atol=1e-10)


def test_tenpy_norm_factor_and_label_reordering() -> None:
    pytest.importorskip("tenpy")
    from tenpy.networks.site import SpinHalfSite

    site = SpinHalfSite(conserve="Sz")  # basis sorted by charge: 'down' is index 0 in TeNPy
    assert site.state_labels["down"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tenpy.networks.mps import MPS

        product = MPS.from_product_state([site] * 3, ["up", "down", "up"])
    product.norm = 2.0  # TeNPy's overall norm factor must be carried over
    as_is = interop.from_tenpy_mps(product).to_dense()
    ours = interop.from_tenpy_mps(product, labels=("up", "down")).to_dense()
    # this package's order: up = 0, first site most significant -> |up down up> = index 0b010 = 2
    expected = np.zeros(8)
    expected[2] = 2.0
    np.testing.assert_allclose(ours, expected, atol=1e-14)
    assert np.argmax(np.abs(as_is)) == 0b101  # TeNPy order: down = 0, so up = 1
    per_site = interop.from_tenpy_mps(product, labels=[("up", "down")] * 3).to_dense()
    np.testing.assert_allclose(per_site, expected, atol=1e-14)


def test_tenpy_conversion_errors() -> None:
    pytest.importorskip("tenpy")
    from tenpy.networks.site import SpinHalfSite

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tenpy.networks.mps import MPS

        finite = MPS.from_product_state([SpinHalfSite(conserve=None)] * 2, ["up", "up"])
        infinite = MPS.from_product_state([SpinHalfSite(conserve=None)] * 2, ["up", "up"], bc="infinite")
    with pytest.raises(TypeError, match="tenpy"):
        interop.from_tenpy_mps(np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        interop.from_tenpy_mps(infinite)
    with pytest.raises(ValueError, match="no state labelled 'left'"):
        interop.from_tenpy_mps(finite, labels=("left", "right"))
    with pytest.raises(ValueError, match="dimension 2"):
        interop.from_tenpy_mps(finite, labels=("up",))
    with pytest.raises(ValueError, match="label sequences"):
        interop.from_tenpy_mps(finite, labels=[("up", "down")] * 3)
    with pytest.raises(ValueError, match="exactly once"):
        interop.from_tenpy_mps(finite, labels=("up", "up"))


@settings(max_examples=10)
@given(S.random_mps(min_sites=2, max_sites=4, max_dim=2, max_bond=2))
def test_our_random_mps_through_tenpy_and_back(mps) -> None:
    """Round trip of the strategies' MPS through TeNPy's dense constructor: same state, same entropies."""
    pytest.importorskip("tenpy")
    from tenpy.networks.site import SpinHalfSite

    psi = mps.to_dense()
    back = interop.from_tenpy_mps(_tenpy_mps_from_dense(psi, [SpinHalfSite(conserve=None)] * len(mps)))
    np.testing.assert_allclose(back.to_dense(), psi, atol=1e-10)
    ours = [von_neumann_entropy(s**2 / np.sum(s**2)) for s in mps.sweep().schmidt]
    theirs = [von_neumann_entropy(s**2 / np.sum(s**2)) for s in back.sweep().schmidt]
    np.testing.assert_allclose(theirs, ours, atol=1e-9)


# ---------------------------------------------------------------------------------------------- QuTiP


@pytest.mark.parametrize("dims", [(2, 2), (2, 3, 2), (4,)])
def test_qutip_ket_round_trip_and_entropy(dims: tuple[int, ...]) -> None:
    qutip = pytest.importorskip("qutip")
    psi = _random_ket(dims, 7)
    q = interop.to_qutip(psi, dims)
    assert q.isket and list(q.dims[0]) == list(dims)
    back, back_dims = interop.from_qutip(q)
    assert back_dims == dims
    np.testing.assert_allclose(back, psi, atol=1e-15)
    if len(dims) > 1:
        ours = von_neumann_entropy(partial_trace(psi, [0], dims))
        theirs = qutip.entropy_vn(q.ptrace([0]))  # natural log, like ours
        assert ours == pytest.approx(theirs, abs=1e-12)
        np.testing.assert_allclose(partial_trace(psi, [0, 1], dims), q.ptrace([0, 1]).full(), atol=1e-14)


def test_qutip_tensor_order_matches_conventions() -> None:
    qutip = pytest.importorskip("qutip")
    # |up> (x) |down> is index 1 in this package (first factor leftmost, up = 0): same in QuTiP
    q = qutip.tensor(qutip.basis(2, 0), qutip.basis(2, 1))
    vector, dims = interop.from_qutip(q)
    assert dims == (2, 2) and np.argmax(np.abs(vector)) == 1


@settings(max_examples=10)
@given(S.density_matrices(min_subsystems=2, max_subsystems=3, max_dim=2))
def test_qutip_density_matrix_round_trip(sample: tuple[np.ndarray, tuple[int, ...]]) -> None:
    qutip = pytest.importorskip("qutip")
    rho, dims = sample
    q = interop.to_qutip(rho, dims)
    assert q.isoper and [list(d) for d in q.dims] == [list(dims), list(dims)]
    back, back_dims = interop.from_qutip(q)
    assert back_dims == dims
    np.testing.assert_allclose(back, rho, atol=1e-15)
    ours = von_neumann_entropy(partial_trace(rho, [1], dims))
    assert ours == pytest.approx(qutip.entropy_vn(q.ptrace([1])), abs=1e-10)


def test_qutip_conversion_errors() -> None:
    qutip = pytest.importorskip("qutip")
    with pytest.raises(ValueError, match="not a power of 2"):
        interop.to_qutip(np.ones(3) / math.sqrt(3))
    with pytest.raises(ValueError, match="multiply"):
        interop.to_qutip(np.ones(4) / 2, dims=(3, 2))
    with pytest.raises(ValueError, match="finite"):
        interop.to_qutip(np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="numeric"):
        interop.to_qutip(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="ket"):
        interop.to_qutip(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="Qobj"):
        interop.from_qutip(np.ones(2))
    with pytest.raises(ValueError, match="bra"):
        interop.from_qutip(qutip.basis(2, 0).dag())
    with pytest.raises(ValueError, match="different row and column dims"):
        interop.from_qutip(qutip.Qobj(np.eye(4), dims=[[2, 2], [4]]))


def _module_level_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports that run at module import: not nested in a function (TYPE_CHECKING blocks excepted)."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(ast.Module(body=child.orelse, type_ignores=[]), in_function)
            else:
                if not in_function and isinstance(child, ast.Import):
                    found.extend((child.lineno, alias.name) for alias in child.names)
                elif not in_function and isinstance(child, ast.ImportFrom) and child.module:
                    found.append((child.lineno, child.module))
                visit(child, in_function)

    visit(tree, False)
    return found


def test_optional_libraries_are_imported_only_inside_functions() -> None:
    """No module of the package imports TeNPy or QuTiP at import time (they are optional)."""
    root = Path(__file__).resolve().parents[3]
    offenders = []
    for package in ("states", "entanglement", "verify", "paper_figs"):
        for path in sorted((root / package).glob("**/*.py")):
            for line, module in _module_level_imports(ast.parse(path.read_text(), str(path))):
                if module.split(".")[0] in ("tenpy", "qutip"):
                    offenders.append(f"{path.relative_to(root)}:{line} imports {module}")
    assert not offenders, offenders
    # the detector itself finds a module-level import and ignores one inside a function
    sample = ast.parse("import qutip\ndef f():\n    import tenpy\n")
    assert [name for _, name in _module_level_imports(sample)] == ["qutip"]

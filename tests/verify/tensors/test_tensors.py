"""verify.tensors and verify.mps as layers: charges handed in by name and by local-basis charges (never
by a local dimension), physical legs of spin-1 and spin-3/2 sites next to fermion sites, and the
deprecated flat paths (verify.linalg, verify.blocksparse, verify.stt_mps).

Tolerances: the charged and dense TEBD runs below do the same arithmetic up to the order of the
sector decompositions, so they agree to round-off (1e-12 on norms ~1, no truncation bites at
trunc = 0 with χ_max ≫ the exact χ); charges of the charged run are conserved exactly by
construction (every block obeys the charge rule, checked by ``ChargedTensor.check``).
"""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla

from verify.models import PRXChain, Site, fermion_site, product_site, spin_site
from verify.mps import MPS, dicke_mps, restore_charged_mps, stt_mps, to_charged_mps
from verify.tebd import TEBD
from verify.tebd import initial_mps as initial_state
from verify.tensors import DENSE, BlockSparseBackend, Leg, charge_names

NAMES = ("N", "2Sz")
FERMION, SPIN1, SPIN32 = fermion_site(), spin_site(2), spin_site(3)
CHAIN = (FERMION, SPIN32, SPIN1, FERMION)  # d = 4, 4, 3, 4: two local spaces of d = 4 with different charges
ROOT = Path(__file__).resolve().parents[3]


def spin_dot(site_a: Site, a_ops: tuple[str, ...], site_b: Site, b_ops: tuple[str, ...]) -> np.ndarray:
    """Σ_α a^α ⊗ b^α for the named operator triples of two sites (a rotation-invariant coupling)."""
    return sum(np.kron(site_a.op(x), site_b.op(y)) for x, y in zip(a_ops, b_ops, strict=True))


def bond_hamiltonians() -> list[np.ndarray]:
    """s·S, S·S and S·s couplings along CHAIN plus charge-diagonal on-site fields: every term conserves
    N and 2S^z, and none is trivial (spin flips across every bond)."""
    electron, spin = ("sx", "sy", "sz"), ("Sx", "Sy", "Sz")
    h = [
        spin_dot(FERMION, electron, SPIN32, spin) + 0.3 * np.kron(FERMION.op("N"), SPIN32.op("Id")),
        0.7 * spin_dot(SPIN32, spin, SPIN1, spin) + 0.2 * np.kron(SPIN32.op("Sz"), SPIN1.op("Id")),
        1.3 * spin_dot(SPIN1, spin, FERMION, electron) - 0.4 * np.kron(SPIN1.op("Id"), FERMION.op("sz")),
    ]
    return [(m + m.conj().T) / 2 for m in h]


def product_state() -> MPS:
    """|↑⟩ ⊗ |m = −3/2⟩ ⊗ |m = 0⟩ ⊗ |↓⟩: N = 2, 2S^z = 1 − 3 + 0 − 1 = −3."""
    labels = ("↑", "-3/2", "0", "↓")
    vectors = [np.eye(site.dim)[site.index(label)] for site, label in zip(CHAIN, labels, strict=True)]
    return MPS.product_state(vectors)


def site_charges(names: tuple[str, ...] = NAMES) -> list[np.ndarray]:
    return [site.basis_charges(names) for site in CHAIN]


# ------------------------------------------------------------------------------------- physical legs
def test_physical_legs_come_from_the_charges_not_the_dimension() -> None:
    be = BlockSparseBackend(NAMES)
    fermion = be.physical_leg(FERMION.basis_charges(NAMES))
    spin32 = be.physical_leg(SPIN32.basis_charges(NAMES))
    spin1 = be.physical_leg(SPIN1.basis_charges(NAMES))
    assert fermion.dim == spin32.dim == 4 and spin1.dim == 3
    assert not fermion.same(spin32)  # same d, different charges: two legs
    assert spin32.charges[:, 1].tolist() == [3, 1, -1, -3] and spin1.charges[:, 1].tolist() == [2, 0, -2]
    assert be.physical_leg(FERMION.basis_charges(NAMES)) is fermion  # cached by content
    assert be.physical_leg(np.array(FERMION.basis_charges(NAMES), dtype=np.int32)) is fermion
    with pytest.raises(TypeError, match="integer charges"):
        be.physical_leg(4)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="integer charges"):
        be.physical_leg(np.ones((4, 2)))
    with pytest.raises(ValueError, match="shape"):
        be.physical_leg(FERMION.basis_charges(("N",)))


def test_gates_on_spin_sites_conserve_charge_and_reject_charge_changes() -> None:
    be = BlockSparseBackend(NAMES)
    fermion = be.physical_leg(FERMION.basis_charges(NAMES))
    spin32 = be.physical_leg(SPIN32.basis_charges(NAMES))
    spin1 = be.physical_leg(SPIN1.basis_charges(NAMES))
    h = bond_hamiltonians()
    for (p1, p2), matrix in zip(((fermion, spin32), (spin32, spin1), (spin1, fermion)), h, strict=True):
        gate = be.gate(sla.expm(-0.3j * matrix), p1, p2)
        gate.tensor.check()  # every stored block obeys Σ sign·q = 0
        assert np.allclose(gate.tensor.to_dense().reshape(matrix.shape), sla.expm(-0.3j * matrix), atol=1e-14)
    with pytest.raises(ValueError, match="charge rule"):  # S^x of the spin alone changes 2S^z
        be.gate(np.kron(FERMION.op("Id"), SPIN32.op("Sx")), fermion, spin32)
    with pytest.raises(ValueError, match="charge rule"):  # the fermion's Sz on the spin-3/2 leg: wrong charges
        be.gate(sla.expm(-0.3j * h[0]), spin32, fermion)
    with pytest.raises(TypeError, match="physical legs"):
        be.gate(h[0], 4, 4)  # type: ignore[arg-type]
    assert DENSE.gate(h[1], 4, 3).shape == (4, 3, 4, 3)


def test_tebd_on_a_chain_with_spin_sites_conserves_charge_and_matches_dense() -> None:
    """TEBD on fermion — spin 3/2 — spin 1 — fermion with charged tensors: the same state as the dense
    backend (no truncation) and every tensor obeys the charge rule; the right boundary carries the
    total (N, 2S^z) = (2, −3)."""
    be = BlockSparseBackend(NAMES)
    dense = product_state()
    charged = to_charged_mps(dense, be, site_charges())
    assert [be.physical(t).dim for t in charged.tensors] == [4, 4, 3, 4]
    assert not be.physical(charged.tensors[0]).same(be.physical(charged.tensors[1]))
    engines = [TEBD(mps, bond_hamiltonians(), dt=0.05, chi_max=100, trunc=0.0) for mps in (dense, charged)]
    for engine in engines:
        engine.run(20)
    psi_dense, psi_charged = (engine.mps.to_dense() for engine in engines)
    assert np.max(np.abs(psi_dense - psi_charged)) < 1e-12
    for t in engines[1].mps.tensors:
        t.check()
    assert engines[1].mps.tensors[-1].legs[2].charges.tolist() == [[2, -3]]
    assert engines[1].mps.max_bond_dimension() > 1  # the couplings entangle: the test is not trivial
    # the totals of the state, from its single-site RDMs: N = 2, 2S^z = −3
    rdms = engines[0].mps.sweep().site_rdms
    for name, total in (("N", 2), ("2Sz", -3)):
        value = sum(float(np.real(rho.diagonal() @ site.basis_charges((name,))[:, 0]))
                    for rho, site in zip(rdms, CHAIN, strict=True))
        assert abs(value - total) < 1e-12


def test_restore_charged_mps_is_bit_for_bit_with_spin_sites() -> None:
    be = BlockSparseBackend(NAMES)
    engine = TEBD(to_charged_mps(product_state(), be, site_charges()), bond_hamiltonians(), dt=0.05, chi_max=100,
                  trunc=0.0)
    engine.run(5)
    stored = [be.to_dense(t) for t in engine.mps.tensors]
    back = restore_charged_mps(stored, engine.mps.center, be, site_charges())
    for a, b in zip(engine.mps.tensors, back.tensors, strict=True):
        assert a.blocks.keys() == b.blocks.keys()
        assert all(np.array_equal(a.blocks[k], b.blocks[k]) for k in a.blocks)
    with pytest.raises(ValueError, match="entries"):
        restore_charged_mps(stored, engine.mps.center, be, site_charges()[:-1])
    with pytest.raises(ValueError, match="local dimension"):
        restore_charged_mps(stored, engine.mps.center, be, site_charges()[::-1])


def test_backend_charges_by_name_and_legacy_rules() -> None:
    assert BlockSparseBackend("n_sz").charges == ("N", "2Sz") and BlockSparseBackend("n_sz").n_q == 2
    assert BlockSparseBackend("n").charges == ("N",) and BlockSparseBackend("none").n_q == 0
    assert repr(BlockSparseBackend(["2Sz"])) == "BlockSparseBackend(charges=('2Sz',))"
    assert charge_names(()) == ()
    with pytest.raises(ValueError, match="charge names"):
        charge_names("spin")
    with pytest.raises(ValueError, match="distinct"):
        BlockSparseBackend(("N", "N"))
    with pytest.raises(TypeError, match="strings"):
        BlockSparseBackend(("N", 2))  # type: ignore[arg-type]
    be = BlockSparseBackend(())
    leg = be.physical_leg(FERMION.basis_charges(()))
    assert leg.dim == 4 and list(leg.sectors) == [()]
    site = be.from_dense(np.ones((1, 4, 1)), physical=(leg,))
    assert len(site.blocks) == 1 and be.physical(site) is leg
    with pytest.raises(ValueError, match="physical legs"):
        be.from_dense(np.ones((1, 4, 1)))
    with pytest.raises(TypeError, match="Leg"):
        be.from_dense(np.ones((1, 4, 1)), physical=(4,))  # type: ignore[arg-type]
    assert DENSE.physical(np.zeros((2, 3, 5))) == 3
    with pytest.raises(ValueError, match="physical dimensions"):
        DENSE.from_dense(np.zeros((1, 3, 1)), physical=(4,))
    assert isinstance(leg, Leg)


def test_to_charged_mps_checks_the_site_charges() -> None:
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2)
    mps, _ = initial_state(model)
    be = BlockSparseBackend(NAMES)
    with pytest.raises(ValueError, match="entries"):
        to_charged_mps(mps, be, model.chain().site_charges()[1:])
    with pytest.raises(ValueError, match="shape"):  # charges of the wrong width for the backend
        to_charged_mps(mps, be, model.chain().site_charges(("N",)))
    with pytest.raises(TypeError, match="BlockSparseBackend"):
        to_charged_mps(mps, DENSE, model.chain().site_charges())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ layering
def _verify_imports(package: str) -> set[str]:
    """Every module of ``verify.<package>`` imports (absolute names; relative imports are refused)."""
    found = set()
    for path in sorted((ROOT / "verify" / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                found.add(node.module or "")
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_tensors_and_mps_import_only_the_layers_to_their_left() -> None:
    ours = ("verify", "states", "entanglement")
    tensors = {name for name in _verify_imports("tensors") if name.split(".")[0] in ours}
    assert all(name.startswith("verify.tensors") for name in tensors), tensors
    mps = {name for name in _verify_imports("mps") if name.split(".")[0] in ("verify", "entanglement")}
    # entanglement (left of all of verify, docs/architecture.md) computes the entropies and mutual
    # information of verify.mps.measures (issue 13 §4: no entropy code outside entanglement)
    assert all(name.startswith(("verify.tensors", "verify.mps", "entanglement")) for name in mps), mps
    assert {name for name in mps if name.startswith("entanglement")} == {"entanglement"}


# -------------------------------------------------------------------------------- deprecated paths
def _import_fresh(name: str):
    sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match=name):
        return importlib.import_module(name)


def test_old_linalg_path_warns_and_reexports() -> None:
    import verify.tensors as tensors

    linalg = _import_fresh("verify.linalg")
    names = ["DENSE", "GRAM_MAX_ASPECT", "GRAM_MIN_TRUNC", "SINGLE_THREAD_MAX_DIM", "SVD_FLOOR", "DenseBackend",
             "Split", "TensorBackend", "blas_threads", "decomposition_route", "gram_svd", "threads_for",
             "truncation_rank"]
    assert all(getattr(linalg, name) is getattr(tensors, name) for name in names)


def test_old_blocksparse_path_warns_and_keeps_the_prx_tables() -> None:
    import verify.tensors as tensors

    blocksparse = _import_fresh("verify.blocksparse")
    for name in ("BlockSparseBackend", "ChargedGate", "ChargedTensor", "Leg", "run_dataflow", "svd_workers"):
        assert getattr(blocksparse, name) is getattr(tensors, name)
    fm = blocksparse.physical_charges(8, "n_sz")
    assert fm[:, 0].tolist() == [0, 0, 1, 1, 1, 1, 2, 2] and fm[:, 1].tolist() == [1, -1, 2, 0, 0, -2, 1, -1]
    assert np.array_equal(blocksparse.physical_charges(4, "n"), fermion_site().basis_charges(("N",)))
    assert np.array_equal(blocksparse.physical_charges(8, ("N", "2Sz")),
                          product_site(fermion_site(), spin_site(1)).basis_charges(("N", "2Sz")))
    with pytest.raises(ValueError, match="dimension"):
        blocksparse.physical_charges(3, "n_sz")
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2)
    mps, _ = initial_state(model)
    be = BlockSparseBackend("n_sz")
    old = blocksparse.to_charged_mps(mps, be)  # the old call: PRX sites by dimension
    new = to_charged_mps(mps, be, model.chain().site_charges())
    assert all(np.array_equal(be.to_dense(a), be.to_dense(b)) for a, b in zip(old.tensors, new.tensors, strict=True))
    stored = [be.to_dense(t) for t in new.tensors]
    restored = blocksparse.restore_charged_mps(stored, new.center, be)
    assert all(np.array_equal(be.to_dense(a), b) for a, b in zip(restored.tensors, stored, strict=True))


def test_old_stt_mps_path_warns_and_reexports() -> None:
    old = _import_fresh("verify.stt_mps")
    assert old.stt_mps is stt_mps and old.dicke_mps is dicke_mps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from verify.mps import stt_mps as again  # the new path does not warn
    assert again is stt_mps


def test_stt_mps_validates_types_and_values() -> None:
    with pytest.raises(TypeError, match="n_e"):
        stt_mps(2.0, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_fm"):
        stt_mps(2, -1)
    with pytest.raises(TypeError, match="n_up"):
        dicke_mps(3, True)  # type: ignore[arg-type]

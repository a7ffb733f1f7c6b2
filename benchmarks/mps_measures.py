"""Timing of the MPS measures linear in N (issue #13) at the PRX paper's size: N = 75, χ = 400.

Measured on one state of the PRX chain's site structure (PRX Sec. II: N_L = 35 lead sites of d = 4,
N_FM = 5 FM sites of d = 8 = electron ⊗ localized spin 1/2, N_R = 35; charges (N, 2S^z) of the
collinear sector N = N_e = 8, 2S^z = N_e − N_FM = 3), block-sparse tensors:

* ``--state random`` (default, reproducible): a random charged MPS in right-canonical form — every
  charge sector of a bond that has states on both sides, sizes filled evenly to χ in total, each site
  tensor B_i a random isometry per left charge sector (QR of a complex Gaussian), right to left, and a
  random normalized centre on site 0. χ = 400 on 65 of the 74 bonds with up to 45 charge sectors per
  bond (many small blocks). A cost benchmark, not a physical state: its Schmidt weight right of the FM
  region sits almost entirely in one sector.
* ``--state FILE``: a TEBD checkpoint of the paper's run (``python -m verify run prx --method tebd
  --t-max 22 --chi-max 400 --checkpoint FILE --out run.npz``), read by
  :func:`verify.records.load_checkpoint` and restored bit for bit (``verify.mps.restore_charged_mps``);
  at t = 22 χ = 400 on the 10 bonds around the FM region, fewer and larger sectors. The last row of
  the record in the checkpoint (the run's own measurement of this state) is compared too.

Repeat ``--state`` for several states in one results file.

Timed (wall and CPU, the best of ``--repeat``): :func:`verify.mps.entanglement_entropy` at every bond
(α = 1 and the Rényi α = 2), and :func:`verify.mps.mutual_information` of every pair of the N_FM
localized spins, spin factors only (the electron factor of each FM site traced out inside the
contraction: ``factors={i: ((4, 2), (1,))}``) — 10 pairs; for comparison, the same 10 spin-pair RDMs
from one :meth:`verify.mps.MPS.sweep` with ``rdms=`` (one pass instead of one centre move per pair).

Checked against an independent route written here in plain numpy on the dense site tensors (no
``verify.tensors`` / ``verify.mps`` contraction, no ``entanglement``): the Schmidt weights of bond b
as the eigenvalues of the left Gram matrix ⟨ψ_L|ψ_L⟩ of the right-canonical state (PRX Eq. 12), and
the spin–spin ρ_ij by an explicit transfer-matrix contraction (PRX Eq. 14), entropies −Σ p ln p.

    OMP_NUM_THREADS=1 python benchmarks/mps_measures.py                       # random χ = 400 state
    OMP_NUM_THREADS=1 python benchmarks/mps_measures.py --state random --state ckpt.npz   # and a TEBD state

Writes ``benchmarks/results/mps_measures.json`` and ``.txt`` (``--out`` changes the stem; the load
average before and after is recorded: the machine may be shared).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import entanglement
from verify.models import PRXChain
from verify.mps import MPS, entanglement_entropy, mutual_information, restore_charged_mps
from verify.records import load_checkpoint
from verify.tebd import tensor_backend
from verify.tensors import ChargedTensor, Leg

RESULTS = Path(__file__).resolve().parent / "results" / "mps_measures"
CHECK_BONDS = (0, 20, 37, 55, 73)
"""Bonds whose entropy is recomputed by the independent route."""


# ------------------------------------------------------------------------------------------ states
def _charge_counts(site_charges: list[np.ndarray], total: tuple[int, ...], reverse: bool) -> list[Counter]:
    """Per bond: charge → number of basis states of the sites to its left (or right, ``reverse``) that
    can still be completed to ``total`` (a component with only non-negative site values, such as N,
    never exceeds its total)."""
    order = site_charges[::-1] if reverse else site_charges
    monotone = [k for k in range(len(total)) if all(np.all(c[:, k] >= 0) for c in site_charges)]
    counts = [Counter({(0,) * len(total): 1})]
    for charges in order:
        new: Counter = Counter()
        local = [tuple(int(x) for x in p) for p in charges]
        for q, c in counts[-1].items():
            for p in local:
                key = tuple(a + b for a, b in zip(q, p, strict=True))
                if all(key[k] <= total[k] for k in monotone):
                    new[key] += c
        counts.append(new)
    return counts[::-1] if reverse else counts


def _bond_sectors(left: Counter, right: Counter, total: tuple[int, ...], chi: int) -> list[tuple[tuple, int]]:
    """(charge, size) of one bond: every charge with states on both sides, sizes filled evenly up to χ in
    total (water-filling), each at most min(#left, #right) — a bond as saturated as the charges allow."""
    caps = {q: min(c, right[tuple(t - x for t, x in zip(total, q, strict=True))]) for q, c in left.items()}
    caps = {q: c for q, c in caps.items() if c > 0}
    sizes, remaining = {}, chi
    for k, q in enumerate(sorted(caps, key=lambda q: caps[q])):  # smallest caps first, the rest share evenly
        sizes[q] = min(caps[q], remaining // (len(caps) - k))
        remaining -= sizes[q]
    return [(q, size) for q, size in sorted(sizes.items()) if size > 0]


def _isometry(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A random (rows × cols) matrix with orthonormal rows (rows ≤ cols): Q† of a complex Gaussian's QR."""
    gauss = rng.normal(size=(cols, rows)) + 1j * rng.normal(size=(cols, rows))
    return np.linalg.qr(gauss)[0].T.conj()


def _right_canonical_site(left: Leg, physical: Leg, right: Leg, rng: np.random.Generator) -> tuple[ChargedTensor, Leg]:
    """B[l, p, r] with Σ_{p,r} B B† = 1 on every left sector: per left charge q_l one random isometry
    from q_l to the (p, r) pairs with q_l + q_p = q_r; a sector wider than its columns is shrunk."""
    sectors, blocks = [], {}
    for ql, idx in left.sectors.items():
        columns = [(qp, tuple(a + b for a, b in zip(ql, qp, strict=True))) for qp in physical.sectors]
        columns = [(qp, qr) for qp, qr in columns if right.size(qr)]
        width = sum(physical.size(qp) * right.size(qr) for qp, qr in columns)
        rows = min(len(idx), width)
        if rows == 0:
            continue
        sectors.append((ql, rows))
        matrix, offset = _isometry(rows, width, rng), 0
        for qp, qr in columns:
            size = physical.size(qp) * right.size(qr)
            blocks[(ql, qp, qr)] = matrix[:, offset:offset + size].reshape(rows, physical.size(qp), right.size(qr))
            offset += size
    new_left = Leg.from_sectors(sectors, left.charges.shape[1])
    return ChargedTensor((new_left, physical, right), (1, 1, -1), blocks), new_left


def random_charged_mps(model: PRXChain, chi: int, seed: int) -> MPS:
    """The random charged MPS of the module docstring: right-canonical B_1 … B_{N−1} built right to left
    (:func:`_right_canonical_site`), a random centre C_0 on site 0, normalized."""
    backend, site_charges = tensor_backend(model, "charges")
    chain = model.chain()
    total = tuple(int(chain.sector[name]) for name in backend.charges)
    left_counts, right_counts = (_charge_counts(site_charges, total, r) for r in (False, True))
    n, n_q = len(site_charges), len(total)
    rng = np.random.default_rng(seed)
    right = Leg.from_sectors([(total, 1)], n_q)
    tensors: list[ChargedTensor] = []
    for i in range(n - 1, 0, -1):
        left = Leg.from_sectors(_bond_sectors(left_counts[i], right_counts[i], total, chi), n_q)
        tensor, right = _right_canonical_site(left, backend.physical_leg(site_charges[i]), right, rng)
        tensors.insert(0, tensor)
    physical, zero = backend.physical_leg(site_charges[0]), backend.zero_leg(1)
    blocks = {}
    for qp in physical.sectors:
        if right.size(qp):
            shape = (1, physical.size(qp), right.size(qp))
            blocks[((0,) * n_q, qp, qp)] = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    centre = ChargedTensor((zero, physical, right), (1, 1, -1), blocks)
    scale = math.sqrt(sum(float(np.vdot(b, b).real) for b in blocks.values()))
    centre.blocks = {key: block / scale for key, block in blocks.items()}
    return MPS([centre, *tensors], center=0, backend=backend)


def checkpoint_mps(model: PRXChain, path: Path) -> tuple[MPS, dict[str, Any]]:
    """The charged MPS of a TEBD checkpoint (:func:`verify.records.load_checkpoint`, any of its formats)
    and the last row of the record it holds (the run's own measurement of this state)."""
    backend, site_charges = tensor_backend(model, "charges")
    checkpoint = load_checkpoint(path)
    mps = restore_charged_mps(checkpoint.tensors, checkpoint.center, backend, site_charges)
    record = {key: np.asarray(value)[-1] for key, value in checkpoint.record.items() if np.size(value)}
    return mps, {"params": checkpoint.params, "steps": checkpoint.steps, "last_record_row": record}


# ------------------------------------------------------------------------------ independent route
def _entropy(p: np.ndarray) -> float:
    p = p[p > 1e-300]
    return float(-np.sum(p * np.log(p)))


def dense_tensors(mps: MPS) -> Callable[[int], np.ndarray]:
    """Site i → its dense A[l, p, r] (made on demand: the whole state is ~1 GB dense)."""
    mps.canonicalize(0) if mps.center is None else mps.move_center(0)
    return lambda i: np.asarray(mps.backend.to_dense(mps.tensors[i]))


def _transfer(env: np.ndarray, ket: np.ndarray, bra: np.ndarray) -> np.ndarray:
    """E'[r, s] = Σ_{l,m,p} E[l, m] ket[l, p, r] conj(bra[m, p, s]) (two BLAS contractions)."""
    half = np.tensordot(env, ket, axes=(0, 0))  # [m, p, r]
    return np.tensordot(half, bra.conj(), axes=([0, 1], [0, 1]))


def gram_entropies(tensor: Callable[[int], np.ndarray], bonds: tuple[int, ...]) -> dict[int, float]:
    """S of sites 0..b from the eigenvalues of L_b[r, r'] = Σ ψ_L ψ_L* (the right part is orthonormal)."""
    out, env = {}, np.ones((1, 1), dtype=complex)
    for i in range(max(bonds) + 1):
        a = tensor(i)
        env = _transfer(env, a, a)
        if i in bonds:
            p = np.clip(np.linalg.eigvalsh((env + env.conj().T) / 2), 0.0, None)
            out[i] = _entropy(p / p.sum())
    return out


def spin_pair_mi(tensor: Callable[[int], np.ndarray], fm: list[int], pairs: list[tuple[int, int]]) -> dict:
    """I(S_i : S_j) of localized spins (factor 1 of d = 4 × 2) by explicit contraction (module docstring):
    per pair of spin indices (s, s') of site i an environment, carried through the sites between, closed
    at site j with its spin indices (x, y); the electrons are traced."""
    env = np.ones((1, 1), dtype=complex)
    for i in range(fm[0]):
        a = tensor(i)
        env = _transfer(env, a, a)
    spin = {i: (lambda a: [a.reshape(a.shape[0], 4, 2, -1)[:, :, s, :] for s in range(2)])(tensor(i))
            for i in range(fm[0], fm[-1] + 1)}  # spin[i][s][l, e, r]: electron e, spin s
    envs = {fm[0]: env}  # the left environment of every FM site
    for k in range(fm[0], fm[-1]):
        envs[k + 1] = sum(_transfer(envs[k], spin[k][s], spin[k][s]) for s in range(2))
    out = {}
    for i, j in pairs:
        stack = {(s, t): _transfer(envs[i], spin[i][s], spin[i][t]) for s in range(2) for t in range(2)}
        for k in range(i + 1, j):
            stack = {key: sum(_transfer(e, spin[k][x], spin[k][x]) for x in range(2)) for key, e in stack.items()}
        rho = np.zeros((2, 2, 2, 2), dtype=complex)  # [s, x, t, y]
        for (s, t), e in stack.items():
            for x in range(2):
                half = np.tensordot(e, spin[j][x], axes=(0, 0))  # [m, e, r]
                for y in range(2):
                    rho[s, x, t, y] = np.vdot(spin[j][y], half)  # Σ half · conj(B_y)
        rho = rho.reshape(4, 4)
        rho = (rho + rho.conj().T) / 2 / np.trace(rho).real
        r4 = rho.reshape(2, 2, 2, 2)
        s_i = _entropy(np.linalg.eigvalsh(np.einsum("axbx->ab", r4)))
        s_j = _entropy(np.linalg.eigvalsh(np.einsum("xaxb->ab", r4)))
        out[(i, j)] = s_i + s_j - _entropy(np.clip(np.linalg.eigvalsh(rho), 0.0, None))
    return out


# ------------------------------------------------------------------------------------------ timing
def timed(call: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    """The result and the best wall and CPU times (s) of ``repeat`` calls."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, {"wall_s": min(walls), "cpu_s": min(cpus), "walls_s": walls}


def measure(mps: MPS, model: PRXChain, repeat: int) -> dict[str, Any]:
    """Timings of every bond entropy (α = 1, 2) and of the 10 localized-spin pair MIs, and the
    independent route's values at :data:`CHECK_BONDS` and for every pair."""
    chain = model.chain()
    fm = list(model.fm_sites)
    spec = {i: (chain.sites[i].factor_dims(), (chain.sites[i].factor_position("spin"),)) for i in fm}
    pairs = list(itertools.combinations(fm, 2))
    print("timing the measures ...", flush=True)
    s1, t_s1 = timed(lambda: entanglement_entropy(mps), repeat)
    s2, t_s2 = timed(lambda: entanglement_entropy(mps, alpha=2), repeat)
    mi, t_mi = timed(lambda: {(i, j): mutual_information(mps, i, j, factors={i: spec[i], j: spec[j]})
                              for i, j in pairs}, repeat)
    requests = [((i, j), (spec[i], spec[j])) for i, j in pairs]
    swept, t_swept = timed(lambda: mps.sweep(rdms=requests).rdms, repeat)
    one_sweep = {pair: float(entanglement.mutual_information(rho, [0], [1], dims=[2, 2]))
                 for pair, rho in zip(pairs, swept, strict=True)}
    print("independent route ...", flush=True)
    tensor = dense_tensors(mps.copy())
    gram, t_gram = timed(lambda: gram_entropies(tensor, CHECK_BONDS), 1)
    explicit, t_explicit = timed(lambda: spin_pair_mi(tensor, fm, pairs), 1)
    return {
        "timings": {"entanglement_entropy_all_bonds": t_s1, "renyi2_all_bonds": t_s2,
                    "mutual_information_all_fm_spin_pairs": t_mi, "one_sweep_all_fm_spin_pair_rdms": t_swept,
                    "independent_gram_entropies": t_gram,
                    "independent_spin_pair_mi": t_explicit},
        "bond_entropy": s1.tolist(), "renyi2": s2.tolist(),
        "mutual_information": {f"{i},{j}": v for (i, j), v in mi.items()},
        "check": {
            "bond_entropy": {str(b): {"ours": float(s1[b]), "independent": gram[b]} for b in CHECK_BONDS},
            "mutual_information": {f"{i},{j}": {"ours": mi[(i, j)], "independent": explicit[(i, j)]}
                                   for i, j in pairs},
            "max_abs_difference": max([abs(float(s1[b]) - gram[b]) for b in CHECK_BONDS]
                                      + [abs(mi[p] - explicit[p]) for p in pairs]),
            "max_abs_difference_one_sweep_mi": max(abs(mi[p] - one_sweep[p]) for p in pairs),
        },
    }


def state_summary(mps: MPS) -> dict[str, Any]:
    """Bond dimensions and block counts of the state."""
    bonds = [mps.backend.shape(t)[2] for t in mps.tensors[:-1]]
    return {"n_sites": len(mps), "dims": list(mps.dims), "max_bond_dimension": max(bonds),
            "bonds_at_max": sum(b == max(bonds) for b in bonds), "bond_dimensions": bonds,
            "blocks_per_tensor_max": max(len(t.blocks) for t in mps.tensors),
            "bond_sectors_max": max(len(t.legs[2].sectors) for t in mps.tensors)}


def report_text(result: dict[str, Any]) -> str:
    """The human-readable summary written to the .txt file and printed."""
    t = result["timings"]
    lines = [
        f"MPS measures, PRX chain N = {result['state']['n_sites']}, chi = {result['state']['max_bond_dimension']} "
        f"({result['state']['bonds_at_max']} bonds at chi), state: {result['state_kind']}",
        f"load average before {result['load_before']}, after {result['load_after']} (2 cores, shared machine)",
        f"{'measure':<56} {'wall s':>8} {'CPU s':>8}",
    ]
    names = {"entanglement_entropy_all_bonds": "entanglement_entropy, all 74 bonds (alpha = 1)",
             "renyi2_all_bonds": "entanglement_entropy, all 74 bonds (alpha = 2)",
             "mutual_information_all_fm_spin_pairs": "mutual_information, 10 FM spin pairs (spin only)",
             "one_sweep_all_fm_spin_pair_rdms": "the same 10 spin-pair RDMs from one MPS.sweep(rdms=)",
             "independent_gram_entropies": f"independent: Gram entropies at bonds {list(CHECK_BONDS)}",
             "independent_spin_pair_mi": "independent: explicit spin-pair contraction (10)"}
    lines += [f"{names[key]:<56} {value['wall_s']:8.2f} {value['cpu_s']:8.2f}" for key, value in t.items()]
    check = result["check"]
    lines.append(f"max |ours - independent| over {len(CHECK_BONDS)} bond entropies and "
                 f"{len(check['mutual_information'])} MIs: {check['max_abs_difference']:.2e}")
    lines.append("max |mutual_information - one-sweep route| over the pairs: "
                 f"{check['max_abs_difference_one_sweep_mi']:.2e}")
    if "record" in check:
        record = check["record"]
        lines.append(f"the run's own record of this state: max |bond entropy diff| "
                     f"{record['bond_entropy_max_abs_difference']:.1e}, I(1|N_FM) recorded "
                     f"{record['mutual_info_edges']['record']:.12f}, ours {record['mutual_info_edges']['ours']:.12f}")
    lines += [f"  I({key}) = {value['ours']:.12f}  (independent {value['independent']:.12f})"
              for key, value in check["mutual_information"].items()]
    lines += [f"  S(bond {key}) = {value['ours']:.12f}  (independent {value['independent']:.12f})"
              for key, value in check["bond_entropy"].items()]
    return "\n".join(lines)


def run_state(spec: str, model: PRXChain, args: argparse.Namespace) -> dict[str, Any]:
    """Build or load one state (``random`` or a checkpoint path), time and check its measures."""
    load_before = os.getloadavg()
    start = time.perf_counter()
    if spec == "random":
        mps, extra = random_charged_mps(model, args.chi, args.seed), {"seed": args.seed, "chi": args.chi}
        kind = f"random right-canonical charged MPS (seed {args.seed})"
    else:
        mps, extra = checkpoint_mps(model, Path(spec))
        extra["last_record_row"] = {k: np.asarray(v).tolist() for k, v in extra["last_record_row"].items()}
        kind = f"TEBD checkpoint {Path(spec).name} (t = {extra['last_record_row'].get('t')})"
    setup = time.perf_counter() - start
    print(f"{kind}: ready in {setup:.1f} s", flush=True)
    result = {"state_kind": kind, "state": state_summary(mps), "setup_wall_s": setup,
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), **measure(mps, model, args.repeat),
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()], "source": extra}
    row = extra.get("last_record_row")
    if row and "bond_entropy" in row and "mutual_info_edges" in row:  # the run's own record of this state
        fm = list(model.fm_sites)
        result["check"]["record"] = {
            "bond_entropy_max_abs_difference": float(np.max(np.abs(np.subtract(row["bond_entropy"],
                                                                               result["bond_entropy"])))),
            "mutual_info_edges": {"record": float(row["mutual_info_edges"]),
                                  "ours": result["mutual_information"][f"{fm[0]},{fm[-1]}"]},
        }
    return result


def main() -> None:
    """Command line: build or load each state, time, check, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", action="append", help="'random' (default) or a TEBD checkpoint .npz of the "
                        "PRX run; repeat the flag for several states")
    parser.add_argument("--chi", type=int, default=400, help="bond dimension of the random state (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions, the best is reported")
    parser.add_argument("--out", default=str(RESULTS), help="stem of the .json and .txt results")
    args = parser.parse_args()
    model = PRXChain()  # the paper's chain: N = 75, N_L = 35, N_FM = 5, N_conf = 10, N_e = 8
    results = [run_state(spec, model, args) for spec in (args.state or ["random"])]
    text = "\n\n".join(report_text(result) for result in results)
    print(text)
    stem = Path(args.out)
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps({"states": results}, indent=1, default=float) + "\n")
    stem.with_suffix(".txt").write_text(text + "\n")


if __name__ == "__main__":
    main()

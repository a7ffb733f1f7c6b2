"""Reading files written by TeNPy's ``tenpy.tools.hdf5_io`` with h5py alone: nothing is unpickled, no
class named in the file is imported (h5py is optional, imported in :func:`open_hdf5`).

``hdf5_io.load`` rebuilds every object from the module and class names stored in the file — like
unpickling, a manipulated file can run code. This module reads only what it understands: numeric
datasets (``type`` = ``array`` or a scalar type; real, complex, integer or boolean dtypes), strings,
``None``, and the ``list`` / ``tuple`` / ``simple_dict`` groups holding them (:func:`read_node`);
anything else (``reduce``, ``global``, ``function``, general dicts, opaque or object dtypes) is
skipped. An ``instance`` group is read only where its structure is known: a TeNPy ``npc.Array``
(:func:`npc_to_dense`, blocks placed by the legs' ``slices``) and a finite ``MPS`` (:func:`read_mps`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verify.mps import MPS

__all__ = [
    "MAX_DEPTH",
    "MAX_TENSOR_ENTRIES",
    "SKIPPED",
    "mps_groups",
    "node_type",
    "npc_to_dense",
    "open_hdf5",
    "physical_dims",
    "read_mps",
    "read_node",
    "site_labels",
]

MAX_DEPTH = 24
"""Deepest nesting of lists and dicts read (hard links can make cycles in an HDF5 file)."""

MAX_TENSOR_ENTRIES = 1 << 27
"""Largest dense tensor built from an ``npc.Array`` (2 GiB of complex128): a file claiming more is refused."""

SKIPPED = object()
"""What :func:`read_node` returns for a node it does not read (kept out of the result)."""

_SCALARS = {"int", "float", "bool", "complex", "np.int64", "np.float64", "np.complex128", "np.int32",
            "np.float32", "np.complex64", "np.bool_", "int_as_str"}


def open_hdf5(path: str | os.PathLike) -> Any:
    """``h5py.File(path, "r")``, with a one-line reason for a file h5py cannot open.

    Raises
    ------
    ImportError
        When h5py is not installed (``pip install 'qstt[hdf5]'``).
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When it is not a readable HDF5 file.
    """
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - exercised only without h5py
        raise ImportError("reading HDF5 files needs h5py: pip install 'qstt[hdf5]' (or pip install h5py)") from exc
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path}: not a readable HDF5 file ({exc})") from None


def node_type(node: Any) -> str:
    """The ``type`` attribute ``hdf5_io`` gives every node (``""`` when absent)."""
    value = node.attrs.get("type", "")
    return value.decode() if isinstance(value, bytes) else str(value)


def _dataset(node: Any) -> Any:
    kind = node_type(node)
    if kind == "str":
        value = node.asstr()[()] if node.dtype.kind in "OSU" else SKIPPED
        return value if isinstance(value, str) else SKIPPED
    if kind == "None":
        return None
    if kind not in _SCALARS and kind not in ("array", ""):
        return SKIPPED
    if node.dtype.kind not in "biufc":  # object, opaque, compound or string dtypes: not numbers
        return SKIPPED
    value = node[()]
    if kind in _SCALARS:
        return value.item() if isinstance(value, np.generic) else value
    return np.asarray(value)


def read_node(node: Any, depth: int = 0) -> Any:
    """The plain value of an ``hdf5_io`` node: numbers, numeric arrays, strings, None, lists and dicts of
    them; :data:`SKIPPED` for anything else (module docstring). Nothing is imported or unpickled.

    Raises
    ------
    ValueError
        When lists or dicts nest deeper than :data:`MAX_DEPTH` (a cycle of hard links).
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"{node.name}: nested deeper than {MAX_DEPTH} levels (a cycle of links?)")
    if not hasattr(node, "keys"):
        return _dataset(node)
    kind = node_type(node)
    if kind in ("list", "tuple"):
        length = int(node.attrs.get("len", 0))
        items = [read_node(node[str(i)], depth + 1) if str(i) in node else SKIPPED for i in range(length)]
        return items if kind == "list" else tuple(items)
    if kind == "simple_dict":
        out = {}
        for key in node:
            value = read_node(node[key], depth + 1)
            if value is not SKIPPED:
                out[key] = value
        return out
    return SKIPPED


def _leg_slices(leg: Any, where: str) -> np.ndarray:
    if "slices" not in leg:
        raise ValueError(f"{where}: leg without 'slices' (not an npc LegCharge)")
    slices = np.asarray(leg["slices"][()])
    if slices.dtype.kind not in "iu" or slices.ndim != 1 or slices.size < 1 or np.any(np.diff(slices) < 0):
        raise ValueError(f"{where}: malformed leg slices {slices!r}")
    return slices.astype(np.int64)


def npc_to_dense(group: Any) -> tuple[np.ndarray, list[str]]:
    """A TeNPy ``npc.Array`` stored by ``hdf5_io`` as ``(dense array, leg labels)``.

    Each block ``blocks[b]`` sits at the slices ``legs[l].slices[block_inds[b, l]]`` of every leg.

    Raises
    ------
    ValueError
        For a group that is not an ``npc.Array`` or whose blocks do not fit its legs.
    """
    where = group.name
    if not hasattr(group, "keys") or not {"blocks", "block_inds", "legs"} <= set(group):
        raise ValueError(f"{where}: not a TeNPy npc.Array (no blocks, block_inds, legs)")
    legs = group["legs"]
    slices = [_leg_slices(legs[str(i)], f"{where}/legs/{i}") for i in range(int(legs.attrs.get("len", 0)))]
    shape = tuple(int(s[-1]) for s in slices)
    if int(np.prod(shape, dtype=np.float64)) > MAX_TENSOR_ENTRIES:
        raise ValueError(f"{where}: tensor of shape {shape} exceeds {MAX_TENSOR_ENTRIES} entries")
    block_inds = np.asarray(group["block_inds"][()])
    blocks = read_node(group["blocks"])
    if not isinstance(blocks, list) or block_inds.ndim != 2 or block_inds.shape != (len(blocks), len(slices)):
        raise ValueError(f"{where}: block_inds {block_inds.shape} do not match {len(slices)} legs and the blocks")
    dense = np.zeros(shape, dtype=complex)
    for b, block in enumerate(blocks):
        if not isinstance(block, np.ndarray) or block.ndim != len(slices):
            raise ValueError(f"{where}: block {b} is not a numeric array of rank {len(slices)}")
        index = []
        for leg, q in enumerate(block_inds[b]):
            if not 0 <= int(q) < len(slices[leg]) - 1:
                raise ValueError(f"{where}: block {b} refers to charge block {int(q)} of leg {leg}, which has none")
            index.append(slice(int(slices[leg][q]), int(slices[leg][q + 1])))
        target = dense[tuple(index)]
        if target.shape != block.shape:
            raise ValueError(f"{where}: block {b} has shape {block.shape}, its slot {target.shape}")
        dense[tuple(index)] = block
    labels = read_node(group["labels"]) if "labels" in group else []
    labels = [str(label) for label in labels] if isinstance(labels, list) else []
    return dense, labels


def mps_groups(handle: Any) -> dict[str, Any]:
    """The groups of a file that hold a TeNPy MPS (``class`` ``MPS``), by path: the root of a file
    written by ``hdf5_io.save(psi, ...)``, ``psi`` of a ``Simulation`` results file, and any other
    first-level group."""
    found = {}
    for path, node in [("/", handle), *((f"/{key}", handle[key]) for key in handle)]:
        if hasattr(node, "keys") and _attr(node, "class") == "MPS" and "tensors" in node:
            found[path] = node
    return found


def _attr(node: Any, name: str) -> str:
    value = node.attrs.get(name, "")
    return value.decode() if isinstance(value, bytes) else str(value)


def _to_b_form(tensors: list[np.ndarray], singular: list[np.ndarray], forms: list[Any], where: str) -> list[np.ndarray]:
    """B_i = S_i^{−a} T_i S_{i+1}^{1−b} for tensors stored in TeNPy's form (a, b) (T = S^a Γ S^b)."""
    out = []
    for i, (tensor, form) in enumerate(zip(tensors, forms, strict=True)):
        if not (isinstance(form, (list, tuple)) and len(form) == 2 and all(isinstance(x, (int, float)) for x in form)):
            raise ValueError(f"{where}: site {i} is not in a canonical form ({form!r}); call psi.canonical_form()")
        left, right = (np.asarray(s, dtype=float) for s in (singular[i], singular[i + 1]))
        a, b = float(form[0]), float(form[1])
        if (a != 0 and np.any(left <= 0)) or (b != 1 and np.any(right <= 0)):
            raise ValueError(f"{where}: site {i}: zero singular values, its form {form} cannot be converted")
        scale_left = left ** (-a) if a else np.ones_like(left)
        scale_right = right ** (1.0 - b) if b != 1 else np.ones_like(right)
        out.append(scale_left[:, None, None] * tensor * scale_right[None, None, :])
    return out


def site_labels(group: Any, n_sites: int) -> list[dict[str, int] | None]:
    """TeNPy's ``state_labels`` (label → basis index) of every site of an MPS group, None where absent."""
    sites = group.get("sites")
    out: list[dict[str, int] | None] = []
    for i in range(n_sites):
        node = sites.get(str(i)) if sites is not None else None
        labels = read_node(node["state_labels"]) if node is not None and "state_labels" in node else None
        out.append({str(k): int(v) for k, v in labels.items()} if isinstance(labels, dict) else None)
    return out


def physical_dims(group: Any) -> list[int]:
    """The local dimension of every site of an MPS group (the ``p`` leg of each tensor), without
    building the tensors."""
    dims = []
    try:
        for i in range(int(group.attrs.get("L", 0))):
            tensor = group["tensors"][str(i)]
            labels = read_node(tensor["labels"]) if "labels" in tensor else []
            if not isinstance(labels, list) or "p" not in labels:
                raise ValueError(f"{tensor.name}: no physical leg 'p' among the labels {labels!r}")
            dims.append(int(tensor["legs"][str(labels.index("p"))].attrs.get("ind_len", 0)))
    except KeyError as exc:
        raise ValueError(f"{group.name}: not a complete TeNPy MPS ({exc})") from None
    return dims


def _reorder(tensors: list[np.ndarray], group: Any, labels: Sequence[str], where: str) -> list[np.ndarray]:
    """Each site's physical index in the order of ``labels`` (TeNPy may sort a basis by charge)."""
    out = []
    for i, (tensor, state_labels) in enumerate(zip(tensors, site_labels(group, len(tensors)), strict=True)):
        if state_labels is None:
            raise ValueError(f"{where}: site {i} stores no state_labels: cannot reorder its basis by labels")
        order = [state_labels.get(label) for label in labels]
        if None in order or sorted(order) != list(range(tensor.shape[1])):  # a permutation of the basis
            raise ValueError(f"{where}: site {i} (dimension {tensor.shape[1]}, labels {sorted(state_labels)}) "
                             f"does not match the labels {list(labels)}: each state must be named once")
        out.append(tensor[:, order, :])
    return out


def read_mps(group: Any, *, labels: Sequence[str] | None = None) -> MPS:
    """A finite TeNPy MPS stored by ``hdf5_io`` as this package's :class:`verify.mps.MPS`, exactly.

    The tensors are brought to B form (right-canonical, legs ``vL, p, vR``) from the stored
    ``canonical_form``; the state is ``norm · S[0] B[0] ⋯ B[L−1]``, with ``norm · diag(S[0])`` absorbed
    into the first tensor and the orthogonality centre on site 0 (as :func:`verify.interop.from_tenpy_mps`).

    Parameters
    ----------
    group : h5py.Group
        The MPS group (:func:`mps_groups`).
    labels : sequence of str, optional
        Reorder every site's basis into this order of TeNPy state labels (e.g. ``("up", "down")``).

    Raises
    ------
    ValueError
        For a non-finite MPS, a site without canonical form, or tensors that do not fit together.
    """
    where = group.name
    if labels is not None and (isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence)
                               or not all(isinstance(label, str) for label in labels)):
        raise TypeError(f"labels must be a sequence of state labels (str), got {labels!r}")
    try:
        return _read_mps(group, labels, where)
    except (KeyError, IndexError) as exc:  # a member the structure needs is missing or out of range
        raise ValueError(f"{where}: not a complete TeNPy MPS ({exc})") from None


def _read_mps(group: Any, labels: Sequence[str] | None, where: str) -> MPS:
    """:func:`read_mps`, raising KeyError/IndexError for missing members."""
    bc = read_node(group["boundary_condition"]) if "boundary_condition" in group else None
    if bc != "finite":
        raise ValueError(f"{where}: only finite MPS are read, got boundary_condition {bc!r}")
    n_sites = int(group.attrs.get("L", 0))
    tensors, tensor_labels = [], []
    for i in range(n_sites):
        dense, names = npc_to_dense(group["tensors"][str(i)])
        if sorted(names) != ["p", "vL", "vR"]:
            raise ValueError(f"{where}: site {i} has legs {names}, expected vL, p, vR")
        tensors.append(dense.transpose([names.index(x) for x in ("vL", "p", "vR")]))
        tensor_labels.append(names)
    singular = read_node(group["singular_values"])
    forms = read_node(group["canonical_form"])
    if not isinstance(singular, list) or len(singular) != n_sites + 1 or not isinstance(forms, list):
        raise ValueError(f"{where}: expected {n_sites + 1} singular-value arrays and {n_sites} forms")
    tensors = _to_b_form(tensors, singular, forms, where)
    if labels is not None:
        tensors = _reorder(tensors, group, labels, where)
    norm = float(group.attrs.get("norm", 1.0))
    tensors[0] = norm * np.asarray(singular[0], dtype=float)[:, None, None] * tensors[0]
    try:
        return MPS([np.ascontiguousarray(t) for t in tensors], center=0)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None

"""The checkpoint file format: a zip archive of ``.npy`` members, streamed member by member.

A checkpoint (:mod:`verify.records.checkpoint`) is a ``.npz`` file — a zip archive whose members
are ``.npy`` arrays, so ``np.load`` opens it too — written and read one member at a time:

* :class:`ArchiveWriter` writes into an open zip archive (``ZIP_DEFLATED``), one ``zf.open(name, "w")``
  stream per member; a block-sparse tensor's blocks go into one flat member block by block, so no
  densified tensor and no second copy of the state is ever built;
* :func:`read_member` reads one member after checking its ``.npy`` header — dtype, shape — against
  what the caller expects *before* allocating anything: a tensor cast to float32 or a member of a
  forged shape is refused with a ``ValueError`` naming the file and the member;
* :func:`write_tensor` / :func:`read_tensor` encode one MPS site tensor: a
  :class:`verify.tensors.ChargedTensor` as the charges of its three legs (``<name>_leg0..2``, int64
  (dim, n_q)), the charge keys of its blocks (``<name>_keys``, int64 (n_blocks, 3, n_q)) and the
  blocks concatenated in their dictionary order (``<name>_blocks``, complex128); a dense tensor as one
  complex128 member ``<name>``. The blocks come back as views of the one flat array (C-contiguous,
  bit for bit the stored ones, in the stored order).

Layout version 2; version 1 (every tensor densified, uncompressed) is still read by
:func:`read_tensor` with ``kind="dense"``.
"""

from __future__ import annotations

import hashlib
import tokenize
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np

from verify.tensors import ChargedTensor, Leg

__all__ = ["COMPLEX", "ZIP_DAMAGE", "ArchiveWriter", "check_digests", "content_digest", "describe_tensor",
           "member_name", "read_member", "read_tensor", "stored_digests", "tensor_entry", "write_tensor"]

COMPLEX = np.dtype("<c16")
"""The dtype of every stored tensor entry (complex128): anything else is refused on reading."""
_INT = np.dtype("<i8")
ZIP_DAMAGE = (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError)
"""What zipfile/zlib raise for a damaged archive or member (CRC, deflate stream, unknown method or version,
encryption flag, a local header that disagrees with the directory)."""
_CHUNK = 1 << 18  # bytes per read/write call: with zlib's output, the only buffers besides the arrays


def member_name(name: str) -> str:
    """The archive member of array ``name`` (``np.savez`` naming: ``name.npy``)."""
    return f"{name}.npy"


class ArchiveWriter:
    """Writes ``.npy`` members into an open :class:`zipfile.ZipFile` one stream at a time.

    Parameters
    ----------
    archive : zipfile.ZipFile
        Opened for writing (``ZIP_DEFLATED``; the level is the archive's).
    """

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def _open(self, name: str, dtype: np.dtype, shape: tuple[int, ...]) -> IO[bytes]:
        stream = self.archive.open(member_name(name), "w", force_zip64=True)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_2_0(stream, header)
        return stream

    def array(self, name: str, value: Any) -> None:
        """Write one array (C order) as member ``name``."""
        value = np.asarray(value)
        if value.dtype.hasobject:
            raise TypeError(f"checkpoint member {name!r}: object arrays cannot be stored")
        self.chunks(name, value.dtype, value.shape, [value])

    def chunks(self, name: str, dtype: np.dtype, shape: tuple[int, ...], parts: Any) -> None:
        """Write member ``name`` of ``shape`` from ``parts`` (arrays of ``dtype`` whose sizes add up to the
        member's), streamed: only one part is touched at a time."""
        dtype = np.dtype(dtype)
        with self._open(name, dtype, shape) as stream:
            written = 0
            for part in parts:
                flat = np.ascontiguousarray(part, dtype=dtype).reshape(-1)
                view = memoryview(flat).cast("B")
                for start in range(0, view.nbytes, _CHUNK):
                    stream.write(view[start : start + _CHUNK])
                written += flat.size
        if written != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"checkpoint member {name!r}: wrote {written} entries for shape {shape}")


def describe_tensor(tensor: Any) -> dict[str, Any]:
    """The JSON header entry of one site tensor (what :func:`read_tensor` needs to read it back)."""
    if isinstance(tensor, ChargedTensor):
        return {"kind": "blocks", "shape": list(tensor.shape), "signs": list(tensor.signs), "n_q": tensor.n_q,
                "n_blocks": len(tensor.blocks)}
    if isinstance(tensor, np.ndarray):
        return {"kind": "dense", "shape": list(tensor.shape)}
    raise TypeError(f"checkpoint tensors must be ndarrays or ChargedTensors, got {type(tensor).__name__}")


def content_digest(value: Any) -> str:
    """SHA-256 (hex) of what a checkpoint stores of one tensor, bond-value vector or record array: dtype,
    shape and data as written (blocks as complex128 in their order, leg charges, signs).

    The header holds one digest per stored object, so a member swapped for another of the same dtype and
    shape — which the zip CRCs and the shape checks cannot see — is refused on loading."""
    digest = hashlib.sha256()
    if isinstance(value, ChargedTensor):
        digest.update(repr(("blocks", tuple(value.shape), tuple(value.signs), value.n_q)).encode())
        for leg in value.legs:
            digest.update(np.ascontiguousarray(leg.charges, dtype=_INT))
        for key, block in value.blocks.items():
            digest.update(np.asarray(key, dtype=_INT).tobytes())
            digest.update(np.ascontiguousarray(block, dtype=COMPLEX))
    else:
        array = np.asarray(value)
        digest.update(repr((array.dtype.str, array.shape)).encode())
        digest.update(np.ascontiguousarray(array))
    return digest.hexdigest()


def stored_digests(tensors: Sequence[Any], bond_values: Sequence[np.ndarray],
                   record: Mapping[str, np.ndarray]) -> dict[str, str]:
    """One :func:`content_digest` per stored object, by member stem (the header key ``digests``)."""
    digests = {f"tensor_{i:04d}": content_digest(t if isinstance(t, ChargedTensor) else np.asarray(t, dtype=COMPLEX))
               for i, t in enumerate(tensors)}  # dense tensors as stored: complex128
    digests |= {f"lambda_{i:04d}": content_digest(v) for i, v in enumerate(bond_values)}
    return digests | {f"record_{key}": content_digest(np.asarray(record[key])) for key in sorted(record)}


def check_digests(stored: Any, loaded: dict[str, str], path: Any) -> None:
    """Raise ValueError unless ``stored`` (the header's ``digests``) lists exactly the loaded objects with
    their digests: a swapped or edited member is refused."""
    if not isinstance(stored, dict):
        raise ValueError(f"{path}: checkpoint header key 'digests' must be an object of SHA-256 digests by member")
    if set(stored) != set(loaded):
        raise ValueError(f"{path}: checkpoint header key 'digests' does not list the members stored "
                         f"({len(stored)} listed, {len(loaded)} stored)")
    for name, digest in loaded.items():
        if stored[name] != digest:
            what = "header values (parameters, steps, truncation)" if name == "header" else f"member {name!r}"
            raise ValueError(f"{path}: checkpoint {what} do{'es' * (name != 'header')} not match the digest in "
                             "the header (edited or swapped)")


def write_tensor(writer: ArchiveWriter, name: str, tensor: Any) -> None:
    """Write one site tensor (module docstring): its blocks, streamed, or its dense array."""
    if isinstance(tensor, ChargedTensor):
        for k, leg in enumerate(tensor.legs):
            writer.array(f"{name}_leg{k}", leg.charges.astype(_INT, copy=False))
        keys = list(tensor.blocks)
        writer.array(f"{name}_keys", np.array(keys, dtype=_INT).reshape(len(keys), len(tensor.legs), tensor.n_q))
        blocks = [tensor.blocks[key] for key in keys]
        writer.chunks(f"{name}_blocks", COMPLEX, (sum(int(b.size) for b in blocks),), blocks)
    else:
        describe_tensor(tensor)  # TypeError for anything else
        writer.chunks(name, COMPLEX, tensor.shape, [tensor])


def _read_exact(stream: IO[bytes], out: memoryview, where: str) -> None:
    """Fill ``out`` from ``stream`` in chunks; ValueError if the member ends early or runs on."""
    pos, total = 0, out.nbytes
    while pos < total:
        got = stream.readinto(out[pos : min(pos + _CHUNK, total)])  # type: ignore[attr-defined]
        if not got:
            raise ValueError(f"{where} is truncated ({pos} of {total} bytes)")
        pos += got
    if stream.read(1):  # also makes zipfile check the member's CRC
        raise ValueError(f"{where} holds more data than its header declares")


def read_member(
    archive: zipfile.ZipFile, name: str, *, dtype: Any = None, shape: tuple[int | None, ...] | None = None,
    path: Any = "", max_bytes: int | None = None,
) -> np.ndarray:
    """Member ``name`` of ``archive`` after checking its ``.npy`` header, before reading any data.

    Parameters
    ----------
    archive : zipfile.ZipFile
    name : str
        Array name (the member is ``name.npy``).
    dtype : dtype or tuple of dtypes, optional
        The allowed dtypes (exact match, byte order included); None allows any non-object dtype.
    shape : tuple, optional
        Expected shape; ``None`` entries are free (but the number of axes is fixed).
    path : path-like
        The file, for the messages.
    max_bytes : int, optional
        Largest size (bytes) accepted when the shape or the string length is free.

    Raises
    ------
    ValueError
        Naming the file and the member: missing, not an ``.npy`` array, of another dtype or shape,
        truncated or corrupt.
    """
    where = f"{path}: checkpoint member {name!r}"
    try:
        stored_size = archive.getinfo(member_name(name)).file_size
        stream = archive.open(member_name(name))
    except KeyError:
        raise ValueError(f"{path}: checkpoint is missing {name!r}") from None
    except ZIP_DAMAGE as exc:  # a damaged local header (name, sizes) fails at open, before any data is read
        raise ValueError(f"{where} is corrupt ({exc})") from None
    try:
        with stream:
            out = _checked_empty(stream, where, dtype, shape, max_bytes, stored_size)
            _read_exact(stream, memoryview(out.reshape(-1, order="A")).cast("B"), where)
    except ZIP_DAMAGE as exc:
        raise ValueError(f"{where} is corrupt ({exc})") from None
    return out


def _checked_empty(stream: IO[bytes], where: str, dtype: Any, shape: tuple[int | None, ...] | None,
                   max_bytes: int | None, stored_size: int) -> np.ndarray:
    """The empty array an ``.npy`` header declares, after checking dtype, shape and size."""
    try:
        version = np.lib.format.read_magic(stream)
        got_shape, fortran, got_dtype = _read_header(stream, version)
    except (ValueError, SyntaxError, tokenize.TokenError) as exc:  # numpy parses the header dict as Python
        raise ValueError(f"{where} is not an .npy array ({exc})") from None
    allowed = () if dtype is None else tuple(np.dtype(d) for d in (dtype if isinstance(dtype, tuple) else (dtype,)))
    if got_dtype.hasobject or (allowed and got_dtype not in allowed):
        want = " or ".join(str(d) for d in allowed) or "a plain dtype"
        raise ValueError(f"{where} has dtype {got_dtype}, expected {want}")
    if shape is not None and (len(got_shape) != len(shape) or any(
            s is not None and s != g for s, g in zip(shape, got_shape, strict=False))):
        raise ValueError(f"{where} has shape {got_shape}, expected {tuple('*' if s is None else s for s in shape)}")
    n_bytes = int(np.prod(got_shape, dtype=object)) * got_dtype.itemsize
    if max_bytes is not None and n_bytes > max_bytes:
        raise ValueError(f"{where} has {n_bytes} bytes, more than the {max_bytes} allowed")
    if n_bytes > stored_size:  # a forged header: refuse before allocating
        raise ValueError(f"{where} declares {n_bytes} bytes in a member of {stored_size}")
    return np.empty(got_shape, dtype=got_dtype, order="F" if fortran else "C")


def _read_header(stream: IO[bytes], version: tuple[int, int]) -> tuple[tuple[int, ...], bool, np.dtype]:
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f".npy version {version} is not read")


def tensor_entry(entry: Any, index: int, path: Any) -> dict[str, Any]:
    """Validate one tensor entry of a version-2 header (kind, shape, signs, n_q, n_blocks)."""
    where = f"{path}: header key 'tensors'[{index}]"
    if not isinstance(entry, dict) or entry.get("kind") not in ("blocks", "dense"):
        raise ValueError(f"{where} must be an object with kind 'blocks' or 'dense', got {entry!r}"[:300])
    shape = entry.get("shape")
    if not (isinstance(shape, list) and len(shape) == 3 and all(_is_count(s) for s in shape)):
        raise ValueError(f"{where}: 'shape' must be three non-negative integers, got {shape!r}"[:300])
    if entry["kind"] == "blocks":
        for key in ("n_q", "n_blocks"):
            if not _is_count(entry.get(key)):
                raise ValueError(f"{where}: {key!r} must be a non-negative integer, got {entry.get(key)!r}"[:300])
        signs = entry.get("signs")
        if not (isinstance(signs, list) and len(signs) == 3 and all(s in (1, -1) and _is_count(abs(s))
                                                                    for s in signs)):
            raise ValueError(f"{where}: 'signs' must be three of +1/-1, got {signs!r}"[:300])
    return entry


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_tensor(archive: zipfile.ZipFile, name: str, entry: dict[str, Any], path: Any) -> Any:
    """The site tensor ``name`` of a header ``entry`` (:func:`tensor_entry`): an ndarray for ``dense``,
    a checked :class:`verify.tensors.ChargedTensor` for ``blocks``.

    Raises
    ------
    ValueError
        Naming the file and the member for a missing, mistyped or misshaped member, block keys that
        do not fit the legs, or blocks that break the charge rule.
    """
    shape = tuple(entry["shape"])
    if entry["kind"] == "dense":
        return read_member(archive, name, dtype=COMPLEX, shape=shape, path=path)
    n_q, n_blocks = entry["n_q"], entry["n_blocks"]
    legs = [Leg(read_member(archive, f"{name}_leg{k}", dtype=_INT, shape=(dim, n_q), path=path))
            for k, dim in enumerate(shape)]
    keys = read_member(archive, f"{name}_keys", dtype=_INT, shape=(n_blocks, 3, n_q), path=path)
    block_keys = [tuple(tuple(int(x) for x in q) for q in key) for key in keys]
    sizes = [tuple(leg.size(q) for leg, q in zip(legs, key, strict=True)) for key in block_keys]
    if len(set(block_keys)) != n_blocks or any(0 in s for s in sizes):
        raise ValueError(f"{path}: checkpoint member {name + '_keys'!r} names repeated blocks or charges no leg has")
    total = sum(int(np.prod(s)) for s in sizes)
    flat = read_member(archive, f"{name}_blocks", dtype=COMPLEX, shape=(total,), path=path)
    blocks, offset = {}, 0
    for key, size in zip(block_keys, sizes, strict=True):
        n = int(np.prod(size))
        blocks[key] = flat[offset : offset + n].reshape(size)
        offset += n
    tensor = ChargedTensor(legs, entry["signs"], blocks)
    try:
        tensor.check()
    except ValueError as exc:
        raise ValueError(f"{path}: checkpoint tensor {name!r}: {exc}") from None
    return tensor

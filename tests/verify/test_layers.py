"""The architecture holds: layers import only downward, no cycles, no private names across modules.

Packages: ``states`` → ``entanglement`` ← ``verify`` → ``paper_figs`` (``states`` imports no other
package of the project; ``entanglement`` only ``states``; nothing imports ``paper_figs``).
Inside ``verify`` the sub-packages are layers (``docs/architecture.md``)::

    models → tensors → mps → exact | tebd → records → checks → testing | interop → cli

A module may import its own layer and the layers to its left, never a sibling (exact ↮ tebd,
testing ↮ interop) or a layer to its right — at module level or inside a function. The flat modules
left at the old paths are deprecated shims (:data:`SHIMS`) and may import anything; nothing in the
layers imports them. The test reads the source with :mod:`ast`; it imports nothing.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("states", "entanglement", "verify", "paper_figs")
PACKAGE_RANK = {"states": 0, "entanglement": 1, "verify": 2, "paper_figs": 3}
"""``verify`` and ``entanglement`` are independent of each other's internals except that verify may
use entanglement; paper_figs may use all."""

LAYERS = {
    "models": 0,
    "tensors": 1,
    "mps": 2,
    "exact": 3,
    "tebd": 3,
    "records": 4,
    "checks": 5,
    "testing": 6,
    "interop": 6,
    "cli": 7,
}
"""Rank of every layer of verify; equal ranks are siblings and may not import each other."""

SHIMS = {
    "blocksparse", "check_cli", "checkpoint", "crosscheck", "crosscheck_cli", "fock", "linalg", "operators",
    "pair", "propagate", "properties", "prx_exact", "prx_observables", "prx_tebd", "runs", "stt_mps",
    "strategies", "trotter",
}
"""Deprecated flat modules of ``verify`` kept for one release (thin re-exports)."""


def package_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, *, module_level_only: bool = False) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) of every import; TYPE_CHECKING blocks skipped."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    out = []
    for node in nodes:
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, [alias.name for alias in node.names], node.lineno))
    return out


def verify_layer(name: str) -> str | None:
    """The layer of a ``verify`` module, ``"shim"`` for a flat deprecated module, None for the package root."""
    parts = name.split(".")
    if parts[0] != "verify" or len(parts) == 1:
        return None
    if parts[1] in LAYERS:
        return parts[1]
    if parts[1] in ("__main__",):
        return "cli"
    return "shim" if parts[1] in SHIMS else parts[1]


def test_every_verify_module_is_in_a_layer_or_a_known_shim():
    unknown = sorted(
        {module_name(p) for p in (ROOT / "verify").rglob("*.py")}
        - {"verify"}
        - {m for m in (module_name(p) for p in (ROOT / "verify").rglob("*.py")) if verify_layer(m) in (*LAYERS, "shim")}
    )
    assert not unknown, f"modules outside the layers: {unknown} (add them to a layer or to SHIMS)"


def test_packages_import_downward():
    bad = []
    for path in package_modules():
        here = module_name(path).split(".")[0]
        for target, _, line in imports(path):
            there = target.split(".")[0]
            if there in PACKAGE_RANK and there != here:
                allowed = PACKAGE_RANK[there] < PACKAGE_RANK[here] and there != "paper_figs"
                if not allowed:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_verify_layers_import_only_to_the_left():
    bad = []
    for path in (ROOT / "verify").rglob("*.py"):
        name = module_name(path)
        layer = verify_layer(name)
        if layer in (None, "shim"):
            continue
        for target, names, line in imports(path):
            targets = [target] + [f"{target}.{n}" for n in names] if target == "verify" else [target]
            for full in targets:
                other = verify_layer(full)
                if other is None or other == layer:
                    continue
                if other == "shim":
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports the deprecated {full}")
                elif other not in LAYERS or LAYERS[other] >= LAYERS[layer]:
                    bad.append(f"{path.relative_to(ROOT)}:{line} ({layer}) imports {full} ({other})")
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    names = {module_name(p): p for p in package_modules()}
    for name, path in names.items():
        for target, imported, _ in imports(path, module_level_only=True):
            submodules = [f"{target}.{n}" for n in imported if f"{target}.{n}" in names]
            # ``from pkg import module`` depends on that module (and pkg/__init__ only for other names)
            for candidate in submodules + ([target] if len(submodules) < len(imported) or not imported else []):
                if candidate in names and candidate != name:
                    graph[name].add(candidate)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join([*trail[trail.index(nxt):], nxt]) if nxt in trail
                            else f"import cycle through {nxt}")
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(names):
        if node not in state:
            visit(node, [node])


def test_no_private_names_from_other_modules():
    bad = []
    own = {module_name(p) for p in package_modules()}
    for path in package_modules():
        here = module_name(path)
        package = here.rsplit(".", 1)[0] if path.name != "__init__.py" else here
        for target, names, line in imports(path):
            if target.split(".")[0] not in PACKAGES or target == here:
                continue
            # a package's own private modules (``paper_figs._prx``) are shared inside that package
            private = [
                n for n in names
                if n.startswith("_") and not n.startswith("__") and not (f"{target}.{n}" in own and target == package)
            ]
            private_module = [part for part in target.split(".") if part.startswith("_") and part != "__main__"]
            if private or (private_module and target.rsplit(".", 1)[0] != package):
                bad.append(f"{path.relative_to(ROOT)}:{line} from {target} import {', '.join(private) or '...'}")
    assert not bad, "\n".join(bad)

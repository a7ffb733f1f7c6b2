"""The numpydoc ``Attributes`` section of a class docstring, read as data (help texts of generated flags).

The parameter classes (:class:`verify.models.PRXChain`, :class:`verify.models.XXZChain`,
:class:`verify.models.PairOnRing`) document their fields in a numpydoc ``Attributes`` section::

    n_sites, n_left, n_fm, n_conf : int
        N, N_L, N_FM, N_conf. The FM sites are ...
    polarization : {"z", "x"}
        Direction of the electron polarization before t = 0.

:func:`attribute_docs` turns it into one :class:`AttributeDoc` per field name. A line that lists
several names shares its description; when the description starts with a comma-separated list of as
many symbols as there are names (``"γ, J, J_z, J_sd of Eqs. 2–4"``, ``"TeNPy's Jxx, Jz, hz (...)"``),
each name gets its own symbol with the shared rest (``"J_z of Eqs. 2–4"``). A type in braces
(``{"z", "x"}``, ``{2, 4}``) is read as the field's choices. reST markup (````x````,
``:class:`~a.b```) is reduced to its text.

Examples
--------
>>> from verify.models import XXZChain
>>> attribute_docs(XXZChain)["j_z"].description
"TeNPy's Jz (couplings of S = σ/2)."
>>> attribute_docs(XXZChain)["n_sites"].description
'L >= 2.'
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass

__all__ = ["AttributeDoc", "attribute_docs", "plain_text", "split_shared_description"]

_HEADER = re.compile(r"^(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::\s*(?P<type>.*))?$")
_ROLE = re.compile(r":[a-z]+:`~?(?:[^`<]*<)?([^`>]+)>?`")


@dataclass(frozen=True)
class AttributeDoc:
    """One documented field: its numpydoc type text, its description and the choices a braced type lists."""

    type: str
    description: str
    choices: tuple | None = None


def plain_text(text: str) -> str:
    """``text`` without reST roles and literals, on one line (``:class:`~a.B``` → ``B``)."""

    def role(match: re.Match[str]) -> str:
        return match.group(1).rsplit(".", 1)[-1] if "~" in match.group(0) else match.group(1)

    text = _ROLE.sub(role, text).replace("``", "")
    return " ".join(text.split())


def _choices(type_text: str) -> tuple | None:
    """The items of a braced numpydoc type (``{"z", "x"}`` → ("z", "x"); ``{2, 4}`` → (2, 4))."""
    type_text = type_text.strip()
    if not (type_text.startswith("{") and type_text.endswith("}")):
        return None
    try:
        return tuple(ast.literal_eval(item.strip()) for item in type_text[1:-1].split(","))
    except (ValueError, SyntaxError):
        return None


def split_shared_description(names: list[str], description: str) -> dict[str, str]:
    """Give each of ``names`` its own symbol of a shared description (module docstring).

    ``description`` may start with one word (``"TeNPy's"``) before a list of ``len(names)``
    comma-separated symbols; otherwise every name gets the whole description.
    """
    if len(names) < 2:
        return dict.fromkeys(names, description)
    symbol = r"[^\s,]+"
    last = r"[^\s,.;:]+"
    pattern = rf"^(?P<pre>(?:\S+\s)?)(?P<items>{symbol}(?:,\s{symbol}){{{len(names) - 2}}},\s{last})(?P<post>.*)$"
    match = re.match(pattern, description)
    if match is None:
        return dict.fromkeys(names, description)
    items = [item.strip() for item in match.group("items").split(",")]
    return {name: f"{match.group('pre')}{item}{match.group('post')}" for name, item in zip(names, items, strict=True)}


def _entries(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """(names, type, description lines) of the entries of an Attributes section's lines."""
    entries: list[tuple[str, str, list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        if line[0].isspace():
            if entries:
                entries[-1][2].append(line.strip())
            continue
        header = _HEADER.match(line.strip())
        if header is None:  # a paragraph after the section, or the next section
            break
        entries.append((header.group("names"), header.group("type") or "", []))
    return entries


def attribute_docs(cls: type) -> dict[str, AttributeDoc]:
    """Field name → :class:`AttributeDoc` from the ``Attributes`` section of ``cls.__doc__``.

    Returns an empty dict for a class without a docstring or without that section.
    """
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    start = next(
        (i + 2 for i in range(len(lines) - 1)
         if lines[i].strip() == "Attributes" and set(lines[i + 1].strip()) == {"-"}),
        None,
    )
    if start is None:
        return {}
    end = next((i - 1 for i in range(start + 1, len(lines)) if lines[i].strip() and set(lines[i].strip()) == {"-"}),
               len(lines))
    out: dict[str, AttributeDoc] = {}
    for names_text, type_text, description in _entries(lines[start:end]):
        names = [name.strip() for name in names_text.split(",")]
        shared = split_shared_description(names, plain_text(" ".join(description)))
        for name in names:
            out[name] = AttributeDoc(type_text.strip(), shared[name], _choices(type_text))
    return out

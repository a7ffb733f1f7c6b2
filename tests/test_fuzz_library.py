"""Fuzzing the library's entry points with seeded random malformed input (issue 14: 10^4 cases per run).

Every generated call is malformed *by construction* — a value of the wrong type, NaN/inf, out of range,
a logarithm base of 1, or a size beyond a documented cost limit (:data:`entanglement.closed_form.MAX_DPS`,
``MAX_RDM_SPINS``, ``states.MAX_PACKET_SITES``, ...). The oracle: it raises ``ValueError`` or
``TypeError`` with a non-empty message. Returning a value is a silent wrong number; any other
exception (OverflowError, RecursionError, MemoryError, ZeroDivisionError ...) is a traceback the
contract forbids. The cost guards make every absurd size a quick refusal, so the loop also shows that
no case hangs. :data:`N_CASES` cases per run (plain ``random.Random`` with a fixed seed: reproducible,
and a failure names the family and the arguments).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import states
from entanglement import closed_form as cf
from entanglement import von_neumann_entropy
from states.validation import require_int, require_log_base, require_real
from verify.mps import stt_mps
from verify.records.run import output_times

N_CASES = 7000
"""Cases of :func:`test_library_refuses_malformed_input` per run."""

HUGE = 10**400
NOT_INTEGERS: list[Any] = [1.5, "3", None, True, math.nan, math.inf, [], 2 + 1j, np.float64(2.0), b"4", {}]
NOT_REALS: list[Any] = [math.nan, math.inf, -math.inf, "x", None, True, 1 + 1j, HUGE, -HUGE, [], {}, b"1"]
BAD_BASES: list[Any] = [1, 1.0, np.float64(1.0), 0, 0.0, -2, -0.5, math.nan, math.inf, -math.inf, "e", True,
                        1 + 0j, 2j, "ten", []]
BAD_COUNTS: list[Any] = [-1, -(10**9), 1.5, "3", None, True, math.nan, math.inf, [], 2 + 1j, np.float64(3.0)]
BAD_FILLINGS: list[Any] = [math.nan, math.inf, -math.inf, 0, 1, 0.0, 1.0, -0.5, 1.5, True, "not a number!",
                           [], 2j]


Case = tuple[str, Callable[[], Any]]


def _pick(rng: random.Random, pool: list[Any]) -> Any:
    return pool[rng.randrange(len(pool))]


def _validation(rng: random.Random) -> Case:
    kind = rng.randrange(4)
    if kind == 0:
        value = _pick(rng, NOT_INTEGERS)
        return f"require_int({value!r})", lambda: require_int("n", value)
    if kind == 1:
        value = rng.randint(-(10**6), -1)
        return f"require_int({value}, minimum=0)", lambda: require_int("n", value, minimum=0)
    if kind == 2:
        value = _pick(rng, NOT_REALS)
        return f"require_real({value!r})", lambda: require_real("x", value)
    value = _pick(rng, BAD_BASES)
    return f"require_log_base({value!r})", lambda: require_log_base(value)


def _packet(rng: random.Random) -> Case:
    args: list[Any] = [rng.randint(2, 50), 1.0, rng.uniform(0.5, 3.0), rng.uniform(-1, 1)]
    slot = rng.randrange(5)
    if slot == 0:
        args[0] = _pick(rng, [*NOT_INTEGERS, 1, 0, -5, states.MAX_PACKET_SITES + rng.randint(1, 10**9), HUGE])
    elif slot == 1:
        args[1] = _pick(rng, [*NOT_REALS, 0.5, -3.0, float(args[0]) + 0.5, 1e300])
    elif slot == 2:
        args[2] = _pick(rng, [*NOT_REALS, 0.0, -1.0])
    elif slot == 3:
        args[3] = _pick(rng, NOT_REALS)
    else:
        n = states.MAX_PAIR_SITES + rng.randint(1, 10**6)
        return f"pair_state({n})", lambda: states.pair_state(n, 1.0, 3.0, 1.0, 0.0, "singlet")
    return f"gaussian_packet{tuple(args)!r}", lambda: states.gaussian_packet(*args)


def _pair_spin(rng: random.Random) -> Case:
    name = _pick(rng, ["Singlet", "triplet", "theta ", "", None, 3, b"singlet", "up", "triplet+2"])
    if rng.random() < 0.3:
        return "pair_spin_state('singlet', theta=0.1)", lambda: states.pair_spin_state("singlet", 0.1)
    return f"pair_spin_state({name!r})", lambda: states.pair_spin_state(name)


def _dicke(rng: random.Random) -> Case:
    kind = rng.randrange(4)
    if kind == 0:
        n, k = _pick(rng, [*BAD_COUNTS, 0]), rng.randint(0, 3)
        return f"DickeState({n!r}, {k})", lambda: states.DickeState(n, k)
    if kind == 1:
        n = rng.randint(1, 50)
        k = n + rng.randint(1, 10)
        return f"DickeState({n}, {k})", lambda: states.DickeState(n, k)
    if kind == 2:
        n = rng.randint(10**5, 10**12)
        return f"DickeState({n}).n_terms", lambda: states.DickeState(n, n // 2).n_terms
    n = states.MAX_DENSE_QUBITS + rng.randint(1, 10**6)
    return f"dicke_vector({n})", lambda: states.dicke_vector(n, 1)


def _closed_form_mp(rng: random.Random) -> Case:
    function = _pick(rng, [cf.single_spin_entropy_mp, cf.two_spin_entropy_mp, cf.mutual_information_mp])
    kind = rng.randrange(4)
    if kind == 0:
        base = _pick(rng, BAD_BASES)
        return f"{function.__name__}(base={base!r})", lambda: function(3, 4, base=base)
    if kind == 1:
        dps = _pick(rng, [0, -1, 1.5, "30", None, True, cf.MAX_DPS + rng.randint(1, 10**9)])
        return f"{function.__name__}(dps={dps!r})", lambda: function(3, 4, dps=dps)
    if kind == 2:
        power = rng.randint(cf.MAX_DPS, 3 * cf.MAX_DPS)
        return f"{function.__name__}(10**{power}, 3)", lambda: function(10**power, 3)
    count = _pick(rng, BAD_COUNTS)
    return f"{function.__name__}({count!r}, 3)", lambda: function(count, 3)


def _closed_form_np(rng: random.Random) -> Case:
    function = _pick(rng, [cf.single_spin_entropy_np, cf.two_spin_entropy_np, cf.mutual_information_np])
    if rng.random() < 0.5:
        base = _pick(rng, [*BAD_BASES, HUGE])
        return f"{function.__name__}(base={base!r})", lambda: function(3, 4, base=base)
    count = _pick(rng, [np.array([1.5]), -1, np.array([True]), "3", np.array([-2, 3])])
    return f"{function.__name__}({count!r}, 3)", lambda: function(count, 3)


def _closed_form_blocks(rng: random.Random) -> Case:
    kind = rng.randrange(5)
    n_e, n_fm = rng.randint(10**3, 10**9), rng.randint(10**3, 10**9)
    if kind == 0:
        m = rng.randint(cf.MAX_RDM_SPINS + 1, 10**6)
        return f"block_rdm({n_e}, {n_fm}, {m})", lambda: cf.block_rdm(n_e, n_fm, m)
    if kind == 1:
        m = rng.randint(cf.MAX_SPECTRUM_SPINS + 1, 10**6)
        return f"block_spectrum({n_e}, {n_fm}, {m})", lambda: cf.block_spectrum(n_e, n_fm, m)
    if kind == 2:
        m = rng.randint(cf.MAX_MP_BLOCK_SPINS + 1, 10**8)
        return f"block_entropy_mp({n_e}, {n_fm}, {m})", lambda: cf.block_entropy_mp(n_e, n_fm, m)
    if kind == 3:
        m = _pick(rng, [-1, 1.0, True, "2", None, n_e + n_fm + 1])
        return f"block_entropy_mp(m={m!r})", lambda: cf.block_entropy_mp(n_e, n_fm, m)
    order = _pick(rng, [-1, 1.5, True, "2", None, cf.MAX_SERIES_ORDER + rng.randint(1, 10**6)])
    return f"mutual_information_series({order!r})", lambda: cf.mutual_information_series(order)


def _closed_form_sympy(rng: random.Random) -> Case:
    kind = rng.randrange(3)
    if kind == 0:
        function = _pick(rng, [cf.single_spin_entropy, cf.two_spin_entropy, cf.mutual_information])
        base = _pick(rng, BAD_BASES)
        return f"{function.__name__}(base={base!r})", lambda: function(3, 4, base=base)
    if kind == 1:
        p = _pick(rng, BAD_FILLINGS)
        function = _pick(rng, [cf.mutual_information_limit, cf.two_spin_spectrum_limit])
        return f"{function.__name__}({p!r})", lambda: function(p)
    spectra = [
        [(0.5 + rng.uniform(0.01, 1) * 1j, 1), (0.5, 1)],
        [(math.nan, 1), (1.0, 1)],
        [(math.inf, 1)],
        [(-rng.uniform(0.01, 1), 1), (1.5, 1)],
        [(0.5, 1), (0.5 + rng.uniform(1e-6, 1), 1)],
        [(0.5, 0), (0.5, 2)],
        [(0.5, 1.0), (0.5, 1)],
        [(0.5, True), (0.5, 1)],
    ]
    spectrum = _pick(rng, spectra)
    return f"entropy_from_spectrum({spectrum!r})", lambda: cf.entropy_from_spectrum(spectrum)


def _records_and_mps(rng: random.Random) -> Case:
    kind = rng.randrange(3)
    if kind == 0:
        t_max, dt_out = _pick(rng, [(-1.0, 0.1), (1.0, 0.0), (1.0, -0.1), (math.nan, 0.1), (1.0, math.inf),
                                    (1e300, 1e-300), (10.0 ** rng.randint(7, 300), 1.0), ("1", 0.1), (1.0, None)])
        return f"output_times({t_max!r}, {dt_out!r})", lambda: output_times(t_max, dt_out)
    if kind == 1:
        n = rng.randint(10**4, 10**9)
        return f"stt_mps({n}, {n})", lambda: stt_mps(n, n)
    count = _pick(rng, BAD_COUNTS)
    return f"stt_mps({count!r}, 2)", lambda: stt_mps(count, 2)


def _numeric_entropy(rng: random.Random) -> Case:
    a = rng.uniform(0.1, 0.9)
    kind = rng.randrange(3)
    if kind == 0:  # trace off by at least 1e-3
        rho = np.diag([a, 1 - a + rng.choice([-1, 1]) * rng.uniform(1e-3, 0.5)])
    elif kind == 1:  # anti-Hermitian part far above 1e-8
        rho = np.array([[a, rng.uniform(0.01, 1) * 1j], [rng.uniform(0.01, 1) * 1j, 1 - a]])
    else:
        rho = np.diag([a, 1 - a])
        rho[rng.randrange(2), rng.randrange(2)] = _pick(rng, [np.nan, np.inf, -np.inf])
    return f"von_neumann_entropy({rho.tolist()!r})", lambda: von_neumann_entropy(rho)


FAMILIES: dict[str, Callable[[random.Random], Case]] = {
    "validation": _validation,
    "packet": _packet,
    "pair_spin": _pair_spin,
    "dicke": _dicke,
    "closed_form_mp": _closed_form_mp,
    "closed_form_np": _closed_form_np,
    "closed_form_blocks": _closed_form_blocks,
    "closed_form_sympy": _closed_form_sympy,
    "records_and_mps": _records_and_mps,
    "numeric_entropy": _numeric_entropy,
}


def test_library_refuses_malformed_input() -> None:
    rng = random.Random(14)
    counts: Counter[str] = Counter()
    for _ in range(N_CASES):
        family = rng.choice(sorted(FAMILIES))
        label, call = FAMILIES[family](rng)
        try:
            with np.errstate(all="ignore"):
                result = call()
        except (ValueError, TypeError) as exc:
            assert str(exc).strip(), f"{family}: {label}: empty message"
        except Exception as exc:  # any other exception: a traceback the contract forbids
            pytest.fail(f"{family}: {label}: {type(exc).__name__}: {exc}")
        else:
            pytest.fail(f"{family}: {label}: returned {str(result)[:80]} (a silent wrong number)")
        counts[family] += 1
    assert sum(counts.values()) == N_CASES
    assert set(counts) == set(FAMILIES), "every family drawn"
    print(f"library fuzz: {N_CASES} cases, by family {dict(sorted(counts.items()))}")

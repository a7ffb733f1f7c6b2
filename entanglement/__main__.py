"""``python -m entanglement``: PRX Eqs. 14–17 for the Eq. 15 state, as a table.

Without arguments, for N_e = N_FM = N it prints the single-spin entropy S_1, the two-spin entropy S_{1,N_FM}
(PRX Eq. 16), the mutual information I(1|N_FM) = 2 S_1 - S_{1,N_FM} (PRX Eq. 14), its distance
from the N -> oo limit ln 2/2 (PRX Eq. 17, Fig. 8) and the Meyer–Wallach measure Q_MW (PRX Eq. 13),
all from the exact closed forms of :mod:`entanglement.closed_form` evaluated with mpmath.

With ``--n-e N_E --n-fm N_FM [--alpha A]`` it prints, for that one state, the Rényi-α entropies of
blocks of m spins, the Rényi-α mutual information of the edge spins (exact, and its limit at the same
filling); ``--alpha A`` alone prints the N -> oo limit and large-N series of the Rényi-α mutual
information for N_e = N_FM = N. A is a positive number (``2``, ``0.5``, ``1/2``); 1 means von Neumann.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from fractions import Fraction

import mpmath
import sympy as sp

from entanglement import closed_form as cf
from states.validation import int_argument

SIZES: tuple[int, ...] = (*range(1, 11), 20, 50, 100, 1000, 10**6)
DPS = 20
MAX_EXACT_SPINS = 10**6
"""Largest N_e + N_FM for which ``--n-e/--n-fm`` also print the exact sympy form (floats come from mpmath)."""
MAX_SHOWN_BLOCKS = 8
"""Block sizes m = 1 .. min(N_e + N_FM - 1, 8) are listed by ``--n-e/--n-fm``."""


def _fmt(value: mpmath.mpf) -> str:
    return f"{float(value):14.12f}"


def table(sizes: tuple[int, ...] = SIZES) -> str:
    """Return the table printed by ``python -m entanglement`` (one row per N_e = N_FM = N)."""
    limit = cf.mutual_information_limit()
    lines = [
        "Entanglement of the PRX Eq. 15 state (equal-weight superposition of all states of N_e electron",
        "spins and N_FM localized spins with N_e spins up), for N_e = N_FM = N; natural log.",
        "  S_1        single-spin entropy (PRX Eq. 12), ln 2 for every spin",
        "  S_{1,N}    entropy of localized spins 1 and N_FM (PRX Eq. 16; the same for any two spins)",
        "  I(1|N)     mutual information S_1 + S_N - S_{1,N} (PRX Eq. 14)",
        "  I - ln2/2  distance from the N -> oo limit (PRX Eq. 17, Fig. 8)",
        "  Q_MW       Meyer-Wallach global entanglement (PRX Eq. 13)",
        "",
    ]
    header = f"{'N':>8}  {'S_1':>14}  {'S_{1,N}':>14}  {'I(1|N)':>14}  {'I - ln2/2':>18}  {'Q_MW':>5}"
    lines += [header, "-" * len(header)]
    with mpmath.workdps(DPS):
        half_ln2 = mpmath.log(2) / 2
        for n in sizes:
            s1 = cf.single_spin_entropy_mp(n, n, dps=DPS)
            s2 = cf.two_spin_entropy_mp(n, n, dps=DPS)
            # N = 1: the only pair is electron 1 and localized spin 1 (spins 1 and N_FM coincide)
            pair = {"i": "e1", "j": "fm1"} if n == 1 else {}
            mi = cf.mutual_information_mp(n, n, dps=DPS, **pair)
            q = cf.meyer_wallach(n, n)
            mark = "*" if n == 1 else " "
            lines.append(f"{n:>7}{mark}  {_fmt(s1)}  {_fmt(s2)}  {_fmt(mi)}  {float(mi - half_ln2):18.6e}  {q!s:>5}")
        lines += [
            "",
            f"limit N -> oo of I(1|N) (sympy.limit, PRX Eq. 17): {limit} = {sp.N(limit, 15)}",
            f"large-N series: I(1|N) = {cf.mutual_information_series(2)} + O(1/N**3)",
            "* N = 1: S_{1,N} and I are for the pair (electron 1, localized spin 1).",
            f"PRX Fig. 7(b) setup N_e = 8, N_FM = 5: Q_MW = {cf.meyer_wallach(8, 5)} "
            f"= {float(cf.meyer_wallach_mp(8, 5, dps=DPS)):.6f} (slightly below 1 since N_e > N_FM)",
        ]
    return "\n".join(lines)


def renyi_report(n_e: int, n_fm: int, alpha: object = 1) -> str:
    """Return the text printed by ``python -m entanglement --n-e N_E --n-fm N_FM --alpha A``.

    Rényi-α entropies (von Neumann for alpha = 1) of m-spin blocks and the Rényi-α mutual information
    of two spins (PRX Eq. 14 with Rényi entropies), with its limit at the same filling N_e/(N_e + N_FM).

    Raises
    ------
    TypeError, ValueError
        For invalid counts (fewer than 2 spins) or alpha
        (:func:`~entanglement.closed_form.renyi_mutual_information`).
    """
    order = Fraction(str(alpha)) if isinstance(alpha, str) else alpha
    n = n_e + n_fm
    if n < 2:
        raise ValueError(f"N_e + N_FM must be at least 2 for a mutual information, got {n_e} + {n_fm}")
    with mpmath.workdps(DPS):
        mi = cf.renyi_mutual_information_mp(n_e, n_fm, order, dps=DPS)
        pair = {"i": "e1", "j": "fm1"} if n_fm == 1 else {}
        lines = [
            f"PRX Eq. 15 state with N_e = {n_e}, N_FM = {n_fm}; Renyi order alpha = {order} (1: von Neumann); nats.",
            "",
            f"{'m':>4}  {'S_alpha(m)':>16}   entropy of any m spins",
        ]
        for m in range(1, min(n - 1, MAX_SHOWN_BLOCKS) + 1):
            lines.append(f"{m:>4}  {float(cf.block_entropy_mp(n_e, n_fm, m, dps=DPS, alpha=order)):16.12f}")
        lines += ["", f"I_alpha(1|N_FM) = 2 S_alpha(1) - S_alpha(2) = {float(mi):.12f}"]
        if n <= MAX_EXACT_SPINS:
            lines.append(f"  exact: {cf.renyi_mutual_information(n_e, n_fm, order, **pair)}")
        filling = sp.Rational(n_e, n) if 0 < n_e < n else None
        if filling is not None:
            limit = cf.renyi_mutual_information_limit(order, filling)
            shown = f"{limit} = " if len(str(limit)) <= 80 else ""
            lines.append(f"limit n -> oo at filling p = N_e/(N_e + N_FM) = {filling}: {shown}{sp.N(limit, 12)}")
    return "\n".join(lines)


def renyi_limits(alpha: object) -> str:
    """Return the text printed by ``python -m entanglement --alpha A``: limit and large-N series (N_e = N_FM = N)."""
    order = Fraction(str(alpha)) if isinstance(alpha, str) else alpha
    limit = cf.renyi_mutual_information_limit(order)
    return "\n".join(
        [
            f"Renyi-{order} mutual information of two spins of the PRX Eq. 15 state, N_e = N_FM = N:",
            f"  limit N -> oo: {limit} = {sp.N(limit, 15)}",
            f"  large-N series: {cf.renyi_mutual_information_series(order, 2)} + O(1/N**3)",
            "  closed form in alpha: log(4/(2**alpha + 2))/(1 - alpha); log(2)/2 at alpha = 1 (PRX Eq. 17)",
        ]
    )


def _renyi_order(text: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        message = f"alpha must be a positive number such as 2, 0.5 or 1/2, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"alpha must be > 0 (1 is von Neumann), got {text!r}")
    return value


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Print :func:`table` (no arguments), :func:`renyi_report` or :func:`renyi_limits` to stdout.

    ``argv`` are the command-line arguments (none by default; ``python -m entanglement`` passes its own).
    Bad arguments print one line to stderr and exit with status 2; ``--help`` describes them.
    """
    parser = _OneLineParser(
        prog="python -m entanglement",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Without arguments the sizes N are " + ", ".join(str(n) for n in SIZES) + ".",
    )
    parser.add_argument("--n-e", type=int_argument(0), help="number of electrons N_e (with --n-fm)")
    parser.add_argument("--n-fm", type=int_argument(0), help="number of localized spins N_FM (with --n-e)")
    parser.add_argument("--alpha", type=_renyi_order, help="Renyi order > 0, e.g. 2, 0.5 or 1/2 (1: von Neumann)")
    args = parser.parse_args([] if argv is None else list(argv))
    if (args.n_e is None) != (args.n_fm is None):
        parser.error("--n-e and --n-fm must be given together")
    try:
        if args.n_e is not None:
            text = renyi_report(args.n_e, args.n_fm, 1 if args.alpha is None else args.alpha)
        elif args.alpha is not None:
            text = renyi_limits(args.alpha)
        else:
            text = table()
    except (TypeError, ValueError) as error:
        parser.exit(2, f"error: {parser.prog}: {' '.join(str(error).split())}\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

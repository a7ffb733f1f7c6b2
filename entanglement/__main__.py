"""``python -m entanglement``: PRX Eqs. 14–17 for the Eq. 15 state, as a table.

For N_e = N_FM = N it prints the single-spin entropy S_1, the two-spin entropy S_{1,N_FM}
(PRX Eq. 16), the mutual information I(1|N_FM) = 2 S_1 - S_{1,N_FM} (PRX Eq. 14), its distance
from the N -> oo limit ln 2/2 (PRX Eq. 17, Fig. 8) and the Meyer–Wallach measure Q_MW (PRX Eq. 13),
all from the exact closed forms of :mod:`entanglement.closed_form` evaluated with mpmath.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import mpmath
import sympy as sp

from entanglement import closed_form as cf

SIZES: tuple[int, ...] = (*range(1, 11), 20, 50, 100, 1000, 10**6)
DPS = 20


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


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Print :func:`table` to stdout; ``--help`` describes it, any other argument is refused (exit 2).

    ``argv`` are the command-line arguments (none by default; ``python -m entanglement`` passes its own).
    """
    parser = _OneLineParser(
        prog="python -m entanglement",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Takes no arguments: the sizes N are " + ", ".join(str(n) for n in SIZES) + ".",
    )
    parser.parse_args([] if argv is None else list(argv))
    print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Checks of a run record: conservation laws, physical bounds and bookkeeping, with a structured report.

:func:`check_run` accepts a :class:`~verify.records.run.RunResult`, the path of a run record written by
this package (``.npz`` + optional JSON sidecar, schema in ``docs/run_records.md``), a mapping of
arrays, or plain arrays passed as keyword arguments (``check_run(t=t, norm=norm, density=density,
n_e=2)``). It returns a :class:`Report` with one :class:`CheckResult` per check: whether it passed,
the worst deviation, when (time index and time) and where (site / spin index) it happened, the
tolerance used, or why it was skipped (the arrays it needs are absent, or the law does not apply).

The laws come from the model
----------------------------
When the metadata names a known model (``meta.model = {"model": "prx" | "xxz" | "pair", ...}``), the
checks read what its records must obey from :func:`verify.models.record_schema`: the conserved
charges the model declares (their record keys, the recorded parts that add up to them, the operator
norms, and the eigenvalue when the initial state is an eigenstate), the site dimensions behind the
entropy bounds, the spin-length bounds and the keys that are NaN by design. A chain model that is not
registered (a ``ChainModel`` built by hand) is checked from what its record declares — ``meta.conserved``,
``meta.sector``, ``meta.site_dims``, ``meta.cut`` (:func:`verify.models.declared_record_schema`) — and
the report names its kind. A bare record (or one whose metadata does not make a valid model and
declares nothing) falls back to the array names and to the keyword arguments ``n_e``, ``n_fm``,
``collinear``, ``convention``, ``entropy_dims``, ``mutual_info_dims``, ``base`` — or, given
``model=KIND`` / ``conserved="N,Sz,energy"`` (``python -m verify check --model --conserved``), from that
declaration. A record that names a model kind the package does not know and declares nothing gets no
assumed law (:mod:`verify.checks.bare`).

Required arrays, statuses, profiles
-----------------------------------
A record whose laws come from a schema must show every conserved charge (its total or all its parts):
a law it does not show FAILS (:mod:`verify.checks.laws`), and a record this package saved (its sidecar has
a ``run_id``) must hold every array of its model's records (``required_arrays``). Besides ``pass`` /
``FAIL`` / ``skip`` a check can have status ``WARN`` (:mod:`verify.checks.report`): an expected array is
missing, a recorded one could not be checked, TEBD steps were truncation-limited, or it passes only
under a relaxed tolerance;
:attr:`Report.passed` is False only on FAIL. The tolerances come from a profile — ``exact``,
``trotter``, ``ode`` (:meth:`Tolerances.profile`, :mod:`verify.checks.tolerances`) — chosen from the
record's ``meta.method`` unless ``profile=`` says otherwise.

The checks
----------
``time_grid``
    ``t`` is finite, strictly increasing and evenly spaced: max_i |Δt_i − Δt_0| ≤ ``time_grid`` · Δt_0;
    when the metadata declares ``dt_out`` (with ``t_max`` or ``n_times``), ``t`` is that grid
    (:func:`verify.records.output_times`): |t_i − i·dt_out| ≤ ``time_grid`` · dt_out and as many times.
``finite_values``
    No NaN or inf in any numeric array of the record (also those no other check reads), except where
    the model records NaN by design (the edge-spin mutual information for N_FM = 1, the electron
    purity for N_e = 0, pair probabilities of a single electron, Q_MW for localized spins S > 1/2).
``norm``
    |norm − 1| ≤ ``norm`` (plus the accumulated truncation error for approximate runs, see below).
``sz_conservation``
    The total 2S^z (Pauli units) is constant and equals the sum of its recorded parts: PRX
    ``spin_z_total + electron_spin[:, 2]`` (PRX Eq. 9, [H, s^z_e + Σ σ^z_i] = 0 for t ≥ 0; in the
    noncollinear geometry the state is not an eigenstate, but ⟨S^z⟩ is conserved all the same) and
    the recorded ``total_spin_z``; XXZ Σ_i ``spin_z`` and ``total_spin_z``; pair model ``sigma_z`` +
    ``S_z`` converted to Pauli units with the record's spin convention (pair paper, [σ_z + S_z, H] = 0)
    and ``sz_total``. When the initial state is an eigenstate of known eigenvalue (the model's sector:
    collinear PRX, XXZ product states), the total must equal it.
``particle_number``
    Σ_i density[t, i] = N_e and the recorded ``n_electrons`` = N_e (PRX); without N_e, compared with
    the initial value. Skipped for models without a particle-number charge.
``energy``
    |E(t) − E(0)| ≤ ``energy`` · max(1, |E(0)|) (H is time independent for t ≥ 0).
``localized_spin_length``, ``electron_spin_length``
    The model's spin bounds — |⟨2S_i⟩| ≤ 2S for every localized spin (|S_i| ≤ 1 for S = 1/2), its
    purity in [0, 1], |⟨σ^z_i⟩| ≤ 1 for XXZ — and |s̃_e| = |s_e| / N_e ≤ 1 (Pauli units: the Bloch
    vector of a reduced density matrix, PRX Eqs. 10–11).
``density_bounds``
    0 ≤ n_j ≤ 2 for every site and |s^z_j| ≤ min(n_j, 2 − n_j) (n_j↑, n_j↓ ∈ [0, 1]).
``consistency``
    Derived arrays agree with their sources where both are recorded: spin_purity = |spin| / 2S,
    spin_z_total = Σ_i spin[:, i, z], electron_spin_purity = |electron_spin| / N_e,
    Σ_j spin_density_z = electron_spin[:, z] and spin_transfer = |sigma_z(t) − sigma_z(0)| (pair
    paper, definition of Δσ_z).
``entropy_bounds``
    0 ≤ S_cut ≤ log(min(d_left, d_right)) with d_left = Π_{i ≤ cut} d_i from the model's sites (PRX:
    4^cut · (2S+1)^(#FM sites among the first ``cut``); XXZ: 2^cut); the cut is the record's
    ``meta.cut``. MPS records: every ``bond_entropy`` within the same bound at its bond. Plain
    arrays: pass ``entropy_dims=(d_left, d_right)``.
``mutual_information_bounds``
    0 ≤ I ≤ 2 min(S_A, S_B) (Araki–Lieb) when the single-spin entropies are recorded
    (``mutual_info_entropy_a``/``_b``, each within 0 ≤ S ≤ log d: at most ln 2 for a qubit), else
    I ≤ 2 log d (the edge spins have d = 2S + 1, PRX Eq. 14).
``meyer_wallach_bounds``
    0 ≤ Q_MW ≤ 1 (PRX Eq. 13: every subsystem is a qubit, purity in [1/2, 1]).
``pair_probabilities``
    Every probability in [0, 1] and every row summing to 1.
``truncation_error``
    The accumulated truncation error is finite, nonnegative and non-decreasing; ``truncation_limited_steps``
    integers ≥ 0 and ``max_bond_dimension`` integers in 1..χ_max (``meta.tebd.chi_max``).
``charge_conservation``
    Every other charge the model declares (``ChainModel.conserved`` beyond 2S^z and N, e.g. ``"Nu"``),
    recorded as ``total_<charge>``: constant, equal to the sum of its recorded parts if any and, when
    the charge is in the sector, to its value; the same truncation-aware tolerance as S^z. Skipped
    for records that declare no charges.
``required_arrays``
    A record with a model schema holds every array of the model's records (and a TEBD driver's record
    the MPS bookkeeping): FAIL for a saved record (``run_id`` in its sidecar), a WARN skip for arrays
    assembled by hand.

Approximate (TEBD) records
--------------------------
A record is approximate when it has a ``truncation_error`` array or its metadata names an MPS method.
Every truncation is an orthogonal projection that keeps a fraction 1 − ε_k of ⟨ψ|ψ⟩, so an MPS that is
not renormalized after truncation has 1 − ⟨ψ|ψ⟩ = 1 − Π_k(1 − ε_k) ≤ Σ_k ε_k = ε(t), the accumulated
truncation error; |‖ψ‖ − 1| ≤ |‖ψ‖² − 1| as well. The norm tolerance is therefore ``norm + ε(t)``
(a bound, not a fudge factor). The gates conserve the model's charges exactly, and truncating the
Schmidt decomposition of a state with a definite charge keeps it definite (unless a degenerate
Schmidt multiplet spanning two sectors is cut apart, an edge case), so the only effect on such a
conserved sum ⟨O⟩ is the same norm loss, |Δ⟨O⟩| ≤ ‖O‖ ε(t): the tolerance becomes
``conservation + ‖O‖ ε(t)`` with ‖O‖ = ‖Σ_i Q_i‖ from the model (:class:`verify.models.ConservedLaw`:
N_e + 2S N_FM for the PRX S^z in Pauli units, N_e for N, L for the XXZ S^z; Σ_i (d_i − 1) for a
record that only declares its charges and site dimensions). A state that is not an
eigenstate (PRX noncollinear) can have Schmidt vectors that mix sectors; then
|Δ⟨O⟩| ≤ 2‖O‖ √(1 − F) with F the fidelity to the untruncated state, and with the standard estimate
1 − F ≈ ε(t) the tolerance is ``conservation + 2‖O‖ √ε(t)``. The energy
of a second-order Trotter evolution is not conserved: exp(−iHδt) is replaced by exp(−iH_eff δt) with
H_eff = H + O(δt²), so ⟨H⟩ oscillates by O(δt²) without drifting; ``energy_approximate`` (relative to
max(1, |E(0)|)) replaces ``energy`` for such records.

Modules: :mod:`~verify.checks.tolerances`, :mod:`~verify.checks.report`, :mod:`~verify.checks.load`,
:mod:`~verify.checks.bare`, :mod:`~verify.checks.context`, :mod:`~verify.checks.laws`,
:mod:`~verify.checks.bounds`, :mod:`~verify.checks.run`, :mod:`~verify.checks.truncation`.
"""

from verify.checks.compare import CUT_BEFORE_FIRST_OUTPUT, ComparisonReport, compare_runs
from verify.checks.load import ARRAY_SHAPES, load_record, parse_conserved
from verify.checks.report import CheckResult, Report
from verify.checks.run import CHECK_NAMES, check_run
from verify.checks.tolerances import METHOD_PROFILES, PROFILES, Tolerances, profile_for_method
from verify.checks.truncation import chi_exact_until

__all__ = [
    "ARRAY_SHAPES",
    "CHECK_NAMES",
    "CUT_BEFORE_FIRST_OUTPUT",
    "METHOD_PROFILES",
    "PROFILES",
    "CheckResult",
    "ComparisonReport",
    "Report",
    "Tolerances",
    "check_run",
    "chi_exact_until",
    "compare_runs",
    "load_record",
    "parse_conserved",
    "profile_for_method",
]

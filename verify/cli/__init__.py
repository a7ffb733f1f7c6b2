"""The command line ``python -m verify run / check / crosscheck / compare`` — the top layer of :mod:`verify`.

* :mod:`verify.cli.main` — the parser, the subcommand registry (:data:`SUBCOMMANDS`), :func:`main`;
* :mod:`verify.cli.run` — ``run KIND``: simulate any model of :data:`verify.models.MODEL_KINDS`
  (exact or TEBD for chain models) and write a run record;
* :mod:`verify.cli.check` — ``check RUN.npz``: :func:`verify.checks.check_run` on a record;
* :mod:`verify.cli.crosscheck` — ``crosscheck KIND|stt``: exact vs TEBD for any chain model, the
  PRX Eq. 15 MPS vs closed forms;
* :mod:`verify.cli.compare` — ``compare A.npz B.npz ...``: the convergence horizon of runs at
  different settings (:func:`verify.checks.compare_runs`), with the figure of
  :mod:`verify.cli.compare_plot`;
* :mod:`verify.cli.flags` — flags generated from dataclass fields (:func:`add_dataclass_arguments`,
  :func:`dataclass_from_arguments`), help texts from :mod:`verify.cli.docstrings`;
* :mod:`verify.cli.progress` — the progress line (:class:`TerminalProgress`);
* :mod:`verify.cli.common` — exit statuses and one-line errors.

Every subcommand turns bad input (``TypeError``, ``ValueError``, ``FileNotFoundError`` from the
library, argparse's errors) into one line ``error: ...`` on stderr and exit status 2. This layer
computes nothing of its own.
"""

from verify.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, USAGE_ERRORS, OneLineParser, describe_model, fail
from verify.cli.docstrings import AttributeDoc, attribute_docs
from verify.cli.flags import (
    FieldFlag,
    add_dataclass_arguments,
    dataclass_from_arguments,
    field_flags,
    finite_float,
    flag_name,
    given_fields,
    integer,
)
from verify.cli.main import SUBCOMMANDS, build_parser, main
from verify.cli.progress import ETA_WINDOW, PROGRESS_DELAY, PROGRESS_INTERVAL, TerminalProgress
from verify.cli.run import RUN_DEFAULTS, add_checkpoint_arguments, chain_kinds, check_output_path, checkpoint_options

__all__ = [
    "ETA_WINDOW",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROGRESS_DELAY",
    "PROGRESS_INTERVAL",
    "RUN_DEFAULTS",
    "SUBCOMMANDS",
    "USAGE_ERRORS",
    "AttributeDoc",
    "FieldFlag",
    "OneLineParser",
    "TerminalProgress",
    "add_checkpoint_arguments",
    "add_dataclass_arguments",
    "attribute_docs",
    "build_parser",
    "chain_kinds",
    "check_output_path",
    "checkpoint_options",
    "dataclass_from_arguments",
    "describe_model",
    "fail",
    "field_flags",
    "finite_float",
    "flag_name",
    "given_fields",
    "integer",
    "main",
]

"""``python -m verify``: the package's command line (:func:`verify.cli.main`)."""

import sys

import verify.cli

sys.exit(verify.cli.main())

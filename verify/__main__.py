"""``python -m verify``: the package's command line (see :mod:`verify.cli`)."""

import sys

from verify.cli import main

sys.exit(main())

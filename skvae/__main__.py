"""``python -m skvae``: the command line."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

from skvae.cli import main

sys.exit(main())

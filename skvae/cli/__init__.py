"""The ``skvae`` command line."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.cli._main import main

__all__ = ["main"]

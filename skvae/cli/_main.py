"""Entry point of the ``skvae`` command: argument parsing and dispatch to subcommands."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import logging
import sys

from skvae.cli import _demo


class CLIError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skvae",
        description="Disentangling VAEs and label-free disentanglement evaluation.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _demo.add_parser(sub)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(message)s")
    try:
        args.run(args)
    except (CLIError, FileNotFoundError, ValueError) as exc:
        print(f"skvae {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"skvae {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0

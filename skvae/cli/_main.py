"""Entry point of the ``skvae`` command: argument parsing and dispatch to subcommands."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import logging
import sys


class CLIError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``<prog>: error: <message>``."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def build_parser():
    from skvae import __version__
    from skvae.cli import _compare, _demo, _report, _tune

    parser = ArgumentParser(
        prog="skvae",
        description="Disentangling VAEs and label-free disentanglement evaluation.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--version", action="version", version=f"skvae {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _report.add_parser(sub)
    _compare.add_parser(sub)
    _tune.add_parser(sub)
    _demo.add_parser(sub)
    parser.subcommands = sub.choices
    return parser


def _one_line(exc):
    """The exception's message on one line (first line only)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def main(argv=None):
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (without the program name); None means ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for bad input (one-line message on stderr), 130 when
        interrupted.
    """
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the subcommand, whose usage it concerns
            parser.subcommands[args.command].error(
                f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else 2
    args.argv = list(sys.argv[1:] if argv is None else argv)
    # The logging set up for the command is undone when main returns (it may be called
    # in-process, e.g. from tests or a notebook).
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(message)s")
    try:
        args.run(args)
    except (CLIError, FileNotFoundError, ValueError, ImportError, OSError) as exc:
        print(f"skvae {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"skvae {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        for handler in [h for h in root.handlers if h not in saved_handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(saved_level)
    return 0

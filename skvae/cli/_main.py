"""Entry point of the ``skvae`` command: argument parsing and dispatch to subcommands."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import logging
import signal
import sys
import threading


class CLIError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``<prog>: error: <message>``."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


#: While a command runs with the handler of :func:`catch_interrupts`: a list that records
#: every Ctrl-C (SIGINT); None otherwise.
_interrupts = None


@contextlib.contextmanager
def catch_interrupts():
    """Record Ctrl-C (SIGINT) for the duration of the block.

    The estimators catch ``KeyboardInterrupt`` during ``fit`` and keep the partly trained
    model (as skorch does), so a fit cut short by Ctrl-C returns normally. The handler
    installed here records the signal and then does what the previous handler does
    (Python's raises ``KeyboardInterrupt``); :func:`raise_if_interrupted` then stops the
    command after such a fit. The previous handler and record are restored on exit: the
    command line may run in-process. Outside the main thread, or when SIGINT is not
    handled in Python (ignored, or the system default), nothing is installed.
    """
    global _interrupts
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    saved, record = _interrupts, []

    def handler(signum, frame):
        record.append(signum)
        previous(signum, frame)

    _interrupts = record
    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _interrupts = saved


def interrupted():
    """Whether Ctrl-C was pressed while the current command ran."""
    return bool(_interrupts)


def raise_if_interrupted():
    """Raise ``KeyboardInterrupt`` when Ctrl-C was pressed while the command ran.

    Called after the fits, whose estimators swallow the interruption: no result of a
    half-trained model is written.
    """
    if interrupted():
        raise KeyboardInterrupt


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
        with catch_interrupts():
            args.run(args)
            raise_if_interrupted()  # a command that missed a swallowed Ctrl-C still ends 130
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

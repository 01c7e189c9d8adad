"""Run joblib-parallel fits (GridSearchCV, AlignedEnsemble) on a Dask cluster."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import os
import socket
import warnings
from collections import defaultdict

logger = logging.getLogger(__name__)

#: glibc mallopt parameters and the values used in the Dask workers: the thresholds glibc's
#: own dynamic adjustment reaches on 64-bit systems (mmap 32 MiB, trim twice that).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 2**20
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD


def _tune_malloc():
    """Give glibc malloc the thresholds torch's training loop needs; True when applied.

    The Dask nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers. That trims the
    heap whenever 64 KiB are free at its top and also freezes the mmap threshold at
    128 KiB, so torch's step buffers are unmapped and faulted in again at every step: a
    BFVAE fit with the MSS total-correlation term ran 2-5x slower in a worker (millions of
    page faults, a third of the time in the kernel). Does nothing off glibc.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        )
    except (OSError, AttributeError, TypeError):
        return False


@functools.cache
def _malloc_plugin():
    """A Dask worker plugin applying :func:`_tune_malloc` to current and future workers.

    Built on first use so that importing this module does not import dask.distributed.
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class MallocForTorch(WorkerPlugin):
        name = "skvae-malloc-for-torch"
        idempotent = True

        def setup(self, worker):
            _tune_malloc()

    return MallocForTorch()


def _worker_threads():
    """``(host, usable cores, torch threads)`` of the calling worker process."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return socket.gethostname(), cores, torch.get_num_threads()


def _check_oversubscription(client):
    """Warn when task threads x torch threads exceed the cores of a worker host."""
    nthreads = client.nthreads()
    load, cores = defaultdict(int), {}
    for worker, (host, n_cores, torch_threads) in client.run(_worker_threads).items():
        load[host] += nthreads.get(worker, 1) * torch_threads
        cores[host] = n_cores
    for host, threads in load.items():
        if threads > cores[host]:
            warnings.warn(
                f"The Dask workers on {host} run {threads} torch threads at once on "
                f"{cores[host]} cores; parallel fits slow down badly when oversubscribed. "
                "Start the workers with a nanny (the default, which sets OMP_NUM_THREADS=1) "
                "or set OMP_NUM_THREADS=1 in the workers' environment.",
                UserWarning,
                stacklevel=4,  # the caller's with statement, past contextlib
            )
    return dict(load), cores


@contextlib.contextmanager
def dask_backend(address, *, check_threads=True, tune_malloc=True, **client_kwargs):
    """Run joblib-parallel work in this block on a Dask cluster.

    Connects a :class:`distributed.Client` to the scheduler at ``address`` and enters
    ``joblib.parallel_config(backend="dask")``, so that
    :class:`~sklearn.model_selection.GridSearchCV`, :class:`~skvae.AlignedEnsemble` and
    anything else parallelised with :mod:`joblib` sends its fits to the cluster's workers
    (``n_jobs`` is then ignored: every worker thread takes tasks). Fits are the same as
    with ``n_jobs=1`` for the same ``random_state`` (bit for bit when the main process
    and the workers use the same number of torch threads). The client is closed on
    exit; the cluster keeps running. Needs ``dask[distributed]``.

    Parameters
    ----------
    address : str or distributed.Client
        Scheduler address, e.g. ``'tcp://10.0.0.5:8786'``, or an existing client
        (used as is and left open).
    check_threads : bool, default=True
        Warn when, on some worker host, worker threads times torch threads exceed the
        cores (each worker process should run torch with one thread per task: the Dask
        nanny sets ``OMP_NUM_THREADS=1`` by default).
    tune_malloc : bool, default=True
        On glibc systems, set the workers' malloc mmap and trim thresholds to 32 and
        64 MiB (what glibc's dynamic adjustment reaches by itself) through a worker
        plugin, so workers that join later get them too. The Dask nanny's default
        ``MALLOC_TRIM_THRESHOLD_=65536`` makes torch fault in its step buffers again at
        every step: fits with a total-correlation term ran 2-5x slower in the workers.
        The workers keep these settings after the block (they return less freed memory
        to the system).
    **client_kwargs : dict
        Passed to :class:`distributed.Client` when ``address`` is a string (e.g.
        ``timeout``).

    Yields
    ------
    client : distributed.Client
        The connected client.

    Notes
    -----
    On an existing cluster, start one single-threaded worker process per core on every
    machine, each with skvae and the same versions of torch and scikit-learn installed,
    e.g. ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786 --nworkers 4
    --nthreads 1`` (with its default nanny, which sets ``OMP_NUM_THREADS=1``) on each
    worker machine. The data are sent to the workers with the tasks (joblib scatters large
    arrays once); :class:`~sklearn.model_selection.GridSearchCV` refits the best
    configuration in the calling process.

    Examples
    --------
    >>> from distributed import LocalCluster  # doctest: +SKIP
    >>> from sklearn.model_selection import GridSearchCV  # doctest: +SKIP
    >>> from skvae import BFVAE  # doctest: +SKIP
    >>> from skvae.utils import dask_backend  # doctest: +SKIP
    >>> cluster = LocalCluster(n_workers=2, threads_per_worker=1)  # doctest: +SKIP
    >>> search = GridSearchCV(BFVAE(max_iter=20, random_state=0),
    ...                       {"beta": [1.0, 4.0], "gamma": [0.0, 10.0]})  # doctest: +SKIP
    >>> with dask_backend(cluster.scheduler_address):  # doctest: +SKIP
    ...     search.fit(X)
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "dask_backend needs dask.distributed; install it with "
            "pip install 'dask[distributed]'."
        ) from exc
    from joblib import parallel_config

    if isinstance(address, Client):
        client, owned = address, False
    elif isinstance(address, str):
        client, owned = Client(address, **client_kwargs), True
    else:
        raise TypeError(
            f"address must be a scheduler address string or a distributed.Client, got "
            f"{type(address).__name__}."
        )
    try:
        if tune_malloc:
            client.register_plugin(_malloc_plugin())
        if check_threads:
            load, cores = _check_oversubscription(client)
            logger.info("Dask workers: torch threads per host %s, cores %s", load, cores)
        with parallel_config(backend="dask", client=client):
            yield client
    finally:
        if owned:
            client.close()

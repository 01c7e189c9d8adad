"""Distributed fits on a local Dask cluster through joblib's dask backend."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import pickle
import platform

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import BFVAE, AlignedEnsemble  # noqa: E402
from skvae.datasets import make_factor_analysis  # noqa: E402
from skvae.utils._dask import _tune_malloc, dask_backend  # noqa: E402

GRID = {"bfvae__gamma": [0.0, 2.0], "bfvae__beta": [1.0, 4.0]}


def _pipeline():
    return make_pipeline(
        StandardScaler(),
        BFVAE(n_components=3, hidden_layer_sizes=(16,), max_iter=3, batch_size=64,
              random_state=0),
    )


def _fit_on_worker(X):
    return _pipeline().fit(X)


def _torch_threads():
    import torch

    return torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS"), os.getpid()


@pytest.fixture(scope="module")
def X():
    return make_factor_analysis(400, preset="FA15", random_state=0)[0]


@pytest.fixture
def one_thread():
    """Run the serial reference with one torch thread, as the workers do.

    Float32 matrix products round differently with 1 and 2 threads (about 1e-9 on the
    scores here), so bit-identical results need the same thread count.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes; checks that none is left running after."""
    psutil = pytest.importorskip("psutil")
    me = psutil.Process()
    environ = dict(os.environ)  # the nannies write their workers' settings in here
    before = {p.pid for p in me.children(recursive=True)}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        started = {p.pid for p in me.children(recursive=True)} - before
        yield client
    for key in set(os.environ) - set(environ):
        del os.environ[key]
    os.environ.update(environ)
    # multiprocessing's resource tracker is meant to outlive the cluster.
    workers = [p for p in me.children(recursive=True) if p.pid in started
               and "resource_tracker" not in " ".join(p.cmdline())]
    _, leaked = psutil.wait_procs(workers, timeout=10)
    assert not leaked, f"worker processes left running: {leaked}"


def test_workers_run_torch_single_threaded(client):
    # The nanny sets OMP_NUM_THREADS=1 in the worker processes, so torch (which reads it at
    # import) uses one thread per task and parallel fits do not oversubscribe the cores.
    per_worker = client.run(_torch_threads)
    assert len(per_worker) == 2
    assert {threads for threads, _, _ in per_worker.values()} == {1}
    assert {env for _, env, _ in per_worker.values()} == {"1"}
    in_task = client.submit(_torch_threads, pure=False).result()
    assert in_task[0] == 1 and in_task[2] != os.getpid()


def test_grid_search_on_dask_matches_serial(client, X, one_thread):
    serial = GridSearchCV(_pipeline(), GRID, cv=2, n_jobs=1).fit(X)
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            dask = GridSearchCV(_pipeline(), GRID, cv=2).fit(X)
    # The 4 x 2 fits ran as tasks on the workers, not in this process.
    assert len(stream.data) >= 8
    assert {task["worker"] for task in stream.data} <= set(client.nthreads())

    for key in ["params", "rank_test_score"]:
        assert list(dask.cv_results_[key]) == list(serial.cv_results_[key])
    for key in ["mean_test_score", "std_test_score", "split0_test_score", "split1_test_score"]:
        np.testing.assert_array_equal(dask.cv_results_[key], serial.cv_results_[key])
    assert np.all(np.isfinite(serial.cv_results_["mean_test_score"]))
    assert dask.best_params_ == serial.best_params_
    np.testing.assert_array_equal(dask.best_estimator_.transform(X),
                                  serial.best_estimator_.transform(X))


def test_estimator_fitted_on_worker_comes_back_intact(client, X, one_thread):
    remote = client.submit(_fit_on_worker, X, pure=False).result()
    local = _fit_on_worker(X)
    vae = remote[-1]
    assert vae.device_ == "cpu" and vae.n_iter_ == 3
    np.testing.assert_array_equal(vae.loss_curve_, local[-1].loss_curve_)
    np.testing.assert_array_equal(vae.kl_per_latent_, local[-1].kl_per_latent_)
    np.testing.assert_array_equal(remote.transform(X), local.transform(X))
    assert remote.score(X) == local.score(X)
    # ... and survives another pickle round trip in this process.
    again = pickle.loads(pickle.dumps(remote))
    np.testing.assert_array_equal(again.transform(X), local.transform(X))


def test_aligned_ensemble_on_dask_matches_serial(client, X, one_thread):
    def ensemble():
        return AlignedEnsemble(_pipeline(), n_runs=2, n_eval_samples=200, random_state=0)

    serial = ensemble().fit(X)
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            dask = ensemble().fit(X)
    assert len(stream.data) >= 2
    np.testing.assert_array_equal(dask.seeds_, serial.seeds_)
    for a, b in zip(dask.estimators_, serial.estimators_):
        np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_array_equal(dask.transform(X), serial.transform(X))


def test_dask_backend_runs_joblib_on_the_cluster(client):
    address = client.scheduler.address
    with dask_backend(address) as inner:
        assert inner is not client and inner.scheduler.address == address
        assert joblib.parallel.get_active_backend()[0].__class__.__name__ == (
            "DaskDistributedBackend"
        )
        pids = joblib.Parallel()(joblib.delayed(os.getpid)() for _ in range(4))
    assert os.getpid() not in pids
    assert inner.status == "closed"
    assert client.status == "running"
    assert joblib.parallel.get_active_backend()[0].__class__.__name__ != (
        "DaskDistributedBackend"
    )


def test_dask_backend_warns_when_workers_oversubscribe(client):
    cores = client.run(lambda: len(os.sched_getaffinity(0)))
    client.run(torch.set_num_threads, max(cores.values()) + 1)
    try:
        with pytest.warns(UserWarning, match="torch threads at once") as caught:
            with dask_backend(client):
                pass
        assert caught[0].filename == __file__  # the with statement, not contextlib
    finally:
        client.run(torch.set_num_threads, 1)
    assert client.status == "running"  # a client passed in is left open


def test_dask_backend_tunes_the_workers_malloc(client):
    with dask_backend(client, check_threads=False):
        plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert all("skvae-malloc-for-torch" in names for names in plugins.values())
    if platform.libc_ver()[0] == "glibc":
        assert all(client.run(_tune_malloc).values())


def test_dask_backend_rejects_a_bad_address():
    with pytest.raises(TypeError, match="scheduler address string"):
        with dask_backend(8786):
            pass

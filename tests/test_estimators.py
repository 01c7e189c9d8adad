"""Behaviour of the estimators as scikit-learn transformers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback, EarlyStopping, LRScheduler

from skvae import BFVAE, DIPVAE, VAE, AnnealedVAE, BetaTCVAE, BetaVAE, FactorVAE
from tests.conftest import TINY

ALL_CLASSES = [VAE, BetaVAE, AnnealedVAE, FactorVAE, BetaTCVAE, DIPVAE, BFVAE]


def _tiny(cls, **params):
    extra = {"discriminator_hidden_layer_sizes": (8,)} if cls is FactorVAE else {}
    return cls(**{**TINY, **extra, "random_state": 0, **params})


def test_special_cases_expose_only_their_parameters():
    assert set(BFVAE().get_params()) >= {"beta", "capacity", "capacity_iter", "gamma",
                                         "tc_estimator", "lambda_od", "lambda_d", "dip_type"}
    assert not {"beta", "gamma", "capacity"} & set(VAE().get_params())
    assert "gamma" not in BetaVAE().get_params()
    assert {"beta", "capacity", "capacity_iter"} <= set(AnnealedVAE().get_params())
    assert "tc_estimator" not in FactorVAE().get_params()
    assert "beta" not in BetaTCVAE().get_params()
    assert {"lambda_od", "lambda_d", "dip_type"} <= set(DIPVAE().get_params())


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_fit_transform_inverse_sample_score(cls, fa15):
    X = fa15[0][:300]
    model = _tiny(cls).fit(X)
    Z = model.transform(X)
    assert Z.shape == (300, 3) and Z.dtype == np.float32
    assert model.inverse_transform(Z).shape == (300, 15)
    samples, codes = model.sample(7, random_state=1)
    assert samples.shape == (7, 15) and codes.shape == (7, 3)
    np.testing.assert_array_equal(samples, model.sample(7, random_state=1)[0])
    elbo = model.score_samples(X)
    assert elbo.shape == (300,) and np.all(np.isfinite(elbo))
    assert model.score(X) == pytest.approx(elbo.mean())
    assert model.kl_per_latent_.shape == (3,) and np.all(model.kl_per_latent_ >= 0)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    assert list(model.get_feature_names_out()) == [f"{cls.__name__.lower()}{i}" for i in range(3)]
    for key in ("train_loss", "reconstruction", "kl", "capacity", "tc", "dip", "dur"):
        assert key in model.history_[-1]


def test_transform_return_std_gives_the_posterior_that_the_kl_is_computed_from(fa15):
    X = fa15[0][:300]
    model = _tiny(BFVAE, max_iter=5).fit(X)
    Z, Z_std = model.transform(X, return_std=True)
    np.testing.assert_array_equal(Z, model.transform(X))
    assert Z_std.shape == (300, 3) and Z_std.dtype == np.float32 and np.all(Z_std > 0)
    # Known answer: the analytic KL(N(mu, sigma^2) || N(0, 1)) averaged over the rows is the
    # fitted kl_per_latent_ (computed from the same encoder on the training data).
    kl = 0.5 * (Z.astype(float) ** 2 + Z_std.astype(float) ** 2 - 1
                - 2 * np.log(Z_std.astype(float))).mean(axis=0)
    np.testing.assert_allclose(kl, model.kl_per_latent_, rtol=1e-4, atol=1e-6)
    index = pd.RangeIndex(1000, 1300)
    means, stds = model.set_output(transform="pandas").transform(
        pd.DataFrame(X, index=index), return_std=True)
    for frame, values in ((means, Z), (stds, Z_std)):  # both wrapped, not only the first
        assert isinstance(frame, pd.DataFrame) and frame.index.equals(index)
        assert list(frame.columns) == ["bfvae0", "bfvae1", "bfvae2"]
        np.testing.assert_array_equal(frame, values)
    with pytest.raises(ValueError, match="return_std must be a bool"):
        model.transform(X, return_std="yes")


def test_results_do_not_depend_on_the_memory_layout_of_the_input(fa15):
    X = fa15[0][:300]
    model = _tiny(VAE).fit(X)
    X_fortran = np.asfortranarray(X)  # e.g. the values of a DataFrame
    Z = model.transform(X)
    np.testing.assert_array_equal(model.transform(X_fortran), Z)
    np.testing.assert_array_equal(model.inverse_transform(np.asfortranarray(Z)),
                                  model.inverse_transform(Z))
    np.testing.assert_array_equal(model.score_samples(X_fortran), model.score_samples(X))


def test_history_records_the_active_terms(fa15):
    X = fa15[0][:400]
    model = _tiny(BFVAE, capacity=5.0, capacity_iter=10, gamma=2.0, lambda_od=1.0).fit(X)
    assert model.history_[-1]["capacity"] == pytest.approx(5.0)
    assert model.history_[-1]["dip"] > 0 and model.history_[-1]["tc"] != 0
    plain = _tiny(VAE).fit(X)
    assert plain.history_[-1]["tc"] == 0 and plain.history_[-1]["dip"] == 0
    factor = _tiny(FactorVAE).fit(X)
    assert "discriminator_loss" in factor.history_[-1]


def test_elbo_of_vae_improves_with_training(fa15):
    X = fa15[0]
    short = _tiny(VAE, max_iter=1, n_components=4, hidden_layer_sizes=(32,)).fit(X)
    long = _tiny(VAE, max_iter=20, n_components=4, hidden_layer_sizes=(32,)).fit(X)
    assert long.score(X) > short.score(X) + 0.5
    assert long.loss_curve_[-1] < long.loss_curve_[0]


def test_same_seed_same_result_and_data_untouched(fa15):
    X = fa15[0][:300].copy()
    X32 = X.astype(np.float32)
    before, before32 = X.copy(), X32.copy()
    a = _tiny(BFVAE, random_state=3).fit(X)
    b = _tiny(BFVAE, random_state=3).fit(X)
    c = _tiny(BFVAE, random_state=4).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert a.history_[-1]["train_loss"] == b.history_[-1]["train_loss"]
    assert not np.array_equal(a.transform(X), c.transform(X))
    _tiny(BFVAE).fit(X32).transform(X32)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(X32, before32)


def test_global_torch_state_is_left_alone(fa15):
    torch.manual_seed(123)
    expected = torch.rand(3)
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    _tiny(BFVAE).fit(fa15[0][:200])
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_pipeline_gridsearch_default_score(fa15):
    X = fa15[0][:400]
    pipe = make_pipeline(StandardScaler(), _tiny(BFVAE))
    search = GridSearchCV(pipe, {"bfvae__beta": [0.5, 1.0], "bfvae__capacity": [0.0, 2.0],
                                 "bfvae__gamma": [0.0, 1.0]}, cv=2)
    search.fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (8,) and np.all(np.isfinite(scores))
    assert search.best_estimator_.transform(X).shape == (400, 3)


def test_clone_pickle_joblib_round_trips(fa15, tmp_path):
    X = fa15[0][:200]
    model = _tiny(FactorVAE).fit(X)
    unfitted = clone(model)
    assert not hasattr(unfitted, "module_") and unfitted.get_params() == model.get_params()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    np.testing.assert_array_equal(restored.score_samples(X), model.score_samples(X))
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.inverse_transform(model.transform(X)),
                                  model.inverse_transform(model.transform(X)))


def test_pandas_feature_names_and_set_output(fa15):
    X = pd.DataFrame(fa15[0][:200], columns=[f"f{i}" for i in range(15)])
    model = _tiny(BetaVAE).set_output(transform="pandas").fit(X)
    assert list(model.feature_names_in_) == list(X.columns)
    out = model.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["betavae0", "betavae1", "betavae2"]
    with pytest.warns(UserWarning, match="feature names"):
        model.transform(X.to_numpy())
    pipe = Pipeline([("scale", StandardScaler()), ("vae", _tiny(VAE))]).set_output(
        transform="pandas")
    assert isinstance(pipe.fit_transform(X), pd.DataFrame)


def test_early_stopping(fa15):
    X = fa15[0][:600]
    model = _tiny(VAE, max_iter=200, early_stopping=True, n_iter_no_change=2, tol=0.5).fit(X)
    assert model.n_iter_ < 200
    assert len(model.validation_scores_) == model.n_iter_
    assert all(np.isfinite(model.validation_scores_))
    with pytest.raises(ValueError, match="validation"):
        _tiny(VAE, early_stopping=True, validation_fraction=0.1).fit(X[:10])


def test_a_users_early_stopping_callback_is_not_taken_for_an_interruption(fa15):
    # skorch's EarlyStopping stops by raising KeyboardInterrupt, like Ctrl-C.
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = _tiny(VAE, max_iter=50, callbacks=[stop]).fit(fa15[0][:300])
    assert model.n_iter_ == 2


class _CountEpochs(Callback):
    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_user_callbacks_and_progress_bar(fa15, capsys):
    model = _tiny(VAE, max_iter=3, callbacks=[_CountEpochs()], verbose=1).fit(fa15[0][:200])
    assert model.n_iter_ == 3 and model.callbacks_[0].epochs == 3
    assert "VAE" in capsys.readouterr().err  # the tqdm bar is labelled with the class name


def test_fit_leaves_the_callbacks_parameter_untouched(fa15):
    X = fa15[0][:200]
    counter, scheduler = _CountEpochs(), LRScheduler(policy="StepLR", step_size=1)
    model = _tiny(VAE, max_iter=3, callbacks=[counter, ("lr", scheduler)])
    params = repr(model.get_params())
    model.fit(X)
    assert repr(model.get_params()) == params
    assert not hasattr(counter, "epochs") and not hasattr(scheduler, "lr_scheduler_")
    assert model.callbacks_[0].epochs == 3 and model.callbacks_[1][0] == "lr"
    assert model.fit(X).callbacks_[0].epochs == 3  # fresh copies: no state carried over


def test_fitted_methods_use_the_fitted_configuration(fa15):
    X = fa15[0][:200]
    model = _tiny(BFVAE).fit(X)
    Z, names = model.transform(X), model.get_feature_names_out()
    X_hat, score = model.inverse_transform(Z), model.score(X)
    model.set_params(n_components=5, likelihood="bernoulli")  # no refit
    np.testing.assert_array_equal(model.transform(X), Z)
    np.testing.assert_array_equal(model.get_feature_names_out(), names)
    np.testing.assert_array_equal(model.inverse_transform(Z), X_hat)
    assert model.score(X) == score  # Gaussian still: X is not in [0, 1]
    assert model.sample(2, random_state=0)[1].shape == (2, 3)
    assert model.set_output(transform="pandas").transform(X).shape == (200, 3)
    with pytest.raises(ValueError, match="3 columns"):
        model.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(NotFittedError):
        BFVAE().get_feature_names_out()


def test_refit_drops_the_attributes_of_the_previous_fit(fa15):
    X = fa15[0][:200]
    model = _tiny(BFVAE, tc_estimator="discriminator", discriminator_hidden_layer_sizes=(8,),
                  early_stopping=True).fit(X)
    assert hasattr(model, "discriminator_") and hasattr(model, "validation_scores_")
    model.set_params(tc_estimator=BFVAE().tc_estimator, early_stopping=False).fit(X)
    assert not hasattr(model, "discriminator_") and not hasattr(model, "validation_scores_")


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_keyboard_interrupt_leaves_a_usable_model(fa15):
    X = fa15[0][:200]
    with pytest.warns(UserWarning, match="interrupted after 2 of 10 epochs") as caught:
        model = _tiny(VAE, max_iter=10, callbacks=[_InterruptAt(2)]).fit(X)
    assert caught[0].filename == __file__  # the caller's line, not scikit-learn's wrapper
    assert model.n_iter_ == 2
    assert np.all(np.isfinite(model.transform(X)))


class _RecordCapacity(Callback):
    def on_batch_end(self, net, training=False, **terms):
        if training:
            self.capacity = [*getattr(self, "capacity", []), terms["capacity"].item()]


@pytest.mark.parametrize("n_rows, steps_per_epoch", [(300, 2), (256, 1), (257, 1)])
def test_capacity_ramps_over_the_first_half_of_the_steps(n_rows, steps_per_epoch):
    # 300 rows at batch 256: a full batch and a last one of 44 rows, two steps an epoch (a
    # last batch of a single row is dropped). The ramp was once counted in full batches.
    X = np.random.RandomState(0).normal(size=(n_rows, 4))
    model = AnnealedVAE(n_components=2, hidden_layer_sizes=(8,), max_iter=4, capacity=24.0,
                        callbacks=[_RecordCapacity()], random_state=0).fit(X)
    n_steps = 4 * steps_per_epoch
    expected = 24.0 * np.minimum(1.0, np.arange(n_steps) / (n_steps // 2))
    np.testing.assert_allclose(model.callbacks_[0].capacity, expected)


def test_skorch_checkpoint_and_per_batch_callbacks_work(fa15, tmp_path):
    from skorch.callbacks import Checkpoint, ProgressBar

    X = fa15[0][:300]
    plain = _tiny(VAE, max_iter=4).fit(X)
    losses = plain.loss_curve_
    # Known answer: the flag is True where the loss is below every earlier epoch's.
    assert [row["train_loss_best"] for row in plain.history_] == [
        all(loss < earlier for earlier in losses[:i]) for i, loss in enumerate(losses)]
    checkpoint = Checkpoint(monitor="train_loss_best", dirname=str(tmp_path / "best"))
    batches = LRScheduler(policy="StepLR", step_size=1000, step_every="batch")
    model = _tiny(VAE, max_iter=4, callbacks=[checkpoint, batches, ProgressBar()]).fit(X)
    assert model.loss_curve_ == losses  # the callbacks leave training alone
    assert (tmp_path / "best" / "params.pt").exists()
    assert sum(row["event_cp"] for row in model.history_) == sum(
        row["train_loss_best"] for row in plain.history_)
    # The default monitor, valid_loss_best, with a validation split; and no monitor at all.
    model = _tiny(VAE, max_iter=3, early_stopping=True,
                  callbacks=[Checkpoint(dirname=str(tmp_path / "valid"))]).fit(X)
    assert "valid_loss_best" in model.history_[-1] and (tmp_path / "valid").is_dir()
    _tiny(VAE, callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path / "every"))]).fit(X)
    assert (tmp_path / "every" / "params.pt").exists()


@pytest.mark.parametrize("name", ["EpochScoring", "BatchScoring"])
def test_prediction_scoring_callbacks_are_refused_with_the_alternative(fa15, name):
    import skorch.callbacks

    callback = getattr(skorch.callbacks, name)("r2")
    with pytest.raises(ValueError, match=f"{name} .*DisentanglementScoring"):
        _tiny(VAE, callbacks=[callback]).fit(fa15[0][:100])


def test_a_failed_refit_leaves_the_estimator_unfitted(fa15):
    X = fa15[0][:200]
    model = _tiny(VAE).fit(X)
    with pytest.raises(ValueError, match="Standardise the features"):
        model.fit(X[:, :4] * 1e25)
    with pytest.raises(NotFittedError):  # not the previous module with the new width
        model.transform(X[:, :4])


def test_score_of_rows_whose_elbo_overflows_is_minus_inf_with_a_warning(fa15):
    X = fa15[0][:200]
    model = _tiny(VAE).fit(X)
    far = X * 1e4  # finite, but the posterior variance of many rows overflows float64
    with pytest.warns(RuntimeWarning, match=r"rows overflowed float64.*score -inf"):
        scores = model.score_samples(far)
    assert not np.isnan(scores).any() and np.isneginf(scores).any()
    assert np.isfinite(scores[np.isfinite(scores)]).all()
    with pytest.warns(RuntimeWarning, match="overflowed"):
        assert model.score(far) == -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.score_samples(X)).all()


def test_nan_loss_stops_with_a_clear_error(fa15):
    X = fa15[0][:200] * 1e25  # finite input, but its square overflows float32
    with pytest.raises(ValueError, match=r"epoch 1\. Standardise the features"):
        _tiny(VAE).fit(X)


def test_bernoulli_likelihood_and_conv_architecture():
    rng = np.random.RandomState(0)
    images = (rng.rand(64, 1, 8, 8) > 0.5).astype(np.float32).reshape(64, 64)
    model = VAE(n_components=2, architecture="conv", input_shape=(1, 8, 8), likelihood="bernoulli",
                hidden_layer_sizes=(16,), max_iter=2, batch_size=16, random_state=0).fit(images)
    decoded = model.inverse_transform(model.transform(images))
    assert decoded.shape == (64, 64) and decoded.min() >= 0 and decoded.max() <= 1
    odd = rng.rand(10, 3 * 7 * 9).astype(np.float32)
    conv = VAE(n_components=2, architecture="conv", input_shape=(3, 7, 9), max_iter=1,
               hidden_layer_sizes=(8,), random_state=0).fit(odd)
    assert conv.inverse_transform(conv.transform(odd)).shape == odd.shape
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        VAE(likelihood="bernoulli", max_iter=1).fit(images * 2)
    with pytest.raises(ValueError, match="input_shape"):
        VAE(architecture="conv", max_iter=1).fit(images)
    with pytest.raises(ValueError, match="holds 49 values"):
        VAE(architecture="conv", input_shape=(7, 7), max_iter=1).fit(images)


def test_discriminator_and_vae_both_update(fa15):
    class Snapshot(Callback):
        def on_train_begin(self, net, **kwargs):
            self.vae = [p.detach().clone() for p in net.module_.parameters()]
            self.disc = [p.detach().clone() for p in net.discriminator_.parameters()]

    model = _tiny(FactorVAE, callbacks=[Snapshot()]).fit(fa15[0][:300])
    snapshot = model.callbacks_[0]
    for before, after in [(snapshot.vae, model.module_.parameters()),
                          (snapshot.disc, model.discriminator_.parameters())]:
        assert any(not torch.equal(b, a) for b, a in zip(before, after))


@pytest.mark.parametrize("cls", [BFVAE, FactorVAE])
def test_bf16_mixed_precision_trains(cls, fa15):
    X = fa15[0][:400]
    model = _tiny(cls, precision="bf16", max_iter=5, n_components=3,
                  hidden_layer_sizes=(32,)).fit(X)
    assert np.all(np.isfinite(model.loss_curve_))
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    Z = model.transform(X)
    assert Z.dtype == np.float32 and np.all(np.isfinite(Z))
    assert next(model.module_.parameters()).dtype == torch.float32


def test_cuda_graph_is_ignored_on_cpu_and_refused_where_it_cannot_apply(fa15):
    X = fa15[0][:300]
    params = dict(n_components=3, hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    np.testing.assert_array_equal(BFVAE(cuda_graph=True, **params).fit(X).transform(X),
                                  BFVAE(**params).fit(X).transform(X))
    # The decision itself needs no GPU: it only reads the parameters.
    assert BFVAE(cuda_graph=True)._use_cuda_graph("cuda", None)
    assert not BFVAE(cuda_graph=True)._use_cuda_graph("cpu", None)
    with pytest.warns(UserWarning, match="discriminator TC estimator"):
        assert not FactorVAE(cuda_graph=True)._use_cuda_graph("cuda", object())
    with pytest.warns(UserWarning, match="user callbacks"):
        assert not BFVAE(cuda_graph=True, callbacks=[object()])._use_cuda_graph("cuda", None)


def test_decoding_factor_analysis_decodes_with_the_factor_model(fa15):
    from sklearn.decomposition import FactorAnalysis
    from sklearn.exceptions import NotFittedError

    from skvae.estimators import DecodingFactorAnalysis
    from skvae.metrics import fvh_lt

    X = fa15[0][:1000]
    with pytest.raises(NotFittedError):
        DecodingFactorAnalysis(n_components=3).inverse_transform(np.zeros((1, 3)))
    fa = DecodingFactorAnalysis(n_components=3, rotation="varimax").fit(X)
    reference = FactorAnalysis(n_components=3, rotation="varimax").fit(X)
    np.testing.assert_array_equal(fa.transform(X), reference.transform(X))  # same model
    Z = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    np.testing.assert_allclose(fa.inverse_transform(Z), Z @ fa.components_ + fa.mean_)
    np.testing.assert_allclose(fa.inverse_transform(Z[:1])[0], X.mean(axis=0), atol=1e-12)
    with pytest.raises(ValueError, match="X has 2 columns, but this model has 3 factors"):
        fa.inverse_transform(Z[:, :2])
    # FVH-LT runs on it: each of the three FA15 blocks of five features loads on one factor.
    variances = fvh_lt(fa, X, random_state=0).variances
    assert sorted((variances > 0.5 * variances.max(axis=1, keepdims=True)).sum(axis=1)) == [5, 5, 5]

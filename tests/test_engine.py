"""The training engine's minibatches: rows, order and chunks."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import torch

from skvae import BFVAE
from skvae._engine import _Rows, _SliceIterator
from tests.conftest import TINY


def _batches(rows, batch_size, shuffle, seed=0):
    iterator = _SliceIterator(rows, batch_size, shuffle=shuffle, device="cpu",
                              generator=torch.Generator().manual_seed(seed))
    # Batches may share a reused buffer: copy each one before the next is gathered.
    return [batch.clone() for batch in iterator], len(iterator)


@pytest.mark.parametrize("index", [None, torch.tensor([9, 3, 17, 0, 4, 11, 12, 20, 1, 6, 2])])
@pytest.mark.parametrize("chunk_bytes", [1, 3 * 5 * 4, 4 * 5 * 4, 10**6])
def test_batches_are_the_shuffled_rows_whatever_the_chunk_size(monkeypatch, index, chunk_bytes):
    # 21 rows (or an 11-row subset) of 5 float32 features, batches of 4: the batches are
    # the rows in one shuffled order whether gathered in chunks of one batch, of three
    # or four batches (not dividing the rows), or all at once; a last single row is dropped.
    data = torch.arange(21 * 5, dtype=torch.float32).reshape(21, 5)
    rows = _Rows(data, index)
    monkeypatch.setattr(_SliceIterator, "CHUNK_BYTES", chunk_bytes)
    batches, length = _batches(rows, batch_size=4, shuffle=True)
    assert length == len(batches)
    assert [len(b) for b in batches] == ([4] * 5 if index is None else [4, 4, 3])
    order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(0))
    expected = data[order] if index is None else data[index[order]]
    np.testing.assert_array_equal(torch.cat(batches), expected[: sum(map(len, batches))])


def test_unshuffled_rows_come_in_order_without_a_copy():
    data = torch.arange(30, dtype=torch.float32).reshape(10, 3)
    batches = list(_SliceIterator(_Rows(data), 4, shuffle=False, device="cpu"))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert all(b.untyped_storage().data_ptr() == data.untyped_storage().data_ptr()
               for b in batches)
    subset = _Rows(data, torch.tensor([7, 2, 5, 0, 9]))  # e.g. the validation rows
    np.testing.assert_array_equal(torch.cat(list(_SliceIterator(subset, 2, False, "cpu"))),
                                  data[[7, 2, 5, 0]])  # the last, single row is dropped


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fits_do_not_depend_on_the_chunk_size(fa15, monkeypatch, early_stopping):
    X = fa15[0]
    params = dict(TINY, max_iter=2, random_state=0, early_stopping=early_stopping,
                  validation_fraction=0.2)
    whole = BFVAE(**params).fit(X)
    # Chunks of three batches: 1,600 or 2,000 training rows are not a multiple of them.
    monkeypatch.setattr(_SliceIterator, "CHUNK_BYTES", 3 * TINY["batch_size"] * X.shape[1] * 4)
    chunked = BFVAE(**params).fit(X)
    assert chunked.loss_curve_ == whole.loss_curve_
    np.testing.assert_array_equal(chunked.transform(X), whole.transform(X))

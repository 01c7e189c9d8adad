"""Tests for the LSDI index (method.md section 5)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skvae.metrics._lsdi import LSDIComponents, combined_lsdi, lsdi_components, lsdi_score

# (M, E, Bal, LSDI) from method.md section 5, all latents informative.
KNOWN = [
    ([[1, 1, 0, 0], [0, 0, 1, 1]], 1.0, 1.0, 1.0),
    ([[1, 1, 1, 1], [0, 0, 0, 0]], 1.0, 0.0, 0.0),
    ([[1, 1], [1, 1]], 0.0, 1.0, 0.0),
    ([[0.8, 0.2], [0.2, 0.8]], 0.278072, 1.0, 0.278072),
    ([[3, 3, 0], [0, 0, 1]], 1.0, 0.889882, 0.889882),
    ([[0.9, 0.1, 0], [0.1, 0.9, 0], [0, 0, 1]], 0.802731, 1.0, 0.802731),
    ([[1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 1]], 1.0, 0.569193, 0.569193),
    ([[2, 1, 0, 0], [0, 1, 2, 0], [0, 0, 0, 3]], 0.859793, 1.0, 0.859793),
]


@pytest.mark.parametrize("matrix, exclusivity, balance, lsdi", KNOWN)
def test_known_answers(matrix, exclusivity, balance, lsdi):
    result = lsdi_components(matrix)
    assert isinstance(result, LSDIComponents)
    assert result.exclusivity == pytest.approx(exclusivity, abs=1e-6)
    assert result.balance == pytest.approx(balance, abs=1e-6)
    assert result.lsdi == pytest.approx(lsdi, abs=1e-6)
    assert lsdi_score(matrix) == pytest.approx(lsdi, abs=1e-6)


def test_informative_mask_restricts_rows_and_drops_empty_features():
    # Row 2 is non-informative; once dropped, feature 4 has no mass and is ignored.
    m = np.array([[1.0, 1, 0, 0, 0], [0, 0, 1, 1, 0], [5, 5, 5, 5, 9]])
    mask = np.array([True, True, False])
    assert lsdi_score(m, informative=mask) == pytest.approx(1.0)
    assert lsdi_score(m) < 0.5
    # All-zero columns among informative rows are dropped too.
    assert lsdi_score(np.hstack([m[:2], np.zeros((2, 3))])) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "matrix, mask",
    [
        ([[1, 0], [0, 1]], [False, False]),  # no informative latent
        ([[1, 0], [0, 1]], [True, False]),  # a single informative latent
        ([[0, 0], [0, 0]], None),  # no mass
        ([[1, 2, 3]], None),  # one latent
    ],
)
def test_degenerate_cases_are_zero(matrix, mask):
    assert lsdi_components(matrix, informative=mask) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "matrix, mask, error, match",
    [
        ([1, 2, 3], None, ValueError, "2D"),
        ([[1, -1], [0, 1]], None, ValueError, "non-negative"),
        ([[1, np.nan], [0, 1]], None, ValueError, "NaN"),
        ([[1, np.inf], [0, 1]], None, ValueError, "infinity"),
        ([[1, 0], [0, 1]], [True], ValueError, "1 entries, one per latent, but there are 2"),
        ([[1, 0], [0, 1]], [1, 0], TypeError, "booleans"),
    ],
)
def test_bad_input(matrix, mask, error, match):
    with pytest.raises(error, match=match):
        lsdi_components(matrix, informative=mask)


def test_does_not_modify_input():
    m = np.array([[2.0, 1, 0], [0, 1, 2]])
    copy = m.copy()
    lsdi_score(m, informative=np.array([True, True]))
    np.testing.assert_array_equal(m, copy)


def test_combined_lsdi_is_the_mean():
    good, bad = KNOWN[0][0], KNOWN[1][0]
    assert combined_lsdi(good, bad) == pytest.approx((1.0 + 0.0) / 2, abs=1e-6)
    mask = np.array([True, False])
    assert combined_lsdi(good, good, informative=mask) == 0.0
    with pytest.raises(ValueError, match="same latents"):
        combined_lsdi(good, [[1, 0, 0, 0]])
    # both matrices describe the same features
    with pytest.raises(ValueError, match=r"shape \(2, 4\) but dbsr_importance has \(2, 2\)"):
        combined_lsdi(good, KNOWN[3][0])


# --- property tests ------------------------------------------------------------------------

matrices = st.integers(1, 6).flatmap(
    lambda k: st.integers(1, 7).flatmap(
        lambda p: arrays(
            np.float64,
            (k, p),
            elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e3)),
        )
    )
)


@settings(max_examples=100, deadline=None)
@given(matrices)
def test_range(m):
    result = lsdi_components(m)
    for value in result:
        assert 0.0 <= value <= 1.0
    assert result.lsdi == pytest.approx(result.exclusivity * result.balance)


@settings(max_examples=50, deadline=None)
@given(matrices, st.randoms(use_true_random=False), st.floats(1e-3, 1e3))
def test_invariant_to_permutations_and_scaling(m, rnd, scale):
    k, p = m.shape
    rows, cols = list(range(k)), list(range(p))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    expected = lsdi_components(m)
    for other in (m[rows][:, cols], scale * m):
        np.testing.assert_allclose(lsdi_components(other), expected, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.floats(0, 1e3))
)
def test_zero_without_informative_latent(m):
    mask = np.zeros(m.shape[0], dtype=bool)
    assert lsdi_components(m, informative=mask) == (0.0, 0.0, 0.0)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 8), elements=st.floats(1e-3, 1e3)),
    st.integers(2, 5),
    st.data(),
)
def test_zero_when_one_latent_owns_every_feature(row, k, data):
    owner = data.draw(st.integers(0, k - 1))
    m = np.zeros((k, row.size))
    m[owner] = row
    assert lsdi_score(m) == 0.0


def _disjoint_blocks(k, block, values):
    """K latents owning disjoint, equally sized blocks with positive ``values``."""
    m = np.zeros((k, k * block))
    for i in range(k):
        m[i, i * block : (i + 1) * block] = values[i * block : (i + 1) * block]
    return m


block_cases = st.tuples(st.integers(2, 5), st.integers(1, 4)).flatmap(
    lambda kb: st.tuples(
        st.just(kb[0]),
        st.just(kb[1]),
        arrays(np.float64, kb[0] * kb[1], elements=st.floats(1e-2, 1e2)),
    )
)


@settings(max_examples=50, deadline=None)
@given(block_cases)
def test_one_for_disjoint_equal_blocks(case):
    k, block, values = case
    result = lsdi_components(_disjoint_blocks(k, block, values))
    assert result.lsdi == pytest.approx(1.0)
    assert result.exclusivity == pytest.approx(1.0)
    assert result.balance == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(block_cases)
def test_mixing_columns_lowers_the_index(case):
    # M_t = (1 - t) M + t U, with U spreading each column's mass evenly over the latents.
    k, block, values = case
    m = _disjoint_blocks(k, block, values)
    uniform = np.broadcast_to(m.sum(axis=0) / k, m.shape)
    scores = [lsdi_score((1 - t) * m + t * uniform) for t in np.linspace(0, 1, 11)]
    assert np.all(np.diff(scores) < 0)
    assert scores[0] == pytest.approx(1.0)
    assert scores[-1] == pytest.approx(0.0, abs=1e-12)


def test_mixing_unequal_blocks_first_raises_the_index():
    # Documented (doc/method.rst): blocks of 20 and 1 features, 15% of each column spread
    # evenly. Every column becomes (0.925, 0.075) or (0.075, 0.925); the latents' shares
    # u = (20 * 0.925 + 0.075, 20 * 0.075 + 0.925) / 21.
    m = np.zeros((2, 21))
    m[0, :20] = m[1, 20] = 1.0
    mixed = 0.85 * m + 0.15 * 0.5
    u = np.array([20 * 0.925 + 0.075, 20 * 0.075 + 0.925]) / 21

    def entropy(q):
        return -np.sum(q * np.log(q))

    exclusivity = 1 - entropy(np.array([0.925, 0.075])) / np.log(2)
    balance = np.exp(entropy(u)) - 1
    clean, result = lsdi_components(m), lsdi_components(mixed)
    assert clean.lsdi == pytest.approx(np.exp(entropy(np.array([20, 1]) / 21)) - 1)
    assert result.exclusivity == pytest.approx(exclusivity)
    assert result.balance == pytest.approx(balance)
    assert result.lsdi == pytest.approx(exclusivity * balance)
    assert clean.lsdi == pytest.approx(0.211, abs=1e-3)
    assert result.lsdi == pytest.approx(0.265, abs=1e-3) and result.lsdi > clean.lsdi

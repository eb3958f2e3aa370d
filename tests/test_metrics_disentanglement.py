"""The linear probe of a factor from the latents (information present against aligned), against known answers."""

import numpy as np
import pytest

from vaegan_edu import metrics


@pytest.fixture(scope="module")
def latents():
    rng = np.random.default_rng(0)
    scales = np.array([1.0, 0.5, 3.0, 2.0, 0.1, 1.0])  # latents in different units
    return rng.standard_normal((6000, 6)) * scales


def test_a_factor_linear_in_the_latents_is_recovered_exactly_by_the_latents_it_uses(latents):
    factor = 2.0 * latents[:, 0] - 3.0 * latents[:, 3] + 1.0
    probe = metrics.linear_probe(latents[:4000], factor[:4000], latents[4000:], factor[4000:])
    assert probe.r2 == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(probe.coefficients, [2, 0, 0, -3, 0, 0], atol=1e-9)
    # shares: |w_j| sd(z_j) = 2 * 1 and 3 * 2, so 0.25 and 0.75 of the weight
    np.testing.assert_allclose(probe.shares[[0, 3]], [0.25, 0.75], rtol=0.03)
    assert probe.shares.sum() == pytest.approx(1.0) and list(probe.order[:2]) == [3, 0]
    assert probe.latents_for(0.9) == 2 and probe.latents_for(0.7) == 1


def test_a_factor_carried_by_one_latent_needs_one(latents):
    factor = 0.5 * latents[:, 2]
    probe = metrics.linear_probe(latents[:4000], factor[:4000], latents[4000:], factor[4000:])
    assert probe.latents_for(0.9) == 1 and probe.order[0] == 2


def test_a_factor_spread_over_latents_needs_them_all(latents):
    z = latents / latents.std(axis=0)  # unit spread, so equal coefficients give equal shares
    factor = z.sum(axis=1)
    probe = metrics.linear_probe(z[:4000], factor[:4000], z[4000:], factor[4000:])
    assert probe.r2 == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(probe.shares, 1 / 6, rtol=0.05)
    assert probe.latents_for(0.9) == 6


def test_noise_is_not_recovered(latents):
    noise = np.random.default_rng(1).standard_normal(len(latents))
    probe = metrics.linear_probe(latents[:4000], noise[:4000], latents[4000:], noise[4000:])
    assert abs(probe.r2) < 0.01  # held-out R^2 of an unrelated factor: about 0, a little below on average


def test_r2_matches_least_squares_by_hand(latents):
    rng = np.random.default_rng(2)
    factor = latents @ rng.standard_normal(6) + 2.0 * rng.standard_normal(len(latents))  # partly predictable
    probe = metrics.linear_probe(latents[:4000], factor[:4000], latents[4000:], factor[4000:])
    design = np.column_stack([latents[:4000], np.ones(4000)])
    w = np.linalg.lstsq(design, factor[:4000], rcond=None)[0]
    predicted = np.column_stack([latents[4000:], np.ones(2000)]) @ w
    test = factor[4000:]
    expected = 1 - np.sum((test - predicted) ** 2) / np.sum((test - test.mean()) ** 2)
    assert probe.r2 == pytest.approx(expected, abs=1e-10)
    assert 0.3 < probe.r2 < 0.99
    np.testing.assert_allclose(probe.coefficients, w[:6], rtol=1e-8)


def test_latents_for_counts_the_largest_shares_first():
    probe = metrics.LinearProbe(1.0, np.zeros(4), np.array([0.15, 0.5, 0.05, 0.3]), np.array([0.15, 0.5, 0.05, 0.3]))
    assert [probe.latents_for(f) for f in (0.5, 0.8, 0.9, 0.95, 1.0)] == [1, 2, 3, 3, 4]
    with pytest.raises(ValueError, match="`fraction`"):
        probe.latents_for(0.0)


def test_bad_input_says_what_to_pass(latents):
    v = latents[:, 0]
    with pytest.raises(ValueError, match="`latents_train`.*same n"):
        metrics.linear_probe(latents[:100], v[:90], latents[100:200], v[100:200])
    with pytest.raises(ValueError, match="same latent_dim"):
        metrics.linear_probe(latents[:100], v[:100], latents[100:200, :3], v[100:200])
    with pytest.raises(ValueError, match="`factor_test` is constant"):
        metrics.linear_probe(latents[:100], v[:100], latents[100:200], np.ones(100))
    with pytest.raises(ValueError, match="`latents_test` contains NaN"):
        metrics.linear_probe(latents[:100], v[:100], np.full((100, 6), np.nan), v[100:200])

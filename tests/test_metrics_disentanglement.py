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


# --- issue 30: rotation read on the circle, and the rate split into its three parts ----------------------------


def test_the_circular_probe_reads_an_angle_that_a_linear_probe_of_the_angle_cannot():
    from vaegan_edu.metrics import circular_probe, linear_probe

    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 4000)
    code = np.stack([np.cos(angle), np.sin(angle), rng.normal(size=4000)], 1) + 0.05 * rng.normal(size=(4000, 3))
    assert circular_probe(code[:3000], angle[:3000], code[3000:], angle[3000:]) > 0.99
    assert linear_probe(code[:3000], angle[:3000], code[3000:], angle[3000:]).r2 < 0.8  # the seam at 2 pi
    noise = rng.normal(size=(4000, 3))
    assert abs(circular_probe(noise[:3000], angle[:3000], noise[3000:], angle[3000:])) < 0.01


def test_the_circular_probe_sees_only_what_the_symmetry_leaves():
    from vaegan_edu.metrics import circular_probe

    rng = np.random.default_rng(1)
    angle = rng.uniform(0, 2 * np.pi, 4000)
    square_code = np.stack([np.cos(4 * angle), np.sin(4 * angle)], 1)  # what a square's pixels can show
    assert circular_probe(square_code[:3000], angle[:3000], square_code[3000:], angle[3000:], order=4) > 0.999
    assert circular_probe(square_code[:3000], angle[:3000], square_code[3000:], angle[3000:], order=1) < 0.01
    with pytest.raises(ValueError, match="`order` must be"):
        circular_probe(square_code, angle, square_code, angle, order=0)


def test_the_kl_decomposition_adds_up_and_respects_its_bounds():
    from vaegan_edu.metrics import kl_decomposition

    rng = np.random.default_rng(2)
    n, d = 1500, 3
    mu = rng.normal(size=(n, d)) * np.array([2.0, 1.0, 0.1])
    log_var = np.full((n, d), np.log(0.05))
    parts = kl_decomposition(mu, log_var, seed=0)
    total = parts.index_code_mi + parts.total_correlation + parts.dimension_wise_kl
    assert parts.kl == pytest.approx(total, abs=1e-9)
    analytic = np.mean(np.sum(-0.5 * (1 + log_var - mu**2 - np.exp(log_var)), axis=1))
    assert parts.kl == pytest.approx(analytic, rel=0.05)  # one sample per image: Monte Carlo error only
    assert 0 < parts.index_code_mi <= np.log(n)
    assert abs(parts.total_correlation) < 0.05  # independent latents: no total correlation
    correlated = mu[:, [0, 0, 2]] + [0.0, 0.01, 0.0]  # the second latent copies the first
    assert kl_decomposition(correlated, log_var, seed=0).total_correlation > 1.0


def test_the_kl_decomposition_of_posteriors_that_ignore_the_image_is_all_dimension_wise():
    from vaegan_edu.metrics import kl_decomposition

    mu = np.full((500, 2), 1.5)
    parts = kl_decomposition(mu, np.zeros((500, 2)), seed=0)
    assert abs(parts.index_code_mi) < 1e-9 and abs(parts.total_correlation) < 0.05
    assert parts.dimension_wise_kl == pytest.approx(2 * 0.5 * 1.5**2, rel=0.1)
    with pytest.raises(ValueError, match="`mu` and `log_var` must both have shape"):
        kl_decomposition(mu, np.zeros((500, 3)))

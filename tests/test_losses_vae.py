"""VAE losses against scipy and closed forms: reconstruction log-likelihoods, KL per latent, β objective."""

import numpy as np
import pytest
from keras import ops
from scipy import stats

from vaegan_edu import losses


def _np(t):
    return np.asarray(ops.convert_to_numpy(t), dtype="float64")


def test_bernoulli_log_likelihood_matches_scipy_on_binary_images():
    rng = np.random.default_rng(0)
    x = (rng.random((5, 4, 4, 1)) < 0.5).astype("float32")
    logits = rng.normal(size=x.shape).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = stats.bernoulli.logpmf(x, p).reshape(5, -1).sum(1)
    got = _np(losses.reconstruction_log_likelihood(x, logits, "bernoulli"))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_bernoulli_likelihood_on_binary_images_is_normalised_and_on_grey_levels_is_not():
    # every binary 2x3 image (64 of them): the probabilities of one decoder output add up to 1, so on binarised
    # images log p(x | z) is a log-probability
    images = ((np.arange(64)[:, None] >> np.arange(6)) & 1).reshape(64, 2, 3, 1).astype("float32")
    logits = np.random.default_rng(2).normal(size=(1, 2, 3, 1)).astype("float32")
    total = np.exp(_np(losses.reconstruction_log_likelihood(images, np.repeat(logits, 64, axis=0), "bernoulli")))
    assert total.sum() == pytest.approx(1.0, abs=1e-5)
    # one pixel with grey levels x in [0, 1]: p^x (1 - p)^(1 - x) integrates to (2p - 1) / log(p / (1 - p)) < 1,
    # so the grey-level "Bernoulli" is not a density (the continuous Bernoulli's constant fixes exactly this)
    x = np.linspace(0, 1, 20001, dtype="float32").reshape(-1, 1, 1, 1)
    for logit in (-2.0, 0.7, 3.0):
        density = np.exp(_np(losses.reconstruction_log_likelihood(x, np.full_like(x, logit), "bernoulli")))
        p = 1 / (1 + np.exp(-logit))
        integral = np.trapezoid(density, x.ravel())
        assert integral == pytest.approx((2 * p - 1) / np.log(p / (1 - p)), rel=1e-4)
        assert integral < 0.95


def test_bernoulli_log_likelihood_on_grey_levels_is_the_cross_entropy():
    rng = np.random.default_rng(1)
    x = rng.random((3, 8, 8, 1)).astype("float32")
    logits = rng.normal(scale=3, size=x.shape).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = (x * np.log(p) + (1 - x) * np.log1p(-p)).reshape(3, -1).sum(1)
    np.testing.assert_allclose(_np(losses.reconstruction_log_likelihood(x, logits)), expected, rtol=1e-5)
    # extreme logits stay finite (softplus form)
    assert np.isfinite(_np(losses.reconstruction_log_likelihood(x, np.full_like(x, 200.0)))).all()


def test_gaussian_log_likelihood_matches_scipy():
    rng = np.random.default_rng(2)
    x = rng.random((4, 3, 3, 1)).astype("float32")
    logits = rng.normal(size=x.shape).astype("float32")
    mean = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = stats.norm.logpdf(x, mean, 0.2).reshape(4, -1).sum(1)
    got = _np(losses.reconstruction_log_likelihood(x, logits, "gaussian", obs_std=0.2))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_kl_per_latent_matches_monte_carlo_and_is_zero_only_at_the_prior():
    mu = np.array([[0.5, -1.0, 0.0]], dtype="float32")
    log_var = np.array([[0.3, -0.7, 0.0]], dtype="float32")
    kl = _np(losses.kl_per_latent(mu, log_var))[0]
    rng = np.random.default_rng(3)
    sd = np.exp(0.5 * log_var[0])
    z = mu[0] + sd * rng.standard_normal((200_000, 3))
    log_ratio = stats.norm.logpdf(z, mu[0], sd) - stats.norm.logpdf(z)
    mc, se = log_ratio.mean(0), log_ratio.std(0) / np.sqrt(len(z))
    assert np.all(np.abs(kl - mc) < 4 * se + 1e-9)
    assert kl[2] == 0.0 and np.all(kl[:2] > 0.05)


def test_vae_loss_terms_and_beta_objective():
    rng = np.random.default_rng(4)
    x = rng.random((6, 4, 4, 1)).astype("float32")
    logits = rng.normal(size=x.shape).astype("float32")
    mu = rng.normal(size=(6, 3)).astype("float32")
    log_var = rng.normal(scale=0.5, size=(6, 3)).astype("float32")
    rec, kl = (_np(t) for t in losses.vae_loss_terms(x, logits, mu, log_var))
    np.testing.assert_allclose(rec, -_np(losses.reconstruction_log_likelihood(x, logits)), rtol=1e-6)
    kl_dims = losses.kl_per_latent(mu, log_var)
    np.testing.assert_allclose(kl, _np(kl_dims).sum(1), rtol=1e-6)
    neg_elbo = _np(losses.beta_vae_objective(rec, kl_dims, beta=1.0))
    np.testing.assert_allclose(neg_elbo, rec.mean() + kl.mean(), rtol=1e-5)
    np.testing.assert_allclose(_np(losses.beta_vae_objective(rec, kl_dims, beta=4.0)), rec.mean() + 4 * kl.mean(),
                               rtol=1e-5)  # fmt: skip
    # free bits: a latent below lambda pays lambda
    tiny = np.zeros((6, 3), dtype="float32")
    tiny[:, 0] = 2.0
    np.testing.assert_allclose(_np(losses.beta_vae_objective(np.zeros(6), tiny, free_bits=0.5)), 2.0 + 0.5 + 0.5,
                               rtol=1e-6)  # fmt: skip


@pytest.mark.parametrize(
    "kwargs, match",
    [({"likelihood": "poisson"}, "Expected one of"), ({"likelihood": "gaussian", "obs_std": 0.0}, "obs_std")],
)
def test_bad_arguments(kwargs, match):
    x = np.zeros((1, 2, 2, 1), dtype="float32")
    with pytest.raises(ValueError, match=match):
        losses.reconstruction_log_likelihood(x, x, **kwargs)


# --- the discretised logistic: a normalised distribution over 8-bit pixel values ------------------------------


def _all_levels_log_probs(mean, log_scale):
    """log P(x) of every one of the 256 values, for one pixel of the given mean and log-scale."""
    levels = np.arange(256, dtype="float32") / 255.0
    x = levels.reshape(256, 1, 1, 1)
    return _np(losses.discretized_logistic_log_likelihood(x, np.full_like(x, mean), log_scale))


@pytest.mark.parametrize("mean, scale", [(0.5, 0.1), (0.0, 0.01), (1.0, 0.3), (0.37, 1e-4), (0.9, 5.0)])
def test_discretized_logistic_sums_to_one_over_the_256_values(mean, scale):
    log_p = _all_levels_log_probs(mean, np.log(scale))
    assert np.all(log_p <= 1e-6)
    np.testing.assert_allclose(np.exp(log_p.astype("float64")).sum(), 1.0, atol=2e-5)


def test_discretized_logistic_matches_scipy_bin_masses():
    from scipy.stats import logistic

    mean, scale = 0.42, 0.07
    levels = np.arange(256) / 255.0
    upper = logistic.cdf(levels + 0.5 / 255, loc=mean, scale=scale)
    lower = logistic.cdf(levels - 0.5 / 255, loc=mean, scale=scale)
    expected = np.log(np.where(levels == 0, upper, np.where(levels == 1, 1 - lower, upper - lower)))
    np.testing.assert_allclose(_all_levels_log_probs(mean, np.log(scale)), expected, rtol=1e-4, atol=1e-4)


def test_discretized_logistic_rounds_to_the_nearest_8_bit_value_and_is_finite_far_from_the_mean():
    x = np.array([[[[76.7 / 255]]], [[[77.3 / 255]]]], dtype="float32")  # both round to 77/255
    mean = np.full_like(x, 0.5)
    got = _np(losses.discretized_logistic_log_likelihood(x, mean, np.log(0.05)))
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6)
    far = _np(
        losses.discretized_logistic_log_likelihood(
            np.ones((1, 1, 1, 1), "float32"), np.zeros((1, 1, 1, 1), "float32"), np.log(1e-3)
        )
    )
    assert np.isfinite(far).all() and far[0] < -900  # about -(1 - h/2) / s: tiny, but not log(0)


def test_bits_per_dim_of_known_models():
    from vaegan_edu.metrics import bits_per_dim

    # a uniform distribution over 256 values gives every image of d pixels probability 256^-d: 8 bits per value
    d_shape = (3, 3, 1)
    np.testing.assert_allclose(bits_per_dim(-9 * np.log(256.0), d_shape), 8.0)
    # a logistic sharply centred on 0 puts nearly all mass on the value 0: nearly 0 bits per value
    x = np.zeros((2, 3, 3, 1), "float32")
    log_p = _np(losses.discretized_logistic_log_likelihood(x, x, np.log(1e-4)))
    assert 0.0 <= bits_per_dim(log_p, d_shape).max() < 1e-6
    with pytest.raises(TypeError, match=r"image_shape.*\(784,\)"):  # an int where a tuple belongs: the fix says so
        bits_per_dim(log_p, 784)
    with pytest.raises(ValueError, match="-log p"):  # a loss (negative log-likelihood) passed by mistake
        bits_per_dim(-log_p + 1.0, d_shape)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x": np.full((1, 2, 2, 1), 2.0, "float32")}, "x / 255.0"),
        ({"mean": np.zeros((1, 3, 3, 1), "float32")}, "mean"),
        ({"levels": 1}, "levels"),
    ],
)
def test_discretized_logistic_refuses_bad_input(kwargs, message):
    args = {"x": np.zeros((1, 2, 2, 1), "float32"), "mean": np.zeros((1, 2, 2, 1), "float32"), "log_scale": 0.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        losses.discretized_logistic_log_likelihood(**args)


def test_calibrated_gaussian_is_the_gaussian_with_the_learnt_scale_and_its_best_variance_is_the_mse():
    rng = np.random.default_rng(3)
    x = rng.random((6, 4, 4, 1)).astype("float32")
    logits = rng.normal(size=x.shape).astype("float32")
    x_hat = 1 / (1 + np.exp(-logits.astype("float64")))
    for s in (0.05, 0.3):
        expected = stats.norm.logpdf(x, x_hat, s).reshape(6, -1).sum(1)
        got = _np(
            losses.reconstruction_log_likelihood(x, logits, "calibrated_gaussian", log_scale=np.float32(np.log(s)))
        )
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    # over log s, the summed log-likelihood peaks at s^2 = the mean squared error, where it is -d/2 log(2 pi e MSE)
    mse, d = np.mean((x - x_hat) ** 2), 16
    grid = np.log(np.sqrt(mse)) + np.linspace(-0.5, 0.5, 201)
    totals = [np.sum(_np(losses.reconstruction_log_likelihood(x, logits, "calibrated_gaussian",
                                                               log_scale=np.float32(v)))) for v in grid]  # fmt: skip
    best = grid[int(np.argmax(totals))]
    np.testing.assert_allclose(np.exp(2 * best), mse, rtol=0.01)
    np.testing.assert_allclose(max(totals) / 6, -d / 2 * np.log(2 * np.pi * np.e * mse), rtol=1e-4)

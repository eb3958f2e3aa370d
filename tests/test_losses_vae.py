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

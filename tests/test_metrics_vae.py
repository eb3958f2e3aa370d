"""VAE metrics: test-set ELBO, the IWAE estimate against exact quadrature, active units, KL per latent, MIG."""

import keras
import numpy as np
import pytest
from scipy import special, stats

import vaegan_edu as ve
from vaegan_edu import metrics
from vaegan_edu.models import VAE


@pytest.fixture(scope="module")
def digits():
    return ve.data.load("digits8").x_train


@pytest.fixture(scope="module")
def vae_1d(digits):
    """A VAE with ONE latent: its log p(x) = log of a 1-D integral, computable by quadrature."""
    ve.config.set_seed(0)
    vae = VAE(image_shape=(8, 8, 1), latent_dim=1, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    vae.fit(digits, epochs=8, batch_size=64, verbose=0)
    return vae


def _exact_log_px(vae, x, grid=np.linspace(-8, 8, 3201)):
    """log p(x) = log ∫ p(x|z) p(z) dz by the trapezoidal rule (independent of the package's formulas)."""
    p = vae.decode(grid[:, None].astype("float32")).astype("float64").reshape(len(grid), -1)  # (G, pixels)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    xf = x.reshape(len(x), -1).astype("float64")
    log_px_z = xf @ np.log(p).T + (1 - xf) @ np.log1p(-p).T  # (n, G)
    log_integrand = log_px_z + stats.norm.logpdf(grid)[None, :]
    dz = grid[1] - grid[0]
    weights = np.full(len(grid), dz)
    weights[[0, -1]] /= 2
    return special.logsumexp(log_integrand + np.log(weights), axis=1)


def test_evaluate_elbo_matches_an_independent_computation(vae_1d, digits):
    x = digits[:50]
    result = metrics.evaluate_elbo(vae_1d, x, num_samples=1, seed=7)
    mu, log_var = vae_1d.encode(x)
    z = mu + np.exp(0.5 * log_var) * np.random.default_rng(7).standard_normal(mu.shape).astype("float32")
    p = np.clip(vae_1d.decode(z).astype("float64").reshape(50, -1), 1e-12, 1 - 1e-12)
    xf = x.reshape(50, -1)
    log_px_z = (xf * np.log(p) + (1 - xf) * np.log1p(-p)).sum(1)
    kl = (0.5 * (mu**2 + np.exp(log_var) - 1 - log_var)).sum(1)
    np.testing.assert_allclose(result["elbo_per_image"], log_px_z - kl, rtol=1e-4)
    np.testing.assert_allclose(result["elbo"], result["elbo_per_image"].mean())
    np.testing.assert_allclose(result["elbo"], -(result["reconstruction"] + result["kl"]), rtol=1e-9)


def _widened(vae, extra_log_var=2.0):
    """The same VAE with a posterior e times too wide: same decoder (same log p(x)), a much larger ELBO gap."""
    wide = VAE.from_config(vae.get_config())
    wide.set_weights(vae.get_weights())
    kernel, bias = wide.encoder.get_layer("log_var").get_weights()
    wide.encoder.get_layer("log_var").set_weights([kernel, bias + extra_log_var])
    return wide


def test_iwae_is_above_the_elbo_below_log_px_and_the_gap_shrinks(vae_1d, digits):
    x = digits[:100]
    exact = _exact_log_px(vae_1d, x).mean()
    for model in (vae_1d, _widened(vae_1d, 4.0)):  # the trained q, and a poor q (7.4 times too wide)
        elbo = metrics.evaluate_elbo(model, x, num_samples=50, seed=1)["elbo"]
        est = {k: metrics.iwae_log_likelihood(model, x, k=k, max_rows=5000, seed=2).mean() for k in (1, 10, 100, 1000)}
        assert abs(est[1] - elbo) < 0.3 + 0.1 * abs(exact - elbo)  # L_1 is a one-sample ELBO
        assert est[1000] <= exact + 0.05 and elbo < exact  # both are lower bounds (up to Monte Carlo noise)
        assert exact - est[1000] < 0.25 * (exact - elbo)  # K = 1000 closes most of the gap
    # with the poor q the gap is large enough to see every step: L_K grows with K, by less and less
    assert elbo + 1.0 < est[10] < est[100] < est[1000]
    assert (est[1000] - est[100]) < (est[100] - est[10]) < (est[10] - est[1])


def test_iwae_is_batched_and_validated(vae_1d, digits):
    x = digits[:7]
    small = metrics.iwae_log_likelihood(vae_1d, x, k=1000, max_rows=300, seed=0)  # 300 decodes at a time
    big = metrics.iwae_log_likelihood(vae_1d, x, k=1000, max_rows=10_000, seed=0)
    assert small.shape == (7,)
    np.testing.assert_allclose(small, big, atol=0.05)  # different noise, same estimate
    with pytest.raises(ValueError, match="`k` must be a positive integer"):
        metrics.iwae_log_likelihood(vae_1d, x, k=0)
    with pytest.raises(ValueError, match="Add a batch axis"):
        metrics.iwae_log_likelihood(vae_1d, x[0], k=5)


def _vae_with_dead_latent(dead):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=3, seed=0)
    for head in ("mu", "log_var"):
        layer = vae.encoder.get_layer(head)
        kernel, bias = layer.get_weights()
        kernel[:, dead] = 0.0
        bias[dead] = 0.0
        layer.set_weights([kernel, bias])
    return vae


def test_active_units_and_kl_per_dimension_find_a_dead_latent(digits):
    vae = _vae_with_dead_latent(dead=1)
    activity = metrics.latent_activity(vae, digits)
    assert activity[1] == 0.0
    assert metrics.active_units(vae, digits, threshold=1e-6) == 2
    kl = metrics.kl_per_dimension(vae, digits)
    assert kl.shape == (3,) and kl[1] == 0.0 and np.all(kl[[0, 2]] > 0)


def test_mig_is_one_for_copies_and_zero_for_noise():
    rng = np.random.default_rng(0)
    n = 6000
    factors = np.stack([rng.integers(0, 3, n), rng.integers(0, 6, n), rng.random(n)], axis=1)
    copies = factors + 1e-3 * rng.standard_normal(factors.shape)
    noise = rng.standard_normal((n, 3))
    good = metrics.mutual_information_gap(np.concatenate([copies, noise], 1), factors)
    assert good.mig > 0.9
    np.testing.assert_array_equal(good.best_latent, [0, 1, 2])
    assert metrics.mutual_information_gap(noise, factors).mig < 0.05
    # two latents copying the same factor: no gap for that factor
    twice = metrics.mutual_information_gap(np.stack([factors[:, 0], factors[:, 0], noise[:, 0]], 1), factors[:, :1])
    assert twice.mig < 0.01
    np.testing.assert_allclose(good.entropy[:2], [np.log(3), np.log(6)], rtol=0.02)


@pytest.mark.parametrize(
    "latents, factors, match",
    [
        (np.zeros((10, 1)), np.zeros((10, 1)), ">= 2 latents"),
        (np.zeros((10, 2)), np.zeros((9, 1)), "same n"),
        (np.random.default_rng(0).random((10, 2)), np.ones((10, 1)), "constant"),
    ],
)
def test_mig_errors(latents, factors, match):
    with pytest.raises(ValueError, match=match):
        metrics.mutual_information_gap(latents, factors)


# --- the aggregate posterior (prior holes, chapter 03) ------------------------------------------------------


def test_aggregate_posterior_log_density_is_the_mixture_of_the_encoders_gaussians():
    rng = np.random.default_rng(0)
    mu, log_var = rng.normal(size=(7, 3)), rng.normal(scale=0.5, size=(7, 3))
    z = rng.normal(size=(11, 3))
    direct = np.log(np.mean([stats.multivariate_normal(m, np.diag(np.exp(v))).pdf(z) for m, v in zip(mu, log_var)],
                            axis=0))  # fmt: skip
    np.testing.assert_allclose(metrics.aggregate_posterior_log_density(z, mu, log_var, batch_size=4), direct,
                               rtol=1e-10)  # fmt: skip
    # codes that fill the prior exactly: one component N(0, I) has the prior's density everywhere
    np.testing.assert_allclose(metrics.aggregate_posterior_log_density(z, np.zeros((1, 3)), np.zeros((1, 3))),
                               stats.multivariate_normal(np.zeros(3)).logpdf(z), rtol=1e-10)  # fmt: skip
    far = metrics.aggregate_posterior_log_density(np.full((1, 3), 40.0), mu, log_var)
    assert np.isfinite(far).all() and far[0] < -500  # stable far from every code (no log 0)


@pytest.mark.parametrize("z, mu, log_var", [
    (np.zeros((4, 2)), np.zeros((5, 3)), np.zeros((5, 3))),
    (np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((4, 3))),
    (np.zeros(3), np.zeros((5, 3)), np.zeros((5, 3))),
    (np.zeros((4, 3)), np.full((5, 3), np.nan), np.zeros((5, 3))),
])  # fmt: skip
def test_aggregate_posterior_log_density_names_bad_shapes_and_values(z, mu, log_var):
    with pytest.raises(ValueError, match="`z`|`mu`"):
        metrics.aggregate_posterior_log_density(z, mu, log_var)

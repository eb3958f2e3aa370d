"""Tests of vaegan_edu.probability against scipy, closed forms and numerical integration."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from vaegan_edu import probability as P

SEEDS = [0, 1, 2]
# JAX computes in float32 unless JAX_ENABLE_X64 is set; TensorFlow and PyTorch keep NumPy's float64.
FLOAT64 = P._float64_available()
RTOL = 1e-8 if FLOAT64 else 2e-5


def _np(x):
    return np.asarray(P.ops.convert_to_numpy(x))


def _random_model(seed, data_dim=4, latent_dim=2):
    rng = np.random.default_rng(seed)
    return P.LinearGaussian(
        W=rng.normal(size=(data_dim, latent_dim)), b=rng.normal(size=data_dim), noise_std=0.3 + rng.random()
    ), rng


# --- log-densities ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_log_normal_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x, mu, log_var = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=(6, 3))
    expected = stats.norm(mu, np.exp(0.5 * log_var)).logpdf(x).sum(axis=-1)
    np.testing.assert_allclose(_np(P.log_normal(x, mu, log_var)), expected, rtol=RTOL)
    np.testing.assert_allclose(_np(P.log_standard_normal(x)), stats.norm().logpdf(x).sum(-1), rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_bernoulli_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x, logits = rng.integers(0, 2, size=(5, 7)).astype(float), rng.normal(scale=3, size=(5, 7))
    expected = stats.bernoulli(1 / (1 + np.exp(-logits))).logpmf(x).sum(-1)
    np.testing.assert_allclose(_np(P.log_bernoulli(x, logits)), expected, rtol=RTOL)


@pytest.mark.skipif(P.keras.backend.backend() != "tensorflow", reason="takes gradients with tf.GradientTape")
def test_log_bernoulli_is_stable_at_extreme_logits():
    import tensorflow as tf  # gradients need a backend; the maths under test is backend-agnostic

    x = np.array([[1.0, 0.0, 1.0, 0.0]])
    logits = tf.Variable([[100.0, -100.0, -100.0, 100.0]], dtype=tf.float64)
    with tf.GradientTape() as tape:
        value = P.log_bernoulli(x, logits)
    grad = tape.gradient(value, logits).numpy()
    np.testing.assert_allclose(value.numpy(), [-200.0], rtol=RTOL)  # two right (~0), two wrong (-100)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0.0, 0.0, 1.0, -1.0]], atol=1e-12)  # x - sigmoid(logits)


def test_log_normal_mixture_matches_scipy():
    x = np.linspace(-4, 4, 9)
    weights, means, log_vars = np.array([0.3, 0.7]), np.array([-2.0, 1.5]), np.log([0.25, 1.0])
    expected = np.log(
        weights[0] * stats.norm(-2, 0.5).pdf(x) + weights[1] * stats.norm(1.5, 1.0).pdf(x)
    )
    np.testing.assert_allclose(_np(P.log_normal_mixture(x, weights, means, log_vars)), expected, rtol=RTOL)
    with pytest.raises(ValueError, match="sum to 1"):
        P.log_normal_mixture(x, [0.3, 0.3], means, log_vars)


# --- KL divergence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_normal_matches_numerical_integration(seed):
    rng = np.random.default_rng(seed)
    mu_q, mu_p = rng.normal(size=2)
    log_var_q, log_var_p = rng.normal(scale=0.5, size=2)
    q, p = stats.norm(mu_q, math.exp(log_var_q / 2)), stats.norm(mu_p, math.exp(log_var_p / 2))
    expected, _ = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), -np.inf, np.inf)
    value = P.kl_normal(np.array([mu_q]), np.array([log_var_q]), np.array([mu_p]), np.array([log_var_p]))
    np.testing.assert_allclose(float(value), expected, rtol=RTOL)


def test_kl_normal_sums_over_the_last_axis_and_defaults_to_standard_normal():
    mu, log_var = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, math.log(2.0)], [0.0, 0.0]])
    # per dimension: 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2)
    expected = [0.5 * 1 + 0.5 * (4 + 2 - 1 - math.log(2.0)), 0.0]
    np.testing.assert_allclose(_np(P.kl_normal(mu, log_var)), expected, rtol=RTOL)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-5, 5), min_size=4, max_size=4),
    st.lists(st.floats(-3, 3), min_size=4, max_size=4),
)
def test_kl_normal_is_non_negative_and_zero_only_at_equality(mu, log_var):
    mu, log_var = np.array(mu).reshape(2, 2), np.array(log_var).reshape(2, 2)
    kl = _np(P.kl_normal(mu, log_var))
    assert np.all(kl >= (-1e-12 if FLOAT64 else -1e-6))  # float32 rounding on JAX
    assert float(P.kl_normal(mu, log_var, mu, log_var)[0]) == pytest.approx(0.0, abs=RTOL)
    if np.any(np.abs(mu[0]) > 1e-3) or np.any(np.abs(log_var[0]) > 1e-3):
        assert kl[0] > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_monte_carlo_agrees_with_closed_form_within_standard_errors(seed):
    rng = np.random.default_rng(seed)
    mu_q, log_var_q = rng.normal(size=3), rng.normal(scale=0.5, size=3)
    mu_p, log_var_p = rng.normal(size=3), rng.normal(scale=0.5, size=3)
    z = P.sample_normal(mu_q, log_var_q, num_samples=20_000, seed=seed)
    estimate, stderr = P.kl_monte_carlo(P.log_normal(z, mu_q, log_var_q), P.log_normal(z, mu_p, log_var_p))
    exact = float(P.kl_normal(mu_q, log_var_q, mu_p, log_var_p))
    assert 0 < float(stderr) < 0.1
    assert abs(float(estimate) - exact) < 4 * float(stderr)


def test_kl_quadrature_matches_closed_form():
    grid = np.linspace(-12, 12, 4001)
    log_q = P.log_normal(grid[:, None], 1.0, math.log(0.5))
    log_p = P.log_normal(grid[:, None], -0.5, math.log(2.0))
    expected = float(P.kl_normal(np.array([1.0]), np.log([0.5]), np.array([-0.5]), np.log([2.0])))
    np.testing.assert_allclose(float(P.kl_quadrature(log_q, log_p, grid)), expected, rtol=RTOL)
    with pytest.raises(ValueError, match="increasing"):
        P.kl_quadrature(log_q, log_p, grid[::-1])


# --- sampling and gradient estimators --------------------------------------------------------------


def test_sample_normal_has_the_right_moments_and_is_reproducible():
    mu, log_var = np.array([1.0, -2.0]), np.log([0.25, 4.0])
    z = _np(P.sample_normal(mu, log_var, num_samples=50_000, seed=3))
    assert z.shape == (50_000, 2)
    assert np.all(np.abs(z.mean(0) - mu) < 4 * np.sqrt(np.array([0.25, 4.0]) / 50_000))
    np.testing.assert_allclose(z.var(0), [0.25, 4.0], rtol=0.03)
    np.testing.assert_array_equal(z, _np(P.sample_normal(mu, log_var, num_samples=50_000, seed=3)))


@pytest.mark.parametrize("seed", SEEDS)
def test_both_gradient_estimators_are_unbiased_and_reparameterisation_has_lower_variance(seed):
    # f(z) = log p(x | z) of a linear-Gaussian model: E_q[f] has a closed-form gradient.
    model, rng = _random_model(seed)
    x, _ = model.sample(1, seed=seed)
    mu, log_var = rng.normal(size=(1, 2)), rng.normal(scale=0.3, size=(1, 2))
    n = 20_000
    g_mu_rep, g_lv_rep = P.reparameterization_gradient(
        lambda z: model.log_likelihood_grad(x, z), mu, log_var, n, seed=seed
    )
    g_mu_sf, g_lv_sf = P.score_function_gradient(lambda z: model.log_likelihood(x, z), mu, log_var, n, seed)
    # exact: d/dmu = W^T (x - W mu - b) / s2;  d/dlog_var = -0.5 * var * ||W_j||^2 / s2
    w, s2 = _np(model.W), model.noise_var
    exact_mu = (_np(x) - mu @ w.T - _np(model.b)) @ w / s2
    exact_lv = -0.5 * np.exp(log_var) * (w**2).sum(0) / s2
    for samples, exact in [(g_mu_rep, exact_mu), (g_lv_rep, exact_lv), (g_mu_sf, exact_mu), (g_lv_sf, exact_lv)]:
        samples = _np(samples)
        stderr = samples.std(0) / np.sqrt(n)
        assert np.all(np.abs(samples.mean(0) - exact) < 5 * stderr + 1e-12)
    assert np.all(_np(g_mu_rep).var(0) < _np(g_mu_sf).var(0))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_constant_baseline_keeps_the_score_function_unbiased_and_lowers_its_variance(seed):
    model, rng = _random_model(seed)
    x, _ = model.sample(1, seed=seed)
    mu, log_var = rng.normal(size=(1, 2)), rng.normal(scale=0.3, size=(1, 2))
    f = lambda z: model.log_likelihood(x, z)  # noqa: E731
    pilot = _np(f(P.sample_normal(mu, log_var, num_samples=2_000, seed=seed + 100))).mean()  # separate samples
    n = 20_000
    plain = [_np(g) for g in P.score_function_gradient(f, mu, log_var, n, seed)]
    based = [_np(g) for g in P.score_function_gradient(f, mu, log_var, n, seed, baseline=pilot)]
    w, s2 = _np(model.W), model.noise_var
    exact = [(_np(x) - mu @ w.T - _np(model.b)) @ w / s2, -0.5 * np.exp(log_var) * (w**2).sum(0) / s2]
    for samples, truth in zip(based, exact):
        assert np.all(np.abs(samples.mean(0) - truth) < 5 * samples.std(0) / np.sqrt(n) + 1e-12)
    for p_, b_ in zip(plain, based):
        assert np.all(b_.var(0) < p_.var(0))  # f sits far from 0 (a log-density), so the baseline helps


@pytest.mark.parametrize("baseline", [float("nan"), float("inf"), np.ones(3), "1.0", None, True])
def test_score_function_rejects_a_baseline_that_is_not_one_finite_number(baseline):
    with pytest.raises(ValueError, match="`baseline` must be one finite number"):
        P.score_function_gradient(lambda z: z[..., 0], np.zeros(2), np.zeros(2), 5, seed=0, baseline=baseline)


def test_gradient_estimators_reject_wrong_callables():
    with pytest.raises(ValueError, match="gradient of f"):
        P.reparameterization_gradient(lambda z: z[..., 0], np.zeros(2), np.zeros(2), 5, seed=0)
    with pytest.raises(ValueError, match="one value per sample"):
        P.score_function_gradient(lambda z: z, np.zeros(2), np.zeros(2), 5, seed=0)


# --- IWAE bound ------------------------------------------------------------------------------------


def test_iwae_bound_matches_direct_formula_and_is_stable():
    rng = np.random.default_rng(0)
    log_p, log_q = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    expected = np.log(np.mean(np.exp(log_p - log_q), axis=0))
    np.testing.assert_allclose(_np(P.iwae_bound(log_p, log_q)), expected, rtol=RTOL)
    # weights of exp(-1000) underflow in the direct formula; the bound must not
    value = _np(P.iwae_bound(log_p - 1000.0, log_q))
    np.testing.assert_allclose(value, expected - 1000.0, rtol=RTOL)
    np.testing.assert_allclose(_np(P.iwae_bound(log_p[:1], log_q[:1])), (log_p - log_q)[0], rtol=RTOL)


def test_iwae_bound_tightens_towards_log_evidence():
    model, _ = _random_model(4)
    x, _ = model.sample(1, seed=0)
    q_mean, q_cov = model.posterior(x)
    q_mean, q_log_var = _np(q_mean) + 0.5, np.log(np.diag(_np(q_cov)))[None] + 0.5  # a poor q
    bounds = []
    for k in [1, 10, 1000]:
        z = P.sample_normal(q_mean, q_log_var, num_samples=k * 200, seed=k)  # 200 repeats of K samples
        log_w = _np(model.log_joint(x, z) - P.log_normal(z, q_mean, q_log_var)).reshape(200, k).T
        bounds.append(_np(P.iwae_bound(log_w, np.zeros_like(log_w))).mean())
    log_px = float(model.log_evidence(x)[0])
    assert bounds[0] < bounds[1] < bounds[2] < log_px + 1e-2  # 1e-2: the mean of 200 noisy bounds
    assert log_px - bounds[2] < 0.2 * (log_px - bounds[0])


# --- the linear-Gaussian model ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_gaussian_log_evidence_and_posterior_match_scipy_and_bayes(seed):
    model, rng = _random_model(seed)
    w, b, s2 = _np(model.W), _np(model.b), model.noise_var
    x = rng.normal(size=(5, 4))
    expected = stats.multivariate_normal(b, w @ w.T + s2 * np.eye(4)).logpdf(x)
    np.testing.assert_allclose(_np(model.log_evidence(x)), expected, rtol=RTOL)
    # Bayes: log p(z|x) = log p(x, z) - log p(x) for any z
    mean, cov = (_np(a) for a in model.posterior(x))
    z = rng.normal(size=(5, 2))
    log_post = np.array([stats.multivariate_normal(m, cov).logpdf(zi) for m, zi in zip(mean, z)])
    np.testing.assert_allclose(_np(model.log_joint(x, z) - model.log_evidence(x)), log_post, rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_evidence_equals_elbo_plus_kl_to_posterior(seed):
    model, rng = _random_model(seed)
    x = rng.normal(size=(5, 4))
    q_mean, q_log_var = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    elbo, gap = model.elbo(x, q_mean, q_log_var), model.kl_to_posterior(x, q_mean, q_log_var)
    np.testing.assert_allclose(_np(elbo + gap), _np(model.log_evidence(x)), rtol=RTOL)
    assert np.all(_np(gap) > 0)
    estimate, stderr = model.elbo_monte_carlo(x, q_mean, q_log_var, num_samples=20_000, seed=seed)
    assert np.all(np.abs(_np(estimate) - _np(elbo)) < 5 * _np(stderr))


def test_elbo_equals_log_evidence_at_the_exact_posterior_when_it_is_diagonal():
    # orthogonal columns of W make the posterior covariance diagonal, so a diagonal q can match it
    model = P.LinearGaussian(W=np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), b=np.zeros(3), noise_std=0.5)
    x = np.array([[1.0, -1.0, 0.3]])
    mean, cov = model.posterior(x)
    log_var = np.log(np.diag(_np(cov)))[None]
    np.testing.assert_allclose(_np(model.elbo(x, mean, log_var)), _np(model.log_evidence(x)), rtol=RTOL)
    assert abs(float(model.kl_to_posterior(x, mean, log_var)[0])) < RTOL


def test_sample_is_reproducible_and_has_the_model_covariance():
    model, _ = _random_model(5)
    x, z = model.sample(20_000, seed=1)
    x2, _ = model.sample(20_000, seed=1)
    np.testing.assert_array_equal(_np(x), _np(x2))
    w = _np(model.W)
    np.testing.assert_allclose(np.cov(_np(x).T), w @ w.T + model.noise_var * np.eye(4), atol=0.12)
    assert _np(z).shape == (20_000, 2)


def test_fit_closed_form_recovers_the_model_and_elbo_ascent_reaches_the_same_likelihood():
    truth, _ = _random_model(6, data_dim=5, latent_dim=2)
    x = _np(truth.sample(3_000, seed=2)[0])
    ml = P.LinearGaussian.fit(x, latent_dim=2)
    # W is identified up to a rotation: compare W W^T, and the noise level
    w_ml, w_true = _np(ml.W), _np(truth.W)
    np.testing.assert_allclose(w_ml @ w_ml.T, w_true @ w_true.T, atol=0.25)
    assert ml.noise_std == pytest.approx(truth.noise_std, rel=0.05)
    # the closed form is the maximum: no model (the truth included) has a higher likelihood on x
    ll_ml, ll_true = float(np.mean(_np(ml.log_evidence(x)))), float(np.mean(_np(truth.log_evidence(x))))
    assert ll_ml >= ll_true
    by_elbo = P.LinearGaussian.fit(x, latent_dim=2, method="elbo", steps=300, seed=0)
    assert abs(float(np.mean(_np(by_elbo.log_evidence(x)))) - ll_ml) < 0.02


# --- input validation ------------------------------------------------------------------------------


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"shapes do not match.*`mu_q` has shape \(3, 2\)"):
        P.kl_normal(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="`log_var` contains NaN"):
        P.log_normal(np.zeros(2), 0.0, np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="`noise_std` must be a positive number"):
        P.LinearGaussian(np.ones((3, 1)), np.zeros(3), noise_std=-1.0)
    with pytest.raises(ValueError, match=r"`b` must have shape \(data_dim,\) = \(3,\)"):
        P.LinearGaussian(np.ones((3, 1)), np.zeros(2), noise_std=1.0)
    model = P.LinearGaussian(np.ones((3, 1)), np.zeros(3), noise_std=1.0)
    with pytest.raises(ValueError, match=r"x\[None, :\]"):
        model.log_evidence(np.zeros(3))
    with pytest.raises(ValueError, match="K importance samples on axis 0"):
        P.iwae_bound(np.zeros((4, 2)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="positive integer"):
        P.sample_normal(0.0, 0.0, num_samples=0)
    with pytest.raises(ValueError, match="'maximum_likelihood' or 'elbo'"):
        P.LinearGaussian.fit(np.zeros((10, 3)), 1, method="em")
    with pytest.raises(ValueError, match="Unknown option"):
        P.LinearGaussian.fit(np.zeros((10, 3)), 1, method="elbo", epochs=3)
    with pytest.raises(TypeError, match="must be a number"):
        P.log_standard_normal("abc")

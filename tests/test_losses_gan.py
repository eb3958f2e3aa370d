"""GAN losses and the gradient penalty against hand-computed values (chapter 06)."""

import keras
import numpy as np
import pytest
from keras import ops

from vaegan_edu import losses, models

R = np.array([2.0, -1.0, 0.5, 3.0], dtype="float32")  # logits on real data
F = np.array([-2.0, 0.3, 1.5, -0.5], dtype="float32")  # logits on generated data


def sig(t):
    return 1.0 / (1.0 + np.exp(-t))


@pytest.mark.parametrize(
    "loss, expected",
    [
        ("minimax", -np.mean(np.log(sig(R))) - np.mean(np.log(1 - sig(F)))),
        ("non_saturating", -np.mean(np.log(sig(R))) - np.mean(np.log(1 - sig(F)))),
        ("wasserstein_gp", F.mean() - R.mean()),
        ("hinge", np.mean(np.maximum(0, 1 - R)) + np.mean(np.maximum(0, 1 + F))),
    ],
)
def test_discriminator_loss_values(loss, expected):
    value = float(losses.gan_discriminator_loss(R, F, loss))
    np.testing.assert_allclose(value, expected, rtol=1e-5)


@pytest.mark.parametrize(
    "loss, expected",
    [
        ("minimax", np.mean(np.log(1 - sig(F)))),
        ("non_saturating", -np.mean(np.log(sig(F)))),
        ("wasserstein_gp", -F.mean()),
        ("hinge", -F.mean()),
    ],
)
def test_generator_loss_values(loss, expected):
    np.testing.assert_allclose(float(losses.gan_generator_loss(F, loss)), expected, rtol=1e-5)


def test_discriminator_loss_is_minus_value_function():
    # V(D, G) = E log D(x) + E log(1 - D(G(z))); the loss to minimise is -V.
    v = np.mean(np.log(sig(R))) + np.mean(np.log(1 - sig(F)))
    np.testing.assert_allclose(float(losses.gan_discriminator_loss(R, F, "minimax")), -v, rtol=1e-5)


def test_one_sided_label_smoothing():
    s = 0.9
    expected = -np.mean(s * np.log(sig(R)) + (1 - s) * np.log(1 - sig(R))) - np.mean(np.log(1 - sig(F)))
    value = float(losses.gan_discriminator_loss(R, F, "non_saturating", label_smoothing=0.1))
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_losses_stay_finite_for_huge_logits():
    big = np.array([80.0, -80.0], dtype="float32")
    assert np.isfinite(float(losses.gan_discriminator_loss(big, -big)))
    np.testing.assert_allclose(float(losses.gan_generator_loss(np.array([-80.0]), "non_saturating")), 80.0, rtol=1e-5)


def test_generator_gradients_saturating_vs_non_saturating():
    # d/d logit of log(1 - D) is -D (vanishes as D -> 0); of -log D it is -(1 - D) (stays near -1).
    f = np.array([[-6.0], [-2.0], [0.0], [2.0]], dtype="float32")
    for loss, expected in (("minimax", -sig(f)), ("non_saturating", -(1 - sig(f)))):
        grad = models.input_gradient(lambda t: losses.gan_generator_loss(t, loss) * len(f), f)
        np.testing.assert_allclose(ops.convert_to_numpy(grad), expected, rtol=1e-5, atol=1e-7)


def test_gradient_penalty_from_gradients():
    grads = np.array([[0.6, 0.8], [0.0, 2.0], [0.0, 0.0]], dtype="float32")  # norms 1, 2, 0
    np.testing.assert_allclose(float(losses.gradient_penalty_from_gradients(grads)), (0 + 1 + 1) / 3, rtol=1e-5)


def test_gradient_penalty_zero_for_unit_norm_linear_critic():
    w = np.array([[3.0], [4.0]], dtype="float32") / 5.0
    critic = lambda x: ops.matmul(x, w)  # noqa: E731
    real = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    fake = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    x_hat = losses.interpolate(real, fake, np.random.default_rng(2).uniform(size=16))
    gp = float(losses.gradient_penalty_from_gradients(models.input_gradient(critic, x_hat)))
    assert gp == pytest.approx(0.0, abs=1e-10)
    gp2 = float(losses.gradient_penalty_from_gradients(models.input_gradient(lambda x: 2 * critic(x), x_hat)))
    assert gp2 == pytest.approx(1.0, rel=1e-5)  # norm 2: (2 - 1)^2


def test_interpolate_endpoints():
    real, fake = np.ones((3, 2)), np.zeros((3, 2))
    out = ops.convert_to_numpy(losses.interpolate(real, fake, np.array([1.0, 0.0, 0.25])))
    np.testing.assert_allclose(out, [[1, 1], [0, 0], [0.25, 0.25]])


def test_unknown_loss_and_bad_smoothing():
    with pytest.raises(ValueError, match="Expected one of"):
        losses.gan_generator_loss(F, "wasserstein")
    with pytest.raises(ValueError, match=r"label_smoothing.*\[0, 0.5\)"):
        losses.gan_discriminator_loss(R, F, label_smoothing=0.7)
    with pytest.raises(ValueError, match="cross-entropy losses only"):
        losses.gan_discriminator_loss(R, F, "hinge", label_smoothing=0.1)


def test_backend_is_supported():
    assert keras.backend.backend() in ("tensorflow", "torch")


def test_optimal_discriminator_is_learnt_by_the_gan_train_step():
    # Fixed "generator" G(z) = 0.5 z + 2, so p_g = N(2, 0.5^2); real data N(0, 1). Training only D with the
    # GAN's own train step must approach D*(x) = p_data / (p_data + p_g) (Goodfellow et al. 2014, Prop. 1).
    from scipy import stats

    import vaegan_edu as ve

    ve.config.set_seed(0)
    z_in = keras.Input((1,))
    generator = keras.Model(z_in, keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(0.5),
                                                     bias_initializer=keras.initializers.Constant(2.0))(z_in))
    discriminator = ve.models.mlp_discriminator(data_dim=1, hidden_units=32, num_hidden=2)
    gan = ve.models.GAN(generator, discriminator, latent_dim=1, data_shape=(1,))
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-3), g_optimizer=keras.optimizers.SGD(0.0), loss="minimax")
    x = stats.norm(0, 1).rvs(50_000, random_state=1).astype("float32")[:, None]
    ve.training.fit_gan(gan, x, num_steps=1500, batch_size=512)
    np.testing.assert_allclose(ops.convert_to_numpy(generator(np.array([[0.0]], "float32"))), [[2.0]])  # G fixed
    grid = np.linspace(-2.0, 3.0, 51, dtype="float32")
    p_data, p_g = stats.norm(0, 1).pdf(grid), stats.norm(2, 0.5).pdf(grid)
    np.testing.assert_allclose(gan.discriminate(grid[:, None]), p_data / (p_data + p_g), atol=0.06)


def test_value_at_optimal_discriminator_is_minus_log4_plus_2_jsd():
    from scipy import stats

    from vaegan_edu import probability

    p_data, p_g = stats.norm(0, 1), stats.norm(1.5, 0.7)
    xs = np.linspace(-12, 12, 40_001)
    log_pd, log_pg = p_data.logpdf(xs), p_g.logpdf(xs)
    log_m = np.logaddexp(log_pd, log_pg) - np.log(2)
    jsd = 0.5 * float(probability.kl_quadrature(log_pd, log_m, xs)) + 0.5 * float(probability.kl_quadrature(log_pg, log_m, xs))
    # V(D*, G) by Monte Carlo through the package's loss: logits of D* are log p_data - log p_g.
    x_real = p_data.rvs(200_000, random_state=2)
    x_fake = p_g.rvs(200_000, random_state=3)
    logit = lambda x: p_data.logpdf(x) - p_g.logpdf(x)  # noqa: E731
    v_star = -float(losses.gan_discriminator_loss(logit(x_real), logit(x_fake), "minimax"))
    assert v_star == pytest.approx(-np.log(4) + 2 * jsd, abs=0.01)
    assert 0 < jsd < np.log(2)

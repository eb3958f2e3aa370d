"""Input-gradient saliency of a GAN's discriminator (chapter 10) against finite differences."""

import keras
import numpy as np
import pytest

from vaegan_edu import config, metrics, models


@pytest.fixture(scope="module")
def gan():
    config.set_seed(0)  # the initial weights come from Keras's global state: fix it, whatever ran before
    return models.make_dcgan((28, 28, 1), seed=0)


def test_saliency_matches_finite_differences(gan):
    x = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    saliency = metrics.discriminator_saliency(gan, x)
    assert saliency.shape == x.shape and saliency.min() >= 0

    def logit(images):
        return keras.ops.convert_to_numpy(gan.discriminator(images, training=False))[:, 0].astype("float64")

    eps = 1e-3  # small enough that a step rarely crosses a leaky-ReLU kink, large against float32 rounding
    for (r, c) in [(3, 4), (14, 14), (20, 9)]:
        bump = np.zeros_like(x)
        bump[:, r, c, 0] = eps
        numeric = np.abs(logit(x + bump) - logit(x - bump)) / (2 * eps)
        np.testing.assert_allclose(saliency[:, r, c, 0], numeric, rtol=2e-2, atol=1e-5)


def test_packed_discriminator_judges_copies(gan):
    packed = models.make_dcgan((28, 28, 1), seed=0, pack=2)
    x = np.random.default_rng(1).uniform(size=(1, 28, 28, 1)).astype("float32")
    saliency = metrics.discriminator_saliency(packed, x)
    copies = np.concatenate([x, x], axis=-1)
    eps = 1e-3  # small enough that a step rarely crosses a leaky-ReLU kink, large against float32 rounding
    bump = np.zeros_like(copies)
    bump[:, 10, 10, :] = eps  # the same pixel moves in both copies
    f = lambda t: float(keras.ops.convert_to_numpy(packed.discriminator(t, training=False))[0, 0])  # noqa: E731
    numeric = abs(f(copies + bump) - f(copies - bump)) / (2 * eps)
    np.testing.assert_allclose(saliency[0, 10, 10, 0], numeric, rtol=2e-2, atol=1e-5)


def test_saliency_shape_error(gan):
    with pytest.raises(ValueError, match=r"x\[None\]"):
        metrics.discriminator_saliency(gan, np.zeros((28, 28, 1)))

"""A perceptual feature space for sample quality: a convolutional network with fixed random weights.

The digit classifier's features (:mod:`vaegan_edu.metrics.digits`) are *semantic*: trained to say which digit
an image shows, they are built to ignore how the digit is drawn, so a blurred or washed-out digit keeps its
place among real ones, and precision measured there cannot see blur (the degradation suite,
:mod:`vaegan_edu.metrics.degradations`, shows it). These features are *perceptual*: three 3x3 convolution
layers with ReLU, weights drawn once from a seeded NumPy generator and never trained, summarised per channel by
the mean and the standard deviation of its response over the image:

.. math::
    \\phi(x) = \\big(\\operatorname{mean}_{ij} h^{(l)}_{ijc}(x),\\ \\operatorname{std}_{ij} h^{(l)}_{ijc}(x)
    \\big)_{l = 1..3,\\ c}, \\qquad h^{(l)} = \\operatorname{ReLU}(W^{(l)} * h^{(l-1)}), \\quad h^{(0)} = x

(32, 64 and 128 channels at 28, 14 and 7 pixels: 448 numbers). Random filters respond to edges, strokes and
textures at three scales; they were not fitted to any data, so nothing was tuned to the degradations they are
tested on. Because the layers have no bias and ReLU is positively homogeneous, the weights' scale only
rescales the features: precision and recall depend on the random filters' directions alone. Features of
randomly initialised networks for evaluating generative models are studied by Lee, Kim & Lee 2022
("Demystifying Randomly Initialized Networks for Evaluating Generative Models", arXiv:2208.09218), who find
them complementary to trained features.

The limits, taught in chapter 08: this space knows nothing of digit classes (removing five classes barely moves
its recall), and it is sharp: a blur of half a pixel already moves real digits out of the real ones' k-NN
balls. Use it for "does a sample look like a real image", the classifier's space for "which digits, how many".
Score "looks real" here with the capped realism score (:func:`vaegan_edu.metrics.realism`,
``evaluate_samples(...)["perceptual_realism"]``), not with precision, which falls from 0.86 to 0.57 at 0.5 px of
blur and to 0.004 at 0.75 px. The features are not what makes that cliff (the realism score falls gradually in
the same space); precision's yes/no test against balls barely wider than the nearest-neighbour distance is
(:mod:`vaegan_edu.metrics.dose_response`).

Taught in: 08_gan, 09_vae_vs_gan
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from vaegan_edu.validation import check_image_batch

PERCEPTUAL_SEED = 20200706  # fixes the random filters: every reader gets the same feature space
PERCEPTUAL_CHANNELS = (32, 64, 128)  # channels of the three layers (strides 1, 2, 2)


@functools.lru_cache(maxsize=4)
def perceptual_network(image_shape=(28, 28, 1)) -> keras.Model:
    """The random convolutional network whose responses :func:`perceptual_features` summarises.

    Weights are He-normal draws from ``numpy.random.default_rng(PERCEPTUAL_SEED)`` (the same on every Keras
    backend), biases none. Built once per image shape.

    Returns
    -------
    keras.Model mapping images (n, *image_shape) to the three layers' ReLU maps
    """
    rng = np.random.default_rng(PERCEPTUAL_SEED)
    x_in = keras.Input(tuple(image_shape), name="images")
    h, maps, channels_in = x_in, [], image_shape[-1]
    for i, (channels, stride) in enumerate(zip(PERCEPTUAL_CHANNELS, (1, 2, 2))):
        # zeros first, then the NumPy draws: building this network never touches Keras's global random state, so
        # scoring samples does not change the models a chapter trains afterwards
        layer = keras.layers.Conv2D(channels, 3, strides=stride, padding="same", activation="relu", use_bias=False,
                                    kernel_initializer="zeros", name=f"random_conv_{i + 1}")  # fmt: skip
        h = layer(h)
        fan_in = 9 * channels_in
        layer.set_weights([rng.normal(0.0, np.sqrt(2.0 / fan_in), (3, 3, channels_in, channels)).astype("float32")])
        layer.trainable = False
        maps.append(h)
        channels_in = channels
    return keras.Model(x_in, maps, name="perceptual_features")


def perceptual_features(images, batch_size: int = 500) -> np.ndarray:
    """The perceptual features :math:`\\phi(x)` of each image (see the module's docstring).

    Parameters
    ----------
    images : array (n, height, width, channels), values in [0, 1]

    Returns
    -------
    float64 array (n, 2 * sum(PERCEPTUAL_CHANNELS)) = (n, 448)

    Taught in: 08_gan
    """
    x = check_image_batch("images", images)
    network = perceptual_network(tuple(int(d) for d in x.shape[1:]))
    out = []
    for start in range(0, len(x), batch_size):
        maps = [keras.ops.convert_to_numpy(m).astype("float64") for m in network(x[start:start + batch_size])]
        out.append(np.concatenate([np.concatenate([m.mean(axis=(1, 2)), m.std(axis=(1, 2))], axis=1)
                                   for m in maps], axis=1))  # fmt: skip
    return np.concatenate(out)


GREY_BAND = (0.1, 0.9)  # a pixel strictly between these is neither background nor ink


def grey_fraction(images, band=GREY_BAND) -> float:
    r"""The fraction of pixels that are grey, neither background nor ink: a direct measure of blur.

    .. math:: g(x_{1..n}) = \frac{1}{n d}\,\#\{(i, j) : a < x_{ij} < b\}, \qquad (a, b) = \text{band}

    Blurring a digit turns sharp edges into ramps, so :math:`g` rises with blur (the tests check it on real
    digits), while a binary image has :math:`g = 0`. Compare a model's :math:`g` with held-out data's (the
    glyph digits' own anti-aliased edges give them a few per cent): the gap, not :math:`g` itself, is the
    defect.

    Parameters
    ----------
    images : array of shape (n, height, width, channels), values in [0, 1]
    band : (a, b) with 0 <= a < b <= 1

    Returns
    -------
    float in [0, 1]

    Taught in: 09_vae_vs_gan
    """
    images = check_image_batch("images", images)
    edges = np.asarray(band, dtype=object) if isinstance(band, (tuple, list, np.ndarray)) else np.empty(0)
    ok = edges.shape == (2,) and all(isinstance(v, (int, float, np.integer, np.floating)) for v in edges)
    low, high = (float(v) for v in edges) if ok else (None, None)
    if low is None or not 0.0 <= low < high <= 1.0:
        raise ValueError(f"`band` must be two numbers (a, b) with 0 <= a < b <= 1, e.g. {GREY_BAND}; received {band!r}.")
    return float(np.mean((images > low) & (images < high)))

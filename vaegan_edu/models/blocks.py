"""Building blocks of the VAE: the sampling layer (reparameterisation trick), encoders and decoders.

Encoders map an image batch ``(batch, height, width, channels)`` to the parameters ``(mu, log_var)`` of
a diagonal Gaussian :math:`q(z \\mid x)`; decoders map ``z`` of shape ``(batch, latent_dim)`` back to
*logits* of shape ``(batch, height, width, channels)`` (the mean image is their sigmoid).

Taught in: 03_vae
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from vaegan_edu.validation import check_int_tuple, check_optional_seed

ARCHITECTURES = ("dense", "conv")


def check_image_shape(image_shape, architecture="dense") -> tuple:
    """Validate ``image_shape = (height, width, channels)`` for a builder; return it as a tuple of ints.

    Taught in: 03_vae
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Invalid value received for argument `architecture`. Expected one of {ARCHITECTURES}. "
            f"Received: architecture={architecture!r}. Fix: use 'dense' (fast on a CPU) or 'conv'."
        )
    try:
        shape = tuple(int(d) for d in image_shape) if not isinstance(image_shape, (str, bytes)) else ()
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"`image_shape` must be (height, width, channels) with positive sizes, e.g. (28, 28, 1); "
            f"received image_shape={image_shape!r}. Fix: pass `data.image_shape` of a dataset from "
            f"`ve.data.load`."
        )
    if architecture == "conv" and (shape[0] % 4 or shape[1] % 4):
        raise ValueError(
            f"The 'conv' architecture halves the image twice, so height and width must be multiples of 4 "
            f"(8x8 digits, 28x28 glyphs and 32x32 sprites are); received image_shape={shape}. "
            f"Fix: use architecture='dense' or pad the images."
        )
    return shape


def check_latent_dim(latent_dim) -> int:
    """Validate the number of latent coordinates (an int >= 1).

    Taught in: 03_vae
    """
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(
            f"Invalid value received for argument `latent_dim`. Expected an integer >= 1 (the number of "
            f"latent coordinates z_1..z_d). Received: latent_dim={latent_dim!r}. Fix: use e.g. latent_dim=2 "
            f"to plot the latent space, or 8-32 for better reconstructions."
        )
    return int(latent_dim)


@keras.saving.register_keras_serializable(package="vaegan_edu")
class Sampling(layers.Layer):
    r"""Draw :math:`z \sim \mathcal N(\mu, \mathrm{diag}\,\sigma^2)` with the reparameterisation trick.

    .. math::
        z = \mu + \exp(\tfrac12 \log\sigma^2) \odot \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)

    The noise :math:`\varepsilon` does not depend on the encoder's weights, so gradients flow through
    :math:`\mu` and :math:`\log\sigma^2` (Kingma & Welling, arXiv:1312.6114, section 2.4). The layer owns
    a :class:`keras.random.SeedGenerator`, so a seeded layer draws the same sequence of noise every run.

    Parameters
    ----------
    seed : int or None
        Seed of the layer's generator.

    Call arguments
    --------------
    inputs : tuple ``(mu, log_var)`` of tensors of shape (batch, latent_dim)

    Returns
    -------
    z : tensor of shape (batch, latent_dim)

    Taught in: 03_vae
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_optional_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs):
        mu, log_var = inputs
        epsilon = keras.random.normal(ops.shape(mu), seed=self.seed_generator)  # (batch, latent_dim)
        return mu + ops.exp(0.5 * log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def build_encoder(
    image_shape=(28, 28, 1),
    latent_dim=2,
    architecture="dense",
    hidden_units=(256, 128),
    filters=(32, 64),
    name="encoder",
) -> keras.Model:
    r"""An encoder network :math:`x \mapsto (\mu(x), \log\sigma^2(x))` as a functional Keras model.

    ``"dense"``: flatten, then ReLU layers of ``hidden_units``. ``"conv"``: two stride-2 3x3 convolutions
    with ``filters`` channels (each halves height and width), flatten, then one ReLU layer of
    ``hidden_units[-1]``. Both end in two linear heads of ``latent_dim`` units.

    Parameters
    ----------
    image_shape : (height, width, channels), e.g. (8, 8, 1), (28, 28, 1) or (32, 32, 1)
    latent_dim : int >= 1
    architecture : {"dense", "conv"}
    hidden_units : tuple of int
    filters : tuple of two ints, for "conv"
    name : str

    Returns
    -------
    keras.Model with input (batch, *image_shape) and outputs ``[mu, log_var]``, each (batch, latent_dim)

    Raises
    ------
    ValueError
        For a bad ``image_shape``, ``latent_dim`` or ``architecture``.

    Taught in: 03_vae
    """
    image_shape = check_image_shape(image_shape, architecture)
    latent_dim = check_latent_dim(latent_dim)
    hidden_units = check_int_tuple("hidden_units", hidden_units, (256, 128))
    filters = check_int_tuple("filters", filters, (32, 64), length=2)
    x = keras.Input(shape=image_shape, name="x")
    h = x
    if architecture == "conv":
        for f in filters:
            h = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(h)  # halves H and W
        h = layers.Flatten()(h)
        h = layers.Dense(hidden_units[-1], activation="relu")(h)
    else:
        h = layers.Flatten()(h)  # (batch, height * width * channels)
        for units in hidden_units:
            h = layers.Dense(units, activation="relu")(h)
    mu = layers.Dense(latent_dim, name="mu")(h)  # (batch, latent_dim)
    log_var = layers.Dense(latent_dim, name="log_var")(h)  # (batch, latent_dim)
    return keras.Model(x, [mu, log_var], name=name)


def build_decoder(
    image_shape=(28, 28, 1),
    latent_dim=2,
    architecture="dense",
    hidden_units=(128, 256),
    filters=(64, 32),
    name="decoder",
) -> keras.Model:
    r"""A decoder network :math:`z \mapsto \ell(z)`, the logits of :math:`p(x \mid z)`.

    The mean image is :math:`\hat x = \sigma(\ell)`. ``"dense"``: ReLU layers of ``hidden_units`` then a
    linear layer with one unit per pixel, reshaped to the image. ``"conv"``: a ReLU layer, reshape to a
    quarter-size feature map, two stride-2 transposed convolutions (the last one linear, ``channels``
    filters), mirroring :func:`build_encoder`.

    Parameters
    ----------
    image_shape : (height, width, channels)
    latent_dim : int >= 1
    architecture : {"dense", "conv"}
    hidden_units : tuple of int
    filters : tuple of two ints, for "conv"
    name : str

    Returns
    -------
    keras.Model with input (batch, latent_dim) and output logits (batch, *image_shape)

    Raises
    ------
    ValueError
        For a bad ``image_shape``, ``latent_dim`` or ``architecture``.

    Taught in: 03_vae
    """
    image_shape = check_image_shape(image_shape, architecture)
    latent_dim = check_latent_dim(latent_dim)
    hidden_units = check_int_tuple("hidden_units", hidden_units, (128, 256))
    filters = check_int_tuple("filters", filters, (64, 32), length=2)
    height, width, channels = image_shape
    z = keras.Input(shape=(latent_dim,), name="z")
    if architecture == "conv":
        h = layers.Dense(hidden_units[0], activation="relu")(z)
        h = layers.Dense((height // 4) * (width // 4) * filters[0], activation="relu")(h)
        h = layers.Reshape((height // 4, width // 4, filters[0]))(h)  # (batch, H/4, W/4, filters[0])
        h = layers.Conv2DTranspose(filters[1], 3, strides=2, padding="same", activation="relu")(h)
        logits = layers.Conv2DTranspose(channels, 3, strides=2, padding="same", name="logits")(h)
    else:
        h = z
        for units in hidden_units:
            h = layers.Dense(units, activation="relu")(h)
        h = layers.Dense(height * width * channels, name="logits")(h)
        logits = layers.Reshape(image_shape)(h)  # (batch, height, width, channels)
    return keras.Model(z, logits, name=name)

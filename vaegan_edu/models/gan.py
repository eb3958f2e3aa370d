"""Generative adversarial networks: the networks (MLPs for 2-D points, DCGAN-style for images) and the
:class:`GAN` model that trains them with ``fit()``.

The maths of one training step (losses, packing, gradient penalty) is written here with ``keras.ops``;
only taking gradients needs the backend's autodiff, so the per-backend train steps live in
:mod:`vaegan_edu.models.gan_steps` (TensorFlow, PyTorch and JAX), which only this module imports.

Taught in: 06_gan_game, 07_mode_collapse, 08_gan
"""

from __future__ import annotations

import copy

import keras
import numpy as np
from keras import layers, ops

from vaegan_edu import losses
from vaegan_edu.config import jit_compile_default, steps_per_execution_default
from vaegan_edu.models.gan_steps import gan_train_step, input_gradient, unpack
from vaegan_edu.validation import (
    as_float_array, check_bool, check_finite, check_int_tuple, check_labels, check_nonnegative_number,
    check_optional_seed, check_positive_int, check_positive_number, check_unit_range,
)  # fmt: skip

# === GAN (chapters 06-08) ===


def _check_positive_int(name, value, example):
    return check_positive_int(name, value, example, maximum=2**24)


def _check_num_classes(num_classes):
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(
            "Invalid value received for argument `num_classes`. Expected None (unconditional GAN) or an "
            f"integer >= 2 such as 10 for digits. Received: num_classes={num_classes!r}."
        )
    return int(num_classes)


def _dense(units, spectral_norm, name=None, activation=None):
    layer = layers.Dense(units, activation=activation, name=name)
    # Spectral normalisation (Miyato et al. 2018, arXiv:1802.05957) divides each weight matrix by its
    # largest singular value, estimated by one power iteration per training step. Keras's layer rescales the
    # kernel in place, so unlike the paper no gradient flows through the singular value.
    return layers.SpectralNormalization(layer, name=f"sn_{name}" if name else None) if spectral_norm else layer


def mlp_generator(latent_dim=8, data_dim=2, hidden_units=128, num_hidden=3, num_classes=None, data_scale=1.0,
                  name="generator"):
    r"""A fully connected generator :math:`G(z)` for low-dimensional data (the 2-D toys of chapters 06-07).

    .. math:: x = s \cdot W_L\, \mathrm{ReLU}(\dots \mathrm{ReLU}(W_1 [z; \text{onehot}(y)])), \quad z \sim N(0, I)

    ``data_scale`` :math:`s` lets the network work at unit scale when the data does not (e.g. the 5x5 grid
    spans [-4, 4]).

    Parameters
    ----------
    latent_dim, data_dim, hidden_units, num_hidden : int >= 1
    num_classes : int >= 2 or None
        If given, the generator takes ``[z, labels]`` with integer labels of shape (batch,).
    data_scale : float > 0

    Returns
    -------
    keras.Model mapping (batch, latent_dim) [and (batch,)] to (batch, data_dim)

    Taught in: 06_gan_game
    """
    latent_dim = _check_positive_int("latent_dim", latent_dim, 8)
    data_dim = _check_positive_int("data_dim", data_dim, 2)
    hidden_units = _check_positive_int("hidden_units", hidden_units, 128)
    num_hidden = _check_positive_int("num_hidden", num_hidden, 3)
    num_classes = _check_num_classes(num_classes)
    z_in = keras.Input((latent_dim,), name="z")
    inputs, h = [z_in], z_in
    if num_classes:
        y_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(y_in)
        h = layers.Concatenate()([z_in, layers.CategoryEncoding(num_classes, output_mode="one_hot")(y_in)])
    for i in range(num_hidden):
        h = layers.Dense(hidden_units, activation="relu", name=f"hidden_{i}")(h)
    x = layers.Dense(data_dim, name="out")(h)
    if data_scale != 1.0:
        x = layers.Rescaling(float(data_scale))(x)
    return keras.Model(inputs if num_classes else z_in, x, name=name)


def mlp_discriminator(data_dim=2, hidden_units=128, num_hidden=3, pack=1, num_classes=None, spectral_norm=False,
                      data_scale=1.0, name="discriminator"):
    r"""A fully connected discriminator returning one logit per (packed) example.

    .. math:: D(x) = \sigma(\text{logit}), \quad
              \text{logit} = w^\top \mathrm{LeakyReLU}(\dots W_1 [x_1/s; \dots; x_m/s])

    With packing (PacGAN, Lin et al. 2018, arXiv:1712.04086) the input is ``pack`` = :math:`m` examples
    concatenated, so the discriminator judges sets and can see a lack of diversity.

    Parameters
    ----------
    data_dim, hidden_units, num_hidden, pack : int >= 1
    num_classes : int >= 2 or None
        Conditional discriminator taking ``[x, labels]`` (not combinable with ``pack > 1``).
    spectral_norm : bool
    data_scale : float > 0
        Inputs are divided by it (normalisation inside the model).

    Returns
    -------
    keras.Model mapping (batch, pack * data_dim) [and (batch,)] to (batch, 1)

    Taught in: 06_gan_game
    """
    data_dim = _check_positive_int("data_dim", data_dim, 2)
    hidden_units = _check_positive_int("hidden_units", hidden_units, 128)
    num_hidden = _check_positive_int("num_hidden", num_hidden, 3)
    pack = _check_positive_int("pack", pack, 2)
    num_classes = _check_num_classes(num_classes)
    _check_pack_conditional(pack, num_classes)
    x_in = keras.Input((pack * data_dim,), name="x")
    inputs, h = [x_in], x_in
    if data_scale != 1.0:
        h = layers.Rescaling(1.0 / float(data_scale))(h)
    if num_classes:
        y_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(y_in)
        h = layers.Concatenate()([h, layers.CategoryEncoding(num_classes, output_mode="one_hot")(y_in)])
    for i in range(num_hidden):
        h = _dense(hidden_units, spectral_norm, name=f"hidden_{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    logit = _dense(1, spectral_norm, name="logit")(h)
    return keras.Model(inputs if num_classes else x_in, logit, name=name)


def dcgan_generator(latent_dim=64, image_shape=(28, 28, 1), width=32, num_classes=None, name="generator",
                    output="image", strides=(2, 2)):
    r"""A DCGAN-style generator (Radford et al. 2015, arXiv:1511.06434) for 28x28 or 32x32 images.

    Dense to a (h/4, w/4, 2*width) map, then two stride-2 transposed convolutions with batch normalisation;
    a sigmoid output matches images in [0, 1]. ``strides=(1, 2)`` makes the first transposed convolution keep
    the map's size, for images whose sides are even but not multiples of 4 (14x14 glyphs: 7 -> 7 -> 14, as the
    TensorFlow DCGAN tutorial does for 28x28). With ``output="logits"`` the same network stops before the
    sigmoid: chapter 09 uses it as a VAE's decoder (whose mean image is the sigmoid of its logits), so the
    VAE and the GAN generate with one and the same network.

    .. math:: x = \sigma(\mathrm{ConvT}(\mathrm{ReLU}(\mathrm{BN}(\mathrm{ConvT}(\dots W [z; \text{onehot}(y)])))))

    Parameters
    ----------
    latent_dim, width : int >= 1
    image_shape : tuple (height, width, channels), height and width divisible by the product of ``strides``
    num_classes : int >= 2 or None
    output : {"image", "logits"}
    strides : (int, int), each 1 or 2
        The two transposed convolutions' strides, in order.

    Returns
    -------
    keras.Model mapping (batch, latent_dim) [and (batch,)] to (batch, *image_shape)

    Taught in: 08_gan, 09_vae_vs_gan
    """
    if output not in ("image", "logits"):
        raise ValueError(f"`output` must be 'image' (a GAN's generator) or 'logits' (a VAE's decoder); "
                         f"received output={output!r}.")  # fmt: skip
    latent_dim = _check_positive_int("latent_dim", latent_dim, 64)
    width = _check_positive_int("width", width, 32)
    num_classes = _check_num_classes(num_classes)
    strides = _check_strides(strides)
    height, wide, channels = _check_image_shape(image_shape, strides)
    base_h, base_w = height // (strides[0] * strides[1]), wide // (strides[0] * strides[1])
    z_in = keras.Input((latent_dim,), name="z")
    inputs, h = [z_in], z_in
    if num_classes:
        y_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(y_in)
        h = layers.Concatenate()([z_in, layers.CategoryEncoding(num_classes, output_mode="one_hot")(y_in)])
    h = layers.Dense(base_h * base_w * 2 * width, use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Reshape((base_h, base_w, 2 * width))(h)  # (batch, h/4, w/4, 2 width) with strides (2, 2)
    h = layers.Conv2DTranspose(width, 4, strides=strides[0], padding="same", use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))  # (batch, h/2, w/2, width)
    activation = "sigmoid" if output == "image" else None
    x = layers.Conv2DTranspose(channels, 4, strides=strides[1], padding="same", activation=activation)(h)
    return keras.Model(inputs if num_classes else z_in, x, name=name)  # (batch, h, w, channels)


def dcgan_discriminator(image_shape=(28, 28, 1), width=32, pack=1, num_classes=None, spectral_norm=False,
                        name="discriminator", strides=(2, 2), hidden=None):
    r"""A DCGAN-style discriminator: two stride-2 convolutions with LeakyReLU, then one logit.

    No batch normalisation, so the same network also serves as a WGAN-GP critic (the penalty is per
    example, which batch statistics would break; Gulrajani et al. 2017). With ``pack`` :math:`m`, the
    :math:`m` images are stacked along the channel axis (PacGAN). A conditional discriminator receives the
    label as an extra learnt image channel.

    Parameters
    ----------
    image_shape : tuple (height, width, channels), height and width divisible by the product of ``strides``
    width, pack : int >= 1
    num_classes : int >= 2 or None
    spectral_norm : bool
    strides : (int, int), each 1 or 2
        The two convolutions' strides, in order: ``(2, 1)`` mirrors a generator built with ``(1, 2)``
        (14x14 -> 7x7 -> 7x7).
    hidden : int >= 1 or None
        None (DCGAN): the logit is linear in the flattened features :math:`h`. An int :math:`k` puts one dense
        layer of :math:`k` units with LeakyReLU(0.2) between them, :math:`\mathrm{logit} = w^\top
        \mathrm{LReLU}(W h + b) + c`: with :math:`k = 2 \times` ``latent_dim`` the discriminator has the capacity
        of :func:`dcgan_encoder` (whose two heads map :math:`h` to :math:`2 \times` ``latent_dim`` numbers): the
        same parameters plus the last layer's :math:`k + 1` (``make_twins(matched=True)``).

    Returns
    -------
    keras.Model mapping (batch, h, w, pack * channels) [and (batch,)] to (batch, 1)

    Taught in: 08_gan
    """
    width = _check_positive_int("width", width, 32)
    hidden = _check_hidden(hidden)
    pack = _check_positive_int("pack", pack, 2)
    num_classes = _check_num_classes(num_classes)
    _check_pack_conditional(pack, num_classes)
    strides = _check_strides(strides)
    height, wide, channels = _check_image_shape(image_shape, strides)
    x_in = keras.Input((height, wide, pack * channels), name="x")
    inputs, h = [x_in], x_in
    if num_classes:
        y_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(y_in)
        label_map = layers.Reshape((height, wide, 1))(layers.Embedding(num_classes, height * wide)(y_in))
        h = layers.Concatenate()([x_in, label_map])  # (batch, h, w, channels + 1)
    h = _dcgan_trunk(h, width, spectral_norm, strides)  # (batch, h/4 * w/4 * 2 width) with strides (2, 2)
    if hidden is not None:
        h = layers.LeakyReLU(0.2)(_dense(hidden, spectral_norm, name="hidden")(h))  # (batch, hidden)
    logit = _dense(1, spectral_norm, name="logit")(h)
    return keras.Model(inputs if num_classes else x_in, logit, name=name)


def _dcgan_trunk(h, width, spectral_norm=False, strides=(2, 2)):
    """The DCGAN discriminator's body: two 4x4 convolutions (stride 2 by default) with LeakyReLU(0.2), flattened."""
    for i, (filters, stride) in enumerate(zip((width, 2 * width), strides)):
        conv = layers.Conv2D(filters, 4, strides=stride, padding="same", name=f"conv_{i}")
        h = layers.LeakyReLU(0.2)((layers.SpectralNormalization(conv) if spectral_norm else conv)(h))
    return layers.Flatten()(h)


def dcgan_encoder(latent_dim=64, image_shape=(28, 28, 1), width=32, name="encoder", strides=(2, 2)):
    r"""A VAE encoder that mirrors :func:`dcgan_discriminator`: the same two convolutions, then two linear heads.

    .. math:: x \mapsto \big(\mu(x), \log\sigma^2(x)\big) = (W_\mu h, W_\sigma h), \quad
        h = \mathrm{flatten}(\mathrm{LReLU}(\mathrm{Conv}(\mathrm{LReLU}(\mathrm{Conv}(x)))))

    where the discriminator ends in one logit :math:`w^\top h`. With :func:`dcgan_generator` (``output="logits"``)
    as decoder it makes chapter 09's VAE the GAN's twin (:func:`vaegan_edu.models.make_twins`).

    Parameters
    ----------
    latent_dim, width : int >= 1
    image_shape : tuple (height, width, channels), height and width divisible by the product of ``strides``
    strides : (int, int), each 1 or 2
        The two convolutions' strides, as for :func:`dcgan_discriminator` (``(2, 1)`` for 14x14 images).

    Returns
    -------
    keras.Model mapping (batch, *image_shape) to ``[mu, log_var]``, each (batch, latent_dim)

    Taught in: 09_vae_vs_gan
    """
    latent_dim = _check_positive_int("latent_dim", latent_dim, 64)
    width = _check_positive_int("width", width, 32)
    strides = _check_strides(strides)
    height, wide, channels = _check_image_shape(image_shape, strides)
    x_in = keras.Input((height, wide, channels), name="x")
    h = _dcgan_trunk(x_in, width, strides=strides)
    mu = layers.Dense(latent_dim, name="mu")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(x_in, [mu, log_var], name=name)


def _check_hidden(hidden):
    """None, or the positive number of units of the discriminator's hidden dense layer."""
    if hidden is None:
        return None
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise ValueError(f"Invalid value received for argument `hidden`. Expected None (DCGAN: a linear logit) or the "
                         f"units of one hidden dense layer, an integer >= 1 such as 128 (2 x latent_dim: the "
                         f"encoder's capacity). Received: hidden={hidden!r}.")  # fmt: skip
    return int(hidden)


def _check_strides(strides):
    """The two strides of a DCGAN network, each 1 or 2, as a tuple of ints."""
    pair = isinstance(strides, (tuple, list)) and len(strides) == 2
    if not pair or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s in (1, 2)
                           for s in strides):  # fmt: skip
        raise ValueError(f"Invalid value received for argument `strides`. Expected two strides, each 1 or 2: (2, 2) "
                         f"for 28x28 images, (1, 2) for a 14x14 generator. Received: strides={strides!r}.")  # fmt: skip
    return tuple(int(s) for s in strides)


def _check_image_shape(image_shape, strides=(2, 2)):
    factor = strides[0] * strides[1]
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if (shape is None or len(shape) != 3 or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in shape)
            or shape[0] % factor or shape[1] % factor):  # fmt: skip
        hint = " (or strides=(1, 2) for sides divisible by 2 only, such as 14x14)" if factor == 4 else ""
        raise ValueError(
            "Invalid value received for argument `image_shape`. Expected (height, width, channels) with "
            f"height and width divisible by {factor} (the product of strides={strides}){hint}, such as (28, 28, 1). "
            f"Received: image_shape={image_shape!r}."
        )
    return tuple(int(s) for s in shape)


def _check_pack_conditional(pack, num_classes):
    if pack > 1 and num_classes:
        raise ValueError(
            f"Packing (pack={pack}) and a conditional GAN (num_classes={num_classes}) cannot be combined here: "
            "a packed input would mix labels. Fix: use pack=1 or num_classes=None."
        )


def pack_samples(x, pack):
    r"""Group ``pack`` consecutive examples into one discriminator input (PacGAN, Lin et al. 2018).

    Vectors (batch, d) become (batch / m, m * d); images (batch, h, w, c) become (batch / m, h, w, m * c).
    A batch whose size is not a multiple of ``pack`` loses its last ``batch % pack`` examples.

    Parameters
    ----------
    x : tensor of shape (batch, d) or (batch, h, w, c)
    pack : int >= 1

    Returns
    -------
    tensor of shape (batch // pack, pack * d) or (batch // pack, h, w, pack * c)

    Taught in: 07_mode_collapse
    """
    if not hasattr(x, "shape"):  # a list or a number: NumPy first, so a list of points works like an array
        x = as_float_array("x", x)
    if len(x.shape) not in (2, 4):
        raise ValueError(f"`x` must have shape (batch, d) or (batch, h, w, c); received shape {tuple(x.shape)}.")
    pack = _check_positive_int("pack", pack, 2)
    if pack == 1:
        return x
    if x.shape[0] is not None and x.shape[0] < pack:
        raise ValueError(f"`x` holds {x.shape[0]} example(s), fewer than `pack`={pack}: packing would leave no "
                         f"discriminator input. Pass at least {pack} examples, or a smaller pack.")  # fmt: skip
    n = (ops.shape(x)[0] // pack) * pack
    x = x[:n]
    if len(x.shape) == 2:
        return ops.reshape(x, (-1, pack * x.shape[1]))
    h, w, c = x.shape[1:]
    x = ops.reshape(x, (-1, pack, h, w, c))
    x = ops.transpose(x, (0, 2, 3, 1, 4))  # (batch / pack, h, w, pack, c)
    return ops.reshape(x, (-1, h, w, pack * c))


class GANOptimizers:
    """The GAN's two optimizers where Keras's trainer expects one ``model.optimizer``.

    Keras's JAX trainer hands ``model.optimizer.variables`` to the stateless train step and writes the
    returned values back after each epoch; listing both optimizers' variables here (discriminator's first)
    makes their state (Adam's moments, step counters) travel that way. The other backends update the
    optimizers in place and only read ``variables`` for ``model.summary()``.
    """

    built = True

    def __init__(self, d_optimizer, g_optimizer):
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def variables(self):
        return self.d_optimizer.variables + self.g_optimizer.variables

    def build(self, variables):
        """Nothing to do: :meth:`GAN.compile` builds each optimizer on its own network."""


@keras.saving.register_keras_serializable(package="vaegan_edu")
class GAN(keras.Model):
    r"""A generator and a discriminator trained against each other (Goodfellow et al. 2014, arXiv:1406.2661).

    .. math::
        \min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)]
                              + \mathbb{E}_{z \sim N(0, I)}[\log(1 - D(G(z)))]

    One ``train_step`` (see :mod:`vaegan_edu.training`) does, in this order:
    1. ``d_steps`` times: sample :math:`z`, generate, pack, take one discriminator step on
       :func:`~vaegan_edu.losses.gan_discriminator_loss` (+ ``gp_weight`` x gradient penalty for
       ``"wasserstein_gp"``);
    2. sample a fresh :math:`z` and take one generator step on :func:`~vaegan_edu.losses.gan_generator_loss`;
    3. update the trackers ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake``: the mean of :math:`D(x)` and
       :math:`D(G(z))` (probabilities) for the cross-entropy losses, the mean raw critic score for
       ``"wasserstein_gp"`` and ``"hinge"``.

    Parameters
    ----------
    generator, discriminator : keras.Model or None
        Networks to train. ``None`` builds them from the settings below: MLPs when ``data_shape`` has one
        axis (:func:`mlp_generator`, :func:`mlp_discriminator`), DCGAN networks for images.
    latent_dim : int >= 1
    data_shape : tuple
        ``(d,)`` for points, ``(h, w, c)`` for images.
    num_classes : int >= 2 or None
        Class-conditional GAN: ``fit(x, labels)``; generator and discriminator receive the labels.
    d_steps : int >= 1
        Discriminator steps per generator step (on the same real batch, as in keras-io's WGAN-GP example).
    pack : int >= 1
        PacGAN packing degree.
    label_smoothing : float in [0, 0.5)
        One-sided label smoothing for the cross-entropy losses.
    gp_weight : float >= 0
        :math:`\lambda` of the WGAN-GP penalty (Gulrajani et al. use 10).
    hidden_units, num_hidden, width, spectral_norm, data_scale
        Used only when building the networks.
    seed : int or None
        Seed of the model's own random stream (latent samples); None derives it from the global seed.

    Backends: trains with ``fit()`` on TensorFlow, PyTorch and JAX; a test checks that all three make the same
    updates from the same weights and random draws.

    Examples
    --------
    >>> gan = GAN(latent_dim=4, data_shape=(2,))
    >>> gan.compile(loss="non_saturating")
    >>> gan.generate(3).shape
    (3, 2)

    Taught in: 06_gan_game
    """

    def __init__(self, generator=None, discriminator=None, latent_dim=8, data_shape=(2,), num_classes=None,
                 d_steps=1, pack=1, label_smoothing=0.0, gp_weight=10.0, hidden_units=128, num_hidden=3,
                 width=32, spectral_norm=False, data_scale=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = _check_positive_int("latent_dim", latent_dim, 8)
        self.data_shape = check_int_tuple("data_shape", data_shape, "(2,) or (28, 28, 1)")
        if len(self.data_shape) not in (1, 3):
            raise ValueError(
                "Invalid value received for argument `data_shape`. Expected (d,) for points or "
                f"(height, width, channels) for images. Received: data_shape={data_shape!r}."
            )
        self.num_classes = _check_num_classes(num_classes)
        self.d_steps = _check_positive_int("d_steps", d_steps, 5)
        self.pack = _check_positive_int("pack", pack, 2)
        _check_pack_conditional(self.pack, self.num_classes)
        if not check_nonnegative_number("label_smoothing", label_smoothing, 0.1) < 0.5:
            raise ValueError(
                "Invalid value received for argument `label_smoothing`. Expected a float in [0, 0.5). "
                f"Received: label_smoothing={label_smoothing!r}."
            )
        self.label_smoothing = float(label_smoothing)
        self.gp_weight = check_nonnegative_number("gp_weight", gp_weight, 10.0)
        self.hidden_units = _check_positive_int("hidden_units", hidden_units, 128)
        self.num_hidden = _check_positive_int("num_hidden", num_hidden, 3)
        self.width = _check_positive_int("width", width, 32)
        self.spectral_norm = check_bool("spectral_norm", spectral_norm)
        self.data_scale = float(check_positive_number("data_scale", data_scale, 1.0))
        self.seed = seed = check_optional_seed(seed)
        points = len(self.data_shape) == 1
        if generator is None:
            generator = (
                mlp_generator(self.latent_dim, self.data_shape[0], self.hidden_units, self.num_hidden,
                              self.num_classes, self.data_scale)
                if points else dcgan_generator(self.latent_dim, self.data_shape, self.width, self.num_classes)
            )
        if discriminator is None:
            discriminator = (
                mlp_discriminator(self.data_shape[0], self.hidden_units, self.num_hidden, self.pack,
                                  self.num_classes, self.spectral_norm, self.data_scale)
                if points else dcgan_discriminator(self.data_shape, self.width, self.pack, self.num_classes,
                                                   self.spectral_norm)
            )
        self.generator, self.discriminator = generator, discriminator
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_name = None
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # both networks are built functional models

    # --- Keras plumbing ---------------------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating", jit_compile=None,
                steps_per_execution=None, **kwargs):  # fmt: skip
        """Set the two optimizers (Adam(2e-4, beta_1=0.5) each by default, as in DCGAN) and the loss variant.

        ``loss`` is one of ``"minimax"`` (saturating generator loss), ``"non_saturating"``,
        ``"wasserstein_gp"``, ``"hinge"``. ``None`` for ``jit_compile`` or ``steps_per_execution`` means the
        package's default (:func:`vaegan_edu.config.jit_compile_default`,
        :func:`vaegan_edu.config.steps_per_execution_default`: 10 on TensorFlow, 1 elsewhere). Other keyword
        arguments go to :meth:`keras.Model.compile`.
        """
        if jit_compile is None:
            jit_compile = jit_compile_default()
        if steps_per_execution is None:
            steps_per_execution = steps_per_execution_default()
        super().compile(jit_compile=jit_compile, steps_per_execution=steps_per_execution, **kwargs)
        self.loss_name = losses._check_gan_loss(loss)
        if self.label_smoothing and loss not in ("minimax", "non_saturating"):
            raise ValueError(
                f"This GAN was built with label_smoothing={self.label_smoothing}, which only applies to the "
                f"cross-entropy losses; received loss={loss!r}. Fix: build it with label_smoothing=0.0."
            )
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.optimizer = GANOptimizers(self.d_optimizer, self.g_optimizer)  # replaces compile()'s unused RMSprop

    def get_compile_config(self):
        if self.loss_name is None:  # never compiled: nothing to restore
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "loss": self.loss_name,
        }

    def compile_from_config(self, config):
        if not config:
            return
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            loss=config["loss"],
        )

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim, data_shape=list(self.data_shape), num_classes=self.num_classes,
            d_steps=self.d_steps, pack=self.pack, label_smoothing=self.label_smoothing,
            gp_weight=self.gp_weight, hidden_units=self.hidden_units, num_hidden=self.num_hidden,
            width=self.width, spectral_norm=self.spectral_norm, data_scale=self.data_scale, seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialisation consumes nested dicts
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    def call(self, inputs, training=False):
        """The generator: ``gan(z)`` or ``gan([z, labels])`` for a conditional GAN."""
        return self.generator(inputs, training=training)

    def check_data(self, x, labels=None, name="x"):
        """Validate training or scoring data for this GAN; return ``(x, labels)`` as float32 / int32 NumPy.

        ``x`` must have shape (n, *data_shape) and be finite (images also in [0, 1], what the generator's
        sigmoid can produce); a conditional GAN needs one label in [0, num_classes) per example, an
        unconditional one refuses labels.
        """
        raw_dtype = getattr(x, "dtype", None)
        x = as_float_array(name, x)
        if x.shape[1:] != self.data_shape or len(x) == 0:
            hint = f" Add a batch axis with `{name}[None]`." if x.shape == self.data_shape else ""
            raise ValueError(
                f"`{name}` must have shape (n, {', '.join(map(str, self.data_shape))}) with n >= 1 for this GAN "
                f"(data_shape={self.data_shape}); received shape {x.shape}.{hint}"
            )
        check_finite(name, x)
        if len(self.data_shape) == 3:
            check_unit_range(name, x, raw_dtype)
        if self.num_classes:
            labels = check_labels("labels", labels, len(x), self.num_classes)
        elif labels is not None:
            raise ValueError("This GAN is unconditional (num_classes=None): do not pass `labels`. Fix: drop them, or "
                             "build GAN(num_classes=...) for a conditional GAN.")  # fmt: skip
        return x, labels

    def fit(self, x=None, y=None, *args, nan_guard=True, **kwargs):
        """:meth:`keras.Model.fit` on real data ``x`` (and ``y`` = labels for a conditional GAN), checked first.

        The data is checked before Keras traces anything (a refused call leaves the model usable), and by default
        (``nan_guard=True``) a :class:`vaegan_edu.training.NaNGuard` stops training at the first non-finite loss
        with a message saying which loss diverged, when, and what to try. ``nan_guard=False`` opts out.
        """
        from vaegan_edu.models.vae import _check_fit_sizes, _is_pipeline, _with_nan_guard

        if self.loss_name is None:
            raise RuntimeError("Compile the GAN before fitting it: `gan.compile(loss='non_saturating')`.")
        if not _is_pipeline(x):
            x, y = self.check_data(x, y)
        kwargs = _with_nan_guard(_check_fit_sizes(kwargs), nan_guard)
        return super().fit(x, y, *args, **kwargs)

    # --- the maths of one step (backend-agnostic) ------------------------------------------------------
    def sample_latent(self, batch_size):
        """Draw :math:`z \\sim N(0, I)` of shape (batch_size, latent_dim) from the model's seed generator."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def _generate(self, z, labels, training):
        return self.generator([z, labels] if self.num_classes else z, training=training)

    def _logits(self, x, labels, training):
        x = pack_samples(x, self.pack)
        return self.discriminator([x, labels] if self.num_classes else x, training=training)

    def _scores(self, logits):
        """D as a probability for the cross-entropy losses, the raw critic score otherwise."""
        return ops.sigmoid(logits) if self.loss_name in ("minimax", "non_saturating") else logits

    def discriminator_objective(self, real, labels, input_gradient=None):
        """Discriminator loss on one batch, with mean D(x) and D(G(z)).

        ``input_gradient(fn, x)`` (from :mod:`vaegan_edu.models.gan_steps`) computes the WGAN-GP penalty's input
        gradient; with None the penalty is left out (evaluation)."""
        batch_size = ops.shape(real)[0]
        fake = self._generate(self.sample_latent(batch_size), labels, training=True)
        # One discriminator call on real and generated data together: one forward pass instead of two, and
        # layers with state updated in training mode (spectral normalisation's power iteration) update once.
        packed_real, packed_fake = pack_samples(real, self.pack), pack_samples(fake, self.pack)
        both = ops.concatenate([packed_real, packed_fake], axis=0)
        inputs = [both, ops.concatenate([labels, labels], axis=0)] if self.num_classes else both
        logits = self.discriminator(inputs, training=True)
        n_real = ops.shape(packed_real)[0]
        real_logits, fake_logits = logits[:n_real], logits[n_real:]
        d_loss = losses.gan_discriminator_loss(real_logits, fake_logits, self.loss_name, self.label_smoothing)
        if self.loss_name == "wasserstein_gp" and self.gp_weight and input_gradient is not None:
            eps = keras.random.uniform((batch_size,), seed=self.seed_generator)
            x_hat = losses.interpolate(real, fake, eps)
            # training=False: the penalty pass must not run spectral normalisation's power iteration a second
            # time (an in-place update that PyTorch's autograd rejects); our discriminators have no batch norm,
            # so both modes compute the same function.
            grads = input_gradient(lambda x: self._logits(x, labels, training=False), x_hat)
            d_loss = d_loss + self.gp_weight * losses.gradient_penalty_from_gradients(grads)
        return d_loss, ops.mean(self._scores(real_logits)), ops.mean(self._scores(fake_logits))

    def generator_objective(self, batch_size, labels):
        """Generator loss on a fresh batch of latent samples."""
        fake = self._generate(self.sample_latent(batch_size), labels, training=True)
        return losses.gan_generator_loss(self._logits(fake, labels, training=True), self.loss_name)

    def train_step(self, *args):
        # JAX's trainer calls train_step(state, data) and expects (logs, state) back; the others train_step(data).
        return gan_train_step(self, args[-1], state=args[0] if len(args) == 2 else None)

    def test_step(self, data):
        real, labels = unpack(data)
        d_loss, d_real, d_fake = self.discriminator_objective(real, labels)
        g_loss = self.generator_objective(ops.shape(real)[0], labels)
        return self.update_trackers(d_loss, g_loss, d_real, d_fake)

    def update_trackers(self, d_loss, g_loss, d_real, d_fake):
        """Update the four trackers and return their current means."""
        for tracker, value in zip(self.metrics, (d_loss, g_loss, d_real, d_fake)):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}

    # --- using a trained GAN (NumPy in, NumPy out) -------------------------------------------------------
    def generate(self, num_samples=None, z=None, labels=None, batch_size=1024):
        """Generated samples as a NumPy array: from ``z`` if given, else from ``num_samples`` fresh draws.

        Returns
        -------
        np.ndarray of shape (num_samples, *data_shape)
        """
        if z is None:
            if num_samples is None:
                raise ValueError("Pass either `num_samples` (an int such as 1000) or `z` of shape (n, latent_dim).")
            num_samples = check_positive_int("num_samples", num_samples, 1000, maximum=10**7)
            z = ops.convert_to_numpy(self.sample_latent(num_samples))
        z = as_float_array("z", z)
        if z.ndim != 2 or z.shape[1] != self.latent_dim or len(z) == 0:
            raise ValueError(
                f"`z` must have shape (n, latent_dim) = (n, {self.latent_dim}) with n >= 1; received shape {z.shape}. "
                "Fix: draw it with np.random.default_rng(seed).normal(size=(n, gan.latent_dim))."
            )
        check_finite("z", z)
        batch_size = check_positive_int("batch_size", batch_size, 1024)
        if not self.num_classes and labels is not None:
            raise ValueError("This GAN is unconditional (num_classes=None): do not pass `labels`.")
        if self.num_classes:
            labels = check_labels("labels", labels, len(z), self.num_classes)
            return _in_batches(lambda i: self.generator([z[i], labels[i]], training=False), len(z), batch_size)
        return _in_batches(lambda i: self.generator(z[i], training=False), len(z), batch_size)

    def discriminate(self, x, labels=None, batch_size=4096):
        """The discriminator's D(x) (probability) or critic score per example, as a NumPy array (n,).

        With packing, each example is judged as a pack of ``pack`` copies of itself (a convention for
        drawing the decision surface; the packed discriminator never sees such packs in training).
        """
        x = as_float_array("x", x)
        if x.shape[1:] != self.data_shape or len(x) == 0:
            raise ValueError(
                f"`x` must have shape (n, {', '.join(map(str, self.data_shape))}) with n >= 1; received shape {x.shape}."
            )
        check_finite("x", x)
        batch_size = check_positive_int("batch_size", batch_size, 4096)
        if self.pack > 1:
            x = np.concatenate([x] * self.pack, axis=-1)
        if not self.num_classes and labels is not None:
            raise ValueError("This GAN is unconditional (num_classes=None): do not pass `labels`.")
        if self.num_classes:
            labels = check_labels("labels", labels, len(x), self.num_classes)
            logits = _in_batches(lambda i: self.discriminator([x[i], labels[i]], training=False), len(x), batch_size)
        else:
            logits = _in_batches(lambda i: self.discriminator(x[i], training=False), len(x), batch_size)
        return ops.convert_to_numpy(self._scores(logits[:, 0]))


def _in_batches(fn, n, batch_size):
    """Concatenate ``fn(batch_slice)`` over slices of n rows, as NumPy. Plain calls rather than ``predict``:
    no compiled function per model, so chapters that build many small models do not retrace."""
    return np.concatenate([ops.convert_to_numpy(fn(slice(i, i + batch_size))) for i in range(0, n, batch_size)])



def decision_surface(gan, lim=1.5, grid_size=100):
    r"""The discriminator's output on a square grid, for drawing its decision surface in 2-D.

    .. math:: S_{rc} = D((a_c, a_r)), \qquad a = \mathrm{linspace}(-\text{lim}, \text{lim}, \text{grid\_size})

    Parameters
    ----------
    gan : GAN with ``data_shape == (2,)``
    lim : float > 0
    grid_size : int >= 2

    Returns
    -------
    (a, S) : axis values (grid_size,) and D on the grid (grid_size, grid_size), rows along the y axis

    Taught in: 07_mode_collapse
    """
    if gan.data_shape != (2,):
        raise ValueError(f"decision_surface needs a GAN on 2-D points; this one has data_shape={gan.data_shape}.")
    grid_size = check_positive_int("grid_size", grid_size, 100, maximum=4096)
    lim = check_positive_number("lim", lim, 1.5)
    a = np.linspace(-lim, lim, grid_size, dtype="float32")
    xx, yy = np.meshgrid(a, a)
    values = gan.discriminate(np.stack([xx.ravel(), yy.ravel()], axis=1))
    return a, values.reshape(grid_size, grid_size)


def generator_sample_gradients(gan, z):
    r"""Where the generator's loss pushes each of its samples: :math:`-\nabla_{x} L_G` at :math:`x = G(z)`.

    .. math:: v_i = -\frac{\partial}{\partial x_i} \sum_j \ell_G(D(x_j)), \qquad x_i = G(z_i)

    The generator's parameters move so that its samples follow these arrows (chain rule through
    :math:`G`), which is what chapter 07's live view draws.

    Parameters
    ----------
    gan : compiled vaegan_edu.models.GAN (unconditional)
    z : array (n, latent_dim)

    Returns
    -------
    (x, v) : NumPy arrays (n, *data_shape): the samples and the descent directions

    Taught in: 07_mode_collapse
    """
    x = gan.generate(z=z)
    n = len(x)

    def total_loss(t):
        logits = gan.discriminator(pack_samples(t, gan.pack), training=False)
        return losses.gan_generator_loss(logits, gan.loss_name) * (n // gan.pack)

    grad = ops.convert_to_numpy(input_gradient(total_loss, x))
    return x, -grad

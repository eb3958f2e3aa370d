"""Factories of the book's compiled GANs: the DCGAN on digits (chapter 08), its stability variants (chapter
10), the small GAN on 2-D points (chapters 06-07), each with the optimizer settings the book measured, and the
VAE/GAN twins of chapter 09 (one generator network for both; with ``matched=True`` an encoder and a discriminator of
the same capacity).

Taught in: 06_gan_game, 07_mode_collapse, 08_gan, 09_vae_vs_gan, 10_student_questions
"""

from __future__ import annotations

import numbers

import keras

from vaegan_edu import config
from vaegan_edu.validation import check_bool, check_positive_number
from vaegan_edu.models.gan import GAN, dcgan_discriminator, dcgan_encoder, dcgan_generator
from vaegan_edu.models.vae import VAE

DCGAN_LATENT_DIM = 64  # latent size of the book's DCGANs
DCGAN_WIDTH = 32  # filters of the first discriminator layer / last generator layer
DCGAN_LEARNING_RATE = 2e-4  # Adam's step size for both networks (Radford et al. 2015)
DCGAN_BETA_1 = 0.5  # Adam's first-moment decay for GANs (Radford et al. 2015)


def make_dcgan(image_shape=(28, 28, 1), conditional=False, loss="non_saturating", seed=None,
               learning_rate=DCGAN_LEARNING_RATE, jit_compile=None, **gan_kwargs):  # fmt: skip
    """The book's DCGAN on digits, compiled with Adam(learning_rate, beta_1=0.5) for both networks.

    The default learning rate, 2e-4, is the DCGAN paper's (Radford et al. 2015) and suits minutes of training.
    ``jit_compile`` goes to :meth:`vaegan_edu.models.GAN.compile` (None: the package's default).

    ``gan_kwargs`` (``label_smoothing``, ``spectral_norm``, ``d_steps`` ...) go to
    :class:`vaegan_edu.models.GAN`, so a stability trick is one keyword away. A ``seed`` also seeds Keras's
    global random state (:func:`vaegan_edu.config.set_seed`) before building, so the same seed gives the same
    weights in any process, whatever ran before (chapter 08's live model is then a ``tricks`` baseline from a seed of its own).

    Taught in: 08_gan
    """
    if seed is not None:
        config.set_seed(seed)
    gan = GAN(latent_dim=DCGAN_LATENT_DIM, data_shape=image_shape, width=DCGAN_WIDTH,
              num_classes=10 if conditional else None, seed=seed, **gan_kwargs)  # fmt: skip
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=DCGAN_BETA_1),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=DCGAN_BETA_1),
                loss=loss, jit_compile=jit_compile)  # fmt: skip
    return gan


GAN_2D_LEARNING_RATE = 1e-3  # Adam's step size for the small 2-D GANs of chapters 06-07 (measured in bench_gan.py)
GAN_2D_BETA_1 = 0.5  # Adam's first-moment decay, as for the DCGAN
GAN_2D_BATCH_SIZE = 512  # large batches: cheap for 2-D MLPs and steadier mode coverage
SGD_MOMENTUM = 0.9  # the heavy-ball decay of ``optimizer="momentum"``


def _step_rule(optimizer: str, beta_1: float, beta_2: float):
    """``rate -> optimizer``: plain SGD, SGD with momentum 0.9 (``"momentum"``: heavy-ball, v <- 0.9 v - rate g,
    as Goodfellow et al. 2014 trained the first GANs), or Adam with the given decays (chapter 06 compares them:
    SGD's step follows the gradient's size, with or without momentum; Adam's does not)."""
    if optimizer not in ("adam", "sgd", "momentum"):
        raise ValueError(f"`optimizer` must be 'adam', 'sgd' or 'momentum'; received optimizer={optimizer!r}.")
    if optimizer == "sgd":
        return keras.optimizers.SGD
    if optimizer == "momentum":
        return lambda rate: keras.optimizers.SGD(rate, momentum=SGD_MOMENTUM)
    return lambda rate: keras.optimizers.Adam(rate, beta_1=beta_1, beta_2=beta_2)


def make_gan_2d(loss="non_saturating", lr=GAN_2D_LEARNING_RATE, data_scale=1.0, seed=None, jit_compile=None,
                optimizer="adam", beta_2=0.999, **gan_kwargs):  # fmt: skip
    """The book's GAN on 2-D points: MLPs of 3 x 128 units, 8-D latent, Adam(lr, beta_1=0.5, beta_2) for both.

    ``optimizer="sgd"`` gives both networks plain gradient descent with step size ``lr`` instead (chapter 06
    compares them: Adam's step does not depend on the gradient's scale, SGD's does). ``beta_2`` is Adam's
    second-moment decay (WGAN-GP's authors use 0.9).
    ``gan_kwargs`` (``pack``, ``d_steps``, ``spectral_norm`` ...) go to :class:`vaegan_edu.models.GAN`.
    On TensorFlow it runs ten steps per call into the compiled graph (the package's default
    ``steps_per_execution``: the networks are so small that Python overhead would otherwise dominate).
    ``jit_compile`` goes to :meth:`vaegan_edu.models.GAN.compile` (None: the package's default).
    A ``seed`` also seeds Keras's global random state (:func:`vaegan_edu.config.set_seed`) before building, so
    the same seed gives the same weights in any process.

    Taught in: 06_gan_game
    """
    lr = check_positive_number("lr", lr, GAN_2D_LEARNING_RATE)
    if isinstance(beta_2, bool) or not isinstance(beta_2, (int, float)) or not 0.0 <= beta_2 < 1.0:
        raise ValueError(f"`beta_2` must be a number in [0, 1) such as 0.9; received beta_2={beta_2!r}.")
    step_rule = _step_rule(optimizer, GAN_2D_BETA_1, beta_2)

    def make():
        return step_rule(lr)

    if seed is not None:
        config.set_seed(seed)
    gan = GAN(latent_dim=8, data_shape=(2,), hidden_units=128, num_hidden=3, data_scale=data_scale, seed=seed,
              **gan_kwargs)  # fmt: skip
    gan.compile(d_optimizer=make(), g_optimizer=make(), loss=loss, jit_compile=jit_compile)
    return gan


def make_gan_variant(image_shape=(28, 28, 1), seed: int = 0, loss: str = "non_saturating",
                     learning_rate: float | None = None, spectral_norm: bool = False,
                     d_learning_rate: float | None = None, g_learning_rate: float | None = None,
                     beta_1: float = DCGAN_BETA_1, beta_2: float = 0.999, optimizer: str = "adam",
                     width: int = DCGAN_WIDTH, hidden: int | None = None, latent_dim: int = DCGAN_LATENT_DIM,
                     **gan_kwargs):  # fmt: skip
    """Chapter 08's DCGAN with stability knobs changed: the loss, learning rates, Adam's betas, spectral norm,
    and any other keyword of :class:`vaegan_edu.models.GAN` (``label_smoothing``, ``pack``, ``d_steps`` ...).
    ``optimizer="sgd"`` gives both networks plain gradient descent with the same step sizes instead of Adam
    (chapter 06's question: SGD's step follows the gradient's size, Adam's does not; the betas are then unused).
    ``width`` is the filters of the discriminator's first and the generator's last layer (the network's size).
    Images whose sides are even but not multiples of 4 (14x14 glyphs) get networks with one stride-2 layer each
    way and the other at stride 1 (``strides`` of :func:`~vaegan_edu.models.dcgan_generator`). ``hidden`` puts one
    dense layer of that many units before the discriminator's logit (:func:`~vaegan_edu.models.dcgan_discriminator`;
    ``2 * latent_dim`` gives it the twin encoder's capacity, :func:`make_twins` with ``matched=True``);
    ``latent_dim`` is the generator's input size (64, the book's).

    ``learning_rate`` None keeps the DCGAN default (2e-4); ``d_learning_rate`` / ``g_learning_rate`` set one
    network's step size (two time-scales, TTUR: Heusel et al. 2017). ``beta_1``, ``beta_2`` are Adam's decays
    for both networks (DCGAN: 0.5, 0.999; WGAN-GP's paper: 0.0, 0.9). Seeds Keras's global random state
    (:func:`vaegan_edu.config.set_seed`) before building, so the same seed gives the same weights.

    Taught in: 08_gan, 10_student_questions
    """
    lr = DCGAN_LEARNING_RATE if learning_rate is None else check_positive_number("learning_rate", learning_rate, 2e-4)
    d_lr = lr if d_learning_rate is None else check_positive_number("d_learning_rate", d_learning_rate, 4e-4)
    g_lr = lr if g_learning_rate is None else check_positive_number("g_learning_rate", g_learning_rate, 1e-4)
    for name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta < 1.0:
            raise ValueError(f"`{name}` must be a number in [0, 1) such as 0.5; received {name}={beta!r}.")
    step_rule = _step_rule(optimizer, beta_1, beta_2)
    image_shape = tuple(image_shape)
    config.set_seed(seed)
    networks = {}
    small = _small_strides(image_shape)
    if small is not None or hidden is not None:
        num_classes = gan_kwargs.get("num_classes")
        g_strides, d_strides = small or ((2, 2), (2, 2))
        networks = {  # built here, generator first as GAN would: GAN itself builds neither 14x14 sides nor `hidden`
            "generator": dcgan_generator(latent_dim, image_shape, width, num_classes, strides=g_strides),
            "discriminator": dcgan_discriminator(image_shape, width, gan_kwargs.get("pack", 1), num_classes,
                                                 bool(spectral_norm), strides=d_strides, hidden=hidden),
        }  # fmt: skip
    gan = GAN(latent_dim=latent_dim, data_shape=image_shape, width=width, seed=seed,
              spectral_norm=bool(spectral_norm), **networks, **gan_kwargs)  # fmt: skip
    gan.compile(d_optimizer=step_rule(d_lr), g_optimizer=step_rule(g_lr), loss=loss)
    return gan


def _small_strides(image_shape):
    """``(generator strides, discriminator strides)`` for images whose sides are even but not multiples of 4
    (14x14: one stride-2 layer each way, the other at stride 1), None for any other shape."""
    if len(image_shape) == 3 and all(isinstance(s, numbers.Integral) and s % 2 == 0 and s % 4 for s in image_shape[:2]):
        return (1, 2), (2, 1)
    return None


TWIN_VAE_LEARNING_RATE = 1e-3  # Adam's step size for chapter 09's twin VAE (the book's VAE setting)


def make_twin_vae(image_shape=(28, 28, 1), seed: int = 0, latent_dim: int = DCGAN_LATENT_DIM,
                  width: int = DCGAN_WIDTH, likelihood: str = "discretized_logistic"):  # fmt: skip
    """Chapter 09's twin VAE, untrained and not compiled: the DCGAN's generator as decoder (``output="logits"``)
    and its discriminator's body with two heads as encoder (see :func:`make_twins`). Seeds Keras's global random
    state from ``seed`` first, so the same seed gives the same weights in any process. 14x14 images get the
    strides of :func:`make_gan_variant`'s networks at that size, so the decoder is that GAN's generator.

    Taught in: 09_vae_vs_gan
    """
    image_shape = tuple(image_shape)
    g_strides, d_strides = _small_strides(image_shape) or ((2, 2), (2, 2))
    config.set_seed(seed)
    return VAE(image_shape=image_shape, latent_dim=latent_dim, likelihood=likelihood, seed=seed,
               encoder=dcgan_encoder(latent_dim, image_shape, width, strides=d_strides),
               decoder=dcgan_generator(latent_dim, image_shape, width, name="decoder", output="logits",
                                       strides=g_strides))  # fmt: skip


def make_twins(image_shape=(28, 28, 1), seed: int = 0, latent_dim: int = DCGAN_LATENT_DIM, width: int = DCGAN_WIDTH,
               vae_learning_rate: float = TWIN_VAE_LEARNING_RATE, likelihood: str = "discretized_logistic",
               matched: bool = False, gan_learning_rate: float = DCGAN_LEARNING_RATE):  # fmt: skip
    """Chapter 09's contenders: a VAE and a GAN that generate with the *same* network, both compiled.

    * The GAN is chapter 08's DCGAN (:func:`make_dcgan`: generator :func:`~vaegan_edu.models.dcgan_generator`,
      discriminator :func:`~vaegan_edu.models.dcgan_discriminator`, Adam(2e-4, beta_1=0.5) for both).
    * The VAE's decoder is that generator built with ``output="logits"`` (the same layers, the sigmoid moved into
      the likelihood, so its mean image is computed exactly like a GAN sample); its encoder,
      :func:`~vaegan_edu.models.dcgan_encoder`, is the discriminator's body with two heads (mu, log sigma^2)
      instead of one logit. Adam(``vae_learning_rate``). The likelihood defaults to the discretised logistic, a
      normalised distribution over 8-bit pixel values, so the VAE's log p(x) is a true log-probability.

    * ``matched=True`` gives the two the same capacity where they differ: the encoder's two heads hold most of
      its weights (92 % at 28x28 and width 32; 98 % at 14x14 and width 8), while the DCGAN's logit is one
      linear unit. The discriminator then gets one hidden layer of 2 x ``latent_dim`` units with
      LeakyReLU before its logit (``hidden`` of :func:`~vaegan_edu.models.dcgan_discriminator`), so it has the
      encoder's parameters plus the last layer's ``2 * latent_dim + 1``. At 14x14, width 8 and ``latent_dim`` 64
      (the ``duel_tuned`` study): encoder 102,680 parameters, matched discriminator 102,809 (the DCGAN's: 2,985);
      at 28x28, width 32: 434,912 and 435,041 (the DCGAN's: 36,513).

    ``width`` and ``latent_dim`` size both models (the GAN is :func:`make_gan_variant`: 14x14 images get its
    strides); ``gan_learning_rate`` is both GAN networks' Adam step size (beta_1 = 0.5). Both are seeded from
    ``seed`` (:func:`vaegan_edu.config.set_seed` before each is built), so the same seed gives the same weights
    in any process. Returns ``(vae, gan)``.

    Taught in: 09_vae_vs_gan
    """
    vae_learning_rate = check_positive_number("vae_learning_rate", vae_learning_rate, TWIN_VAE_LEARNING_RATE)
    gan_learning_rate = check_positive_number("gan_learning_rate", gan_learning_rate, DCGAN_LEARNING_RATE)
    matched = check_bool("matched", matched)
    vae = make_twin_vae(image_shape, seed=seed, latent_dim=latent_dim, width=width, likelihood=likelihood)
    vae.compile(optimizer=keras.optimizers.Adam(vae_learning_rate))
    gan = make_gan_variant(tuple(image_shape), seed=seed, learning_rate=gan_learning_rate, width=width,
                           latent_dim=latent_dim, hidden=2 * vae.latent_dim if matched else None)  # fmt: skip
    return vae, gan

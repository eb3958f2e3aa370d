"""The variational autoencoder as a :class:`keras.Model` that trains with ``fit()`` on every backend.

Taught in: 03_vae
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from vaegan_edu import losses
from vaegan_edu.config import jit_compile_default, steps_per_execution_default
from vaegan_edu.models.blocks import Sampling, build_decoder, build_encoder, check_image_shape, check_latent_dim
from vaegan_edu.validation import (
    as_float_array, check_bool, check_finite, check_nonnegative_number, check_optional_seed, check_positive_int,
    check_positive_number, check_seed,
)  # fmt: skip


def check_images(x, image_shape, likelihood="bernoulli", name="x") -> np.ndarray:
    """Validate an image batch given to a VAE (NumPy, list or backend tensor); return it as float32 NumPy.

    Raises a ValueError that says the expected shape and how to fix it, for NaN or infinite values and, for
    the Bernoulli likelihood, when values fall outside [0, 1] (e.g. 0-255 pixels, also as a tensor).

    Taught in: 03_vae
    """
    raw_dtype = getattr(x, "dtype", None)
    x = as_float_array(name, x)
    if x.ndim != 4 or tuple(x.shape[1:]) != tuple(image_shape):
        hint = ""
        if tuple(x.shape) == tuple(image_shape):
            hint = f" Add a batch axis with `{name}[None, ...]`."
        elif x.ndim == 3 and tuple(x.shape[1:]) == tuple(image_shape[:2]):
            hint = f" Add the channel axis with `{name}[..., None]`."
        elif x.ndim == 2 and x.shape[1] == int(np.prod(image_shape)):
            hint = f" Reshape flat images with `{name}.reshape(-1, {', '.join(map(str, image_shape))})`."
        raise ValueError(
            f"`{name}` must have shape (batch, {', '.join(map(str, image_shape))}) for this VAE "
            f"(image_shape={tuple(image_shape)}); received shape {tuple(x.shape)}.{hint or ' Fix: use images of the size the VAE was built for.'}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"`{name}` is empty (shape {x.shape}); pass at least one image.")
    check_finite(name, x)
    if "gaussian" not in likelihood and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(
            f"`{name}` must hold pixel values in [0, 1] for the {likelihood} likelihood; received values in "
            f"[{x.min():.3g}, {x.max():.3g}]"
            + (f" (dtype {raw_dtype})" if raw_dtype is not None else "")
            + f". Fix: rescale, e.g. `{name} / 255.0` for 8-bit images, or use likelihood='gaussian'."
        )
    return x


def _with_nan_guard(kwargs, nan_guard):
    """``fit`` keyword arguments with a :class:`~vaegan_edu.callbacks.NaNGuard` added (unless one is there, or
    ``nan_guard`` is False)."""
    from vaegan_edu.callbacks import NaNGuard

    callbacks = kwargs.get("callbacks") or []
    # one callback passed bare, as keras's own fit accepts a list only: wrapped, not refused
    callbacks = [callbacks] if isinstance(callbacks, keras.callbacks.Callback) else list(callbacks)
    if check_bool("nan_guard", nan_guard) and not any(isinstance(c, NaNGuard) for c in callbacks):
        callbacks.append(NaNGuard())
    return {**kwargs, "callbacks": callbacks}


def _is_pipeline(x) -> bool:
    """A data pipeline that ``fit`` streams (tf.data, a PyDataset, a generator, a DataLoader), not an array."""
    return (hasattr(x, "element_spec") or isinstance(x, keras.utils.PyDataset) or hasattr(x, "__next__")
            or type(x).__name__ == "DataLoader")  # fmt: skip


def _check_fit_sizes(kwargs):
    """Check ``batch_size`` and ``epochs`` of a ``fit`` call before Keras builds anything."""
    if kwargs.get("batch_size") is not None:
        kwargs["batch_size"] = check_positive_int("batch_size", kwargs["batch_size"], 128)
    if "epochs" in kwargs:
        kwargs["epochs"] = check_positive_int("epochs", kwargs["epochs"], 10)
    return kwargs


@keras.saving.register_keras_serializable(package="vaegan_edu")
class VAE(keras.Model):
    r"""A variational autoencoder (Kingma & Welling, arXiv:1312.6114) with a β weight on the KL term.

    .. math::
        \mathrm{ELBO}(x) = \mathbb E_{q(z\mid x)}[\log p(x\mid z)] - \mathrm{KL}(q(z\mid x)\,\|\,p(z))
            \le \log p(x)

    with :math:`q(z\mid x) = \mathcal N(\mu(x), \mathrm{diag}\,\sigma^2(x))` (the encoder),
    :math:`p(z) = \mathcal N(0, I)` and :math:`p(x\mid z)` Bernoulli, Gaussian or discretised logistic with
    mean :math:`\sigma(\ell(z))` (the decoder). Training minimises
    :func:`vaegan_edu.losses.beta_vae_objective`: the negative ELBO when ``beta=1`` and ``free_bits=0``.

    ``fit()`` owns the gradients (the model overrides :meth:`compute_loss`), so the same code trains on
    TensorFlow, JAX and PyTorch. It logs, in nats per image (summed over pixels and latents):
    ``reconstruction`` (:math:`-\log p(x\mid z)`), ``kl`` and ``elbo`` (always with β = 1), plus ``loss``.

    Parameters
    ----------
    image_shape : (height, width, channels)
    latent_dim : int >= 1
    beta : float >= 0
        Weight of the KL term (β-VAE, Higgins et al. ICLR 2017). Stored in a non-trainable variable so
        :class:`vaegan_edu.training.KLWarmup` can change it between epochs.
    likelihood : {"bernoulli", "gaussian", "calibrated_gaussian", "discretized_logistic"}
        ``"discretized_logistic"`` (:func:`vaegan_edu.losses.discretized_logistic_log_likelihood`) is a
        normalised distribution over 8-bit pixel values, so its ELBO and IWAE bound are bounds on a true
        log-probability; its per-pixel log-scale is a learnt weight (``log_scale``, independent of z), so the
        decoder network stays a plain image generator. ``"calibrated_gaussian"`` is the σ-VAE (Rybkin et al.
        2021): a Gaussian whose one standard deviation, shared by all pixels, is a learnt scalar weight
        (``log_scale`` = log s); at its optimum s² equals the reconstructions' mean squared error.
    obs_std : float > 0
        Standard deviation of the Gaussian likelihood; the starting scale of the learnt ones.
    architecture : {"dense", "conv"}
        Used to build the encoder and decoder when they are not given.
    free_bits : float >= 0
        Nats per latent below which the KL is not penalised (see :func:`vaegan_edu.losses.beta_vae_objective`).
    encoder, decoder : keras.Model or None
        Custom networks with the signatures of :func:`build_encoder` / :func:`build_decoder`.
    seed : int or None
        Seed of the :class:`Sampling` layer.

    Raises
    ------
    ValueError
        For ``latent_dim <= 0``, ``beta < 0``, an unknown likelihood, or a bad image shape.

    Examples
    --------
    >>> vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    >>> vae.decode(np.zeros((3, 2))).shape
    (3, 8, 8, 1)

    Taught in: 03_vae
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=2,
        beta=1.0,
        likelihood="bernoulli",
        obs_std=0.1,
        architecture="dense",
        free_bits=0.0,
        encoder=None,
        decoder=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = check_image_shape(image_shape, architecture)
        self.latent_dim = check_latent_dim(latent_dim)
        self.likelihood = losses._check_likelihood(likelihood)
        beta = check_nonnegative_number("beta", beta, 1.0)
        free_bits = check_nonnegative_number("free_bits", free_bits, 0.0)
        self.obs_std = float(check_positive_number("obs_std", obs_std, 0.1))
        seed = check_optional_seed(seed)
        self.architecture = architecture
        self.free_bits = float(free_bits)
        self.seed = seed
        self.encoder = encoder or build_encoder(self.image_shape, self.latent_dim, architecture)
        self.decoder = decoder or build_decoder(self.image_shape, self.latent_dim, architecture)
        self.sampling = Sampling(seed=seed, name="sampling")
        self.log_scale = None
        if self.likelihood in ("discretized_logistic", "calibrated_gaussian"):
            self.log_scale = self.add_weight(
                shape=self.image_shape if self.likelihood == "discretized_logistic" else (),
                initializer=keras.initializers.Constant(float(np.log(self.obs_std))),
                name="log_scale",
            )  # log s of p(x | z), learnt with the networks: per pixel (logistic) or one shared (calibrated)
        # beta is a variable, not a Python float, so a callback can change it after compile (KL warm-up)
        self.beta_weight = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(float(beta)), trainable=False, name="beta"
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.elbo_tracker = keras.metrics.Mean(name="elbo")
        self.built = True

    # --- the weight on the KL term ---------------------------------------------------------------------
    @property
    def beta(self) -> float:
        """Current weight of the KL term."""
        return float(ops.convert_to_numpy(self.beta_weight.value))

    @beta.setter
    def beta(self, value):
        self.beta_weight.assign(check_nonnegative_number("beta", value, 1.0))

    # --- forward pass and loss --------------------------------------------------------------------------
    def call(self, x, training=None):
        """Encode, sample and decode; returns a dict of ``mu``, ``log_var``, ``z`` and ``logits``."""
        mu, log_var = self.encoder(x, training=training)  # (batch, latent_dim) each
        z = self.sampling((mu, log_var))  # (batch, latent_dim)
        logits = self.decoder(z, training=training)  # (batch, height, width, channels)
        return {"mu": mu, "log_var": log_var, "z": z, "logits": logits}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """β-weighted negative ELBO of the batch; updates the reconstruction, KL and ELBO trackers."""
        if y_pred is None:
            y_pred = self(x, training=training)
        # the unchecked forms: fit() checked the data once at entry, and this runs at every step
        reconstruction, kl = losses._vae_loss_terms(
            x, y_pred["logits"], y_pred["mu"], y_pred["log_var"], self.likelihood, self.obs_std, self.log_scale
        )  # (batch,) each
        kl_dims = losses._kl_per_latent(y_pred["mu"], y_pred["log_var"])  # (batch, latent_dim)
        loss = losses._beta_vae_objective(reconstruction, kl_dims, self.beta_weight, self.free_bits)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        self.elbo_tracker.update_state(-(reconstruction + kl))
        return loss

    def compile(self, optimizer="rmsprop", jit_compile=None, steps_per_execution=None, **kwargs):
        """:meth:`keras.Model.compile` (no ``loss``: the model computes its own). ``None`` means the package's
        default: :func:`vaegan_edu.config.jit_compile_default` and
        :func:`vaegan_edu.config.steps_per_execution_default` (10 on TensorFlow, 1 elsewhere)."""
        if jit_compile is None:
            jit_compile = jit_compile_default()
        if steps_per_execution is None:
            steps_per_execution = steps_per_execution_default()
        super().compile(optimizer=optimizer, jit_compile=jit_compile, steps_per_execution=steps_per_execution,
                        **kwargs)  # fmt: skip

    def compile_from_config(self, config):
        """Compile again on loading, with the saved arguments (Keras skips this for a model whose ``compile``
        is overridden); the optimizer is built so that its saved state can be restored into it. How the steps
        run (``jit_compile``, ``steps_per_execution``) is not restored but left to the package's defaults for
        the backend that loads the model: a model saved on TensorFlow loads on PyTorch, which runs one step
        per call."""
        config = dict(keras.saving.deserialize_keras_object(config))
        config.pop("jit_compile", None)
        config.pop("steps_per_execution", None)
        self.compile(**config)
        self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, *args, nan_guard=True, **kwargs):
        """:meth:`keras.Model.fit`, after checking the images and sizes, stopping at the first non-finite loss.

        Images given as an array, a list or a backend tensor are checked (shape, finite values, and [0, 1] for
        the Bernoulli likelihood) before Keras builds or traces anything, so a refused call leaves the model
        as it was. ``nan_guard`` (default True) adds a :class:`vaegan_edu.training.NaNGuard`, which stops
        training at the first NaN or infinite loss and raises :class:`~vaegan_edu.training.TrainingDiverged`
        saying what diverged, when, and what to try; ``nan_guard=False`` lets training run on.
        """
        if not _is_pipeline(x):
            x = check_images(x, self.image_shape, self.likelihood)
        if y is not None:
            raise ValueError("A VAE learns from images alone: call `vae.fit(x)` without targets `y` (received y).")
        validation = kwargs.get("validation_data")
        if isinstance(validation, tuple) and validation and not _is_pipeline(validation[0]):  # Keras's (x,) form
            kwargs["validation_data"] = (check_images(validation[0], self.image_shape, self.likelihood,
                                                      "validation_data[0]"), *validation[1:])  # fmt: skip
        elif validation is not None and not isinstance(validation, tuple) and not _is_pipeline(validation):
            kwargs["validation_data"] = check_images(validation, self.image_shape, self.likelihood,
                                                     "validation_data")  # fmt: skip
        kwargs = _with_nan_guard(_check_fit_sizes(kwargs), nan_guard)
        return super().fit(x, y, *args, **kwargs)

    def observation_log_likelihood(self, x, logits):
        r""":math:`\log p(x \mid z)` of each image under this VAE's likelihood, from the decoder's ``logits``
        (nats per image, a tensor of shape (batch,)); what the ELBO and the IWAE bound of
        :mod:`vaegan_edu.metrics` evaluate."""
        return losses.reconstruction_log_likelihood(x, logits, self.likelihood, self.obs_std, self.log_scale)

    # --- convenience methods returning NumPy ----------------------------------------------------------
    def encode(self, x, batch_size=512):
        """Posterior parameters of each image: ``(mu, log_var)``, NumPy arrays of shape (n, latent_dim)."""
        x = check_images(x, self.image_shape, self.likelihood)
        batch_size = check_positive_int("batch_size", batch_size, 512)
        mus, log_vars = [], []
        for start in range(0, len(x), batch_size):
            mu, log_var = self.encoder(x[start : start + batch_size], training=False)
            mus.append(ops.convert_to_numpy(mu))
            log_vars.append(ops.convert_to_numpy(log_var))
        return np.concatenate(mus), np.concatenate(log_vars)

    def decode(self, z, batch_size=512, logits=False):
        """Mean images :math:`\\sigma(\\ell(z))` (or the logits), NumPy (n, height, width, channels)."""
        z = as_float_array("z", z)
        if z.ndim != 2 or z.shape[1] != self.latent_dim or len(z) == 0:
            hint = " Add a batch axis with `z[None, :]`." if z.shape == (self.latent_dim,) else ""
            raise ValueError(
                f"`z` must have shape (batch, {self.latent_dim}) with batch >= 1 for this VAE "
                f"(latent_dim={self.latent_dim}); received shape {z.shape}.{hint}"
            )
        check_finite("z", z)
        batch_size = check_positive_int("batch_size", batch_size, 512)
        outputs = []
        for start in range(0, len(z), batch_size):
            out = self.decoder(z[start : start + batch_size], training=False)
            outputs.append(ops.convert_to_numpy(out if logits else ops.sigmoid(out)))
        return np.concatenate(outputs)

    def reconstruct(self, x):
        """Decode the posterior means of ``x``: NumPy images of the same shape."""
        mu, _ = self.encode(x)
        return self.decode(mu)

    def sample(self, num_samples, seed=0):
        r"""Generate images: draw :math:`z \sim \mathcal N(0, I)` (NumPy, seeded) and decode its mean image."""
        num_samples = check_positive_int("num_samples", num_samples, 64, maximum=10**6)
        z = (
            np.random.default_rng(check_seed(seed))
            .standard_normal((int(num_samples), self.latent_dim))
            .astype("float32")
        )
        return self.decode(z)

    # --- serialisation ---------------------------------------------------------------------------------
    def get_config(self):
        base = super().get_config()
        return {
            **base,
            "image_shape": list(self.image_shape),
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "likelihood": self.likelihood,
            "obs_std": self.obs_std,
            "architecture": self.architecture,
            "free_bits": self.free_bits,
            "seed": self.seed,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

"""Loss functions of the book's models, written with ``keras.ops`` so they run on every Keras backend.

Each engineer's models keep their losses here in their own section: reconstruction terms and the ELBO of
the VAE chapters, the GAN losses and the gradient penalty of the GAN chapters. Every function states its
equation, works on batches and returns a scalar or one value per example as documented.
"""

import numpy as np
from keras import ops

from vaegan_edu.validation import check_nonnegative_number, check_positive_number, concrete_array, is_tensor


def _readable(x):
    """The values of ``x`` as NumPy when they can be read now (NumPy, list, eager tensor), else None.

    The public losses check values only then: inside a compiled train step their inputs are symbolic and
    nothing is read, so checks cost the compiled path nothing."""
    if x is None:
        return None
    if is_tensor(x):
        return concrete_array(x)
    values = np.asarray(x)
    return values if values.dtype.kind in "biuf" else None


def _check_tensor(name, x, ndim_at_least=1):
    """Static shape and, when readable, finite values of a loss's input; return its shape."""
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be an array or tensor of numbers; received {type(x).__name__}.")
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if len(shape) < ndim_at_least:
        raise ValueError(
            f"`{name}` must have at least {ndim_at_least} axes (a batch axis first); received shape {shape}."
        )
    if any(d == 0 for d in shape):  # a mean over nothing is NaN, never a loss
        raise ValueError(f"`{name}` is empty (shape {shape}); a loss needs at least one example and one value each.")
    values = _readable(x)
    if values is not None and not np.all(np.isfinite(values)):
        raise ValueError(f"`{name}` contains NaN or infinite values; check the model (or data) that produced it.")
    return shape


def _same_shape(name_a, shape_a, name_b, shape_b, hint=""):
    known = all(d is not None for d in shape_a + shape_b)
    if len(shape_a) != len(shape_b) or known and shape_a != shape_b:
        raise ValueError(f"`{name_a}` and `{name_b}` must have the same shape; received {shape_a} and {shape_b}.{hint}")


# === GAN (chapters 06-08) ===

GAN_LOSSES = ("minimax", "non_saturating", "wasserstein_gp", "hinge")


def _check_gan_loss(loss):
    if loss not in GAN_LOSSES:
        raise ValueError(
            f"Invalid value received for argument `loss`. Expected one of {GAN_LOSSES}. "
            f"Received: loss={loss!r}. Fix: pick one of those names, e.g. loss='non_saturating'."
        )
    return loss


def gan_discriminator_loss(real_logits, fake_logits, loss="non_saturating", label_smoothing=0.0):
    r"""The discriminator's (critic's) loss, to be *minimised*, from its raw outputs (logits).

    With :math:`D = \sigma(\text{logit})`, :math:`r` the logits on real data and :math:`f` on generated data:

    .. math::
        \text{minimax, non\_saturating:}\quad
            L_D = -\,\mathbb{E}[\,s\log D(x) + (1-s)\log(1-D(x))\,] - \mathbb{E}[\log(1 - D(G(z)))]
              = \mathbb{E}[s\,\mathrm{softplus}(-r) + (1-s)\,\mathrm{softplus}(r)] + \mathbb{E}[\mathrm{softplus}(f)]

        \text{wasserstein\_gp:}\quad L_D = \mathbb{E}[f] - \mathbb{E}[r]
            \quad(\text{the gradient penalty is added by the model})

        \text{hinge:}\quad L_D = \mathbb{E}[\max(0, 1 - r)] + \mathbb{E}[\max(0, 1 + f)]

    where :math:`s = 1 - \text{label\_smoothing}` is the target for real data (one-sided label smoothing,
    Salimans et al. 2016, arXiv:1606.03498; fake targets stay 0). Minimising :math:`L_D` is the same as
    the discriminator *maximising* the value function :math:`V(D, G)` of Goodfellow et al. (arXiv:1406.2661).
    The origin article minimises :math:`+V`, which pushes the discriminator the wrong way.

    Parameters
    ----------
    real_logits : tensor of shape (batch,) or (batch, 1)
        Discriminator outputs on real data, before any sigmoid.
    fake_logits : tensor of shape (batch,) or (batch, 1)
        Discriminator outputs on generated data.
    loss : {"minimax", "non_saturating", "wasserstein_gp", "hinge"}
        The two first share the same discriminator loss; they differ in the generator's.
    label_smoothing : float in [0, 0.5)
        Only for the cross-entropy losses.

    Returns
    -------
    scalar tensor

    Raises
    ------
    ValueError
        Unknown ``loss`` or ``label_smoothing`` outside [0, 0.5), or smoothing with a loss that has no labels.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(gan_discriminator_loss(np.zeros(4), np.zeros(4))), 6)  # D = 1/2 everywhere: 2 log 2
    1.386294

    Taught in: 06_gan_game
    """
    _check_gan_loss(loss)
    if not check_nonnegative_number("label_smoothing", label_smoothing, 0.1) < 0.5:
        raise ValueError(
            "Invalid value received for argument `label_smoothing`. Expected a float in [0, 0.5), e.g. 0.1 "
            f"(real targets become 0.9). Received: label_smoothing={label_smoothing!r}."
        )
    if label_smoothing and loss not in ("minimax", "non_saturating"):
        raise ValueError(
            f"`label_smoothing` applies to the cross-entropy losses only; received loss={loss!r} with "
            f"label_smoothing={label_smoothing}. Fix: set label_smoothing=0.0 or use loss='non_saturating'."
        )
    _check_tensor("real_logits", real_logits)
    _check_tensor("fake_logits", fake_logits)
    r = ops.reshape(ops.convert_to_tensor(real_logits, dtype="float32"), (-1,))
    f = ops.reshape(ops.convert_to_tensor(fake_logits, dtype="float32"), (-1,))
    if loss == "wasserstein_gp":
        return ops.mean(f) - ops.mean(r)
    if loss == "hinge":
        return ops.mean(ops.relu(1.0 - r)) + ops.mean(ops.relu(1.0 + f))
    s = 1.0 - float(label_smoothing)
    # -log sigmoid(r) = softplus(-r) and -log(1 - sigmoid(f)) = softplus(f): stable for any logit.
    real_term = s * ops.softplus(-r) + (1.0 - s) * ops.softplus(r)
    return ops.mean(real_term) + ops.mean(ops.softplus(f))


def gan_generator_loss(fake_logits, loss="non_saturating"):
    r"""The generator's loss, to be *minimised*, from the discriminator's logits on generated data.

    .. math::
        \text{minimax (saturating):}\quad L_G = \mathbb{E}[\log(1 - D(G(z)))] = -\mathbb{E}[\mathrm{softplus}(f)]

        \text{non\_saturating:}\quad L_G = -\mathbb{E}[\log D(G(z))] = \mathbb{E}[\mathrm{softplus}(-f)]

        \text{wasserstein\_gp, hinge:}\quad L_G = -\mathbb{E}[f]

    The saturating form is the generator's half of the minimax game; its gradient vanishes when the
    discriminator confidently rejects the samples (:math:`D(G(z)) \to 0`), which is why Goodfellow et al.
    (arXiv:1406.2661) train with the non-saturating form. The origin article minimises
    :math:`+\mathbb{E}[\log D(G(z))]`, the non-saturating loss with its sign flipped: that makes samples
    *less* convincing.

    Parameters
    ----------
    fake_logits : tensor of shape (batch,) or (batch, 1)
    loss : {"minimax", "non_saturating", "wasserstein_gp", "hinge"}

    Returns
    -------
    scalar tensor

    Raises
    ------
    ValueError
        Unknown ``loss``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(gan_generator_loss(np.zeros(3), "non_saturating")), 6)  # -log(1/2)
    0.693147

    Taught in: 06_gan_game
    """
    _check_gan_loss(loss)
    _check_tensor("fake_logits", fake_logits)
    f = ops.reshape(ops.convert_to_tensor(fake_logits, dtype="float32"), (-1,))
    if loss == "minimax":
        return -ops.mean(ops.softplus(f))
    if loss == "non_saturating":
        return ops.mean(ops.softplus(-f))
    return -ops.mean(f)


def gradient_penalty_from_gradients(gradients):
    r"""WGAN-GP's penalty from the critic's input gradients at interpolated points.

    .. math::
        \mathrm{GP} = \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} D(\hat x) \rVert_2 - 1)^2\big],
        \qquad \hat x = \epsilon x + (1 - \epsilon) G(z),\ \epsilon \sim U[0, 1]

    (Gulrajani et al. 2017, arXiv:1704.00028). Computing the gradient itself needs the backend's autodiff,
    so it lives in :mod:`vaegan_edu.training`; this function only does the maths on the result.

    Parameters
    ----------
    gradients : tensor of shape (batch, ...)
        :math:`\nabla_{\hat x} D(\hat x)` for each interpolated example.

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> import numpy as np
    >>> float(gradient_penalty_from_gradients(np.array([[0.6, 0.8], [0.0, 2.0]])))  # norms 1 and 2
    0.5

    Taught in: 06_gan_game
    """
    _check_tensor("gradients", gradients, ndim_at_least=2)
    g = ops.convert_to_tensor(gradients, dtype="float32")
    g = ops.reshape(g, (ops.shape(g)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(g), axis=1) + 1e-12)  # (batch,); epsilon keeps sqrt's gradient finite
    return ops.mean(ops.square(norms - 1.0))


def interpolate(real, fake, epsilon):
    r"""Random points on the segments between real and generated examples, for the gradient penalty.

    .. math:: \hat x = \epsilon\, x + (1 - \epsilon)\, \tilde x

    Parameters
    ----------
    real, fake : tensors of the same shape (batch, ...)
    epsilon : tensor of shape (batch,), values in [0, 1]

    Returns
    -------
    tensor of shape (batch, ...)

    Taught in: 06_gan_game
    """
    _same_shape("real", _check_tensor("real", real), "fake", _check_tensor("fake", fake))
    eps_values = _readable(epsilon)
    if eps_values is not None and eps_values.size and (eps_values.min() < 0 or eps_values.max() > 1):
        raise ValueError(f"`epsilon` must hold values in [0, 1]; received values in [{eps_values.min():.3g}, "
                         f"{eps_values.max():.3g}].")  # fmt: skip
    real = ops.convert_to_tensor(real, dtype="float32")
    fake = ops.convert_to_tensor(fake, dtype="float32")
    eps = ops.reshape(ops.convert_to_tensor(epsilon, dtype="float32"), (-1,) + (1,) * (len(real.shape) - 1))
    return eps * real + (1.0 - eps) * fake


# === VAE (chapters 03-05) ===

import math  # noqa: E402  (kept in this section: only the VAE losses need it)

VAE_LIKELIHOODS = ("bernoulli", "gaussian", "calibrated_gaussian", "discretized_logistic")
_LOG_2PI = 1.8378770664093453  # log(2 * pi)
PIXEL_LEVELS = 256  # 8-bit images: the discretised logistic's pixel values are k / 255, k = 0..255


def _check_likelihood(likelihood):
    if likelihood not in VAE_LIKELIHOODS:
        raise ValueError(
            f"Invalid value received for argument `likelihood`. Expected one of {VAE_LIKELIHOODS}. "
            f"Received: likelihood={likelihood!r}. Fix: use likelihood='bernoulli' for images in [0, 1] "
            f"(the decoder outputs logits), likelihood='gaussian' for a fixed-variance Gaussian, "
            f"likelihood='calibrated_gaussian' for a Gaussian with one learnt variance (the σ-VAE), or "
            f"likelihood='discretized_logistic' for a normalised distribution over 8-bit pixel values."
        )
    return likelihood


def _flat_sum(values):
    """Sum every axis but the first: (batch, ...) -> (batch,)."""
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


def reconstruction_log_likelihood(x, logits, likelihood="bernoulli", obs_std=0.1, log_scale=None):
    r"""Log-likelihood :math:`\log p(x \mid z)` of each image, summed over pixels (nats per image).

    The decoder outputs ``logits`` :math:`\ell`; its mean image is :math:`\hat x = \sigma(\ell)`.

    .. math::
        \text{bernoulli:}\quad \log p(x\mid z) = \sum_i x_i \ell_i - \mathrm{softplus}(\ell_i)
            = \sum_i x_i \log \hat x_i + (1 - x_i)\log(1 - \hat x_i)

        \text{gaussian:}\quad \log p(x\mid z) = -\sum_i \Big[\frac{(x_i - \hat x_i)^2}{2 s^2}
            + \log s + \tfrac12 \log 2\pi\Big]

    with :math:`s` = ``obs_std``; ``"calibrated_gaussian"`` is the same Gaussian with :math:`\log s` =
    ``log_scale``, one number shared by all pixels and images that the model learns (the σ-VAE of Rybkin et al.,
    arXiv:2006.13202: for fixed :math:`\hat x` the best :math:`s^2` is the mean squared error, and the term
    becomes :math:`-\frac d2 \log(2\pi e\,\mathrm{MSE})` per image). The Bernoulli form is written with ``softplus`` so that it never takes the
    log of 0. For grey-level pixels (not just 0 and 1) the Bernoulli "likelihood" is the usual
    cross-entropy shortcut, not a normalised density over [0, 1]; it is what Kingma & Welling
    (arXiv:1312.6114) and most tutorials use. ``"discretized_logistic"`` is a normalised distribution over
    the 256 values of an 8-bit pixel: see :func:`discretized_logistic_log_likelihood` (with mean
    :math:`\hat x` and log-scale ``log_scale``, by default :math:`\log` ``obs_std``).

    Parameters
    ----------
    x : tensor of shape (batch, height, width, channels), values in [0, 1]
    logits : tensor of the same shape, the decoder's output before the sigmoid
    likelihood : {"bernoulli", "gaussian", "calibrated_gaussian", "discretized_logistic"}
    obs_std : float > 0, the Gaussian's fixed standard deviation (ignored for Bernoulli)
    log_scale : tensor broadcastable to ``x`` or None
        The learnt log-scale of ``"discretized_logistic"`` (per pixel) or ``"calibrated_gaussian"`` (a
        scalar); None means :math:`\log` ``obs_std``. Ignored by the other two.

    Returns
    -------
    tensor of shape (batch,)

    Raises
    ------
    ValueError
        For an unknown ``likelihood`` or ``obs_std <= 0``.

    Taught in: 03_vae
    """
    _check_likelihood(likelihood)
    if likelihood != "bernoulli":
        check_positive_number("obs_std", obs_std, 0.1)
    x_shape, logits_shape = _check_tensor("x", x, ndim_at_least=2), _check_tensor("logits", logits, ndim_at_least=2)
    hint = ""
    if len(x_shape) + 1 == len(logits_shape) and x_shape == logits_shape[:-1]:
        hint = " Add the channel axis with `x[..., None]`."
    elif len(x_shape) + 1 == len(logits_shape) and x_shape == logits_shape[1:]:
        hint = " Add the batch axis with `x[None]`."
    _same_shape("x", x_shape, "logits", logits_shape, hint or " Fix: pass images of the decoder's output shape.")
    values = _readable(x)
    if "gaussian" not in likelihood and values is not None and values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"The {likelihood} likelihood needs `x` in [0, 1]; received values in [{values.min():.4g}, "
            f"{values.max():.4g}]. Fix: rescale, e.g. `x / 255.0` for 8-bit images, or use likelihood='gaussian'."
        )
    return _reconstruction_log_likelihood(x, logits, likelihood, obs_std, log_scale)


def _reconstruction_log_likelihood(x, logits, likelihood, obs_std, log_scale=None):
    """:func:`reconstruction_log_likelihood` without the checks: what a compiled train step calls."""
    logits = ops.convert_to_tensor(logits)
    x = ops.cast(x, logits.dtype)
    if likelihood == "bernoulli":
        return _flat_sum(x * logits - ops.softplus(logits))
    if likelihood == "discretized_logistic":
        log_scale = math.log(obs_std) if log_scale is None else log_scale
        return _flat_sum(_discretized_logistic(x, ops.sigmoid(logits), log_scale, PIXEL_LEVELS))
    x_hat = ops.sigmoid(logits)
    if likelihood == "calibrated_gaussian" and log_scale is not None:  # log s: a learnt scalar tensor
        return -_flat_sum(0.5 * ops.square(x - x_hat) * ops.exp(-2.0 * log_scale) + log_scale + 0.5 * _LOG_2PI)
    log_norm = math.log(obs_std) + 0.5 * _LOG_2PI  # log(s) + log(2 pi) / 2, a Python float
    return -_flat_sum(0.5 * ops.square((x - x_hat) / obs_std) + log_norm)


def discretized_logistic_log_likelihood(x, mean, log_scale, levels=PIXEL_LEVELS):
    r"""Log-probability of each image's pixel values under a logistic discretised to ``levels`` values, summed
    over pixels (nats per image): a normalised distribution, so its numbers are true log-probabilities.

    Each pixel takes one of :math:`L` = ``levels`` values :math:`x \in \{0, h, 2h, \dots, 1\}`,
    :math:`h = 1/(L-1)`; ``x`` is first rounded to the nearest one (:math:`L = 256`: the 8-bit image). With
    the logistic CDF :math:`F(t) = \sigma((t - \mu)/s)`, each value gets the mass of its bin, and the two
    end values the tails (Salimans et al. 2017, PixelCNN++, arXiv:1701.05517):

    .. math::
        P(x) = \begin{cases} F(h/2) & x = 0 \\ F(x + h/2) - F(x - h/2) & 0 < x < 1 \\
            1 - F(1 - h/2) & x = 1 \end{cases}
        \qquad \sum_{k=0}^{L-1} P(kh) = 1.

    The middle case is computed as :math:`\log\sigma(a) + \log\sigma(-b) + \log(1 - e^{-(a-b)})` with
    :math:`a, b` the standardised bin edges, which is exact and never subtracts two nearly equal numbers.
    Divided by :math:`d \log 2` (``d`` pixels) the negative log-probability is in bits per dimension
    (:func:`vaegan_edu.metrics.bits_per_dim`); at most :math:`\log_2 L` = 8 for a uniform model.

    Parameters
    ----------
    x : tensor of shape (batch, ...), values in [0, 1]
    mean : tensor of the same shape, the logistic's location :math:`\mu` (e.g. a decoder's
        :math:`\sigma(\ell)`)
    log_scale : tensor broadcastable to ``x``, or float: :math:`\log s`
    levels : int >= 2

    Returns
    -------
    tensor of shape (batch,)

    Raises
    ------
    ValueError
        For shapes that differ, ``x`` outside [0, 1], a ``mean`` outside [0, 1] (logits passed for the mean),
        a ``log_scale`` that is not finite or does not broadcast to ``x``, or ``levels < 2``.
    TypeError
        For ``log_scale=None`` or an input that is not an array of numbers.

    Taught in: 03_vae, 09_vae_vs_gan
    """
    x_shape = _check_tensor("x", x, ndim_at_least=2)
    _same_shape("x", x_shape, "mean", _check_tensor("mean", mean, ndim_at_least=2),
                " Fix: give the mean image of the same shape as the images.")  # fmt: skip
    values = _readable(x)
    if values is not None and values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"`x` must hold pixel values in [0, 1]; received values in [{values.min():.4g}, {values.max():.4g}]. "
            f"Fix: rescale, e.g. `x / 255.0` for 8-bit images."
        )
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise ValueError(f"`levels` must be an int >= 2 (256 for 8-bit images); received {levels!r}.")
    means = _readable(mean)
    if means is not None and means.size and (means.min() < -1e-5 or means.max() > 1 + 1e-5):
        raise ValueError(
            f"`mean` must be the mean image, in [0, 1] like the pixels; received values in [{means.min():.4g}, "
            f"{means.max():.4g}]. Fix: pass the decoder's mean ops.sigmoid(logits), not the logits themselves."
        )
    scale_shape = _check_tensor("log_scale", log_scale, ndim_at_least=0)
    try:
        fits = None in scale_shape + x_shape or np.broadcast_shapes(scale_shape, x_shape) == tuple(x_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"`log_scale` must be a number or broadcast to the images' shape {tuple(x_shape)} (e.g. "
                         f"one value per pixel, {tuple(x_shape[1:])}); received shape {scale_shape}.")  # fmt: skip
    mean = ops.convert_to_tensor(mean)
    return _flat_sum(_discretized_logistic(ops.cast(x, mean.dtype), mean, log_scale, int(levels)))


def _discretized_logistic(x, mean, log_scale, levels):
    """Per-pixel log-probabilities of :func:`discretized_logistic_log_likelihood`, without the checks."""
    steps = float(levels - 1)
    x = ops.round(x * steps) / steps  # the nearest of the L values
    inv_scale = ops.exp(-ops.convert_to_tensor(log_scale, dtype=mean.dtype))
    upper = (x - mean + 0.5 / steps) * inv_scale  # a: standardised upper edge of the bin
    lower = (x - mean - 0.5 / steps) * inv_scale  # b: standardised lower edge
    log_below_upper = -ops.softplus(-upper)  # log F(x + h/2) = log sigma(a)
    log_above_lower = -ops.softplus(lower)  # log (1 - F(x - h/2)) = log sigma(-b)
    width = ops.ones_like(x) * (inv_scale / steps)  # a - b > 0
    log_bin = log_below_upper + log_above_lower + ops.log(-ops.expm1(-width))
    return ops.where(x <= 0.0, log_below_upper, ops.where(x >= 1.0, log_above_lower, log_bin))


def kl_per_latent(mu, log_var):
    r"""KL divergence from :math:`q(z\mid x) = \mathcal N(\mu, \mathrm{diag}\,\sigma^2)` to
    :math:`p(z) = \mathcal N(0, I)`, one value per latent coordinate.

    .. math::
        \mathrm{KL}_j = -\tfrac12\,(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)

    Summing over :math:`j` gives the KL term of the ELBO. Each term is >= 0 and is 0 only at
    :math:`\mu_j = 0, \log\sigma_j^2 = 0`: a latent whose KL stays near 0 for every input carries no
    information about the input (it has "collapsed" to the prior).

    Parameters
    ----------
    mu, log_var : tensors of shape (batch, latent_dim)

    Returns
    -------
    tensor of shape (batch, latent_dim)

    Taught in: 03_vae
    """
    _same_shape("mu", _check_tensor("mu", mu, 2), "log_var", _check_tensor("log_var", log_var, 2),
                " Both are (batch, latent_dim), as the encoder returns them.")  # fmt: skip
    return _kl_per_latent(mu, log_var)


def _kl_per_latent(mu, log_var):
    """:func:`kl_per_latent` without the checks."""
    mu, log_var = ops.convert_to_tensor(mu), ops.convert_to_tensor(log_var)
    return -0.5 * (1.0 + log_var - ops.square(mu) - ops.exp(log_var))


def vae_loss_terms(x, logits, mu, log_var, likelihood="bernoulli", obs_std=0.1, log_scale=None):
    r"""The two terms of the negative ELBO of each image, in nats per image.

    .. math::
        -\mathrm{ELBO}(x) = \underbrace{-\mathbb E_{q(z\mid x)}[\log p(x\mid z)]}_{\text{reconstruction}}
            + \underbrace{\mathrm{KL}(q(z\mid x)\,\|\,p(z))}_{\text{kl}}

    The expectation is estimated with the single sample :math:`z` that produced ``logits``
    (the reparameterisation trick, Kingma & Welling arXiv:1312.6114); the KL is exact.

    Parameters
    ----------
    x, logits : tensors of shape (batch, height, width, channels)
    mu, log_var : tensors of shape (batch, latent_dim)
    likelihood, obs_std, log_scale : see :func:`reconstruction_log_likelihood`

    Returns
    -------
    (reconstruction, kl) : two tensors of shape (batch,)

    Taught in: 03_vae
    """
    x_shape, mu_shape = _check_tensor("x", x, 2), _check_tensor("mu", mu, 2)
    if x_shape[0] is not None and mu_shape[0] is not None and x_shape[0] != mu_shape[0]:
        raise ValueError(f"`x` and `mu` must hold the same images: a batch of {x_shape[0]} images has "
                         f"{x_shape[0]} codes, but `mu` has shape {mu_shape}. Pass the mu and log_var the encoder "
                         f"gave for this batch of x.")  # fmt: skip
    reconstruction = -reconstruction_log_likelihood(x, logits, likelihood, obs_std, log_scale)
    kl = ops.sum(kl_per_latent(mu, log_var), axis=-1)
    return reconstruction, kl


def _vae_loss_terms(x, logits, mu, log_var, likelihood, obs_std, log_scale=None):
    """:func:`vae_loss_terms` without the checks: what :meth:`vaegan_edu.models.VAE.compute_loss` calls."""
    reconstruction = -_reconstruction_log_likelihood(x, logits, likelihood, obs_std, log_scale)
    return reconstruction, ops.sum(_kl_per_latent(mu, log_var), axis=-1)


def beta_vae_objective(reconstruction, kl_dims, beta=1.0, free_bits=0.0):
    r"""The loss a (β-)VAE minimises, averaged over the batch, optionally with "free bits".

    .. math::
        L = \overline{\text{rec}} + \beta \sum_j \max\big(\overline{\mathrm{KL}_j},\ \lambda\big)

    where bars are batch means and :math:`\lambda` = ``free_bits`` (nats per latent). With
    :math:`\beta = 1, \lambda = 0` this is the negative ELBO. :math:`\beta > 1` is the β-VAE of Higgins et
    al. (ICLR 2017); :math:`\lambda > 0` is the free-bits trick of Kingma et al. (IAF, arXiv:1606.04934):
    a latent whose average KL is below :math:`\lambda` pays the constant :math:`\lambda` instead, so the
    loss no longer pushes it all the way to the prior (a fix for posterior collapse).

    Parameters
    ----------
    reconstruction : tensor of shape (batch,), from :func:`vae_loss_terms`
    kl_dims : tensor of shape (batch, latent_dim), from :func:`kl_per_latent`
    beta : float or scalar tensor >= 0
    free_bits : float >= 0

    Returns
    -------
    scalar tensor

    Taught in: 04_measuring_the_vae
    """
    if not hasattr(beta, "assign"):  # a variable (the VAE's, changed by KLWarmup) is checked where it is set
        check_nonnegative_number("beta", beta, 1.0)
    check_nonnegative_number("free_bits", free_bits, 0.0)
    rec_shape, kl_shape = _check_tensor("reconstruction", reconstruction), _check_tensor("kl_dims", kl_dims, 2)
    if len(rec_shape) != 1 or None not in (rec_shape[0], kl_shape[0]) and rec_shape[0] != kl_shape[0]:
        raise ValueError(f"`reconstruction` must have shape (batch,) and `kl_dims` (batch, latent_dim); received "
                         f"{rec_shape} and {kl_shape}.")  # fmt: skip
    return _beta_vae_objective(reconstruction, kl_dims, beta, free_bits)


def _beta_vae_objective(reconstruction, kl_dims, beta, free_bits):
    """:func:`beta_vae_objective` without the checks."""
    kl_dims = ops.convert_to_tensor(kl_dims)
    reconstruction = ops.cast(reconstruction, kl_dims.dtype)
    kl_mean_dims = ops.mean(kl_dims, axis=0)  # (latent_dim,)
    if free_bits > 0:
        kl_mean_dims = ops.maximum(kl_mean_dims, free_bits)
    return ops.mean(reconstruction) + beta * ops.sum(kl_mean_dims)

"""Loss functions of the book's models, written with ``keras.ops`` so they run on every Keras backend.

Each engineer's models keep their losses here in their own section: reconstruction terms and the ELBO of
the VAE chapters, the GAN losses and the gradient penalty of the GAN chapters. Every function states its
equation, works on batches and returns a scalar or one value per example as documented.
"""

import keras
from keras import ops

# === GAN (chapters 05-06) ===

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
    >>> float(gan_discriminator_loss(np.zeros(4), np.zeros(4)))  # D = 1/2 everywhere: 2 log 2
    1.386294...

    Taught in: 05_gan_game
    """
    _check_gan_loss(loss)
    if not 0.0 <= float(label_smoothing) < 0.5:
        raise ValueError(
            "Invalid value received for argument `label_smoothing`. Expected a float in [0, 0.5), e.g. 0.1 "
            f"(real targets become 0.9). Received: label_smoothing={label_smoothing!r}."
        )
    if label_smoothing and loss not in ("minimax", "non_saturating"):
        raise ValueError(
            f"`label_smoothing` applies to the cross-entropy losses only; received loss={loss!r} with "
            f"label_smoothing={label_smoothing}. Fix: set label_smoothing=0.0 or use loss='non_saturating'."
        )
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

    Taught in: 05_gan_game
    """
    _check_gan_loss(loss)
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

    Taught in: 05_gan_game
    """
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

    Taught in: 05_gan_game
    """
    real = ops.convert_to_tensor(real, dtype="float32")
    fake = ops.convert_to_tensor(fake, dtype="float32")
    eps = ops.reshape(ops.convert_to_tensor(epsilon, dtype="float32"), (-1,) + (1,) * (len(real.shape) - 1))
    return eps * real + (1.0 - eps) * fake

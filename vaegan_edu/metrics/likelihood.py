r"""How well a VAE explains held-out images, and how much of its latent space it uses: the ELBO and its terms,
the importance-weighted bound :math:`\mathcal L_K` on :math:`\log p(x)`, latent activity, active units, the
KL per latent dimension, and the aggregate posterior against the prior (prior holes).

Taught in: 03_vae, 04_measuring_the_vae, 05_vae_interpretability, 09_vae_vs_gan
"""

from __future__ import annotations

import keras
import numpy as np

from vaegan_edu.validation import (
    as_float_array, check_int_tuple, check_nonnegative_number, check_positive_int, check_seed,
)  # fmt: skip

MAX_IMPORTANCE_SAMPLES = 10**6  # per image: 1,000 is the book's full setting; more is a typo that would run for hours

def _check_vae_inputs(model, x):
    from vaegan_edu.models.vae import check_images

    if not hasattr(model, "image_shape") or not hasattr(model, "encode"):
        raise TypeError(f"`model` must be a vaegan_edu.models.VAE; received {type(model).__name__}.")

    return check_images(x, model.image_shape, model.likelihood)


def evaluate_elbo(model, x, num_samples=1, batch_size=500, seed=0) -> dict:
    r"""The ELBO of a trained VAE on a data set (e.g. the test set), in nats per image.

    .. math::
        \mathrm{ELBO}(x) = \mathbb E_{q(z\mid x)}[\log p(x\mid z)] - \mathrm{KL}(q(z\mid x)\,\|\,p(z))

    The expectation is a Monte Carlo average over ``num_samples`` draws of :math:`z` per image (NumPy
    noise from ``seed``, so the number is reproducible); the KL is exact.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape)
    num_samples, batch_size : int >= 1
    seed : int

    Returns
    -------
    dict with floats ``elbo``, ``reconstruction`` (:math:`-\mathbb E\log p(x\mid z)`) and ``kl``, means
    over the images, and ``elbo_per_image``, an array of shape (n,).

    Raises
    ------
    ValueError
        For images of the wrong shape or outside [0, 1] with a Bernoulli likelihood.

    Taught in: 03_vae
    """
    from vaegan_edu import losses

    x = _check_vae_inputs(model, x)
    num_samples = check_positive_int("num_samples", num_samples, 1, maximum=MAX_IMPORTANCE_SAMPLES)
    batch_size = check_positive_int("batch_size", batch_size, 500)
    rng = np.random.default_rng(check_seed(seed))
    mu, log_var = model.encode(x, batch_size)  # (n, latent_dim) each
    kl = keras.ops.convert_to_numpy(keras.ops.sum(losses.kl_per_latent(mu, log_var), axis=-1)).astype("float64")
    rec = np.zeros(len(x))
    for _ in range(num_samples):
        z = mu + np.exp(0.5 * log_var) * rng.standard_normal(mu.shape).astype("float32")
        logits = model.decode(z, batch_size, logits=True)
        rec -= keras.ops.convert_to_numpy(
            model.observation_log_likelihood(x, logits)
        )
    rec /= num_samples
    elbo = -(rec + kl)
    return {"elbo": float(elbo.mean()), "reconstruction": float(rec.mean()), "kl": float(kl.mean()),
            "elbo_per_image": elbo}  # fmt: skip


def iwae_log_likelihood(model, x, k=1000, max_rows=8192, batch_size=None, seed=0) -> np.ndarray:
    r"""Importance-weighted estimate of :math:`\log p(x)` for each image (Burda et al., arXiv:1509.00519).

    .. math::
        \mathcal L_K(x) = \log \frac1K \sum_{k=1}^K \frac{p(x\mid z_k)\,p(z_k)}{q(z_k\mid x)},
        \qquad z_k \sim q(z\mid x)

    :math:`\mathcal L_1` is a one-sample ELBO; :math:`\mathbb E[\mathcal L_K]` grows with K towards
    :math:`\log p(x)`, so :math:`\mathcal L_K - \mathrm{ELBO}` measures (a lower bound on) the gap
    :math:`\mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))` of chapter 02. The K samples are processed in chunks
    of at most ``max_rows`` decoder calls, and chunks are combined with a running log-sum-exp, so K = 1,000
    or more fits in memory.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape)
    k : int >= 1
        Importance samples per image.
    max_rows : int >= 1
        Largest number of (image, sample) pairs decoded at once (memory ~ max_rows x pixels x 4 bytes).
    batch_size : int or None
        Images per chunk (default: as many as ``max_rows`` allows, at least 1).
    seed : int
        Seed of the NumPy noise.

    Returns
    -------
    array of shape (n,), nats per image

    Raises
    ------
    ValueError
        For a bad ``k`` or images that do not fit the model.

    Taught in: 04_measuring_the_vae
    """
    from vaegan_edu import probability

    x = _check_vae_inputs(model, x)
    k = check_positive_int("k", k, 1000, maximum=MAX_IMPORTANCE_SAMPLES)
    max_rows = check_positive_int("max_rows", max_rows, 8192, maximum=2**24)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size, 8)
    rng = np.random.default_rng(check_seed(seed))
    mu, log_var = model.encode(x)  # (n, latent_dim) each
    batch_size = batch_size or max(1, max_rows // k)
    chunk = max(1, max_rows // batch_size)  # importance samples decoded per pass
    out = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        xb, mb, lb = x[start:start + batch_size], mu[start:start + batch_size], log_var[start:start + batch_size]
        b = len(xb)
        running = np.full(b, -np.inf)  # log sum_k w_k so far
        for done in range(0, k, chunk):
            c = min(chunk, k - done)
            eps = rng.standard_normal((c, b, model.latent_dim)).astype("float32")
            z = mb + np.exp(0.5 * lb) * eps  # (c, b, latent_dim)
            logits = model.decode(z.reshape(c * b, -1), batch_size=c * b, logits=True)
            x_rep = np.broadcast_to(xb, (c, *xb.shape)).reshape(c * b, *xb.shape[1:])
            log_px_z = keras.ops.convert_to_numpy(
                model.observation_log_likelihood(x_rep, logits)
            ).reshape(c, b)
            log_p_xz = log_px_z + keras.ops.convert_to_numpy(probability.log_standard_normal(z))  # log p(x, z)
            log_q = keras.ops.convert_to_numpy(probability.log_normal(z, mb, lb))  # (c, b)
            # iwae_bound(...) + log(c) is the log-sum-exp of this chunk's weights
            chunk_lse = keras.ops.convert_to_numpy(probability.iwae_bound(log_p_xz.astype("float64"),
                                                                    log_q.astype("float64"))) + np.log(c)
            running = np.logaddexp(running, chunk_lse)
        out[start:start + b] = running - np.log(k)
    return out


def bits_per_dim(log_likelihood, image_shape) -> np.ndarray:
    r"""Negative log-likelihoods in nats per image, as bits per pixel value: the unit of image-density papers.

    .. math:: \mathrm{bpd} = \frac{-\log p(x)}{d \, \log 2}, \qquad d = \text{height} \times \text{width}
        \times \text{channels}

    Meaningful only for a normalised distribution over the pixel values (e.g. the discretised logistic over
    8-bit values, where a uniform model scores exactly 8), not for the Bernoulli cross-entropy on grey levels.

    Parameters
    ----------
    log_likelihood : float or array, nats per image (e.g. :func:`iwae_log_likelihood`)
    image_shape : tuple of positive ints

    Returns
    -------
    array of the same shape as ``log_likelihood``

    Raises
    ------
    ValueError
        For a positive log-likelihood: a log-probability of a discrete distribution is <= 0, so a positive value
        is a negative log-likelihood (a loss) passed by mistake, or the log-density of a continuous model.

    Taught in: 09_vae_vs_gan
    """
    shape = check_int_tuple("image_shape", image_shape, (28, 28, 1))
    values = as_float_array("log_likelihood", log_likelihood, "float64")
    if np.any(values > 1e-6):  # rounding may leave a log-probability of ~1 a hair above 0; NaN (a diverged run) passes
        raise ValueError(
            f"`log_likelihood` must be log-probabilities <= 0 (nats per image of a discrete distribution over pixel "
            f"values); received values up to {np.nanmax(values):.4g}. Fix: pass log p(x) itself, not the loss "
            f"-log p(x) (negate it), and only for a normalised likelihood such as 'discretized_logistic'."
        )
    return -values / (float(np.prod(shape)) * np.log(2.0))


def latent_activity(model, x) -> np.ndarray:
    r"""How much each latent's posterior mean moves across the data: :math:`\mathrm{Var}_x(\mathbb E_q[z_j])`.

    .. math::
        A_j = \mathrm{Var}_{x}\big(\mu_j(x)\big)

    Burda et al. (arXiv:1509.00519, section 5.2) call latent :math:`j` *active* when :math:`A_j > 10^{-2}`.

    Returns
    -------
    array of shape (latent_dim,)

    Taught in: 04_measuring_the_vae
    """
    mu, _ = model.encode(_check_vae_inputs(model, x))
    return mu.astype("float64").var(axis=0)


def aggregate_posterior_log_density(z, mu, log_var, batch_size: int = 512) -> np.ndarray:
    r"""Log-density of the aggregate posterior, the mixture of the encoder's Gaussians, at points ``z``.

    .. math::
        q(z) = \frac1N \sum_{n=1}^N \mathcal N\bigl(z;\, \mu_n, \operatorname{diag}\sigma_n^2\bigr)

    with :math:`(\mu_n, \log\sigma_n^2)` the encoder's outputs for N images (``model.encode(x)``). It is the
    distribution of the codes a VAE actually uses; where the prior :math:`p(z) = \mathcal N(0, I)` puts mass and
    :math:`q(z)` does not ("prior holes"), decoded samples come from codes the decoder never learned from. With
    N images the mixture is a good estimate of q in a few dimensions only: in 2-D thousands of components cover
    the plane, in 16-D they do not (every point away from the codes looks like a hole).

    Parameters
    ----------
    z : array (num_points, latent_dim)
    mu, log_var : arrays (N, latent_dim), the encoder's outputs
    batch_size : int >= 1, points evaluated at once (memory: batch_size x N x latent_dim floats)

    Returns
    -------
    np.ndarray (num_points,) of log q(z), in nats

    Raises
    ------
    ValueError
        If the shapes do not match or values are not finite.

    Taught in: 03_vae
    """
    z, mu, log_var = (as_float_array(name, a, "float64") for name, a in (("z", z), ("mu", mu), ("log_var", log_var)))
    if z.ndim != 2 or mu.ndim != 2 or mu.shape != log_var.shape or z.shape[1] != mu.shape[1] or not len(mu):
        raise ValueError(
            f"`z` must be (num_points, latent_dim) and `mu`, `log_var` (N, latent_dim) with the same latent_dim and "
            f"N >= 1; received z {z.shape}, mu {mu.shape}, log_var {log_var.shape}. Fix: mu, log_var = "
            "model.encode(x)."
        )
    for name, a in (("z", z), ("mu", mu), ("log_var", log_var)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"`{name}` holds NaN or infinite values; pass finite codes.")
    batch_size = check_positive_int("batch_size", batch_size, 512)
    inv_var, const = np.exp(-log_var), -0.5 * (mu.shape[1] * np.log(2 * np.pi) + log_var.sum(1))  # (N, d), (N,)
    out = np.empty(len(z))
    for start in range(0, len(z), batch_size):
        diff = z[start : start + batch_size, None, :] - mu[None]  # (b, N, d)
        log_terms = const[None] - 0.5 * np.einsum("bnd,nd->bn", diff**2, inv_var)  # log N(z_b; mu_n, s_n^2)
        peak = log_terms.max(1, keepdims=True)
        out[start : start + batch_size] = (peak[:, 0] + np.log(np.exp(log_terms - peak).mean(1)))
    return out


def active_units(model, x, threshold=0.01) -> int:
    r"""Number of active latents, :math:`\#\{j : \mathrm{Var}_x(\mu_j(x)) > \text{threshold}\}`.

    A collapsed latent (posterior equal to the prior for every input) has :math:`\mu_j(x) \approx 0`
    for all :math:`x`, so it is not active. See :func:`latent_activity`.

    Returns
    -------
    int between 0 and ``model.latent_dim``

    Taught in: 04_measuring_the_vae
    """
    threshold = check_nonnegative_number("threshold", threshold, "0.01 (Burda et al.'s)")
    return int(np.sum(latent_activity(model, x) > threshold))


def kl_per_dimension(model, x) -> np.ndarray:
    r"""Average KL of each latent coordinate over a data set, in nats.

    .. math::
        \overline{\mathrm{KL}}_j = \frac1n \sum_{i=1}^n -\tfrac12\big(1 + \log\sigma_j^2(x_i)
            - \mu_j(x_i)^2 - \sigma_j^2(x_i)\big)

    The KL term of the ELBO is their sum; a latent with :math:`\overline{\mathrm{KL}}_j \approx 0` is
    unused.

    Returns
    -------
    array of shape (latent_dim,)

    Taught in: 05_vae_interpretability
    """
    from vaegan_edu import losses

    mu, log_var = model.encode(_check_vae_inputs(model, x))
    return keras.ops.convert_to_numpy(losses.kl_per_latent(mu.astype("float64"), log_var.astype("float64"))).mean(0)


class _PerImagePosterior(keras.Model):
    """One free Gaussian q(z | x_n) per image (its mean and log-variance are weights) before a frozen decoder:
    ``fit`` on the images maximises each image's ELBO over its own q, the non-amortised optimum of Cremer et al."""

    def __init__(self, decoder, mu, log_var, seed=0):
        super().__init__(name="per_image_posterior")
        self.decoder = decoder  # frozen by the caller: only mu and log_var train
        self.mu = self.add_weight(shape=mu.shape, initializer=keras.initializers.Constant(mu), name="mu")
        self.log_var = self.add_weight(shape=mu.shape, initializer=keras.initializers.Constant(log_var),
                                       name="log_var")  # fmt: skip
        self.noise = keras.random.SeedGenerator(seed)

    def call(self, x, training=None):
        eps = keras.random.normal(keras.ops.shape(self.mu), seed=self.noise)
        return self.decoder(self.mu + keras.ops.exp(0.5 * self.log_var) * eps, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        from vaegan_edu import losses

        mu, log_var = keras.ops.add(self.mu, 0.0), keras.ops.add(self.log_var, 0.0)  # tensors, not variables
        rec, kl = losses.vae_loss_terms(x, y_pred, mu, log_var)
        return keras.ops.mean(rec + kl)  # the images' mean negative ELBO: each q gets its own image's gradient


def inference_gaps(model, x, steps=300, learning_rate=0.05, num_samples=100, k=1000, seed=0) -> dict:
    r"""Split the gap :math:`\log p(x) - \mathrm{ELBO}` into approximation and amortisation gaps, per image
    (Cremer, Li & Duvenaud, *Inference Suboptimality in Variational Autoencoders*, arXiv:1801.03558).

    .. math::
        \log p(x) - \mathrm{ELBO}(q_\phi) = \underbrace{\log p(x) - \mathrm{ELBO}(q^*)}_{\text{approximation}}
            + \underbrace{\mathrm{ELBO}(q^*) - \mathrm{ELBO}(q_\phi)}_{\text{amortisation}}

    :math:`q_\phi` is the encoder's Gaussian; :math:`q^*` the best diagonal Gaussian for each image on its own,
    found by ``steps`` full-batch Adam steps on the ELBO (one-sample reparameterised gradients, the decoder
    frozen), started at the encoder's output. :math:`\log p(x)` is estimated by the importance-weighted bound
    :math:`\mathcal L_k` (:func:`iwae_log_likelihood`), itself a lower bound, so the approximation gap is
    underestimated. Both ELBOs are averaged over ``num_samples`` draws with the same seed. Bernoulli VAEs only.

    Returns
    -------
    dict of arrays of shape (n,), nats per image: ``log_px``, ``elbo_encoder``, ``elbo_optimal``,
    ``approximation`` and ``amortisation`` (the two gaps).

    Taught in: 04_measuring_the_vae
    """
    from vaegan_edu import losses

    x = _check_vae_inputs(model, x)
    if model.likelihood != "bernoulli":
        raise ValueError(f"inference_gaps needs a Bernoulli VAE; received likelihood={model.likelihood!r}.")
    steps = check_positive_int("steps", steps, 300)
    num_samples = check_positive_int("num_samples", num_samples, 100, maximum=MAX_IMPORTANCE_SAMPLES)
    seed = check_seed(seed)
    mu, log_var = model.encode(x)
    was_trainable, model.decoder.trainable = model.decoder.trainable, False
    try:
        q = _PerImagePosterior(model.decoder, mu, log_var, seed=seed)
        q.compile(optimizer=keras.optimizers.Adam(check_nonnegative_number("learning_rate", learning_rate, 0.05)))
        q.fit(x, batch_size=len(x), epochs=steps, shuffle=False, verbose=0)
    finally:
        model.decoder.trainable = was_trainable
    rng = np.random.default_rng(seed)

    def elbo(m, lv):  # the mean of num_samples one-sample ELBOs, per image
        kl = keras.ops.convert_to_numpy(keras.ops.sum(losses.kl_per_latent(m, lv), axis=-1)).astype("float64")
        draws = [model.observation_log_likelihood(x, model.decode(
            m + np.exp(0.5 * lv) * rng.standard_normal(m.shape).astype("float32"), logits=True))
            for _ in range(num_samples)]  # fmt: skip
        return np.mean([keras.ops.convert_to_numpy(d) for d in draws], axis=0) - kl

    elbo_encoder = elbo(mu, log_var)
    elbo_optimal = elbo(keras.ops.convert_to_numpy(q.mu), keras.ops.convert_to_numpy(q.log_var))
    log_px = iwae_log_likelihood(model, x, k=k, seed=seed)
    return {"log_px": log_px, "elbo_encoder": elbo_encoder, "elbo_optimal": elbo_optimal,
            "approximation": log_px - elbo_optimal, "amortisation": elbo_optimal - elbo_encoder}  # fmt: skip

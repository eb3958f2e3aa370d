r"""Log-densities, KL divergences, the linear-Gaussian model and gradient estimators.

Everything here is written with ``keras.ops`` and ``keras.random`` so that it runs on every Keras backend
(TensorFlow, JAX, PyTorch) and accepts NumPy arrays or backend tensors. NumPy float64 inputs stay float64
(the chapters check identities to a relative error of 1e-6, which float32 cannot promise) where the backend
has float64 (JAX only with ``JAX_ENABLE_X64=1``); everything else is computed in Keras's default float type.

Conventions used throughout (the same symbols as the chapters):

* a diagonal Gaussian is given by its mean ``mu`` and its **log-variance** ``log_var`` (log sigma^2), never
  by sigma: ``exp`` of any real number is a valid variance, so an optimiser can move ``log_var`` freely;
* the **last axis is the event axis**: log-densities and KL terms are *summed* over it and keep every other
  axis (a batch of 5 points in 3 dimensions gives 5 numbers);
* Monte Carlo estimates come with their standard error, ``std / sqrt(num_samples)``.

Input checks (shapes that do not broadcast, NaN or infinite values, a noise scale that is not positive)
raise ``ValueError`` with the fix. Values are checked for NaN only when they are NumPy arrays or Python
numbers, so the functions can still run inside a compiled training step, where tensors are symbolic.

Taught in: 01_kl_divergence, 02_elbo
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
from keras import ops

LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _float64_available() -> bool:
    """False on JAX unless JAX_ENABLE_X64 is set: there float64 arrays are silently cut to float32."""
    return keras.backend.standardize_dtype(ops.convert_to_tensor(np.zeros(1)).dtype) == "float64"


def _dtype_of(values) -> str:
    """float64 if any input is a float64 array or tensor (NumPy's default), else Keras's floatx."""
    if not _float64_available():
        return keras.config.floatx()
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and keras.backend.standardize_dtype(dtype) == "float64":
            return "float64"
    return keras.config.floatx()


def _check_finite(name: str, value) -> None:
    """Raise if a NumPy array or Python number holds NaN or infinity (tensors are not inspected)."""
    from vaegan_edu.validation import concrete_array, is_tensor

    if isinstance(value, keras.Variable):
        value = value.value
    if is_tensor(value) or ops.is_tensor(value):
        array = concrete_array(value)  # eager tensors are read; symbolic ones (in a compiled step) are not
        if array is None:
            return
    else:
        try:
            array = np.asarray(value)
        except ValueError:
            raise ValueError(f"`{name}` must be a rectangular array of numbers; received a ragged "
                             f"{type(value).__name__}.") from None  # fmt: skip
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must be a number, a NumPy array or a tensor of numbers; received a value of type "
            f"{type(value).__name__} ({array.dtype}). Convert it with np.asarray(..., dtype=float)."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"`{name}` contains NaN or infinite values (received {array!r:.80}). Find where they come "
            f"from (a log of 0, an exp that overflowed, a division by 0) and pass finite numbers."
        )


def _check_probability_values(name: str, value) -> None:
    """Raise if readable values of ``value`` fall outside [0, 1] (a Bernoulli's outcomes; 0-255 pixels are not)."""
    from vaegan_edu.validation import concrete_array, is_tensor

    array = concrete_array(value) if is_tensor(value) else np.asarray(value)
    if array is not None and array.dtype.kind in "biuf" and array.size and np.all(np.isfinite(array)):
        if array.min() < 0 or array.max() > 1:
            raise ValueError(
                f"`{name}` must hold values in [0, 1] (Bernoulli outcomes or grey levels); received values in "
                f"[{array.min():.4g}, {array.max():.4g}]. Fix: rescale 8-bit images with `{name} / 255.0`."
            )


def _static_shape(value) -> tuple:
    return tuple(getattr(value, "shape", np.shape(value)))


def _check_broadcast(**named) -> tuple:
    """Raise unless the named arguments' shapes broadcast together; return the broadcast shape."""
    shapes = {name: _static_shape(value) for name, value in named.items()}
    try:
        # Unknown (None) dimensions of symbolic tensors are treated as 1: they are checked at run time.
        return np.broadcast_shapes(*[tuple(1 if d is None else d for d in s) for s in shapes.values()])
    except ValueError:
        listing = ", ".join(f"`{name}` has shape {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"The shapes do not match: {listing}. They must be equal or broadcast against each other "
            f"(the last axis is the event axis, e.g. (batch, latent_dim) for every argument). Check that "
            f"you did not swap two arguments or forget a batch axis (add one with x[None, :])."
        ) from None


def _as_tensors(**named):
    """Check that the arguments are finite and broadcastable, and convert them to one float dtype."""
    for name, value in named.items():
        _check_finite(name, value)
    _check_broadcast(**named)
    dtype = _dtype_of(named.values())
    return [ops.convert_to_tensor(value, dtype=dtype) for value in named.values()]


def _matmul(a, b):
    """``a (..., n) @ b (n, m)``, written with einsum: Keras 3.15's ``ops.matmul`` (like ``ops.mean`` and
    ``ops.var``) on the PyTorch backend computes float64 inputs in float32 and casts back."""
    return ops.einsum("...n,nm->...m", a, b)


def _check_num_samples(num_samples) -> int:
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(
            f"`num_samples` must be a positive integer such as 1000; received {num_samples!r}."
        )
    return int(num_samples)


def _seed_argument(seed):
    """Accept an int seed, a keras.random.SeedGenerator, or None (a fresh, unseeded draw)."""
    if seed is None or isinstance(seed, keras.random.SeedGenerator):
        return seed
    from vaegan_edu.config import check_seed

    return check_seed(seed)


# --------------------------------------------------------------------------------------------------
# Log-densities
# --------------------------------------------------------------------------------------------------


def log_normal(x, mu=0.0, log_var=0.0):
    r"""Log-density of a diagonal Gaussian, summed over the last axis.

    .. math::
        \log \mathcal N(x; \mu, \operatorname{diag}\sigma^2)
        = -\tfrac12 \sum_j \Bigl(\log 2\pi + \log\sigma_j^2 + \frac{(x_j-\mu_j)^2}{\sigma_j^2}\Bigr)

    Parameters
    ----------
    x : array or tensor of shape (..., dim)
        Points at which to evaluate the density.
    mu, log_var : array, tensor or float, broadcastable to ``x``
        Mean and log-variance :math:`\log\sigma^2` of each dimension.

    Returns
    -------
    tensor of shape (...,): ``x``'s shape without its last axis.

    Raises
    ------
    ValueError
        If the shapes do not broadcast or an input holds NaN/inf.

    Examples
    --------
    >>> round(float(log_normal(np.zeros(1))), 6)  # -log(2 pi) / 2
    -0.918939

    Taught in: 01_kl_divergence
    """
    x, mu, log_var = _as_tensors(x=x, mu=mu, log_var=log_var)
    diff = x - mu
    # (x - mu)^2 / sigma^2, with 0 where x == mu: exp(-log_var) overflows float32 for log_var < -88, and 0 * inf
    # would be NaN where the density is simply at its peak.
    scaled = ops.where(ops.equal(diff, 0.0), ops.zeros_like(diff), ops.square(diff) * ops.exp(-log_var))
    return -0.5 * ops.sum(LOG_2PI + log_var + scaled, axis=-1)


def log_standard_normal(x):
    r"""Log-density of the standard normal :math:`\mathcal N(0, I)`, summed over the last axis.

    .. math::
        \log \mathcal N(x; 0, I) = -\tfrac12 \sum_j (\log 2\pi + x_j^2)

    Parameters
    ----------
    x : array or tensor of shape (..., dim)

    Returns
    -------
    tensor of shape (...,)

    Taught in: 01_kl_divergence
    """
    (x,) = _as_tensors(x=x)
    return -0.5 * ops.sum(LOG_2PI + ops.square(x), axis=-1)


def log_bernoulli(x, logits):
    r"""Log-probability of ``x`` under independent Bernoullis given by their logits, summed over the last axis.

    .. math::
        \log p(x) = \sum_j \bigl(x_j \ell_j - \operatorname{softplus}(\ell_j)\bigr),
        \qquad p_j = \operatorname{sigmoid}(\ell_j)

    which equals :math:`\sum_j x_j \log p_j + (1 - x_j)\log(1 - p_j)` but never takes the log of a
    probability that rounded to 0 or 1: logits of +-100 give finite values and finite gradients.
    ``x`` may be grey levels in [0, 1] (the "continuous Bernoulli" shortcut many VAEs take).

    Parameters
    ----------
    x : array or tensor of shape (..., dim), values in [0, 1]
    logits : array or tensor broadcastable to ``x``

    Returns
    -------
    tensor of shape (...,)

    Taught in: 02_elbo
    """
    _check_probability_values("x", x)
    x, logits = _as_tensors(x=x, logits=logits)
    return ops.sum(x * logits - ops.softplus(logits), axis=-1)


def log_normal_mixture(x, weights, means, log_vars):
    r"""Log-density of a one-dimensional Gaussian mixture, computed with a stable log-sum-exp.

    .. math::
        \log p(x) = \log \sum_c \pi_c \, \mathcal N(x; \mu_c, \sigma_c^2)

    Parameters
    ----------
    x : array or tensor of shape (n,)
        Points (scalars) at which to evaluate the density.
    weights : array of shape (num_components,), positive, summing to 1
    means, log_vars : arrays of shape (num_components,)

    Returns
    -------
    tensor of shape (n,)

    Raises
    ------
    ValueError
        If the weights are not positive or do not sum to 1, or the component arrays differ in shape.

    Taught in: 01_kl_divergence
    """
    weights_np = np.asarray(weights, dtype=float)
    if np.any(weights_np <= 0) or not np.isclose(weights_np.sum(), 1.0):
        raise ValueError(
            f"`weights` must be positive and sum to 1; received {weights_np} (sum {weights_np.sum():.4g}). "
            f"Divide by their sum."
        )
    _check_finite("x", x)
    _as_tensors(weights=weights, means=means, log_vars=log_vars)  # checks only: x has its own shape
    dtype = _dtype_of([x, weights, means, log_vars])
    x, weights, means, log_vars = (ops.convert_to_tensor(v, dtype=dtype) for v in (x, weights, means, log_vars))
    if len(x.shape) != 1:
        raise ValueError(f"`x` must be one-dimensional, shape (n,); received shape {tuple(x.shape)}.")
    # (n, 1) against (num_components,) -> (n, num_components); log_normal sums over a last axis of size 1.
    log_components = log_normal(x[:, None, None], means[:, None], log_vars[:, None])
    return ops.logsumexp(ops.log(weights) + log_components, axis=-1)


# --------------------------------------------------------------------------------------------------
# KL divergence
# --------------------------------------------------------------------------------------------------


def kl_normal(mu_q, log_var_q, mu_p=0.0, log_var_p=0.0):
    r"""Closed-form KL(q || p) between two diagonal Gaussians, summed over the last axis.

    .. math::
        \mathrm{KL}(q\,\|\,p) = \tfrac12 \sum_j \Bigl(\log\sigma_{p,j}^2 - \log\sigma_{q,j}^2
        + \frac{\sigma_{q,j}^2 + (\mu_{q,j}-\mu_{p,j})^2}{\sigma_{p,j}^2} - 1\Bigr)

    With the defaults :math:`p = \mathcal N(0, I)` this is the prior term of a VAE,
    :math:`-\tfrac12 \sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)`.

    Parameters
    ----------
    mu_q, log_var_q : array or tensor of shape (..., dim)
        Mean and log-variance of q.
    mu_p, log_var_p : array, tensor or float broadcastable to ``mu_q``
        Mean and log-variance of p (default: the standard normal).

    Returns
    -------
    tensor of shape (...,), >= 0, zero only when q = p.

    Raises
    ------
    ValueError
        If the shapes do not broadcast or an input holds NaN/inf.

    Examples
    --------
    >>> float(kl_normal(np.array([1.0]), np.array([0.0])))  # half the squared distance of the means
    0.5

    Taught in: 01_kl_divergence
    """
    mu_q, log_var_q, mu_p, log_var_p = _as_tensors(
        mu_q=mu_q, log_var_q=log_var_q, mu_p=mu_p, log_var_p=log_var_p
    )
    ratio = ops.exp(log_var_q - log_var_p) + ops.square(mu_q - mu_p) * ops.exp(-log_var_p)
    return 0.5 * ops.sum(log_var_p - log_var_q + ratio - 1.0, axis=-1)


def kl_monte_carlo(log_q, log_p):
    r"""Monte Carlo estimate of KL(q || p) and its standard error, from samples of q.

    .. math::
        \mathrm{KL}(q\,\|\,p) = \mathbb E_{z\sim q}[\log q(z) - \log p(z)]
        \approx \frac1S \sum_{s=1}^S \bigl(\log q(z_s) - \log p(z_s)\bigr), \qquad z_s \sim q

    Parameters
    ----------
    log_q, log_p : array or tensor of shape (num_samples, ...)
        :math:`\log q(z_s)` and :math:`\log p(z_s)` at the same samples :math:`z_s \sim q`
        (axis 0 is the sample axis).

    Returns
    -------
    (estimate, standard_error) : two tensors of shape (...,)
        The sample mean and ``std / sqrt(num_samples)``. Unlike the true KL, a single estimate can be
        negative.

    Raises
    ------
    ValueError
        If the shapes differ, there are fewer than two samples, or an input holds NaN/inf.

    Taught in: 01_kl_divergence
    """
    if _static_shape(log_q) != _static_shape(log_p):
        raise ValueError(
            f"`log_q` and `log_p` must have the same shape (num_samples, ...), both evaluated at the same "
            f"samples of q; received {_static_shape(log_q)} and {_static_shape(log_p)}."
        )
    log_q, log_p = _as_tensors(log_q=log_q, log_p=log_p)
    return _mean_and_standard_error(log_q - log_p)


def _mean_and_standard_error(values):
    """Mean over axis 0 and its standard error (sample std with n - 1, over sqrt(n))."""
    num_samples = values.shape[0]
    if num_samples is not None and num_samples < 2:
        raise ValueError(
            f"A standard error needs at least 2 samples along axis 0; received shape {tuple(values.shape)}."
        )
    mean = ops.sum(values, axis=0) / num_samples  # not ops.mean: see _matmul
    variance = ops.sum(ops.square(values - mean), axis=0) / (num_samples - 1)
    return mean, ops.sqrt(variance / num_samples)


def kl_quadrature(log_q, log_p, grid):
    r"""KL(q || p) for one-dimensional densities given on a uniform grid, by the trapezoidal rule.

    .. math::
        \mathrm{KL}(q\,\|\,p) = \int q(x)\,\bigl(\log q(x) - \log p(x)\bigr)\,dx

    The grid must cover (almost) all of q's mass; points where q underflows to 0 contribute 0.

    Parameters
    ----------
    log_q, log_p : array or tensor of shape (n,)
        Log-densities on the grid.
    grid : array of shape (n,), increasing and evenly spaced

    Returns
    -------
    scalar tensor

    Raises
    ------
    ValueError
        If the shapes differ or the grid is not increasing.

    Taught in: 01_kl_divergence
    """
    grid_np = np.asarray(grid, dtype=float)
    if grid_np.ndim != 1 or grid_np.size < 2 or np.any(np.diff(grid_np) <= 0):
        raise ValueError(
            f"`grid` must be a 1-D increasing array such as np.linspace(-5, 5, 1001); received shape "
            f"{grid_np.shape}."
        )
    if not _static_shape(log_q) == _static_shape(log_p) == grid_np.shape:
        raise ValueError(
            f"`log_q`, `log_p` and `grid` must have the same shape (n,); received {_static_shape(log_q)}, "
            f"{_static_shape(log_p)} and {grid_np.shape}."
        )
    log_q, log_p = _as_tensors(log_q=log_q, log_p=log_p)
    integrand = ops.exp(log_q) * (log_q - log_p)
    dx = ops.convert_to_tensor(np.diff(grid_np), dtype=integrand.dtype)
    return ops.sum(0.5 * (integrand[1:] + integrand[:-1]) * dx)


# --------------------------------------------------------------------------------------------------
# Sampling and gradient estimators
# --------------------------------------------------------------------------------------------------


def sample_normal(mu, log_var, num_samples=None, seed=None):
    r"""Reparameterised samples of a diagonal Gaussian: :math:`z = \mu + \sigma \odot \varepsilon`.

    .. math::
        z = \mu + \exp(\tfrac12 \log\sigma^2) \odot \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)

    The randomness sits in :math:`\varepsilon`, which does not depend on the parameters, so ``z`` is a
    differentiable function of ``mu`` and ``log_var`` (Kingma & Welling, arXiv:1312.6114).

    Parameters
    ----------
    mu, log_var : array or tensor of shape (..., dim)
    num_samples : int or None
        None draws one sample of ``mu``'s shape; an int adds a leading sample axis.
    seed : int, keras.random.SeedGenerator or None
        Fixes the draw (same seed, same samples).

    Returns
    -------
    tensor of shape (..., dim), or (num_samples, ..., dim)

    Taught in: 01_kl_divergence, 02_elbo
    """
    mu, log_var = _as_tensors(mu=mu, log_var=log_var)
    shape = tuple(np.broadcast_shapes(tuple(mu.shape), tuple(log_var.shape)))
    if num_samples is not None:
        shape = (_check_num_samples(num_samples),) + shape
    eps = keras.random.normal(shape, dtype=mu.dtype, seed=_seed_argument(seed))
    return mu + ops.exp(0.5 * log_var) * eps


def reparameterization_gradient(grad_f, mu, log_var, num_samples, seed=None):
    r"""Per-sample reparameterisation (pathwise) estimates of the gradient of :math:`\mathbb E_q[f(z)]`.

    With :math:`z = \mu + \sigma\varepsilon`, the chain rule gives, for :math:`q = \mathcal N(\mu, \sigma^2)`,

    .. math::
        \nabla_\mu \mathbb E_q[f(z)] = \mathbb E_\varepsilon[\nabla f(z)], \qquad
        \nabla_{\log\sigma^2} \mathbb E_q[f(z)]
        = \mathbb E_\varepsilon\bigl[\nabla f(z) \odot \tfrac12 \sigma \varepsilon\bigr]

    It needs the gradient of f; in return its variance is usually far smaller than the score function's.

    Parameters
    ----------
    grad_f : callable
        Maps samples ``z`` of shape (num_samples, ..., dim) to :math:`\nabla_z f(z)` of the same shape.
    mu, log_var : array or tensor of shape (..., dim)
    num_samples : int >= 1
    seed : int, keras.random.SeedGenerator or None

    Returns
    -------
    (grad_mu, grad_log_var) : two tensors of shape (num_samples, ..., dim)
        One estimate per sample; average over axis 0 for the S-sample estimator.

    Taught in: 02_elbo
    """
    mu, log_var = _as_tensors(mu=mu, log_var=log_var)
    z = sample_normal(mu, log_var, num_samples=num_samples, seed=seed)
    grad_z = ops.convert_to_tensor(grad_f(z), dtype=z.dtype)
    if tuple(grad_z.shape) != tuple(z.shape):
        raise ValueError(
            f"`grad_f` must return an array of the samples' shape {tuple(z.shape)}; it returned "
            f"{tuple(grad_z.shape)}. It should compute the gradient of f with respect to z, not f itself."
        )
    return grad_z, grad_z * 0.5 * (z - mu)  # (z - mu) = sigma * eps


def score_function_gradient(f, mu, log_var, num_samples, seed=None, baseline=0.0):
    r"""Per-sample score-function (REINFORCE) estimates of the gradient of :math:`\mathbb E_q[f(z)]`.

    .. math::
        \nabla_\theta \mathbb E_q[f(z)] = \mathbb E_q\bigl[(f(z) - b)\,\nabla_\theta \log q(z)\bigr],\qquad
        \nabla_\mu \log q = \frac{z-\mu}{\sigma^2},\quad
        \nabla_{\log\sigma^2} \log q = \tfrac12\Bigl(\frac{(z-\mu)^2}{\sigma^2} - 1\Bigr)

    It needs only values of f (f may be a black box, even discrete), but its variance is large
    (Williams 1992; compared in Mohamed et al., *Monte Carlo Gradient Estimation in Machine Learning*,
    arXiv:1906.10652). A constant **baseline** :math:`b` (a control variate) leaves it unbiased, because
    :math:`\mathbb E_q[\nabla_\theta \log q] = 0`. The constant that minimises the variance of one component,
    with score :math:`\psi = \partial_\theta \log q`, is :math:`b^* = \mathbb E_q[f\psi^2]/\mathbb E_q[\psi^2]`,
    not :math:`\mathbb E_q[f]` (a common, simpler choice that also helps); estimate :math:`b` from samples
    *other* than the ones it is used with, or the estimator is no longer unbiased.

    Parameters
    ----------
    f : callable
        Maps samples ``z`` of shape (num_samples, ..., dim) to values of shape (num_samples, ...).
    mu, log_var : array or tensor of shape (..., dim)
    num_samples : int >= 1
    seed : int, keras.random.SeedGenerator or None
    baseline : float, default 0.0
        The constant :math:`b` subtracted from f (0: the plain estimator).

    Returns
    -------
    (grad_mu, grad_log_var) : two tensors of shape (num_samples, ..., dim)

    Raises
    ------
    ValueError
        If ``baseline`` is not a finite number.

    Taught in: 02_elbo
    """
    mu, log_var = _as_tensors(mu=mu, log_var=log_var)
    try:
        b = float(baseline) if not isinstance(baseline, (str, bytes, bool)) else float("nan")
    except (TypeError, ValueError):  # an array of several values, None, an object
        b = float("nan")
    if not np.isfinite(b):
        raise ValueError(
            f"`baseline` must be one finite number (a constant near E_q[f], e.g. the mean of f over separate "
            f"samples); received {baseline!r}."
        )
    z = sample_normal(mu, log_var, num_samples=num_samples, seed=seed)
    values = ops.convert_to_tensor(f(z), dtype=z.dtype) - b
    if tuple(values.shape) != tuple(z.shape[:-1]):
        raise ValueError(
            f"`f` must return one value per sample, shape {tuple(z.shape[:-1])} (the samples' shape "
            f"without the last axis); it returned {tuple(values.shape)}. Sum over the last axis."
        )
    scaled = (z - mu) * ops.exp(-log_var)  # (z - mu) / sigma^2
    return values[..., None] * scaled, values[..., None] * 0.5 * ((z - mu) * scaled - 1.0)


# --------------------------------------------------------------------------------------------------
# Importance-weighted bound
# --------------------------------------------------------------------------------------------------


def iwae_bound(log_p_xz, log_q_zx):
    r"""The importance-weighted bound of Burda et al. (arXiv:1509.00519), with a stable log-sum-exp.

    .. math::
        \mathcal L_K = \log \frac1K \sum_{k=1}^K \frac{p(x, z_k)}{q(z_k\mid x)}
        = \operatorname{logsumexp}_k\bigl(\log p(x, z_k) - \log q(z_k\mid x)\bigr) - \log K,
        \qquad z_k \sim q(z\mid x)

    :math:`\mathcal L_1` is the ELBO (one sample); :math:`\mathbb E[\mathcal L_K]` never decreases with K
    and tends to :math:`\log p(x)`.

    Parameters
    ----------
    log_p_xz, log_q_zx : array or tensor of shape (K, ...)
        :math:`\log p(x, z_k)` and :math:`\log q(z_k\mid x)`; axis 0 holds the K samples.

    Returns
    -------
    tensor of shape (...,)

    Raises
    ------
    ValueError
        If the shapes differ or an input holds NaN/inf.

    Examples
    --------
    >>> round(float(iwae_bound(np.array([-1000.0, -1001.0]), np.zeros(2))), 4)  # no underflow
    -1000.3799

    Taught in: 02_elbo
    """
    if _static_shape(log_p_xz) != _static_shape(log_q_zx) or len(_static_shape(log_p_xz)) < 1:
        raise ValueError(
            f"`log_p_xz` and `log_q_zx` must have the same shape (K, ...) with the K importance samples "
            f"on axis 0; received {_static_shape(log_p_xz)} and {_static_shape(log_q_zx)}."
        )
    log_p_xz, log_q_zx = _as_tensors(log_p_xz=log_p_xz, log_q_zx=log_q_zx)
    num_k = log_p_xz.shape[0]
    return ops.logsumexp(log_p_xz - log_q_zx, axis=0) - math.log(num_k)


# --------------------------------------------------------------------------------------------------
# The linear-Gaussian model (probabilistic PCA)
# --------------------------------------------------------------------------------------------------


class LinearGaussian:
    r"""The linear-Gaussian latent-variable model (probabilistic PCA), where every quantity is exact.

    .. math::
        z \sim \mathcal N(0, I_k), \qquad x \mid z \sim \mathcal N(W z + b, \sigma^2 I_d)
        \quad\Longrightarrow\quad x \sim \mathcal N(b, W W^\top + \sigma^2 I_d)

    The posterior is Gaussian too: :math:`p(z\mid x) = \mathcal N(\Sigma W^\top (x - b)/\sigma^2, \Sigma)`
    with :math:`\Sigma = (I_k + W^\top W / \sigma^2)^{-1}` (Tipping & Bishop 1999). So log p(x), the
    posterior, the ELBO and the gap KL(q || p(z|x)) all have closed forms, and the chapters check the
    identity :math:`\log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}(q(z)\,\|\,p(z\mid x))` on it.

    Parameters
    ----------
    W : array of shape (data_dim, latent_dim)
        Loading matrix.
    b : array of shape (data_dim,)
        Offset (the data mean).
    noise_std : float > 0
        :math:`\sigma`, the standard deviation of the observation noise.
    dtype : str or None
        Float type of every computation. None: float64, so that identities hold to ~1e-12, where the
        backend has it (JAX only with ``JAX_ENABLE_X64=1``), else Keras's floatx.

    Raises
    ------
    ValueError
        If the shapes do not fit together, ``noise_std <= 0``, or a parameter holds NaN/inf.

    Examples
    --------
    >>> model = LinearGaussian(W=np.ones((3, 1)), b=np.zeros(3), noise_std=0.5)
    >>> x, z = model.sample(4, seed=0)
    >>> tuple(x.shape), tuple(z.shape)
    ((4, 3), (4, 1))

    Taught in: 02_elbo
    """

    def __init__(self, W, b, noise_std, dtype: str | None = None):
        for name, value in (("W", W), ("b", b), ("noise_std", noise_std)):
            _check_finite(name, value)
        w_shape, b_shape = _static_shape(W), _static_shape(b)
        if len(w_shape) != 2:
            raise ValueError(
                f"`W` must be a matrix of shape (data_dim, latent_dim); received shape {w_shape}. "
                f"For one latent dimension pass W[:, None]."
            )
        if b_shape != (w_shape[0],):
            raise ValueError(
                f"`b` must have shape (data_dim,) = ({w_shape[0]},) to match `W` of shape {w_shape}; "
                f"received shape {b_shape}."
            )
        if np.ndim(noise_std) != 0 or not float(noise_std) > 0:
            raise ValueError(
                f"`noise_std` must be a positive number (the standard deviation sigma, not the variance "
                f"or its log); received {noise_std!r}."
            )
        self.dtype = dtype or ("float64" if _float64_available() else keras.config.floatx())
        dtype = self.dtype
        self.W = ops.convert_to_tensor(W, dtype=dtype)  # (data_dim, latent_dim)
        self.b = ops.convert_to_tensor(b, dtype=dtype)  # (data_dim,)
        self.noise_std = float(noise_std)
        self.data_dim, self.latent_dim = (int(d) for d in w_shape)

    def __repr__(self) -> str:
        return (
            f"LinearGaussian(data_dim={self.data_dim}, latent_dim={self.latent_dim}, "
            f"noise_std={self.noise_std:.4g})"
        )

    @property
    def noise_var(self) -> float:
        """:math:`\\sigma^2`."""
        return self.noise_std**2

    # --- input checks -----------------------------------------------------------------------------

    def _x(self, x):
        (x,) = _as_tensors(x=x)
        if len(x.shape) != 2 or x.shape[-1] != self.data_dim:
            raise ValueError(
                f"`x` must have shape (batch, data_dim) = (batch, {self.data_dim}) for this model; "
                f"received shape {tuple(x.shape)}. For a single point add a batch axis with x[None, :]."
            )
        return ops.cast(x, self.dtype)

    def _z(self, z, name="z"):
        (z,) = _as_tensors(**{name: z})
        if len(z.shape) < 1 or z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"`{name}` must have shape (..., latent_dim) = (..., {self.latent_dim}); received shape "
                f"{tuple(z.shape)}."
            )
        return ops.cast(z, self.dtype)

    def _q(self, x, q_mean, q_log_var):
        x = self._x(x)
        q_mean, q_log_var = self._z(q_mean, "q_mean"), self._z(q_log_var, "q_log_var")
        _check_broadcast(q_mean=q_mean, q_log_var=q_log_var, x_batch=np.zeros((x.shape[0], 1)))
        return x, q_mean, q_log_var

    # --- exact quantities -------------------------------------------------------------------------

    def marginal_covariance(self):
        r""":math:`C = W W^\top + \sigma^2 I_d`, the covariance of x. Shape (data_dim, data_dim)."""
        return _matmul(self.W, ops.transpose(self.W)) + self.noise_var * ops.eye(
            self.data_dim, dtype=self.dtype
        )

    def log_evidence(self, x):
        r"""Exact :math:`\log p(x) = \log \mathcal N(x; b, W W^\top + \sigma^2 I)`.

        .. math::
            \log p(x) = -\tfrac12\bigl(d \log 2\pi + \log\det C + (x-b)^\top C^{-1} (x-b)\bigr)

        Parameters
        ----------
        x : array of shape (batch, data_dim)

        Returns
        -------
        tensor of shape (batch,)

        Taught in: 02_elbo
        """
        r = self._x(x) - self.b  # (batch, data_dim)
        cov = self.marginal_covariance()
        _, log_det = ops.slogdet(cov)
        mahalanobis = ops.sum(r * ops.transpose(ops.solve(cov, ops.transpose(r))), axis=-1)
        return -0.5 * (self.data_dim * LOG_2PI + log_det + mahalanobis)

    def posterior(self, x):
        r"""Exact posterior :math:`p(z\mid x) = \mathcal N(m(x), \Sigma)`.

        .. math::
            \Sigma = (I_k + W^\top W/\sigma^2)^{-1}, \qquad m(x) = \Sigma W^\top (x - b) / \sigma^2

        Parameters
        ----------
        x : array of shape (batch, data_dim)

        Returns
        -------
        (mean, cov) : tensors of shapes (batch, latent_dim) and (latent_dim, latent_dim)
            The covariance does not depend on x in this model.

        Taught in: 02_elbo
        """
        r = self._x(x) - self.b
        precision = ops.eye(self.latent_dim, dtype=self.dtype) + _matmul(
            ops.transpose(self.W), self.W
        ) / self.noise_var
        cov = ops.inv(precision)
        mean = _matmul(_matmul(r, self.W), cov) / self.noise_var  # cov is symmetric
        return mean, cov

    def log_likelihood(self, x, z):
        r""":math:`\log p(x\mid z) = \log\mathcal N(x; W z + b, \sigma^2 I)` for z of shape (..., batch, k).

        Returns a tensor of shape (..., batch): leading sample axes of ``z`` are kept.

        Taught in: 02_elbo
        """
        x, z = self._x(x), self._z(z)
        x_mean = _matmul(z, ops.transpose(self.W)) + self.b  # (..., batch, data_dim)
        return log_normal(x, x_mean, math.log(self.noise_var))

    def log_likelihood_grad(self, x, z):
        r""":math:`\nabla_z \log p(x\mid z) = W^\top (x - W z - b) / \sigma^2`, same shape as ``z``.

        Taught in: 02_elbo
        """
        x, z = self._x(x), self._z(z)
        residual = x - _matmul(z, ops.transpose(self.W)) - self.b
        return _matmul(residual, self.W) / self.noise_var

    def log_joint(self, x, z):
        r""":math:`\log p(x, z) = \log p(x\mid z) + \log \mathcal N(z; 0, I)`, shape (..., batch).

        Taught in: 02_elbo
        """
        return self.log_likelihood(x, z) + log_standard_normal(self._z(z))

    def elbo(self, x, q_mean, q_log_var):
        r"""Closed-form ELBO for a diagonal Gaussian :math:`q(z) = \mathcal N(m, \operatorname{diag} s)`.

        .. math::
            \mathrm{ELBO}(q) = \mathbb E_q[\log p(x\mid z)] - \mathrm{KL}(q\,\|\,\mathcal N(0, I)),\qquad
            \mathbb E_q[\log p(x\mid z)] = \log\mathcal N(x; W m + b, \sigma^2 I)
            - \frac{1}{2\sigma^2}\sum_j s_j \lVert W_{:,j}\rVert^2

        Parameters
        ----------
        x : array of shape (batch, data_dim)
        q_mean, q_log_var : arrays of shape (batch, latent_dim) (or broadcastable)

        Returns
        -------
        tensor of shape (batch,), never above :meth:`log_evidence`.

        Taught in: 02_elbo
        """
        x, q_mean, q_log_var = self._q(x, q_mean, q_log_var)
        column_norms = ops.sum(ops.square(self.W), axis=0)  # (latent_dim,)
        expected_log_lik = self.log_likelihood(x, q_mean) - 0.5 * ops.sum(
            ops.exp(q_log_var) * column_norms, axis=-1
        ) / self.noise_var
        return expected_log_lik - kl_normal(q_mean, q_log_var)

    def elbo_monte_carlo(self, x, q_mean, q_log_var, num_samples, seed=None):
        r"""Monte Carlo ELBO with reparameterised samples, and its standard error.

        .. math::
            \mathrm{ELBO}(q) \approx \frac1S\sum_s \bigl(\log p(x, z_s) - \log q(z_s)\bigr),\qquad
            z_s \sim q

        Returns
        -------
        (estimate, standard_error) : two tensors of shape (batch,)

        Taught in: 02_elbo
        """
        x, q_mean, q_log_var = self._q(x, q_mean, q_log_var)
        z = sample_normal(q_mean, q_log_var, num_samples=num_samples, seed=seed)  # (S, batch, k)
        log_w = self.log_joint(x, z) - log_normal(z, q_mean, q_log_var)
        return _mean_and_standard_error(log_w)

    def kl_to_posterior(self, x, q_mean, q_log_var):
        r"""KL(q || p(z|x)) from a diagonal Gaussian q to the exact (full-covariance) posterior.

        .. math::
            \mathrm{KL} = \tfrac12\bigl(\operatorname{tr}(\Sigma^{-1} S) + (m(x) - \mu_q)^\top \Sigma^{-1}
            (m(x) - \mu_q) - k + \log\det\Sigma - \log\det S\bigr)

        Returns
        -------
        tensor of shape (batch,), the gap log p(x) - ELBO(q).

        Taught in: 02_elbo
        """
        x, q_mean, q_log_var = self._q(x, q_mean, q_log_var)
        post_mean, post_cov = self.posterior(x)
        precision = ops.inv(post_cov)  # (k, k)
        diff = post_mean - q_mean  # (batch, k)
        trace = ops.sum(ops.diagonal(precision) * ops.exp(q_log_var), axis=-1)
        quad = ops.sum(_matmul(diff, precision) * diff, axis=-1)
        _, log_det_post = ops.slogdet(post_cov)
        return 0.5 * (trace + quad - self.latent_dim + log_det_post - ops.sum(q_log_var, axis=-1))

    def sample(self, n: int, seed=None):
        """Draw ``n`` pairs (x, z) from the model: returns tensors of shapes (n, data_dim), (n, latent_dim).

        Taught in: 02_elbo
        """
        n = _check_num_samples(n)
        if not isinstance(seed, keras.random.SeedGenerator):  # two draws below: one generator for both
            seed = keras.random.SeedGenerator(_seed_argument(seed))
        z = keras.random.normal((n, self.latent_dim), dtype=self.dtype, seed=seed)
        noise = keras.random.normal((n, self.data_dim), dtype=self.dtype, seed=seed)
        return _matmul(z, ops.transpose(self.W)) + self.b + self.noise_std * noise, z

    # --- fitting ----------------------------------------------------------------------------------

    @classmethod
    def fit(cls, x, latent_dim: int, method: str = "maximum_likelihood", **elbo_options):
        r"""Fit W, b and sigma to data, in closed form or by gradient ascent on the ELBO.

        ``method="maximum_likelihood"`` uses Tipping & Bishop's (1999) closed form: with the data's mean
        :math:`\bar x`, covariance eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_d` and eigenvectors
        :math:`U`,

        .. math::
            b = \bar x,\qquad \sigma^2 = \frac{1}{d-k}\sum_{j>k}\lambda_j,\qquad
            W = U_{:, :k}\,(\Lambda_k - \sigma^2 I)^{1/2}

        ``method="elbo"`` maximises the mean closed-form ELBO with a linear encoder
        :math:`q(z\mid x) = \mathcal N(A^\top (x - b) + c, \operatorname{diag} s)` (a linear VAE) using
        Adam and ``keras.Model.fit``; its optimum is the same model up to a rotation of z (Lucas et al.,
        *Don't Blame the ELBO!*, arXiv:1911.02469), so both reach the same log-likelihood.

        Parameters
        ----------
        x : array of shape (n, data_dim)
        latent_dim : int, 1 <= latent_dim < data_dim
        method : {"maximum_likelihood", "elbo"}
        **elbo_options
            For ``method="elbo"``: ``steps`` (Adam steps, default 500), ``batch_size`` (default 256),
            ``learning_rate`` (default 0.05), ``seed`` (initial weights and minibatch order, default 0).

        Returns
        -------
        LinearGaussian

        Raises
        ------
        ValueError
            For an unknown method or option, a bad ``latent_dim`` or ``x`` of the wrong shape.

        Taught in: 02_elbo
        """
        _check_finite("x", x)
        x = np.asarray(ops.convert_to_numpy(x), dtype="float64")
        if x.ndim != 2 or x.shape[0] < 2:
            raise ValueError(
                f"`x` must have shape (n, data_dim) with n >= 2; received shape {x.shape}."
            )
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or not (
            1 <= latent_dim < x.shape[1]
        ):
            raise ValueError(
                f"`latent_dim` must be an integer between 1 and data_dim - 1 = {x.shape[1] - 1}; "
                f"received {latent_dim!r}."
            )
        if method == "maximum_likelihood":
            if elbo_options:
                raise ValueError(
                    f"Options {sorted(elbo_options)} only apply to method='elbo'; the closed form takes none."
                )
            return cls._fit_maximum_likelihood(x, int(latent_dim))
        if method == "elbo":
            unknown = set(elbo_options) - {"steps", "batch_size", "learning_rate", "seed"}
            if unknown:
                raise ValueError(
                    f"Unknown option(s) {sorted(unknown)} for method='elbo'; the options are steps, "
                    f"batch_size, learning_rate and seed."
                )
            from vaegan_edu.validation import check_positive_int, check_positive_number, check_seed

            options = dict(elbo_options)
            if "steps" in options:
                options["steps"] = check_positive_int("steps", options["steps"], 500, maximum=10**6)
            if "batch_size" in options:
                options["batch_size"] = check_positive_int("batch_size", options["batch_size"], 256)
            if "learning_rate" in options:
                options["learning_rate"] = check_positive_number("learning_rate", options["learning_rate"], 0.05)
            if "seed" in options:
                options["seed"] = check_seed(options["seed"])
            return cls._fit_elbo(x, int(latent_dim), **options)
        raise ValueError(
            f"`method` must be 'maximum_likelihood' or 'elbo'; received {method!r}."
        )

    @classmethod
    def _fit_maximum_likelihood(cls, x, latent_dim):
        x = ops.convert_to_tensor(x, dtype=_dtype_of([x]))
        mean = ops.sum(x, axis=0) / x.shape[0]  # not ops.mean: see _matmul
        centred = x - mean
        cov = _matmul(ops.transpose(centred), centred) / x.shape[0]
        eigenvalues, eigenvectors = ops.eigh(cov)  # ascending order
        eigenvalues = ops.flip(eigenvalues, axis=0)
        eigenvectors = ops.flip(eigenvectors, axis=1)
        noise_var = ops.sum(eigenvalues[latent_dim:]) / (x.shape[1] - latent_dim)
        scale = ops.sqrt(ops.maximum(eigenvalues[:latent_dim] - noise_var, 0.0))
        w = eigenvectors[:, :latent_dim] * scale
        return cls(ops.convert_to_numpy(w), ops.convert_to_numpy(mean), float(ops.sqrt(noise_var)))

    @classmethod
    def _fit_elbo(cls, x, latent_dim, steps=500, batch_size=256, learning_rate=0.05, seed=0):
        model = _LinearVAE(data_dim=x.shape[1], latent_dim=latent_dim, data_mean=x.mean(axis=0), seed=seed)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
        # All minibatches of the run laid end to end, as one epoch: Keras's per-epoch overhead (callbacks,
        # iterator set-up) would otherwise cost more than the steps themselves.
        batch_size = min(int(batch_size), len(x))
        rng = np.random.default_rng(seed)
        num_epochs = -(-int(steps) * batch_size // len(x))  # ceil
        order = np.concatenate([rng.permutation(len(x)) for _ in range(num_epochs)])[: steps * batch_size]
        from vaegan_edu.callbacks import NaNGuard

        guard = NaNGuard(raise_error=False)  # a diverged fit is reported as such, not blamed on `W` below
        model.fit(x[order].astype(keras.config.floatx()), batch_size=batch_size, shuffle=False, verbose=0,
                  callbacks=[guard])  # fmt: skip
        w, b = model.w.numpy().astype("float64"), model.b.numpy().astype("float64")
        noise_std = float(np.exp(0.5 * model.log_noise_var.numpy()))
        finite = np.all(np.isfinite(w)) and np.all(np.isfinite(b)) and np.isfinite(noise_std) and noise_std > 0
        if guard.message or not finite:
            from vaegan_edu.training import TrainingDiverged

            raise TrainingDiverged(
                f"LinearGaussian.fit(method='elbo') diverged with learning_rate={learning_rate}: the ELBO or the "
                f"fitted parameters became NaN or infinite ({guard.message or 'non-finite parameters'}). What to "
                f"try: a smaller learning_rate such as 0.05, or method='maximum_likelihood'."
            )
        return cls(w, b, noise_std)


class _LinearVAE(keras.Model):
    """A linear VAE trained on the closed-form ELBO (private: used by ``LinearGaussian.fit``)."""

    def __init__(self, data_dim, latent_dim, data_mean, seed=0, **kwargs):
        super().__init__(name="linear_vae", **kwargs)  # the default name "_linear_vae" is invalid
        init = keras.initializers.RandomNormal(stddev=0.1, seed=seed)
        self.w = self.add_weight(shape=(data_dim, latent_dim), initializer=init, name="w")
        self.b = self.add_weight(shape=(data_dim,), initializer=keras.initializers.Constant(data_mean), name="b")
        self.log_noise_var = self.add_weight(shape=(), initializer="zeros", name="log_noise_var")
        # Encoder q(z|x) = N(A^T (x - b) + c, diag(exp(q_log_var))); the exact posterior's covariance does
        # not depend on x in this model, so one shared diagonal is enough.
        self.a = self.add_weight(shape=(data_dim, latent_dim), initializer=init, name="a")
        self.c = self.add_weight(shape=(latent_dim,), initializer="zeros", name="c")
        self.q_log_var = self.add_weight(shape=(latent_dim,), initializer="zeros", name="q_log_var")

    def call(self, x):
        return _matmul(x - self.b, self.a) + self.c  # q's mean, (batch, latent_dim)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        q_mean = self(x) if y_pred is None else y_pred
        x_mean = _matmul(q_mean, ops.transpose(self.w)) + self.b  # (batch, data_dim)
        log_noise_var = ops.convert_to_tensor(self.log_noise_var)
        noise_var = ops.exp(log_noise_var)
        trace = ops.sum(ops.exp(self.q_log_var) * ops.sum(ops.square(self.w), axis=0))
        expected_log_lik = log_normal(x, x_mean, log_noise_var) - 0.5 * trace / noise_var
        elbo = expected_log_lik - kl_normal(q_mean, ops.convert_to_tensor(self.q_log_var))
        return -ops.mean(elbo)

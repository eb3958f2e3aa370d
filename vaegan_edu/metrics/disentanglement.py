"""Disentanglement measured: the mutual information gap (MIG) of Chen et al. (NeurIPS 2018) between latent
codes and known generative factors.

Taught in: 05_vae_interpretability
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaegan_edu.validation import as_float_array, check_finite, check_positive_int

def _discretize(values, num_bins):
    """Equal-width histogram bins of a 1-D array (disentanglement_lib's ``_histogram_discretize``)."""
    edges = np.histogram(values, bins=num_bins)[1]
    return np.digitize(values, edges[:-1])


def _factor_codes(values, num_bins):
    """Category codes of a factor: its distinct values if there are at most ``num_bins``, else bins."""
    uniques, codes = np.unique(values, return_inverse=True)
    return codes if len(uniques) <= num_bins else _discretize(values, num_bins)


@dataclasses.dataclass(frozen=True)
class MIGResult:
    """The mutual information gap and the numbers it is made of (see :func:`mutual_information_gap`)."""

    mig: float  # mean over factors of gaps / entropy
    gaps: np.ndarray  # (num_factors,) normalised gap of each factor
    mutual_info: np.ndarray  # (latent_dim, num_factors) I(z_j; v_k) in nats
    entropy: np.ndarray  # (num_factors,) H(v_k) in nats
    best_latent: np.ndarray  # (num_factors,) index of the latent most informative about each factor


def mutual_information_gap(latents, factors, num_bins=20) -> MIGResult:
    r"""The mutual information gap (MIG) of Chen et al. (NeurIPS 2018, arXiv:1802.04942).

    .. math::
        \mathrm{MIG} = \frac1K \sum_{k=1}^K \frac{I(z_{j^{(k)}}; v_k) - \max_{j \ne j^{(k)}} I(z_j; v_k)}{H(v_k)},
        \qquad j^{(k)} = \arg\max_j I(z_j; v_k)

    for latents :math:`z_j` and known factors :math:`v_k`. 1 means each factor is captured by one latent
    alone; 0 means no latent is more informative about a factor than the runner-up.

    **Estimator** (the one of disentanglement_lib, Locatello et al. ICML 2019, not Chen et al.'s
    sampling estimator): each latent (use the posterior means) is discretised into ``num_bins``
    equal-width bins; a factor with at most ``num_bins`` distinct values keeps them as categories, a
    continuous one is binned the same way; mutual information and entropy are the plug-in estimates of
    the discrete joint histogram (:func:`sklearn.metrics.mutual_info_score`). Plug-in MI is biased upwards
    for small samples, so use a few thousand points.

    Parameters
    ----------
    latents : array of shape (n, latent_dim), latent_dim >= 2
    factors : array of shape (n, num_factors)
    num_bins : int >= 2

    Returns
    -------
    MIGResult

    Raises
    ------
    ValueError
        For mismatched lengths, fewer than 2 latents, or a constant factor (zero entropy).

    Taught in: 05_vae_interpretability
    """
    from sklearn.metrics import mutual_info_score

    latents = as_float_array("latents", latents, "float64")
    factors = as_float_array("factors", factors, "float64")
    if latents.ndim != 2 or factors.ndim != 2 or len(latents) != len(factors):
        raise ValueError(
            f"`latents` (n, latent_dim) and `factors` (n, num_factors) must be 2-D with the same n; received "
            f"shapes {latents.shape} and {factors.shape}. Fix: pass `mu` from `model.encode(x)` and the "
            f"matching `factors_test`."
        )
    if latents.shape[1] < 2:
        raise ValueError(f"MIG compares the best latent with the runner-up, so it needs >= 2 latents; "
                         f"received latent_dim={latents.shape[1]}.")  # fmt: skip
    check_finite("latents", latents)
    check_finite("factors", factors)
    if check_positive_int("num_bins", num_bins, 20) < 2:
        raise ValueError(f"`num_bins` must be at least 2 (one bin holds no information); received num_bins={num_bins}.")
    num_bins = int(num_bins)
    z_codes = [_discretize(latents[:, j], num_bins) for j in range(latents.shape[1])]
    v_codes = [_factor_codes(factors[:, k], num_bins) for k in range(factors.shape[1])]
    mi = np.array([[mutual_info_score(v, z) for v in v_codes] for z in z_codes])  # (latent_dim, K)
    entropy = np.array([mutual_info_score(v, v) for v in v_codes])
    if np.any(entropy <= 0):
        raise ValueError(f"Factor(s) {np.flatnonzero(entropy <= 0).tolist()} are constant (zero entropy); "
                         f"drop them from `factors` before computing MIG.")  # fmt: skip
    top2 = np.sort(mi, axis=0)[::-1][:2]  # (2, K)
    gaps = (top2[0] - top2[1]) / entropy
    return MIGResult(float(gaps.mean()), gaps, mi, entropy, np.argmax(mi, axis=0))


@dataclasses.dataclass(frozen=True)
class LinearProbe:
    """How well a linear map of the latents recovers one factor, and how many latents it leans on (see
    :func:`linear_probe`)."""

    r2: float  # coefficient of determination on the held-out latents (1: exact; 0: no better than the mean)
    coefficients: np.ndarray  # (latent_dim,) the fitted w_j, in factor units per unit of z_j
    weights: np.ndarray  # (latent_dim,) |w_j| * std(z_j): how much each latent moves the prediction
    shares: np.ndarray  # (latent_dim,) weights / weights.sum(): each latent's share of the probe's weight

    def latents_for(self, fraction: float = 0.9) -> int:
        """The fewest latents whose shares add up to at least ``fraction`` of the probe's weight (1 when a
        single latent carries the factor; ``latent_dim`` when the weight is spread evenly)."""
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)) or not 0 < fraction <= 1:
            raise ValueError(f"`fraction` must be a number in (0, 1], e.g. 0.9; received {fraction!r}.")
        cumulative = np.cumsum(np.sort(self.shares)[::-1])
        return int(np.searchsorted(cumulative, fraction - 1e-12) + 1)

    @property
    def order(self) -> np.ndarray:
        """Latent indices from the largest share to the smallest."""
        return np.argsort(-self.shares, kind="stable")


def _probe_arrays(name, latents, factor):
    from vaegan_edu.validation import as_float_array, check_finite

    latents = as_float_array(f"latents_{name}", latents, "float64")
    factor = as_float_array(f"factor_{name}", factor, "float64")
    if latents.ndim != 2 or factor.ndim != 1 or len(latents) != len(factor) or len(factor) < 2:
        raise ValueError(
            f"`latents_{name}` (n, latent_dim) and `factor_{name}` (n,) must have the same n >= 2; received shapes "
            f"{latents.shape} and {factor.shape}. Fix: pass `mu` from `model.encode(x)[0]` and one column of the "
            f"matching factors, e.g. `data.factors_{name}[:, k]`."
        )
    check_finite(f"latents_{name}", latents)
    check_finite(f"factor_{name}", factor)
    return latents, factor


def linear_probe(latents_train, factor_train, latents_test, factor_test) -> LinearProbe:
    r"""Fit a factor as a linear function of the latents on training images; score it on held-out ones.

    .. math::
        \hat v = w^\top \mu(x) + b, \qquad
        R^2 = 1 - \frac{\sum_i (v_i - \hat v_i)^2}{\sum_i (v_i - \bar v)^2}
        \quad\text{(held-out images)}, \qquad
        s_j = \frac{|w_j|\,\mathrm{sd}(\mu_j)}{\sum_k |w_k|\,\mathrm{sd}(\mu_k)}

    :math:`w, b` are ordinary least squares (:class:`sklearn.linear_model.LinearRegression`) on the training
    latents; :math:`R^2` is computed on the held-out latents (its mean :math:`\bar v` included), so it can be
    slightly negative for a factor the latents know nothing about. The share :math:`s_j` is latent
    :math:`j`'s part of the probe's weight, with each coefficient scaled by its latent's standard deviation
    (on the training latents), so a latent's share does not depend on the units of :math:`z_j`.

    A high :math:`R^2` with the weight spread over several latents is Locatello et al.'s point (ICML 2019,
    arXiv:1811.12359): the information about a factor is *present* in the code without being *aligned* with one
    latent, which MIG (:func:`mutual_information_gap`) alone cannot tell from its absence.

    Parameters
    ----------
    latents_train : array of shape (n_train, latent_dim), e.g. the posterior means of training images
    factor_train : array of shape (n_train,), the factor's values for the same images
    latents_test : array of shape (n_test, latent_dim)
    factor_test : array of shape (n_test,), not constant

    Returns
    -------
    LinearProbe

    Raises
    ------
    ValueError
        For mismatched shapes, non-finite values, different latent sizes, or a constant held-out factor
        (R² is undefined).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((1000, 3))
    >>> probe = linear_probe(z[:500], 2 * z[:500, 1], z[500:], 2 * z[500:, 1])
    >>> round(probe.r2, 6), probe.latents_for(0.9), int(probe.order[0])
    (1.0, 1, 1)

    Taught in: 05_vae_interpretability
    """
    from sklearn.linear_model import LinearRegression

    z_train, v_train = _probe_arrays("train", latents_train, factor_train)
    z_test, v_test = _probe_arrays("test", latents_test, factor_test)
    if z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"`latents_train` and `latents_test` must have the same latent_dim; received "
                         f"{z_train.shape[1]} and {z_test.shape[1]}. Fix: encode both with the same model.")  # fmt: skip
    if np.ptp(v_test) == 0:
        raise ValueError(f"`factor_test` is constant ({v_test[0]:g}): R² compares the probe with the factor's spread, "
                         f"and it has none. Fix: probe a factor that varies across the held-out images.")  # fmt: skip
    model = LinearRegression().fit(z_train, v_train)
    residual = v_test - model.predict(z_test)
    r2 = 1.0 - float(np.sum(residual**2) / np.sum((v_test - v_test.mean()) ** 2))
    weights = np.abs(model.coef_) * z_train.std(axis=0)
    total = weights.sum()
    shares = weights / total if total > 0 else np.full_like(weights, 1.0 / len(weights))
    return LinearProbe(r2, model.coef_.copy(), weights, shares)


def circular_probe(latents_train, angle_train, latents_test, angle_test, order: int = 1) -> float:
    r"""How well a linear map of the latents recovers an *angle*: held-out :math:`R^2` of the point on the circle.

    A linear probe of the angle itself (:func:`linear_probe`) cannot succeed even for a perfect code, since
    :math:`\theta = 0` and :math:`\theta = 2\pi - \epsilon` are the same rotation at opposite ends of the scale.
    This probe regresses the two coordinates :math:`(\cos k\theta, \sin k\theta)` jointly by least squares,

    .. math::
        R^2 = 1 - \frac{\sum_i \lVert c_i - \hat c_i \rVert^2}{\sum_i \lVert c_i - \bar c \rVert^2},
        \qquad c_i = (\cos k\theta_i, \sin k\theta_i),

    on the held-out latents. ``order`` :math:`k` is the shape's rotational symmetry: a square turned by
    :math:`90°` is the same picture, so only :math:`4\theta` is visible in its pixels (:math:`k = 4`), an
    ellipse's :math:`2\theta` (:math:`k = 2`), a heart's :math:`\theta` (:math:`k = 1`). Note that a single
    Gaussian latent cannot hold a circle without a seam: a code that keeps the rotation needs two latents.

    Returns
    -------
    float, held-out :math:`R^2` (1: exact; 0 or below: nothing of the angle is linearly readable)

    Taught in: 05_vae_interpretability
    """
    order = check_positive_int("order", order, 4)
    points = []
    for name, latents, angle in (("train", latents_train, angle_train), ("test", latents_test, angle_test)):
        latents, angle = _probe_arrays(name, latents, angle)
        points.append((latents, np.stack([np.cos(order * angle), np.sin(order * angle)], axis=1)))
    (z_fit, c_fit), (z_test, c_test) = points
    if z_fit.shape[1] != z_test.shape[1]:
        raise ValueError(f"`latents_train` and `latents_test` must have the same number of latents; received "
                         f"{z_fit.shape[1]} and {z_test.shape[1]}.")  # fmt: skip
    design = np.column_stack([z_fit, np.ones(len(z_fit))])
    coefficients, *_ = np.linalg.lstsq(design, c_fit, rcond=None)
    predicted = np.column_stack([z_test, np.ones(len(z_test))]) @ coefficients
    total = np.sum((c_test - c_test.mean(axis=0)) ** 2)
    if total <= 0:
        raise ValueError("`angle_test` must take more than one visible value (cos and sin of order x angle vary); "
                         "received angles that all look the same at this order.")  # fmt: skip
    return float(1.0 - np.sum((c_test - predicted) ** 2) / total)


@dataclasses.dataclass(frozen=True)
class KLDecomposition:
    """The three parts of the average KL of a VAE's posteriors from the prior (see :func:`kl_decomposition`),
    in nats per image; ``kl`` is their sum."""

    index_code_mi: float  # I_q(n; z): how much z says about which image it came from
    total_correlation: float  # KL(q(z) || prod_j q(z_j)): dependence between the latents
    dimension_wise_kl: float  # sum_j KL(q(z_j) || p(z_j)): each latent's marginal against N(0, 1)
    kl: float  # the sum, a Monte Carlo estimate of E_n KL(q(z|x_n) || p(z))


def kl_decomposition(mu, log_var, seed: int = 0) -> KLDecomposition:
    r"""Split the rate of a VAE into index-code mutual information, total correlation and dimension-wise KL.

    With the aggregate posterior over the :math:`N` images given, :math:`q(z) = \frac1N \sum_n q(z \mid x_n)`,
    and its marginals :math:`q(z_j)`, the average KL term of the ELBO is exactly (Hoffman & Johnson 2016; Chen et
    al. 2018, eq. 2)

    .. math::
        \frac1N \sum_n \mathrm{KL}\big(q(z\mid x_n)\,\|\,p(z)\big)
        = \underbrace{I_q(n; z)}_{\text{index-code MI}}
        + \underbrace{\mathrm{KL}\big(q(z)\,\|\,\textstyle\prod_j q(z_j)\big)}_{\text{total correlation}}
        + \underbrace{\textstyle\sum_j \mathrm{KL}\big(q(z_j)\,\|\,p(z_j)\big)}_{\text{dimension-wise KL}}.

    A β-VAE's :math:`\beta` weighs all three; only the total correlation measures how far the latents are from
    independent, which is why β-TCVAE weighs it alone. Each term is estimated with one sample
    :math:`z_n \sim q(z \mid x_n)` per image and the exact mixture densities over the :math:`N` images (cost
    :math:`O(N^2 d)`: use a few thousand images); the three estimates add up to the Monte Carlo estimate of the
    KL exactly, and :math:`I_q(n; z) \le \log N`.

    Parameters
    ----------
    mu, log_var : arrays of shape (N, latent_dim), the posterior parameters (``model.encode(x)``), N >= 2
    seed : int, the noise of the samples

    Returns
    -------
    KLDecomposition

    Taught in: 05_vae_interpretability
    """
    mu = as_float_array("mu", mu, "float64")
    log_var = as_float_array("log_var", log_var, "float64")
    if mu.ndim != 2 or mu.shape != log_var.shape or len(mu) < 2:
        raise ValueError(f"`mu` and `log_var` must both have shape (N, latent_dim) with N >= 2; received {mu.shape} "
                         f"and {log_var.shape}. Fix: `mu, log_var = model.encode(x)`.")  # fmt: skip
    check_finite("mu", mu)
    check_finite("log_var", log_var)
    from scipy.special import logsumexp

    n = len(mu)
    z = mu + np.exp(0.5 * log_var) * np.random.default_rng(seed).standard_normal(mu.shape)

    def log_normal(x, mean, lv):  # elementwise log N(x; mean, exp(lv))
        return -0.5 * (np.log(2 * np.pi) + lv + (x - mean) ** 2 / np.exp(lv))

    log_q_own = log_normal(z, mu, log_var).sum(axis=1)  # log q(z_n | x_n)
    log_prior = log_normal(z, 0.0, 0.0).sum(axis=1)
    log_q_joint = np.empty(n)
    log_q_marginals = np.empty(n)
    for start in range(0, n, 256):  # rows of the (N, N, d) table of log q_j(z_nj | x_m), a block at a time
        block = log_normal(z[start : start + 256, None, :], mu[None], log_var[None])
        log_q_joint[start : start + 256] = logsumexp(block.sum(axis=2), axis=1) - np.log(n)
        log_q_marginals[start : start + 256] = (logsumexp(block, axis=1) - np.log(n)).sum(axis=1)
    mi = float(np.mean(log_q_own - log_q_joint))
    tc = float(np.mean(log_q_joint - log_q_marginals))
    dw = float(np.mean(log_q_marginals - log_prior))
    return KLDecomposition(mi, tc, dw, mi + tc + dw)

"""Disentanglement measured: the mutual information gap (MIG) of Chen et al. (NeurIPS 2018) between latent
codes and known generative factors.

Taught in: 04_vae_interpretability
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaegan_edu.validation import check_positive_int

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

    Taught in: 04_vae_interpretability
    """
    from sklearn.metrics import mutual_info_score

    latents = np.asarray(latents, dtype="float64")
    factors = np.asarray(factors, dtype="float64")
    if latents.ndim != 2 or factors.ndim != 2 or len(latents) != len(factors):
        raise ValueError(
            f"`latents` (n, latent_dim) and `factors` (n, num_factors) must be 2-D with the same n; received "
            f"shapes {latents.shape} and {factors.shape}. Fix: pass `mu` from `model.encode(x)` and the "
            f"matching `factors_test`."
        )
    if latents.shape[1] < 2:
        raise ValueError(f"MIG compares the best latent with the runner-up, so it needs >= 2 latents; "
                         f"received latent_dim={latents.shape[1]}.")  # fmt: skip
    num_bins = check_positive_int("num_bins", num_bins, 20)
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

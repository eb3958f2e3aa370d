"""Exercise checkers on the KL divergence: the closed form between diagonal Gaussians, and its Monte
Carlo estimate with a standard error.

Taught in: 01_kl_divergence
"""

from __future__ import annotations

import numpy as np

from vaegan_edu.exercises.checking import Feedback, compare, register


def _solution_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):
    # KL(q || p) between diagonal Gaussians, summed over the last axis (the latent dimensions).
    var_q, var_p = np.exp(log_var_q), np.exp(log_var_p)  # the inputs are log-variances
    per_dim = 0.5 * (log_var_p - log_var_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0)
    return np.sum(per_dim, axis=-1)


def _gaussian_kl_cases() -> list[dict]:
    rng = np.random.default_rng(0)
    return [
        dict(
            mu_q=rng.normal(size=(batch, dim)), log_var_q=rng.normal(size=(batch, dim)),
            mu_p=rng.normal(size=(batch, dim)), log_var_p=rng.normal(size=(batch, dim)),
        )
        for batch, dim in [(5, 3), (4, 2)]
    ]


def _kl_with_variances(mu_q, var_q, mu_p, var_p):
    """The Gaussian KL written with variances (for the mistakes that misread log_var)."""
    return 0.5 * np.sum(np.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0, axis=-1)


@register(chapter="01_kl_divergence", solution=_solution_gaussian_kl)
def check_gaussian_kl(answer_fn) -> Feedback:
    """Check ``answer_fn(mu_q, log_var_q, mu_p, log_var_p)``: KL(q || p) of diagonal Gaussians, shape (batch,).

    Taught in: 01_kl_divergence
    """
    from vaegan_edu.probability import kl_normal

    def reference(**c):
        return kl_normal(**c)

    with np.errstate(all="ignore"):  # some mistakes take the log of a negative number on purpose
        return compare(
            "gaussian_kl", answer_fn, reference, _gaussian_kl_cases(),
            mistakes={
                "you averaged over the latent dimensions: the KL of a diagonal Gaussian is the *sum* of the "
                "per-dimension KLs (use `.sum(axis=-1)`, not `.mean(axis=-1)`).":
                    lambda **c: np.asarray(kl_normal(**c)) / c["mu_q"].shape[-1],
                "you computed KL(p || q), the other direction: the KL is not symmetric. The expectation is "
                "under q, so q's variance goes in the numerator.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: kl_normal(mu_p, log_var_p, mu_q, log_var_q),
                "you used sigma = exp(log_var / 2) where the variance sigma^2 = exp(log_var) belongs.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(
                        mu_q, np.exp(0.5 * log_var_q), mu_p, np.exp(0.5 * log_var_p)),
                "you treated `log_var` as the variance itself: the inputs are log sigma^2, so the variance "
                "is exp(log_var).":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(mu_q, log_var_q, mu_p, log_var_p),
                "you left out the -1 in each dimension's term: with it, KL(q || q) = 0 as it must be.":
                    lambda **c: np.asarray(kl_normal(**c)) + 0.5 * c["mu_q"].shape[-1],
                "you treated `log_var` as sigma: the inputs are log sigma^2, so the variance is exp(log_var), "
                "not log_var ** 2.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(
                        mu_q, log_var_q**2, mu_p, log_var_p**2),
            },
            shape_hints={
                (5, 3): "You returned one KL per latent dimension: sum over the last axis.",
                (): "You reduced over the batch too: keep one KL per example (sum over axis=-1 only).",
                (3,): "You summed over the batch axis: sum over the last axis (axis=-1) instead.",
            },
        )  # fmt: skip


def _solution_kl_monte_carlo(log_q, log_p):
    # log_q, log_p: (num_samples, batch), evaluated at the same samples z_s ~ q.
    diff = log_q - log_p  # one single-sample KL estimate per sample
    estimate = np.mean(diff, axis=0)
    standard_error = np.std(diff, axis=0, ddof=1) / np.sqrt(diff.shape[0])  # std of the mean
    return estimate, standard_error


def _kl_monte_carlo_cases() -> list[dict]:
    rng = np.random.default_rng(3)
    return [
        dict(log_q=rng.normal(size=(num_samples, batch)), log_p=rng.normal(size=(num_samples, batch)) - 1.0)
        for num_samples, batch in [(200, 3), (50, 2)]
    ]


def _mc_pair(estimate_fn, error_fn):
    """A wrong (estimate, standard error) answer built from two functions of log q - log p."""
    return lambda log_q, log_p: np.stack([estimate_fn(log_q - log_p), error_fn(log_q - log_p)])


@register(chapter="01_kl_divergence", solution=_solution_kl_monte_carlo)
def check_kl_monte_carlo(answer_fn) -> Feedback:
    """Check ``answer_fn(log_q, log_p) -> (estimate, standard_error)``, samples on axis 0, each of shape (batch,).

    Taught in: 01_kl_divergence
    """
    from vaegan_edu.probability import kl_monte_carlo

    def reference(log_q, log_p):
        return np.stack([np.asarray(t) for t in kl_monte_carlo(log_q, log_p)])

    def mean(d):
        return d.mean(axis=0)

    def sqrt_n(d):
        return np.sqrt(d.shape[0])

    return compare(
        "kl_monte_carlo", answer_fn, reference, _kl_monte_carlo_cases(),
        mistakes={
            "your standard error is the standard deviation of the single-sample estimates: the error of "
            "their *mean* is that divided by sqrt(num_samples).":
                _mc_pair(mean, lambda d: d.std(axis=0, ddof=1)),
            "you divided the standard deviation by num_samples: the standard error divides by "
            "sqrt(num_samples).":
                _mc_pair(mean, lambda d: d.std(axis=0, ddof=1) / d.shape[0]),
            "your standard error is a variance (var / num_samples): take its square root.":
                _mc_pair(mean, lambda d: d.var(axis=0, ddof=1) / d.shape[0]),
            "you estimated KL(q || p) with log p - log q: the sign of the estimate is wrong.":
                _mc_pair(lambda d: -mean(d), lambda d: d.std(axis=0, ddof=1) / sqrt_n(d)),
            "almost: your standard deviation divides by num_samples (NumPy's default ddof=0); the unbiased "
            "sample variance divides by num_samples - 1 (np.std(..., ddof=1)).":
                _mc_pair(mean, lambda d: d.std(axis=0) / sqrt_n(d)),
        },
        shape_hints={
            (3,): "Return the pair (estimate, standard_error), not the estimate alone.",
            (2, 200): "You reduced over the batch (the last axis): the samples are on axis 0.",
        },
    )  # fmt: skip

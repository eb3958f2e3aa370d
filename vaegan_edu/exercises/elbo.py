"""Exercise checkers on evidence lower bounds: the ELBO of the linear-Gaussian model, and the IWAE bound
over K importance samples (with the log-sum-exp trick).

Taught in: 02_elbo
"""

from __future__ import annotations

import numpy as np

from vaegan_edu.exercises.checking import Feedback, compare, register


def _solution_linear_gaussian_elbo(x, q_mean, q_log_var, W, b, noise_std):
    # ELBO = E_q[log p(x | z)] - KL(q(z) || N(0, I)) for x | z ~ N(W z + b, noise_std^2 I).
    data_dim = x.shape[-1]
    q_var = np.exp(q_log_var)  # (batch, latent_dim)
    x_hat = q_mean @ W.T + b  # decoder mean at z = q_mean, (batch, data_dim)
    # E_q ||x - W z - b||^2 = ||x - x_hat||^2 + sum_j q_var_j ||W[:, j]||^2
    expected_sq_err = np.sum((x - x_hat) ** 2, axis=-1) + np.sum(q_var * np.sum(W**2, axis=0), axis=-1)
    reconstruction = -0.5 * data_dim * np.log(2 * np.pi * noise_std**2) - 0.5 * expected_sq_err / noise_std**2
    kl = 0.5 * np.sum(q_var + q_mean**2 - 1.0 - q_log_var, axis=-1)
    return reconstruction - kl


def _elbo_cases() -> list[dict]:
    rng = np.random.default_rng(1)
    cases = []
    for batch, data_dim, latent_dim in [(5, 4, 2), (3, 6, 3)]:
        cases.append(
            dict(
                x=rng.normal(size=(batch, data_dim)), q_mean=rng.normal(size=(batch, latent_dim)),
                q_log_var=rng.normal(size=(batch, latent_dim)), W=rng.normal(size=(data_dim, latent_dim)),
                b=rng.normal(size=data_dim), noise_std=0.5 + rng.random(),
            )
        )
    return cases


def _elbo_terms(x, q_mean, q_log_var, W, b, noise_std):
    """(reconstruction term, KL term, squared error at the mean, Gaussian normaliser) of the reference."""
    from vaegan_edu.probability import LinearGaussian, kl_normal

    model = LinearGaussian(W, b, noise_std)
    kl = np.asarray(kl_normal(q_mean, q_log_var))
    reconstruction = np.asarray(model.elbo(x, q_mean, q_log_var)) + kl
    sq_err = np.sum((x - q_mean @ W.T - b) ** 2, axis=-1)
    normaliser = -0.5 * x.shape[-1] * np.log(2 * np.pi * noise_std**2)
    return reconstruction, kl, sq_err, normaliser


@register(chapter="02_elbo", solution=_solution_linear_gaussian_elbo)
def check_linear_gaussian_elbo(answer_fn) -> Feedback:
    """Check ``answer_fn(x, q_mean, q_log_var, W, b, noise_std)``: the linear-Gaussian ELBO, shape (batch,).

    Taught in: 02_elbo
    """
    from vaegan_edu.probability import LinearGaussian

    def reference(x, q_mean, q_log_var, W, b, noise_std):
        return LinearGaussian(W, b, noise_std).elbo(x, q_mean, q_log_var)

    def mistake(combine):
        return lambda **c: combine(*_elbo_terms(**c), c)

    return compare(
        "linear_gaussian_elbo", answer_fn, reference, _elbo_cases(),
        mistakes={
            "you left out the KL term: the ELBO is the reconstruction term *minus* KL(q(z|x) || p(z)). "
            "Without it nothing keeps q close to the prior, and the result is no bound on log p(x).":
                mistake(lambda rec, kl, se, norm, c: rec),
            "you added the KL term: the ELBO subtracts KL(q(z|x) || p(z)).":
                mistake(lambda rec, kl, se, norm, c: rec + kl),
            "you took the log of the squared reconstruction error (as the origin article does): up to a "
            "constant, log sum (x - x_hat)^2 is -2/d times the Gaussian log-likelihood with its variance fitted "
            "to the error: no lower bound on log p(x), and without the weight d/2 that balances it against the "
            "KL. Here sigma = noise_std is given: use -d/2 log(2 pi sigma^2) - E||x - W z - b||^2 / (2 sigma^2).":
                mistake(lambda rec, kl, se, norm, c: np.log(se) - kl),
            "you left out q's variance in the reconstruction term: E_q||x - W z - b||^2 also contains "
            "sum_j exp(q_log_var_j) ||W[:, j]||^2, not only the error at z = q_mean.":
                mistake(lambda rec, kl, se, norm, c: norm - 0.5 * se / c["noise_std"] ** 2 - kl),
            "you averaged the reconstruction term over the data dimensions but summed the KL: both must be "
            "sums (a mean divides the reconstruction by data_dim and over-weights the KL).":
                mistake(lambda rec, kl, se, norm, c: rec / c["x"].shape[-1] - kl),
            "you left out the Gaussian normalising constant -d/2 log(2 pi sigma^2): without it the value "
            "is not the ELBO (and sigma cannot be learned).":
                mistake(lambda rec, kl, se, norm, c: rec - norm - kl),
            "you used `noise_std` as the variance: the variance is noise_std ** 2.":
                lambda x, q_mean, q_log_var, W, b, noise_std: reference(
                    x, q_mean, q_log_var, W, b, np.sqrt(noise_std)),
        },
        shape_hints={
            (): "You averaged over the batch: return one ELBO per example (shape (batch,)).",
        },
    )  # fmt: skip


def _solution_iwae_bound(log_p_xz, log_q_zx):
    # log (1/K) sum_k exp(log_w_k), with log_w = log p(x, z_k) - log q(z_k | x) and K on axis 0.
    log_w = log_p_xz - log_q_zx  # (K, batch)
    max_log_w = np.max(log_w, axis=0)  # subtract the largest weight so that exp cannot under/overflow
    return max_log_w + np.log(np.mean(np.exp(log_w - max_log_w), axis=0))


def _iwae_cases() -> list[dict]:
    rng = np.random.default_rng(2)
    small = dict(log_p_xz=rng.normal(size=(7, 3)), log_q_zx=rng.normal(size=(7, 3)))
    # realistic magnitudes: log p(x, z) of an image is in the hundreds of nats
    large = dict(log_p_xz=-1000.0 + 5 * rng.normal(size=(50, 4)), log_q_zx=rng.normal(size=(50, 4)))
    return [small, large]


@register(chapter="02_elbo", solution=_solution_iwae_bound)
def check_iwae_bound(answer_fn) -> Feedback:
    """Check ``answer_fn(log_p_xz, log_q_zx)``: the IWAE bound over K samples on axis 0, shape (batch,).

    Taught in: 02_elbo
    """
    from vaegan_edu.probability import iwae_bound

    def log_sum_exp(log_w):
        return np.log(np.sum(np.exp(log_w - log_w.max(0)), axis=0)) + log_w.max(0)

    with np.errstate(all="ignore"):  # a naive answer underflows on purpose in the second case
        return compare(
            "iwae_bound", answer_fn, lambda **c: iwae_bound(**c), _iwae_cases(),
            mistakes={
                "you averaged the log-weights: mean_k log w_k is the (K-sample) ELBO, not the IWAE bound. "
                "Average the weights themselves, then take the log: log mean_k exp(log w_k).":
                    lambda log_p_xz, log_q_zx: np.mean(log_p_xz - log_q_zx, axis=0),
                "you summed the weights instead of averaging them: subtract log K.":
                    lambda log_p_xz, log_q_zx: log_sum_exp(log_p_xz - log_q_zx),
                "you used log q - log p: the importance weight is p(x, z) / q(z | x).":
                    lambda log_p_xz, log_q_zx: iwae_bound(log_q_zx, log_p_xz),
            },
            shape_hints={
                (7,): "You reduced over the batch (the last axis): the K samples are on axis 0.",
                (): "You reduced over everything: reduce over the K samples (axis 0) only.",
                (7, 3): "You returned one value per sample: reduce over the K samples (axis 0).",
            },
            nonfinite_hint="With log-weights near -1000, exp(log_w) underflows to 0 and log(0) = -inf: "
            "subtract the largest log-weight before exponentiating (the log-sum-exp trick).",
        )  # fmt: skip

"""Exercise checkers on the VAE: the reparameterised sample, the one-sample negative ELBO of an image,
active units, the MIG disentanglement score from a mutual-information matrix, and the total correlation of a
Gaussian.

Taught in: 03_vae, 04_measuring_the_vae, 05_vae_interpretability
"""

from __future__ import annotations

import numpy as np

from vaegan_edu.exercises.checking import Feedback, compare, register


def _solution_reparameterize(mu, log_var, eps):
    # z = mu + sigma * eps with sigma = exp(log_var / 2): log_var is log sigma^2, not sigma.
    return mu + np.exp(0.5 * log_var) * eps


@register(chapter="03_vae", solution=_solution_reparameterize)
def check_reparameterize(answer_fn) -> Feedback:
    """Check ``answer_fn(mu, log_var, eps)``: the reparameterised sample z, shape (batch, latent_dim).

    Taught in: 03_vae
    """
    rng = np.random.default_rng(30)
    cases = [{k: rng.normal(size=(b, d)) for k in ("mu", "log_var", "eps")} for b, d in [(6, 2), (3, 5)]]
    return compare(
        "reparameterize", answer_fn, _solution_reparameterize, cases,
        mistakes={
            "you multiplied eps by the variance exp(log_var): the noise is scaled by the standard deviation "
            "sigma = exp(log_var / 2).":
                lambda mu, log_var, eps: mu + np.exp(log_var) * eps,
            "you used log_var itself as the standard deviation: the encoder outputs log sigma^2, so "
            "sigma = exp(log_var / 2).":
                lambda mu, log_var, eps: mu + log_var * eps,
            "you forgot the mean: z = mu + sigma * eps.":
                lambda mu, log_var, eps: np.exp(0.5 * log_var) * eps,
        },
    )  # fmt: skip


def _solution_vae_negative_elbo(x, logits, mu, log_var):
    # x, logits: (batch, height, width, 1); mu, log_var: (batch, latent_dim). One value per image, in nats.
    log_px_z = np.sum(x * logits - np.logaddexp(0.0, logits), axis=(1, 2, 3))  # log p(x|z), Bernoulli
    kl = -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)  # KL(q(z|x) || N(0, I))
    return -log_px_z + kl


def _vae_elbo_cases() -> list[dict]:
    rng = np.random.default_rng(31)
    return [
        dict(x=rng.random((b, 4, 4, 1)), logits=rng.normal(scale=2, size=(b, 4, 4, 1)),
             mu=rng.normal(size=(b, d)), log_var=rng.normal(scale=0.5, size=(b, d)))
        for b, d in [(5, 3), (2, 2)]
    ]  # fmt: skip


@register(chapter="03_vae", solution=_solution_vae_negative_elbo)
def check_vae_negative_elbo(answer_fn) -> Feedback:
    """Check ``answer_fn(x, logits, mu, log_var)``: the one-sample negative ELBO of each image, shape (batch,).

    Among the known mistakes is the origin article's "lower bound" (the log of a squared error).

    Taught in: 03_vae
    """

    def rec(x, logits):
        return -np.sum(x * logits - np.logaddexp(0.0, logits), axis=(1, 2, 3))

    def kl(mu, log_var):
        return -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)

    def sigmoid(t):
        return 1.0 / (1.0 + np.exp(-t))

    with np.errstate(all="ignore"):
        return compare(
            "vae_negative_elbo", answer_fn, _solution_vae_negative_elbo, _vae_elbo_cases(),
            mistakes={
                "this is the origin article's formula, log(sum((x - x_hat)^2)) - KL: up to a constant the log "
                "of the squared error is -2/d times a Gaussian log-likelihood with a fitted variance, so it lacks "
                "the weight d/2 against the KL (and this decoder is Bernoulli), and subtracting the KL rewards "
                "moving q away from the prior. Use -sum(x log x_hat + (1 - x) log(1 - x_hat)) + KL.":
                    lambda x, logits, mu, log_var: np.log(np.sum((x - sigmoid(logits)) ** 2, axis=(1, 2, 3)))
                    - kl(mu, log_var),
                "you subtracted the KL term: the negative ELBO *adds* KL(q(z|x) || p(z)).":
                    lambda x, logits, mu, log_var: rec(x, logits) - kl(mu, log_var),
                "you left out the KL term: without it the model is a plain autoencoder, not a VAE.":
                    lambda x, logits, mu, log_var: rec(x, logits),
                "you averaged the reconstruction over pixels: the log-likelihood of an image is the *sum* over "
                "its pixels (averaging silently gives the KL a much larger weight, like a big beta).":
                    lambda x, logits, mu, log_var: rec(x, logits) / np.prod(x.shape[1:]) + kl(mu, log_var),
                "you used the squared error as the reconstruction term: with a Bernoulli decoder it is the "
                "cross-entropy -sum(x log x_hat + (1 - x) log(1 - x_hat)).":
                    lambda x, logits, mu, log_var: np.sum((x - sigmoid(logits)) ** 2, axis=(1, 2, 3))
                    + kl(mu, log_var),
                "you used the logits as if they were probabilities: x_hat = sigmoid(logits).":
                    lambda x, logits, mu, log_var: -np.sum(x * np.log(logits) + (1 - x) * np.log(1 - logits),
                                                           axis=(1, 2, 3)) + kl(mu, log_var),
            },
            shape_hints={(): "Return one value per image (shape (batch,)), not the batch mean."},
            nonfinite_hint="Write the Bernoulli term with logits, x * logits - log(1 + exp(logits)) "
                           "(np.logaddexp(0, logits)), to avoid log(0).",
        )  # fmt: skip


def _solution_active_units(mu, threshold):
    # mu: (num_images, latent_dim) posterior means. A latent is active when its mean moves across the data.
    return np.sum(np.var(mu, axis=0) > threshold)


@register(chapter="04_measuring_the_vae", solution=_solution_active_units)
def check_active_units(answer_fn) -> Feedback:
    """Check ``answer_fn(mu, threshold)``: how many latents have Var_x(mu_j(x)) > threshold (an int).

    Taught in: 04_measuring_the_vae
    """
    rng = np.random.default_rng(32)
    scales = np.array([1.0, 0.3, 0.05, 0.01, 0.0, 0.2])
    cases = [dict(mu=rng.normal(size=(500, 6)) * scales + rng.normal(size=6) * 3, threshold=np.array(t))
             for t in (0.01, 0.001)]  # fmt: skip
    return compare(
        "active_units", answer_fn, _solution_active_units, cases,
        mistakes={
            "you compared the standard deviation with the threshold: the criterion (Burda et al.) is on the "
            "variance of mu_j over the data.":
                lambda mu, threshold: np.sum(np.std(mu, axis=0) > threshold),
            "you took the variance across the latents of each image (axis=1): a latent is active when *its* "
            "mean varies across images (axis=0).":
                lambda mu, threshold: np.sum(np.var(mu, axis=1) > threshold),
            "you compared the mean, not the variance: a latent can be far from 0 and still carry no "
            "information if it is the same for every image.":
                lambda mu, threshold: np.sum(np.abs(np.mean(mu, axis=0)) > threshold),
        },
    )  # fmt: skip


def _solution_mig_from_mutual_info(mutual_info, entropy):
    # mutual_info: (latent_dim, num_factors) I(z_j; v_k); entropy: (num_factors,) H(v_k).
    top2 = np.sort(mutual_info, axis=0)[::-1][:2]  # best and runner-up latent for each factor
    return np.mean((top2[0] - top2[1]) / entropy)


@register(chapter="05_vae_interpretability", solution=_solution_mig_from_mutual_info)
def check_mig_from_mutual_info(answer_fn) -> Feedback:
    """Check ``answer_fn(mutual_info, entropy)``: the MIG from a mutual-information matrix (a float).

    Taught in: 05_vae_interpretability
    """
    rng = np.random.default_rng(40)
    cases = []
    for latents, factors in [(6, 4), (5, 3)]:
        entropy = rng.uniform(0.5, 2.5, size=factors)
        cases.append(dict(mutual_info=rng.uniform(0, 1, size=(latents, factors)) * entropy, entropy=entropy))
    return compare(
        "mig_from_mutual_info", answer_fn, _solution_mig_from_mutual_info, cases,
        mistakes={
            "you forgot to divide by each factor's entropy H(v_k): without it the score is not in [0, 1] "
            "and factors with many values dominate.":
                lambda mutual_info, entropy: np.mean(np.sort(mutual_info, axis=0)[-1] - np.sort(mutual_info, axis=0)[-2]),
            "you used the best latent's information alone: MIG is the *gap* between the best and the "
            "second-best latent.":
                lambda mutual_info, entropy: np.mean(np.max(mutual_info, axis=0) / entropy),
            "you took the gap over factors for each latent (axis=1): for each *factor* compare the latents "
            "(sort along axis 0).":
                lambda mutual_info, entropy: np.mean(
                    (np.sort(mutual_info, axis=1)[:, -1] - np.sort(mutual_info, axis=1)[:, -2])),
        },
    )  # fmt: skip


def _solution_gaussian_total_correlation(cov):
    # cov: (latent_dim, latent_dim) covariance of a Gaussian q(z). The product of its marginals is the Gaussian
    # with only the diagonal, so TC = KL(N(m, cov) || N(m, diag(cov))) = (sum_j log cov_jj - log det cov) / 2.
    return 0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1])


@register(chapter="05_vae_interpretability", solution=_solution_gaussian_total_correlation)
def check_gaussian_total_correlation(answer_fn) -> Feedback:
    """Check ``answer_fn(cov)``: the total correlation of a Gaussian with covariance ``cov``, in nats (a float).

    Taught in: 05_vae_interpretability
    """
    rng = np.random.default_rng(41)
    cases = []
    for d in (3, 5):
        a = rng.normal(size=(d, d))
        cases.append(dict(cov=a @ a.T + np.diag(rng.uniform(0.2, 2.0, size=d))))  # symmetric positive definite
    return compare(
        "gaussian_total_correlation", answer_fn, _solution_gaussian_total_correlation, cases,
        mistakes={
            "you computed the KL from N(0, I), the prior, not from the product of the marginals: that adds the "
            "dimension-wise KL. The product of a Gaussian's marginals keeps its variances: diag(cov).":
                lambda cov: 0.5 * (np.trace(cov) - len(cov) - np.linalg.slogdet(cov)[1]),
            "you left out the marginal variances: -log det(cov) / 2 is the total correlation only when every "
            "variance is 1. Add sum_j log cov_jj / 2.":
                lambda cov: -0.5 * np.linalg.slogdet(cov)[1],
            "you used the variances where the log-variances belong: sum_j log cov_jj, not sum_j cov_jj.":
                lambda cov: 0.5 * (np.sum(np.diag(cov)) - np.linalg.slogdet(cov)[1]),
        },
    )  # fmt: skip

"""Exercise checkers on GANs: the generator and discriminator losses, the optimal discriminator, the
Fréchet distance of diagonal Gaussians, and the slope of each generator loss with respect to the logit
(why the minimax loss saturates).

Taught in: 06_gan_game, 08_gan, 10_student_questions
"""

from __future__ import annotations

import numpy as np

from vaegan_edu.exercises.checking import Feedback, compare, register


def _solution_gan_generator_loss(d_fake):
    # Non-saturating generator loss (Goodfellow et al. 2014): minimise -E[log D(G(z))].
    return -np.mean(np.log(d_fake))


def _solution_gan_discriminator_loss(d_real, d_fake):
    # The discriminator maximises V = E[log D(x)] + E[log(1 - D(G(z)))]; as a loss to minimise: -V.
    return -(np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)))


def _solution_optimal_discriminator(p_data, p_g):
    # D*(x) = p_data(x) / (p_data(x) + p_g(x)) maximises p_data log D + p_g log(1 - D) pointwise.
    return p_data / (p_data + p_g)


def _solution_frechet_distance_diagonal(mu_a, var_a, mu_b, var_b):
    # Diagonal covariances commute, so (Sigma_a Sigma_b)^(1/2) = diag(sqrt(var_a * var_b)).
    return np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - 2.0 * np.sqrt(var_a * var_b))


def _gan_probability_cases(*names, seed=5):
    rng = np.random.default_rng(seed)
    return [{name: rng.uniform(0.02, 0.98, size=n) for name in names} for n in (64, 9)]


@register(chapter="06_gan_game", solution=_solution_gan_generator_loss)
def check_gan_generator_loss(answer_fn) -> Feedback:
    """Check ``answer_fn(d_fake)``: the non-saturating generator loss from D(G(z)) in (0, 1), a scalar.

    Taught in: 06_gan_game
    """
    return compare(
        "gan_generator_loss", answer_fn, _solution_gan_generator_loss, _gan_probability_cases("d_fake"),
        mistakes={
            "this is the origin article's G_loss = mean(log D(G(z))): minimising it makes D(G(z)) *smaller*, "
            "so the generator learns to be caught. Minimise -mean(log D(G(z))).":
                lambda d_fake: np.mean(np.log(d_fake)),
            "this is the saturating (minimax) loss mean(log(1 - D(G(z)))): it is correct for the game but its "
            "gradient vanishes when D rejects the samples; the exercise asks for the non-saturating one.":
                lambda d_fake: np.mean(np.log(1.0 - d_fake)),
            "you summed over the batch: use the mean, so the loss does not grow with the batch size.":
                lambda d_fake: -np.sum(np.log(d_fake)),
        },
        shape_hints={(64,): "Return one number: average over the batch."},
    )  # fmt: skip


@register(chapter="06_gan_game", solution=_solution_gan_discriminator_loss)
def check_gan_discriminator_loss(answer_fn) -> Feedback:
    """Check ``answer_fn(d_real, d_fake)``: the discriminator's loss (to minimise) from D(x) and D(G(z)).

    Taught in: 06_gan_game
    """
    return compare(
        "gan_discriminator_loss", answer_fn, _solution_gan_discriminator_loss,
        _gan_probability_cases("d_real", "d_fake"),
        mistakes={
            "this is the origin article's D_loss = mean(log D(x)) + mean(log(1 - D(G(z)))), minimised: that is "
            "V itself, which the discriminator must *maximise*. Minimise -V.":
                lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)),
            "you swapped the roles: real data should get D(x) -> 1 (term -log D(x)) and generated data "
            "D(G(z)) -> 0 (term -log(1 - D(G(z)))).":
                lambda d_real, d_fake: -(np.mean(np.log(1.0 - d_real)) + np.mean(np.log(d_fake))),
            "the generated-data term is missing: the discriminator must also push D(G(z)) towards 0.":
                lambda d_real, d_fake: -np.mean(np.log(d_real)),
        },
        shape_hints={(64,): "Return one number: average each term over its batch."},
    )  # fmt: skip


@register(chapter="06_gan_game", solution=_solution_optimal_discriminator)
def check_optimal_discriminator(answer_fn) -> Feedback:
    """Check ``answer_fn(p_data, p_g)``: the optimal discriminator D*(x) from the two densities at x.

    Taught in: 06_gan_game
    """
    rng = np.random.default_rng(6)
    cases = [{"p_data": rng.uniform(0.01, 3.0, size=n), "p_g": rng.uniform(0.01, 3.0, size=n)} for n in (50, 7)]
    return compare(
        "optimal_discriminator", answer_fn, _solution_optimal_discriminator, cases,
        mistakes={
            "you returned p_g / (p_data + p_g), the probability that x is *generated*; D(x) is the probability "
            "that x is real.":
                lambda p_data, p_g: p_g / (p_data + p_g),
            "you returned the density ratio p_data / p_g: D* must be a probability in (0, 1); normalise by "
            "p_data + p_g.":
                lambda p_data, p_g: p_data / p_g,
        },
    )  # fmt: skip


@register(chapter="08_gan", solution=_solution_frechet_distance_diagonal)
def check_frechet_distance_diagonal(answer_fn) -> Feedback:
    """Check ``answer_fn(mu_a, var_a, mu_b, var_b)``: the Fréchet distance of two diagonal Gaussians.

    Taught in: 08_gan
    """
    rng = np.random.default_rng(7)
    cases = [
        {"mu_a": rng.normal(size=d), "var_a": rng.uniform(0.1, 3, size=d),
         "mu_b": rng.normal(size=d), "var_b": rng.uniform(0.1, 3, size=d)}
        for d in (8, 3)
    ]  # fmt: skip
    return compare(
        "frechet_distance_diagonal", answer_fn, _solution_frechet_distance_diagonal, cases,
        mistakes={
            "the cross term needs a factor 2: tr(Sigma_a + Sigma_b - 2 (Sigma_a Sigma_b)^(1/2)).":
                lambda mu_a, var_a, mu_b, var_b: np.sum((mu_a - mu_b) ** 2)
                + np.sum(var_a + var_b - np.sqrt(var_a * var_b)),
            "you took the square root of the sum of squared mean differences: the Fréchet distance uses "
            "the squared distance ||mu_a - mu_b||^2.":
                lambda mu_a, var_a, mu_b, var_b: np.sqrt(np.sum((mu_a - mu_b) ** 2))
                + np.sum(var_a + var_b - 2.0 * np.sqrt(var_a * var_b)),
            "you compared standard deviations as if they were variances: var_a and var_b are already "
            "variances; the cross term is 2 sqrt(var_a * var_b).":
                lambda mu_a, var_a, mu_b, var_b: np.sum((mu_a - mu_b) ** 2)
                + np.sum(var_a + var_b - 2.0 * var_a * var_b),
        },
        shape_hints={(8,): "Return one number: sum over the feature dimensions."},
    )  # fmt: skip


def _solution_generator_logit_gradient(logits, loss):
    # d(generator loss)/d(logit) per sample, for D(G(z)) = sigmoid(logit).
    d = 1.0 / (1.0 + np.exp(-logits))
    if loss == "minimax":  # L = log(1 - D): slope -D, which vanishes when D rejects the sample (D -> 0)
        return -d
    return -(1.0 - d)  # non_saturating, L = -log D: slope -(1 - D), close to -1 when D -> 0


@register(chapter="10_student_questions", solution=_solution_generator_logit_gradient)
def check_generator_logit_gradient(answer_fn) -> Feedback:
    r"""Check ``answer_fn(logits, loss)``: the slope of each generator loss with respect to the logit.

    With :math:`D = \sigma(\ell)`: minimax :math:`\log(1 - \sigma(\ell))` has slope :math:`-\sigma(\ell)`,
    non-saturating :math:`-\log\sigma(\ell)` has slope :math:`-(1 - \sigma(\ell))`.

    Taught in: 10_student_questions
    """
    rng = np.random.default_rng(10)
    cases = [{"logits": rng.normal(-3.0, 2.0, size=n), "loss": loss}
             for n, loss in [(7, "minimax"), (5, "non_saturating"), (6, "minimax"), (4, "non_saturating")]]  # fmt: skip

    def sigmoid(logits):
        return 1.0 / (1.0 + np.exp(-logits))

    def swapped(logits, loss):
        return _solution_generator_logit_gradient(logits, "non_saturating" if loss == "minimax" else "minimax")

    def with_respect_to_d(logits, loss):
        d = sigmoid(logits)
        return -1.0 / (1.0 - d) if loss == "minimax" else -1.0 / d

    return compare(
        "generator_logit_gradient", answer_fn, _solution_generator_logit_gradient, cases,
        mistakes={
            "you swapped the two losses: the minimax loss log(1 - D) has slope -D (it vanishes when D is "
            "near 0), the non-saturating -log D has slope -(1 - D).": swapped,
            "you differentiated with respect to D, not the logit: multiply by dD/dlogit = D (1 - D).":
                with_respect_to_d,
            "you used the logit itself where D = sigmoid(logit) belongs: apply the sigmoid first.":
                lambda logits, loss: -logits if loss == "minimax" else -(1.0 - logits),
        },
        shape_hints={(): "You averaged over the samples: return one slope per logit."},
    )  # fmt: skip

"""VAE exercise checkers: every solution passes, and the known mistakes get their specific message."""

import numpy as np
import pytest

from vaegan_edu import exercises

VAE_EXERCISES = ["reparameterize", "vae_negative_elbo", "active_units", "mig_from_mutual_info",
                 "gaussian_total_correlation"]


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


def _kl(mu, log_var):
    return -0.5 * np.sum(1 + log_var - mu**2 - np.exp(log_var), axis=1)


@pytest.mark.parametrize("name", VAE_EXERCISES)
def test_solutions_pass(name):
    assert exercises.check(name, exercises.show_solution(name).function).passed


@pytest.mark.parametrize(
    "name, wrong, message",
    [
        ("reparameterize", lambda mu, log_var, eps: mu + np.exp(log_var) * eps, "variance exp"),
        ("reparameterize", lambda mu, log_var, eps: mu + log_var * eps, "log_var itself"),
        ("vae_negative_elbo",
         lambda x, logits, mu, log_var: np.log(np.sum((x - _sigmoid(logits)) ** 2, axis=(1, 2, 3))) - _kl(mu, log_var),
         "origin article"),
        ("vae_negative_elbo",
         lambda x, logits, mu, log_var: -np.mean(x * logits - np.logaddexp(0, logits), axis=(1, 2, 3)) + _kl(mu, log_var),
         "averaged the reconstruction over pixels"),
        ("vae_negative_elbo",
         lambda x, logits, mu, log_var: -np.sum(x * logits - np.logaddexp(0, logits), axis=(1, 2, 3)),
         "left out the KL"),
        ("active_units", lambda mu, threshold: np.sum(np.var(mu, axis=1) > threshold), "axis=0"),
        ("mig_from_mutual_info", lambda mutual_info, entropy: np.mean(np.max(mutual_info, 0) / entropy), "gap"),
        ("gaussian_total_correlation", lambda cov: 0.5 * (np.trace(cov) - len(cov) - np.linalg.slogdet(cov)[1]),
         "N(0, I), the prior"),
        ("gaussian_total_correlation", lambda cov: -0.5 * np.linalg.slogdet(cov)[1], "left out the marginal"),
        ("gaussian_total_correlation", lambda cov: np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1],
         "1/2"),
    ],
)  # fmt: skip
def test_known_mistakes_are_named(name, wrong, message):
    feedback = exercises.check(name, wrong)
    assert not feedback.passed and message in feedback.message


def test_exercises_are_registered_for_their_chapters():
    assert set(exercises.list_exercises("03_vae")) == {"reparameterize", "vae_negative_elbo"}
    assert exercises.list_exercises("04_measuring_the_vae") == ["active_units"]
    assert exercises.list_exercises("05_vae_interpretability") == ["gaussian_total_correlation", "mig_from_mutual_info"]


def test_gaussian_total_correlation_is_zero_for_a_diagonal_covariance_and_matches_a_known_case():
    tc = exercises.show_solution("gaussian_total_correlation").function
    assert tc(np.diag([0.5, 2.0, 3.0])) == pytest.approx(0.0, abs=1e-12)
    rho = 0.8  # two unit-variance latents with correlation rho: TC = -log(1 - rho^2) / 2
    assert tc(np.array([[1.0, rho], [rho, 1.0]])) == pytest.approx(-0.5 * np.log(1 - rho**2))

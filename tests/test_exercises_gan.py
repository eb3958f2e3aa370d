"""The GAN exercise checkers: solutions pass, the origin article's mistakes are named."""

import numpy as np
import pytest

from vaegan_edu import exercises

NAMES = ["gan_generator_loss", "gan_discriminator_loss", "optimal_discriminator", "frechet_distance_diagonal"]


@pytest.mark.parametrize("name", NAMES)
def test_solutions_pass(name):
    solution = exercises.checking._exercise(name).solution
    assert exercises.check(name, solution).passed
    assert "def " in exercises.show_solution(name).source


def test_article_generator_loss_is_caught():
    feedback = exercises.check("gan_generator_loss", lambda d_fake: np.mean(np.log(d_fake)))
    assert not feedback.passed and "origin article" in feedback.message


def test_article_discriminator_loss_is_caught():
    wrong = lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))  # noqa: E731
    feedback = exercises.check("gan_discriminator_loss", wrong)
    assert not feedback.passed and "maximise" in feedback.message


def test_other_mistakes_are_named():
    assert "saturating" in exercises.check("gan_generator_loss", lambda d_fake: np.mean(np.log(1 - d_fake))).message
    assert "swapped" in exercises.check(
        "gan_discriminator_loss", lambda d_real, d_fake: -np.mean(np.log(1 - d_real)) - np.mean(np.log(d_fake))
    ).message
    assert "generated" in exercises.check("optimal_discriminator", lambda p_data, p_g: p_g / (p_data + p_g)).message
    fd = lambda mu_a, var_a, mu_b, var_b: np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - np.sqrt(var_a * var_b))  # noqa: E731
    assert "factor 2" in exercises.check("frechet_distance_diagonal", fd).message


def test_chapter_listing():
    assert set(exercises.list_exercises("06_gan_game")) == set(NAMES[:3])
    assert exercises.list_exercises("08_gan") == ["frechet_distance_diagonal"]

"""The exercise checkers of chapters 09 and 10: solutions pass, the named mistakes are recognised."""

import numpy as np
import pytest

from vaegan_edu import exercises

NAMES = ["nearest_training_distance", "class_kl_to_uniform"]


@pytest.mark.parametrize("name", NAMES)
def test_solutions_pass(name):
    assert exercises.check(name, exercises.checking._exercise(name).solution).passed
    assert "def " in exercises.show_solution(name).source


def _distances(samples, train):
    return np.sqrt(((samples[:, None, :] - train[None, :, :]) ** 2).sum(-1))


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (lambda samples, train: _distances(samples, train).min(1) ** 2, "squared distances"),
        (lambda samples, train: _distances(samples, train).argmin(1), "index"),
        (lambda samples, train: _distances(samples, train).mean(1), "nearest"),
        (lambda samples, train: np.sqrt(((samples[:, None] - train[None]) ** 2).mean(-1)).min(1), "root-mean-square"),
        (lambda samples, train: _distances(samples, train), "wrong shape"),
    ],
)
def test_nearest_distance_mistakes_are_named(answer, phrase):
    feedback = exercises.check("nearest_training_distance", answer)
    assert not feedback.passed and phrase in feedback.message


def _histogram(labels, num_classes):
    return np.bincount(labels, minlength=int(num_classes)) / len(labels)


def _reverse_kl(labels, num_classes):
    u = np.full(int(num_classes), 1.0 / int(num_classes))
    with np.errstate(divide="ignore"):
        return np.sum(u * np.log(u / _histogram(labels, num_classes)))


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (_reverse_kl, "other direction"),
        (lambda labels, num_classes: (lambda h: np.sum(h[h > 0] * np.log2(num_classes * h[h > 0])))(
            _histogram(labels, num_classes)), "base 2"),
        (lambda labels, num_classes: (lambda c: np.sum(c[c > 0] * np.log(num_classes * c[c > 0])))(
            np.bincount(labels, minlength=int(num_classes))), "raw counts"),
    ],
)
def test_class_kl_mistakes_are_named(answer, phrase):
    feedback = exercises.check("class_kl_to_uniform", answer)
    assert not feedback.passed and phrase in feedback.message


def test_the_dropped_class_case_is_in_the_checker():
    # the reversed KL is infinite only when a class is missing: the checker must contain such a case
    assert np.isinf(_reverse_kl(np.array([0, 0, 1, 3]), 4))
    feedback = exercises.check("class_kl_to_uniform", _reverse_kl)
    assert "dropped mode" in feedback.message


def test_chapter_listing():
    assert exercises.list_exercises("09_vae_vs_gan") == sorted(NAMES)


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


def test_generator_logit_gradient_solution_and_mistakes():
    name = "generator_logit_gradient"
    assert exercises.check(name, exercises.checking._exercise(name).solution).passed
    assert exercises.list_exercises("10_student_questions") == [name]
    mistakes = {
        "swapped": lambda logits, loss: -(1 - _sigmoid(logits)) if loss == "minimax" else -_sigmoid(logits),
        "with respect to D": lambda logits, loss: (-1 / (1 - _sigmoid(logits)) if loss == "minimax"
                                                   else -1 / _sigmoid(logits)),
        "sigmoid first": lambda logits, loss: -logits if loss == "minimax" else -(1 - logits),
        "wrong sign": lambda logits, loss: _sigmoid(logits) if loss == "minimax" else 1 - _sigmoid(logits),
        "averaged": lambda logits, loss: np.mean(-_sigmoid(logits)),
    }
    for phrase, answer in mistakes.items():
        feedback = exercises.check(name, answer)
        assert not feedback.passed and phrase in feedback.message, (phrase, feedback.message)

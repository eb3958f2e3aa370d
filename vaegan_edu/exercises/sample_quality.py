"""Exercise checkers on comparing generative models by their samples: the distance of each sample to its
nearest training image (memorisation), and the KL from the class histogram to uniform (mode coverage).

Taught in: 09_vae_vs_gan
"""

from __future__ import annotations

import numpy as np

from vaegan_edu.exercises.checking import Feedback, compare, register


def _solution_nearest_training_distance(samples, train):
    # Euclidean distance from each sample (row) to its nearest training image (row), shape (n,).
    squared = (samples**2).sum(1)[:, None] + (train**2).sum(1)[None, :] - 2.0 * samples @ train.T  # (n, m)
    return np.sqrt(np.maximum(squared, 0.0).min(axis=1))  # round-off can make tiny negatives


def _solution_class_kl_to_uniform(labels, num_classes):
    # KL(h || u) = sum_c h_c log(C h_c) over the classes that occur (0 log 0 = 0).
    h = np.bincount(labels, minlength=int(num_classes)) / len(labels)
    nz = h > 0
    return np.sum(h[nz] * np.log(int(num_classes) * h[nz]))


@register(chapter="09_vae_vs_gan", solution=_solution_nearest_training_distance)
def check_nearest_training_distance(answer_fn) -> Feedback:
    """Check ``answer_fn(samples, train)``: each flattened sample's Euclidean distance to its nearest training row.

    Taught in: 09_vae_vs_gan
    """
    rng = np.random.default_rng(8)
    cases = [{"samples": rng.uniform(size=(n, d)), "train": rng.uniform(size=(m, d))}
             for n, m, d in [(6, 9, 5), (4, 7, 12)]]  # fmt: skip

    def distances(samples, train):
        return np.sqrt(((samples[:, None, :] - train[None, :, :]) ** 2).sum(-1))  # (n, m)

    return compare(
        "nearest_training_distance", answer_fn, _solution_nearest_training_distance, cases,
        mistakes={
            "you returned squared distances: take the square root of the smallest sum of squares.":
                lambda samples, train: distances(samples, train).min(1) ** 2,
            "you returned the *index* of the nearest training image (argmin), not its distance (min).":
                lambda samples, train: distances(samples, train).argmin(1),
            "you averaged the distances over the training set: memorisation is about the *nearest* image, "
            "so take the minimum.":
                lambda samples, train: distances(samples, train).mean(1),
            "you used the root-mean-square difference per pixel: the Euclidean distance sums the squared "
            "differences over all pixels before the square root (do not divide by the number of pixels).":
                lambda samples, train: distances(samples, train).min(1) / np.sqrt(samples.shape[1]),
        },
        shape_hints={(6, 9): "You returned every sample-to-training distance: keep the smallest per sample.",
                     (): "You reduced over the samples too: return one distance per sample."},
    )  # fmt: skip


@register(chapter="09_vae_vs_gan", solution=_solution_class_kl_to_uniform)
def check_class_kl_to_uniform(answer_fn) -> Feedback:
    """Check ``answer_fn(labels, num_classes)``: KL(h || uniform) of the histogram h of integer labels.

    Taught in: 09_vae_vs_gan
    """
    rng = np.random.default_rng(9)
    cases = [
        {"labels": rng.integers(0, 10, size=200), "num_classes": np.int64(10)},
        {"labels": rng.choice([0, 1, 3], p=[0.6, 0.3, 0.1], size=50), "num_classes": np.int64(4)},  # class 2 dropped
    ]

    def histogram(labels, num_classes):
        return np.bincount(labels, minlength=int(num_classes)) / len(labels)

    def reverse(labels, num_classes):
        h = histogram(labels, num_classes)
        return np.sum(np.log(1.0 / (num_classes * h)) / num_classes)

    with np.errstate(all="ignore"):  # the reversed KL divides by an empty class on purpose
        return compare(
            "class_kl_to_uniform", answer_fn, _solution_class_kl_to_uniform, cases,
            mistakes={
                "you computed KL(u || h), the other direction: it is infinite as soon as one class is never "
                "generated (a dropped mode). KL(h || u) weighs by the generated frequencies h and stays finite.":
                    reverse,
                "you used log base 2: the book measures KL in nats (natural log).":
                    lambda labels, num_classes: _solution_class_kl_to_uniform(labels, num_classes) / np.log(2),
                "you used raw counts instead of frequencies: divide the counts by the number of labels first.":
                    lambda labels, num_classes: np.sum([c * np.log(num_classes * c) for c in
                                                        np.bincount(labels, minlength=int(num_classes)) if c > 0]),
            },
            shape_hints={(10,): "You returned one term per class: sum them."},
            nonfinite_hint="A class that never occurs contributes 0 log 0 = 0: skip empty classes.",
        )  # fmt: skip

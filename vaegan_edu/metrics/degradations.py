"""The degradation suite: cases with known answers that the sample-quality metrics must pass before the book
relies on them.

Each case is a set of held-out real digits, damaged in one known way, scored against another set of held-out
real digits exactly as a generator's samples are (:func:`vaegan_edu.metrics.evaluate_samples`, the same
``n`` and ``k``), beside an undamaged control:

==========================  ==========================================================================
case                        known answer
==========================  ==========================================================================
blur (σ = 1, 2 px)          not real-looking: perceptual precision falls; FD rises
noise (σ = 0.1, 0.3)        not real-looking: perceptual precision falls; FD rises
grey blobs                  the mean training image plus noise: precision falls; FD rises
one sample repeated         collapse: recall falls; class KL rises; FD rises
digits 0-4 removed          half the classes missing: recall falls; class KL rises; FD rises
training images copied      memorisation: invisible to FD, precision and recall; flagged by the
                            nearest-neighbour check (:func:`vaegan_edu.metrics.memorised_fraction`)
==========================  ==========================================================================

A metric passes a case when it moves the known way by a stated margin (:data:`CHECKS`). The suite is a test
(``tests/test_metrics_degradations.py``) and its table is shown in chapter 08. Nothing here was fitted to
the suite: the classifier was trained on clean digits only, the perceptual network is not trained at all.

Taught in: 08_gan
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaegan_edu.metrics.digits import MAX_PR_SAMPLES, evaluate_samples, make_reference
from vaegan_edu.metrics.sample_quality import memorised_fraction
from vaegan_edu.validation import check_image_batch, check_positive_int, check_positive_number

SUITE_SAMPLES = MAX_PR_SAMPLES  # n of every set: precision and recall depend on n and k, so one n everywhere


def blur(images, sigma: float) -> np.ndarray:
    """Each image convolved with a Gaussian of standard deviation ``sigma`` pixels (per channel)."""
    from scipy.ndimage import gaussian_filter

    x = check_image_batch("images", images)
    sigma = float(check_positive_number("sigma", sigma, 1.0))
    return gaussian_filter(x, sigma=(0, sigma, sigma, 0)).astype("float32")


def add_noise(images, sigma: float, seed: int = 0) -> np.ndarray:
    """Independent Gaussian noise of standard deviation ``sigma`` on every pixel, clipped to [0, 1]."""
    x = check_image_batch("images", images)
    sigma = float(check_positive_number("sigma", sigma, 1.0))
    noise = np.random.default_rng(seed).normal(0.0, sigma, x.shape)
    return np.clip(x + noise, 0.0, 1.0).astype("float32")


def grey_blobs(x_train, num: int, sigma: float = 0.05, seed: int = 0) -> np.ndarray:
    """``num`` copies of the mean training image plus noise (``sigma``): what an untrained generator draws."""
    x = check_image_batch("x_train", x_train)
    num = check_positive_int("num", num, 1000)
    mean = np.broadcast_to(x.mean(axis=0), (num,) + x.shape[1:])
    return add_noise(mean, sigma, seed=seed)


@dataclasses.dataclass(frozen=True)
class Check:
    """One known answer: in case ``case``, ``metric`` must ``direction`` ("rise" or "fall") relative to the
    real control by the factor ``factor`` (rise: value >= factor x control; fall: value <= factor x control),
    or, for ``direction`` "at least" / "at most", compare with ``factor`` itself."""

    case: str
    metric: str
    direction: str
    factor: float

    def passes(self, value: float, control: float) -> bool:
        if self.direction == "rise":
            return value >= self.factor * control
        if self.direction == "fall":
            return value <= self.factor * control
        return value >= self.factor if self.direction == "at least" else value <= self.factor

    def describe(self) -> str:
        if self.direction in ("at least", "at most"):
            return f"{self.metric} {'>=' if self.direction == 'at least' else '<='} {self.factor:g}"
        return f"{self.metric} {'>=' if self.direction == 'rise' else '<='} {self.factor:g} x real"


_NOT_REAL = ("blur σ=1", "blur σ=2", "noise σ=0.1", "noise σ=0.3", "grey blobs")
_MISSING = ("one sample repeated", "digits 0-4 removed")
CHECKS = (
    *(Check(case, "frechet_distance", "rise", 2.0) for case in _NOT_REAL + _MISSING),
    *(Check(case, "perceptual_precision", "fall", 0.5) for case in _NOT_REAL),
    *(Check(case, "recall", "fall", 0.75) for case in _MISSING),
    Check("one sample repeated", "class_kl", "at least", 1.0),
    Check("digits 0-4 removed", "class_kl", "at least", 0.5),
    Check("training images copied", "memorised", "at least", 0.9),
    Check("real (held-out)", "memorised", "at most", 0.05),  # new images: about the quantile (1 %)
)

COLUMNS = ("frechet_distance", "precision", "recall", "class_kl", "perceptual_frechet_distance",
           "perceptual_precision", "perceptual_recall", "memorised")  # fmt: skip


def degradation_cases(x_test, y_test, x_train, num: int = SUITE_SAMPLES, seed: int = 0) -> dict:
    """The suite's image sets, each of ``num`` images, by case name (the first is the undamaged control).

    ``x_test`` needs at least ``2 * num`` images plus ``num`` of digits 5-9 after them: the first ``num``
    are the reference, the next ``num`` the control and the damaged copies.
    """
    x_test = check_image_batch("x_test", x_test)
    num = check_positive_int("num", num, SUITE_SAMPLES)
    y_test = np.asarray(y_test)
    if y_test.shape != (len(x_test),):
        raise ValueError(f"`y_test` must hold one label per test image, shape ({len(x_test)},); received shape "
                         f"{y_test.shape}. Fix: pass the dataset's `y_test` with its `x_test`.")  # fmt: skip
    pool, rest, rest_y = x_test[num:2 * num], x_test[2 * num:], y_test[2 * num:]
    kept = rest[rest_y >= 5][:num]
    if len(pool) < num or len(kept) < num:
        raise ValueError(f"`x_test` holds {len(x_test)} images; the suite with num={num} needs about {5 * num} "
                         f"(2 x num, then num digits 5-9). Fix: load more test images or lower `num`.")  # fmt: skip
    return {
        "real (held-out)": pool,
        "blur σ=1": blur(pool, 1.0),
        "blur σ=2": blur(pool, 2.0),
        "noise σ=0.1": add_noise(pool, 0.1, seed=seed),
        "noise σ=0.3": add_noise(pool, 0.3, seed=seed + 1),
        "grey blobs": grey_blobs(x_train, num, seed=seed + 2),
        "one sample repeated": np.repeat(pool[:1], num, axis=0),
        "digits 0-4 removed": kept,
        "training images copied": check_image_batch("x_train", x_train)[:num],
    }


@dataclasses.dataclass
class SuiteResult:
    """Scores per case (``scores[case][metric]``) and each check with its outcome."""

    scores: dict
    checks: list  # (Check, value, control value, passed)
    num: int
    k: int

    @property
    def passed(self) -> bool:
        return all(ok for *_, ok in self.checks)

    def failures(self) -> list[str]:
        return [f"{c.case}: {c.describe()} failed ({value:.3g} against real {control:.3g})"
                for c, value, control, ok in self.checks if not ok]  # fmt: skip

    def table_markdown(self) -> str:
        """One row per case, one column per metric; a check's cell is marked ✓ (passed) or ✗ (failed)."""
        marks = {(c.case, c.metric): ("✓" if ok else "✗") for c, _, _, ok in self.checks}
        header = "| case | " + " | ".join(_LABELS[m] for m in COLUMNS) + " |"
        lines = [header, "|" + "---|" * (len(COLUMNS) + 1)]
        for case, row in self.scores.items():
            cells = [f"{row[m]:.3g} {marks.get((case, m), '')}".strip() for m in COLUMNS]
            lines.append(f"| {case} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


_LABELS = {"frechet_distance": "FD (classifier)", "precision": "precision (classifier)",
           "recall": "recall (classifier)", "class_kl": "class KL", "perceptual_frechet_distance": "FD (perceptual)",
           "perceptual_precision": "precision (perceptual)", "perceptual_recall": "recall (perceptual)",
           "memorised": "memorised"}  # fmt: skip


def run_suite(x_test, y_test, x_train, num: int = SUITE_SAMPLES, seed: int = 0) -> SuiteResult:
    """Score every case of :func:`degradation_cases` against the first ``num`` test images and apply
    :data:`CHECKS`. ``memorised`` is :func:`memorised_fraction` with the reference images as the held-out
    set that fixes the threshold.

    Taught in: 08_gan
    """
    from vaegan_edu.metrics.digits import PR_NEIGHBOURS

    cases = degradation_cases(x_test, y_test, x_train, num=num, seed=seed)
    reference = make_reference(np.asarray(x_test)[:num])
    scores = {}
    for name, images in cases.items():
        row = evaluate_samples(images, reference)
        row["memorised"] = memorised_fraction(images, x_train, reference.x_test)
        scores[name] = {m: float(row[m]) for m in COLUMNS}
    control = scores["real (held-out)"]
    checks = [(c, scores[c.case][c.metric], control[c.metric], c.passes(scores[c.case][c.metric], control[c.metric]))
              for c in CHECKS]  # fmt: skip
    return SuiteResult(scores, checks, num, PR_NEIGHBOURS)

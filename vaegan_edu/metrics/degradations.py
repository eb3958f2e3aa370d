"""The degradation suite: cases with known answers that the sample-quality metrics must pass before the book
relies on them.

Each case is a set of held-out real digits, damaged in one known way, scored against another set of held-out
real digits exactly as a generator's samples are (:func:`vaegan_edu.metrics.evaluate_samples`, the same
``n`` and ``k``), beside an undamaged control:

==========================  ==========================================================================
case                        known answer
==========================  ==========================================================================
blur (σ = 0.5 ... 2 px)     not real-looking: perceptual precision falls (σ = 1, 2); FD rises; the
                            perceptual realism falls *gradually* with σ (no cliff)
noise (σ = 0.05 ... 0.3)    the same, for noise (precision and FD checked at σ = 0.1, 0.3)
grey blobs (25 %, 50 %,     a share of the set replaced by the mean training image plus noise: the
75 %, 100 %)                same, against the share (precision and FD checked at 100 %)
one sample repeated         collapse: recall falls; class KL rises; FD rises
digits 0-4 removed          half the classes missing: recall falls; class KL rises; FD rises
training images copied      memorisation: invisible to FD, precision and recall; flagged by the
                            nearest-neighbour check (:func:`vaegan_edu.metrics.memorised_fraction`)
==========================  ==========================================================================

A metric passes a case when it moves the known way by a stated margin (:class:`Check`); a *series* of cases (the
control, then one damage at rising strengths) passes when the metric falls gradually along it
(:class:`GradedCheck`, :func:`graded_response`): a score that drops from "real" to 0 at the mildest strength
cannot rank models, however well it separates real from broken. :data:`CHECKS` lists both. The suite is a test
(``tests/test_metrics_degradations.py``) and its table is shown in chapter 08. Nothing here was fitted to
the suite: the classifier was trained on clean digits only, the perceptual network is not trained at all.

Taught in: 08_gan
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaegan_edu.metrics.digits import MAX_PR_SAMPLES, evaluate_samples, make_reference
from vaegan_edu.metrics.sample_quality import memorisation_threshold, memorised_fraction
from vaegan_edu.validation import check_bool, check_image_batch, check_positive_int, check_positive_number

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


def mix_grey_blobs(images, x_train, share: float, sigma: float = 0.05, seed: int = 0) -> np.ndarray:
    """``images`` with their first ``round(share * n)`` replaced by :func:`grey_blobs`: a generator that draws
    a blob that often. Blobs come from one seeded draw of ``n``, so a larger share keeps the smaller share's
    blobs (the sets are nested, and scores change only through the added blobs)."""
    x = check_image_batch("images", images)
    share = check_positive_number("share", share, 0.5)
    if share > 1:
        raise ValueError(f"`share` is the fraction of images replaced, in (0, 1]; received share={share!r}. "
                         f"Fix: e.g. share=0.25 for a quarter.")  # fmt: skip
    x_train = check_image_batch("x_train", x_train, x.shape[1:])
    out = x.astype("float32")  # a copy: astype copies by default
    num = int(round(share * len(x)))
    if num:
        out[:num] = grey_blobs(x_train, len(x), sigma=sigma, seed=seed)[:num]
    return out


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

    def failure(self, value: float, control: float) -> str:
        """The line :meth:`SuiteResult.failures` prints when this check fails."""
        return f"{self.case}: {self.describe()} failed ({value:.3g} against real {control:.3g})"


MAX_STEP_SHARE = 0.5  # "graded": no step between neighbouring strengths takes more than half of the whole fall


@dataclasses.dataclass(frozen=True)
class Grading:
    r"""How a score moves along one damage at rising strengths (:func:`graded_response`).

    Attributes
    ----------
    total : float
        The whole fall :math:`\Delta` from the undamaged set to the strongest damage (positive: got worse).
    largest_step : float or None
        The largest single step as a share of :math:`\Delta` (None when :math:`\Delta \le 0`).
    worst_reversal : float
        The largest step the wrong way (0 when every step goes the known way).
    responds, monotone, no_cliff, still_falling : bool
        :math:`\Delta` above ``min_total``; no reversal above ``tolerance``; ``largest_step`` at most
        ``max_step``; the last step still worse by more than ``tolerance``.
    """

    total: float
    largest_step: float | None
    worst_reversal: float
    responds: bool
    monotone: bool
    no_cliff: bool
    still_falling: bool

    @property
    def graded(self) -> bool:
        """All four: the score responds, in order, without a cliff, and has not hit its floor early."""
        return self.responds and self.monotone and self.no_cliff and self.still_falling


def graded_response(values, tolerance: float, min_total: float, higher_is_better: bool = True,
                    max_step: float = MAX_STEP_SHARE) -> Grading:  # fmt: skip
    r"""Whether a score falls *gradually* along one damage at rising strengths: the definition of "graded".

    With :math:`v_0` the score of the undamaged set and :math:`v_1, \dots, v_S` the scores at rising strengths,
    oriented so that a positive step means "worse" (:math:`\delta_s = v_{s-1} - v_s` for a score where higher
    is better, :math:`v_s - v_{s-1}` for a distance such as FD), and :math:`\Delta = \sum_s \delta_s`:

    .. math::
        \text{graded} \iff \Delta > \Delta_{\min}
        \;\wedge\; \min_s \delta_s \ge -\tau
        \;\wedge\; \max_s \delta_s \le m\,\Delta
        \;\wedge\; \delta_S > \tau

    (responds; monotone within the noise :math:`\tau`; no cliff: no single step between neighbouring strengths
    removes more than the share :math:`m` = ``max_step``, one half, of the whole fall; still falling at the
    strongest damage, so the score has not reached its floor early and still tells the two strongest apart).
    A score that drops from "real" to its floor at the mildest strength fails the third condition, one that
    drops to it in two steps the fourth; a flat one fails the first. The dose-response study sets :math:`\tau`
    and :math:`\Delta_{\min}` from the score's spread over independent real sets
    (:func:`vaegan_edu.metrics.dose_response`); the suite's :class:`GradedCheck` states them.

    Parameters
    ----------
    values : 1-D array of at least 4 finite numbers: the undamaged score, then one per strength (three or more)
    tolerance : float >= 0
        :math:`\tau`, the reversal that counts as noise.
    min_total : float >= 0
        :math:`\Delta_{\min}`.
    higher_is_better : bool
    max_step : float in (0, 1]

    Returns
    -------
    Grading

    Examples
    --------
    >>> graded_response([0.9, 0.7, 0.5, 0.3], tolerance=0.01, min_total=0.1).graded
    True
    >>> cliff = graded_response([0.86, 0.0, 0.0, 0.0], tolerance=0.01, min_total=0.1)
    >>> cliff.graded, cliff.largest_step
    (False, 1.0)

    Taught in: 08_gan
    """
    try:
        v = np.asarray(values, dtype=np.float64) if not isinstance(values, (str, bytes, dict)) else np.empty(0)
    except (TypeError, ValueError):  # not numbers: the message below says what is expected
        v = np.empty(0)
    higher_is_better = check_bool("higher_is_better", higher_is_better)
    if v.ndim != 1 or len(v) < 4 or not np.all(np.isfinite(v)):
        raise ValueError(f"`values` must be a 1-D sequence of at least 4 finite scores (the undamaged set, then three "
                         f"or more strengths: with two, a straight line already takes half the fall in a step); "
                         f"received {values!r}.")  # fmt: skip
    for name, value in (("tolerance", tolerance), ("min_total", min_total)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
            raise ValueError(f"`{name}` must be a number >= 0, in the score's units; received {name}={value!r}.")
    if isinstance(max_step, bool) or not isinstance(max_step, (int, float)) or not 0 < max_step <= 1:
        raise ValueError(f"`max_step` must be a share in (0, 1] such as {MAX_STEP_SHARE}; received {max_step!r}.")
    steps = -np.diff(v) if higher_is_better else np.diff(v)  # positive: worse
    total = float(steps.sum())
    largest = float(steps.max() / total) if total > 0 else None
    worst_reversal = float(max(0.0, -steps.min()))
    return Grading(total=total, largest_step=largest, worst_reversal=worst_reversal,
                   responds=bool(total > min_total), monotone=bool(worst_reversal <= tolerance),
                   no_cliff=largest is not None and largest <= max_step,
                   still_falling=bool(steps[-1] > tolerance))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class GradedCheck:
    """A known answer along a series of cases (the undamaged control, then one damage at rising strengths):
    ``metric`` must fall gradually (:func:`graded_response`): by more than ``min_total`` in all, no step back
    larger than ``tolerance``, no single step larger than half the whole fall, and the last step still down by
    more than ``tolerance``."""

    series: str
    cases: tuple
    metric: str
    min_total: float
    tolerance: float

    def grading(self, values) -> Grading:
        return graded_response(values, tolerance=self.tolerance, min_total=self.min_total)

    def describe(self) -> str:
        return (
            f"{self.metric} falls gradually along {self.series} (in all > {self.min_total:g}, no step back > "
            f"{self.tolerance:g}, no step > {MAX_STEP_SHARE:g} of the fall, last step > {self.tolerance:g})"
        )

    def failure(self, value, control: float) -> str:
        """The line :meth:`SuiteResult.failures` prints; ``value`` is the largest step's share of the fall,
        ``control`` the fall."""
        step = "none" if value is None else f"{value:.2f}"
        return f"{self.series}: {self.describe()} failed (fall {control:.3g}, largest step {step} of it)"


# The series the suite checks for a dose-response (each begins with the undamaged control).
SERIES = {
    "blur": ("real (held-out)", "blur σ=0.5", "blur σ=0.75", "blur σ=1", "blur σ=1.5", "blur σ=2"),
    "noise": ("real (held-out)", "noise σ=0.05", "noise σ=0.1", "noise σ=0.2", "noise σ=0.3"),
    "grey blobs": ("real (held-out)", "grey blobs 25 %", "grey blobs 50 %", "grey blobs 75 %", "grey blobs"),
}
# The tolerance is several times the score's spread over independent sets of 1,000 real digits (about 0.002 for
# the perceptual realism; benchmarks/results/metric_dose_response.json); the minimal fall is a fifth of its range.
GRADED_TOLERANCE = 0.01
GRADED_MIN_FALL = 0.2

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
    *(GradedCheck(name, cases, "perceptual_realism", GRADED_MIN_FALL, GRADED_TOLERANCE)
      for name, cases in SERIES.items()),  # fmt: skip
)

COLUMNS = ("frechet_distance", "precision", "recall", "class_kl", "perceptual_frechet_distance",
           "perceptual_precision", "perceptual_recall", "perceptual_realism", "memorised")  # fmt: skip


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
    blobs = grey_blobs(x_train, num, seed=seed + 2)
    return {
        "real (held-out)": pool,
        "blur σ=0.5": blur(pool, 0.5),
        "blur σ=0.75": blur(pool, 0.75),
        "blur σ=1": blur(pool, 1.0),
        "blur σ=1.5": blur(pool, 1.5),
        "blur σ=2": blur(pool, 2.0),
        "noise σ=0.05": add_noise(pool, 0.05, seed=seed + 3),
        "noise σ=0.1": add_noise(pool, 0.1, seed=seed),
        "noise σ=0.2": add_noise(pool, 0.2, seed=seed + 4),
        "noise σ=0.3": add_noise(pool, 0.3, seed=seed + 1),
        "grey blobs 25 %": mix_grey_blobs(pool, x_train, 0.25, seed=seed + 2),
        "grey blobs 50 %": mix_grey_blobs(pool, x_train, 0.5, seed=seed + 2),
        "grey blobs 75 %": mix_grey_blobs(pool, x_train, 0.75, seed=seed + 2),
        "grey blobs": blobs,
        "one sample repeated": np.repeat(pool[:1], num, axis=0),
        "digits 0-4 removed": kept,
        "training images copied": check_image_batch("x_train", x_train)[:num],
    }


@dataclasses.dataclass
class SuiteResult:
    """Scores per case (``scores[case][metric]``) and each check with its outcome."""

    scores: dict
    checks: list  # (Check, value, control value, passed); for a GradedCheck (check, largest step share, fall, passed)
    num: int
    k: int

    @property
    def passed(self) -> bool:
        return all(ok for *_, ok in self.checks)

    def failures(self) -> list[str]:
        return [c.failure(value, control) for c, value, control, ok in self.checks if not ok]

    def table_markdown(self) -> str:
        """One row per case, one column per metric; a checked cell is marked ✓ (passed) or ✗ (failed). A graded
        check marks every case of its series."""
        marks = {}
        for c, _, _, ok in self.checks:
            for case in c.cases if isinstance(c, GradedCheck) else (c.case,):
                marks[case, c.metric] = "✗" if not ok or marks.get((case, c.metric)) == "✗" else "✓"
        header = "| case | " + " | ".join(_LABELS[m] for m in COLUMNS) + " |"
        lines = [header, "|" + "---|" * (len(COLUMNS) + 1)]
        for case, row in self.scores.items():
            cells = [f"{row[m]:.3g} {marks.get((case, m), '')}".strip() for m in COLUMNS]
            lines.append(f"| {case} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


_LABELS = {"frechet_distance": "FD (classifier)", "precision": "precision (classifier)",
           "recall": "recall (classifier)", "class_kl": "class KL", "perceptual_frechet_distance": "FD (perceptual)",
           "perceptual_precision": "precision (perceptual)", "perceptual_recall": "recall (perceptual)",
           "perceptual_realism": "realism (perceptual)", "memorised": "memorised"}  # fmt: skip


def run_suite(x_test, y_test, x_train, num: int = SUITE_SAMPLES, seed: int = 0) -> SuiteResult:
    """Score every case of :func:`degradation_cases` against the first ``num`` test images and apply
    :data:`CHECKS` (the graded checks along :data:`SERIES`). ``memorised`` is :func:`memorised_fraction` with
    the reference images as the held-out set that fixes the threshold.

    Taught in: 08_gan
    """
    from vaegan_edu.metrics.digits import PR_NEIGHBOURS

    cases = degradation_cases(x_test, y_test, x_train, num=num, seed=seed)
    reference = make_reference(np.asarray(x_test)[:num])
    scores, threshold = {}, memorisation_threshold(x_train, reference.x_test)
    for name, images in cases.items():
        row = evaluate_samples(images, reference)
        row["memorised"] = memorised_fraction(images, x_train, threshold=threshold)
        scores[name] = {m: float(row[m]) for m in COLUMNS}
    return SuiteResult(scores, _apply_checks(scores), num, PR_NEIGHBOURS)


def _apply_checks(scores: dict) -> list:
    """Each of :data:`CHECKS` applied to the suite's scores: (check, value, control, passed)."""
    control, out = scores["real (held-out)"], []
    for c in CHECKS:
        if isinstance(c, GradedCheck):
            grading = c.grading([scores[case][c.metric] for case in c.cases])
            out.append((c, grading.largest_step, grading.total, grading.graded))
        else:
            value = scores[c.case][c.metric]
            out.append((c, value, control[c.metric], c.passes(value, control[c.metric])))
    return out

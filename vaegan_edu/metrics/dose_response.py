r"""Dose-response of sample-quality scores: held-out real digits damaged at rising strengths, scored by several
candidate metrics in two feature spaces, and whether each score falls *gradually* (issue 31).

A score that is to rank models must do more than separate real digits from broken ones: it must say *how*
broken. So we damage the same 1,000 held-out digits at several strengths of three kinds,

* blur, Gaussian of σ ∈ {0.25, 0.5, 0.75, 1, 1.5, 2} pixels (σ = 0.25 barely changes a pixel: a control
  for "no visible change, no change in score");
* noise, Gaussian of σ ∈ {0.02, 0.05, 0.1, 0.2, 0.3} on every pixel, clipped to [0, 1];
* grey blobs, a share ∈ {0.1, 0.25, 0.5, 0.75, 1} of the set replaced by the mean training image plus noise
  (what an untrained generator draws; :func:`vaegan_edu.metrics.mix_grey_blobs`),

score each damaged set against another 1,000 held-out digits with every candidate of :data:`CANDIDATES`, in
each feature space (the digit classifier's, *semantic*; the random network's, *perceptual*), and apply the
definition of "graded" of :func:`vaegan_edu.metrics.graded_response`, with the noise :math:`s` of each score
measured as its standard deviation over independent real sets:

.. math::
    \tau = 2s, \qquad \Delta_{\min} = 4s

(a step back of more than two standard deviations breaks monotonicity, as does a last step that does not fall
by more than two; a total fall under four is no response). Nothing is fitted: the candidates are the published
definitions with the papers' ``k``, the feature spaces the book's own.

What it found (``benchmarks/metric_dose_response.py``, 1,000 images per set; the numbers are in
``benchmarks/results/metric_dose_response.json``): in the perceptual space only the capped realism score is
graded under all three damages; precision (k = 3 or 10), density and coverage reach 0 by 0.75 px of blur and by
noise 0.1, and the perceptual FD takes more than half of its rise under noise in the last step. In the
classifier's space no candidate is graded under all three: built to ignore how a digit is drawn, its precision,
density and realism do not fall under blur, and grey blobs, which the classifier maps among real digits, raise
its precision to 1. Hence the book's two scores: ``perceptual_realism`` for "looks like a real image", the
classifier's FD for "which digits, how good" (the one that orders a GAN's checkpoints as training does).

Taught in: (not yet in a chapter; the book's choice it supports is taught with the degradation suite, 08_gan)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaegan_edu.metrics.degradations import add_noise, blur, graded_response, mix_grey_blobs
from vaegan_edu.metrics.sample_quality import density_coverage, frechet_distance, precision_recall, realism
from vaegan_edu.validation import check_image_batch, check_positive_int, check_seed

BLUR_SIGMAS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)  # pixels
NOISE_SIGMAS = (0.02, 0.05, 0.1, 0.2, 0.3)  # per pixel, images in [0, 1]
BLOB_SHARES = (0.1, 0.25, 0.5, 0.75, 1.0)  # share of the set replaced by grey blobs
DOSES = {"blur": BLUR_SIGMAS, "noise": NOISE_SIGMAS, "grey blobs": BLOB_SHARES}
NOISE_SETS = 4  # independent real sets of ``num`` images whose spread is each score's noise
TOLERANCE_SDS = 2.0  # a step back of up to this many standard deviations is noise
RESPONSE_SDS = 4.0  # a total fall of less than this many standard deviations is no response


def _precision(k):
    return lambda real, fake: precision_recall(real, fake, k=k)[0]


# name -> (score(real_features, fake_features), higher is better)
CANDIDATES = {
    "precision k=3": (_precision(3), True),  # Kynkäänniemi et al. 2019, the book's k
    "precision k=10": (_precision(10), True),  # larger balls: later, but still a cliff?
    "density k=5": (lambda real, fake: density_coverage(real, fake, k=5)[0], True),  # Naeem et al. 2020
    "coverage k=5": (lambda real, fake: density_coverage(real, fake, k=5)[1], True),  # Naeem et al. 2020
    "realism k=3": (lambda real, fake: realism(real, fake, k=3), True),  # mean of min(1, R), R of Kynkäänniemi
    "frechet_distance": (frechet_distance, False),  # graded by construction, unbounded
}


def default_spaces() -> dict:
    """The two feature spaces of the book: ``{"classifier": digit_features, "perceptual": perceptual_features}``."""
    from vaegan_edu.metrics.digits import digit_features
    from vaegan_edu.metrics.perceptual import perceptual_features

    return {"classifier": digit_features, "perceptual": perceptual_features}


def damage(images, x_train, kind: str, strength: float, seed: int = 0) -> np.ndarray:
    """``images`` damaged by ``kind`` ("blur", "noise" or "grey blobs") at ``strength`` (σ or share)."""
    if kind == "blur":
        return blur(images, strength)
    if kind == "noise":
        return add_noise(images, strength, seed=seed)
    if kind == "grey blobs":
        return mix_grey_blobs(images, x_train, strength, seed=seed)
    raise ValueError(f"`kind` must be one of {sorted(DOSES)}; received kind={kind!r}.")


def score_candidates(real_features, fake_features, candidates=None) -> dict:
    """Every candidate's score of ``fake_features`` against ``real_features``: ``{name: float}``."""
    candidates = CANDIDATES if candidates is None else candidates
    return {name: float(score(real_features, fake_features)) for name, (score, _) in candidates.items()}


@dataclasses.dataclass
class DoseResponse:
    """Result of :func:`dose_response`.

    Attributes
    ----------
    doses : dict
        Damage kind -> strengths.
    scores : dict
        ``scores[space][candidate][kind]``: list, the undamaged set's score then one per strength.
    real_scores : dict
        ``real_scores[space][candidate]``: the scores of the ``NOISE_SETS`` independent real sets.
    gradings : dict
        ``gradings[space][candidate][kind]``: :class:`vaegan_edu.metrics.Grading`.
    num : int
        Images per set.
    """

    doses: dict
    scores: dict
    real_scores: dict
    gradings: dict
    num: int

    def noise(self, space: str, candidate: str) -> float:
        """The standard deviation of ``candidate`` over independent real sets, in ``space``."""
        return float(np.std(self.real_scores[space][candidate], ddof=1))

    def graded(self) -> dict:
        """``{space: {candidate: True if graded under every damage}}``."""
        return {space: {c: all(g.graded for g in kinds.values()) for c, kinds in by_c.items()}
                for space, by_c in self.gradings.items()}  # fmt: skip

    def table_markdown(self, kind: str) -> str:
        """Rows: the undamaged set, then each strength of ``kind``; columns: every candidate in every space."""
        columns = [(space, c) for space, by_c in self.scores.items() for c in by_c]
        lines = ["| strength | " + " | ".join(f"{c} ({space})" for space, c in columns) + " |",
                 "|" + "---|" * (len(columns) + 1)]  # fmt: skip
        for i, strength in enumerate((0.0,) + tuple(self.doses[kind])):
            label = "real" if i == 0 else f"{kind} {strength:g}"
            lines.append(f"| {label} | " + " | ".join(f"{self.scores[s][c][kind][i]:.3g}" for s, c in columns) + " |")
        marks = ["✓" if self.gradings[s][c][kind].graded else "✗" for s, c in columns]
        lines.append("| graded | " + " | ".join(marks) + " |")
        return "\n".join(lines)


def _grade(values, real, higher_is_better):
    """:func:`graded_response` with the tolerance and minimal fall set by the spread over real sets."""
    sd = float(np.std(real, ddof=1))
    return graded_response(values, tolerance=TOLERANCE_SDS * sd, min_total=RESPONSE_SDS * sd,
                           higher_is_better=higher_is_better)  # fmt: skip


def _check_doses(doses):
    """``doses`` as {kind: tuple of increasing positive strengths}, or a clear error."""
    if not isinstance(doses, dict) or not doses or set(doses) - set(DOSES):
        raise ValueError(f"`doses` must map some of {sorted(DOSES)} to strengths, e.g. {{'blur': (0.5, 1.0, 2.0)}}; "
                         f"received {doses!r}.")  # fmt: skip
    out = {}
    for kind, strengths in doses.items():
        s = np.asarray(strengths, dtype=np.float64) if isinstance(strengths, (tuple, list)) else np.empty(0)
        if s.ndim != 1 or len(s) < 3 or not np.all(s > 0) or not np.all(np.diff(s) > 0):
            raise ValueError(f"`doses[{kind!r}]` must be a tuple of at least 3 increasing positive strengths such as "
                             f"{DOSES[kind]}; received {strengths!r}.")  # fmt: skip
        out[kind] = tuple(float(v) for v in s)
    return out


def dose_response(x_test, x_train, num: int = 1000, spaces=None, candidates=None, doses=None,
                  noise_sets: int = NOISE_SETS, seed: int = 0) -> DoseResponse:  # fmt: skip
    r"""Score every candidate, in every feature space, on held-out digits damaged at every strength in ``doses``.

    ``x_test[:num]`` is the reference; ``x_test[num:2 num]`` the set that is damaged (its undamaged score
    is each series' first value); it and the next ``noise_sets - 1`` sets of ``num`` give each score's spread
    over independent real sets, :math:`s`, which sets the tolerance :math:`2s` and the minimal response
    :math:`4s` of :func:`vaegan_edu.metrics.graded_response` (see the module's docstring).

    Parameters
    ----------
    x_test : array (n, 28, 28, 1), n >= (1 + noise_sets) * num
    x_train : array (m, 28, 28, 1): the mean image for the grey blobs
    num : int >= 11 (``k`` = 10 needs more than 10 samples)
    spaces : dict name -> function(images) -> features (n, d), or None for :func:`default_spaces`
    candidates : dict name -> (score, higher_is_better), or None for :data:`CANDIDATES`
    doses : dict kind -> increasing strengths, or None for :data:`DOSES`
    noise_sets : int >= 2
    seed : int, the seed of the noise and of the blobs

    Returns
    -------
    DoseResponse

    Taught in: (not yet in a chapter; run by benchmarks/metric_dose_response.py)
    """
    x_test = check_image_batch("x_test", x_test)
    num = check_positive_int("num", num, 1000)
    noise_sets = check_positive_int("noise_sets", noise_sets, NOISE_SETS)
    seed = check_seed(seed)
    if num < 11 or noise_sets < 2:
        raise ValueError(f"`num` must be at least 11 and `noise_sets` at least 2 (a spread needs two sets); "
                         f"received num={num}, noise_sets={noise_sets}.")  # fmt: skip
    if len(x_test) < (1 + noise_sets) * num:
        raise ValueError(f"`x_test` holds {len(x_test)} images; num={num} with noise_sets={noise_sets} needs "
                         f"{(1 + noise_sets) * num} (a reference, then {noise_sets} real sets). "
                         f"Fix: load more test images, or lower `num` or `noise_sets`.")  # fmt: skip
    x_train = check_image_batch("x_train", x_train, x_test.shape[1:])
    spaces = default_spaces() if spaces is None else spaces
    candidates = CANDIDATES if candidates is None else candidates
    doses = _check_doses(DOSES if doses is None else doses)
    pool = x_test[num : 2 * num]
    sets = {(kind, s): damage(pool, x_train, kind, s, seed=seed) for kind, strengths in doses.items()
            for s in strengths}  # fmt: skip
    scores, real_scores, gradings = {}, {}, {}
    for space, features in spaces.items():
        ref = features(x_test[:num])
        reals = [score_candidates(ref, features(x_test[(i + 1) * num:(i + 2) * num]), candidates)
                 for i in range(noise_sets)]  # fmt: skip
        damaged = {key: score_candidates(ref, features(images), candidates) for key, images in sets.items()}
        scores[space], real_scores[space], gradings[space] = {}, {}, {}
        for c, (_, higher_is_better) in candidates.items():
            real_scores[space][c] = [r[c] for r in reals]
            scores[space][c] = {kind: [reals[0][c]] + [damaged[kind, s][c] for s in strengths]
                                for kind, strengths in doses.items()}  # fmt: skip
            gradings[space][c] = {kind: _grade(v, real_scores[space][c], higher_is_better)
                                  for kind, v in scores[space][c].items()}  # fmt: skip
    return DoseResponse(doses=doses, scores=scores, real_scores=real_scores, gradings=gradings, num=num)

"""Stability as the field measures it: the protocol ``stability`` (issue 31).

The ``tricks`` study ranks chapter 08's DCGAN variants after a fixed 2,500 steps, while its baseline is still
improving, so it ranks convergence *speed*. Stability means something else in the literature: how much the
quality a model reaches varies over seeds and over hyperparameters. Lucic et al. ("Are GANs Created Equal? A
Large-Scale Study", NeurIPS 2018, arXiv:1711.10337) train every model over many hyperparameter settings and seeds
with one budget, report the *distribution* of FID over them, and find that most models reach similar best scores
given enough tuning, while they differ in how often a setting fails. This protocol asks that question of the
book's DCGAN, on a problem shrunk so that its models can train for long (shrink the problem, never the training;
the budget section below says how far that gets). In the order it runs, for each seed:

1. Data: the book's glyph digits (``data.load("glyphs")``, 20,000 training images, 5,000 held out) shrunk to
   14x14 by 2x2 mean pooling (:func:`vaegan_edu.data.downsample`).
2. Network: chapter 08's DCGAN at a quarter of its width: :func:`vaegan_edu.models.make_gan_variant` with
   ``width`` = WIDTH = 8 filters (chapter 08: 32), one stride-2 layer each way and the other at stride 1 (14x14
   sides are not multiples of 4); 64-D latent; generator 55,521 parameters, discriminator 2,985 (3,010 with
   spectral normalisation); batch 64, Lucic et al.'s.
3. Variants, each at its paper's settings: the *baseline* (non-saturating loss, Adam(2e-4, beta_1 = 0.5) for both
   networks: DCGAN, Radford et al. 2015, arXiv:1511.06434); *spectral norm* (hinge loss and spectral normalisation
   of the discriminator, as SN-GAN, Miyato et al. 2018, arXiv:1802.05957, with the DCGAN optimizer, their setting
   C); *WGAN-GP* (Gulrajani et al. 2017, arXiv:1704.00028: penalty weight 10, 5 critic steps per generator step,
   Adam(1e-4, beta_1 = 0, beta_2 = 0.9)); *TTUR* (Heusel et al. 2017, arXiv:1706.08500: the discriminator's step
   size 4 times the generator's, D 4e-4 and G 1e-4 as in SAGAN).
4. Learning rates: every variant at its default learning rate(s) times each factor of LR_FACTORS = (1/2, 1, 4)
   (both networks' rates scaled together, so TTUR keeps its ratio): one grid for every variant, an equal tuning
   budget. 5 seeds.
5. Training: every run from the same seed (weights, data order, scored latent codes) for STEPS generator steps,
   chosen from the baseline alone (below).
6. Scoring, every EVAL_EVERY = 1,000 steps, on 1,000 samples against the first 1,000 held-out digits: Fréchet
   distance, class KL, precision and recall in the feature space of the book's digit classifier
   (:mod:`vaegan_edu.metrics.digits`). That classifier reads 28x28 images, so generated and held-out 14x14
   images alike are scaled back to 28x28 by repeating each pixel 2x2 (nearest neighbour) before scoring. It
   still names 97.4 % of the upsampled test digits correctly (97.8 % at 28x28); two sets of 1,000 upsampled test
   digits are at FD 1.2, the floor of this scale; uniform noise is at 543. These FDs are not comparable with the
   28x28 studies' (upsampled test digits are at FD 8.0 from the 28x28 ones). The perceptual metrics of
   :func:`vaegan_edu.metrics.evaluate_samples` are left out: they cost 15 times as much per checkpoint, and
   perceptual precision measures sharpness (the review of chapters 05-08).
7. Per run: the curve (``frechet_distance@STEP`` ...), the last checkpoint's values, the *late-window* FD (the
   mean over the checkpoints in the last 30 % of training, :func:`late_window`: a GAN's FD oscillates between
   checkpoints), its relative gain over the window before it (under PLATEAU_GAIN = 0.05: on a plateau),
   ``diverged`` (losses or samples not finite) and the training seconds (scoring excluded).

The summaries read a result the way Lucic et al. do: :func:`spread` (per variant: the best learning rate's mean
over seeds with its 95 % interval, the median and worst over the grid, the shares of runs that diverged or
failed), :func:`best_rate`, :func:`spread_table`, and :func:`compare` (each variant against the baseline, tuned
and in its spread over the grid, paired by seed, Holm-corrected as one family).

The budget: the design record
-----------------------------
The pilot trained the baseline alone at its default learning rate on seeds 100 and 101 (outside the protocol's),
with the protocol's own code::

    run("stability", seeds=[100, 101], variants={"baseline": VARIANTS["baseline"]}, lr_factors=[1.0],
        budget={"steps": 48_000}, width=8)

Mean FD over the two seeds (scored every 500 steps; the late-window gain at each budget in brackets, the
issue's plateau is a gain under 0.05):

=======  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
steps    4,000  8,000  12k    16k    20k    24k    28k    32k    36k    40k    44k    48k
FD       45.6   10.3   5.24   4.20   3.86   3.31   3.08   3.64   3.36   3.64   2.87   4.44
gain     0.53   0.63   0.61   0.46   0.30   0.24   0.22   0.21   0.15   0.086  0.076  0.083
=======  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====

The late-window FD at 48,000 steps is 3.25 (seeds 2.93 and 3.58). So the baseline is *not* yet on a plateau by
the issue's definition at 48,000 steps: its FD still falls about 8 % over the last 30 %. Width 12 (generator
84,817 parameters, discriminator 6,013) was piloted first and was no better (mean FD 4.83 at 16,000 steps, gain
0.32); width 8 is cheaper and reaches a lower FD, so capacity is not what keeps the FD falling.

Cost, measured on the study's 2-core machine with TensorFlow (load average 2.5 from other jobs), seconds per
generator step: baseline 0.0107, spectral norm 0.0130, TTUR 0.0129, WGAN-GP 0.103 (its 5 critic steps each take
a gradient of a gradient); with JAX 0.0095, 0.0086, 0.0098 and 0.042; XLA on TensorFlow gained nothing. Scoring
takes about 0.25 s per checkpoint. At STEPS = 48,000 the study is 60 runs of 48,000 steps: 15 x 48,000 x 0.139 s =
28 hours with TensorFlow (14 with JAX), far over issue 31's 3 hours, and the 5 % plateau needs more steps still.
What 3 hours buy at 48,000 steps: about 18 runs of a variant other than WGAN-GP (baseline and spectral norm at
two learning rates and 5 seeds take 3.2 hours); the whole design fits in 3 hours only at about 5,000 steps, where
the baseline's FD (26) is still falling fast, the regime of the ``tricks`` study. Which constraint gives way is an
open decision of issue 31; the protocol below is the full design at the longest budget measured, resumable run by
run.

The decision (session 16). The two constraints that cannot give way are the issue's: a budget the baseline
nearly plateaus in (48,000 steps, the longest measured) and at most 3 hours for the study. What gives way is the
number of variants: the shipped study trains the baseline and spectral normalisation (STUDIED), the variant the
field adopted for stability (SN-GAN), at the three learning-rate factors and 5 seeds: 30 runs. WGAN-GP alone would
cost 15 x 48,000 x 0.103 s = 21 hours; TTUR would add 15 runs (about 2.3 hours of one core). The run uses both
cores as two single-threaded processes on disjoint seeds (``TF_NUM_INTRAOP_THREADS=1``; each at 9.4-10.4 ms per
baseline step while the other runs, against 10.5 ms for one two-threaded process: twice the throughput; stepping
several batches per call, Keras's ``steps_per_execution`` = 20, gained nothing), writing into one results file
under its lock. Expected: 30 x (48,000 x 0.011 s + 12 s) / 2 = 2.3 hours. Measured in the first runs:
10-11 minutes of CPU per baseline run (about 13 ms per step with scoring, beside other work), so about 2.8 hours of
both cores; on the shared machine each run took 15-32 minutes of wall time. The full four-variant design stays
runnable, ``run("stability", variants=VARIANTS)``, e.g. on a Dask cluster. The late-window gain of the baseline at
its default rate is reported with the results; where it is above PLATEAU_GAIN, the text says how far it got.

Taught in: 10_student_questions (section 5; the appendix page evidence/stability.ipynb)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vaegan_edu import data as data_module
from vaegan_edu import models
from vaegan_edu.experiments import stats
from vaegan_edu.experiments.protocol import Protocol, load_dataset, register
from vaegan_edu.experiments.tricks import train_scored
from vaegan_edu.metrics import class_histogram, digit_features_and_classes, frechet_distance
from vaegan_edu.metrics import kl_to_uniform, make_reference, precision_recall

BASELINE = "baseline"
VARIANTS = {  # name -> keyword arguments of make_gan_variant at the variant's default learning rate(s)
    BASELINE: {"learning_rate": 2e-4},
    "spectral norm": {"loss": "hinge", "spectral_norm": True, "learning_rate": 2e-4},
    "WGAN-GP": {"loss": "wasserstein_gp", "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9, "d_steps": 5},
    "TTUR": {"d_learning_rate": 4e-4, "g_learning_rate": 1e-4},
}
# The variants the shipped study trains (the budget section says why two of the four): run the full design with
# run("stability", variants=VARIANTS) where more cores are at hand
STUDIED = (BASELINE, "spectral norm")
LR_FACTORS = (0.5, 1.0, 4.0)  # each variant's default learning rate(s) times these: one grid, an equal budget
DOWNSAMPLE = 2  # 28x28 glyphs -> 14x14
WIDTH = 8  # filters of the discriminator's first and the generator's last layer (chapter 08's DCGAN: 32)
STEPS = 48_000  # generator steps of every run: the longest budget of the pilot (not yet a 5 % plateau; see above)
EVAL_EVERY = 1_000
LATE_SHARE = 0.3  # the late window: the last 30 % of training (issue 31's definition of a plateau)
PLATEAU_GAIN = 0.05  # on a plateau, the late window's FD is less than 5 % below the window before it
# A run *failed* when its late-window FD is above this: worse than 400 perfect test digits of one class, the best
# of the ten (digit 8: FD 150; the median class 249, digits 0-4 only 46, uniform noise 543), so it drew no
# recognisable spread of digits. Lucic et al. count such runs in their distributions; :func:`spread` reports
# their share beside the share of runs that diverged outright (non-finite losses or samples).
FAILED_FD = 150.0
SCORED = ("frechet_distance", "class_kl", "precision", "recall")
METRICS = {"frechet_distance_late": "lower", "frechet_distance": "lower", "class_kl": "lower", "precision": "higher",
           "recall": "higher", "diverged": "lower",
           "frechet_distance_late_gain": "lower"}  # a plateau gains little; no verdict is drawn on it  # fmt: skip


def variant_name(variant: str, factor: float) -> str:
    """The results file's name of one variant at one learning-rate factor ("WGAN-GP · lr x4")."""
    return f"{variant} · lr x{factor:g}"


def at_rate(kwargs: dict, factor: float) -> dict:
    """A variant's keyword arguments with every learning rate in them multiplied by ``factor``."""
    return {k: v * factor if k.endswith("learning_rate") else v for k, v in kwargs.items()}


def _upsample(images: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel repeated ``factor`` x ``factor`` times (nearest neighbour): the digit classifier's 28x28."""
    return np.repeat(np.repeat(images, factor, axis=1), factor, axis=2)


def small_reference(images: np.ndarray, factor: int = DOWNSAMPLE):
    """:func:`vaegan_edu.metrics.make_reference` of small held-out ``images``, upsampled by ``factor`` (each pixel
    repeated) to the digit classifier's 28x28: what :func:`score` compares samples with.

    Taught in: (not yet in a chapter)
    """
    return make_reference(_upsample(images, factor))


def score(samples: np.ndarray, reference, factor: int = DOWNSAMPLE) -> dict:
    """FD, class KL, precision and recall of small ``samples`` (upsampled by ``factor``) against ``reference``
    (:func:`vaegan_edu.metrics.make_reference` of held-out images upsampled the same way), in the digit
    classifier's feature space: the digit-space part of :func:`vaegan_edu.metrics.evaluate_samples`."""
    features, labels = digit_features_and_classes(_upsample(samples, factor))
    n = min(len(features), len(reference.features))
    precision, recall = precision_recall(reference.features[:n], features[:n])
    return {"frechet_distance": frechet_distance(reference.features, features),
            "class_kl": kl_to_uniform(class_histogram(labels, num_classes=10)),
            "precision": precision, "recall": recall}  # fmt: skip


def late_window(row: dict, steps: int, share: float = LATE_SHARE) -> dict:
    r"""The FD averaged over the checkpoints in the last ``share`` of ``steps``, and its relative gain over the
    equally long window before it.

    .. math::
        \mathrm{FD}_\text{late} = \operatorname{mean}_{c \in (S - s,\, S]} \mathrm{FD}_c, \qquad
        \text{gain} = 1 - \frac{\mathrm{FD}_\text{late}}{\operatorname{mean}_{c \in (S - 2s,\, S - s]} \mathrm{FD}_c}

    with :math:`S` = ``steps`` and :math:`s` = ``share`` x :math:`S` rounded to a step. A GAN's FD oscillates from
    checkpoint to checkpoint (the game does not settle on a point), so one checkpoint is a noisy reading of where
    training got. The gain is positive while the FD still falls; under :data:`PLATEAU_GAIN` the run is on a
    plateau. Checkpoints after ``steps`` are ignored, so a longer run answers "was it on a plateau at ``steps``?"

    Returns
    -------
    dict: ``frechet_distance_late`` and ``frechet_distance_late_gain`` (NaN when a checkpoint in either window
    is not finite); empty when either window holds no checkpoint.
    """
    checkpoints = sorted(int(k.split("@")[1]) for k in row if k.startswith("frechet_distance@"))
    window = int(round(share * steps))
    late = [c for c in checkpoints if steps - window < c <= steps]
    before = [c for c in checkpoints if steps - 2 * window < c <= steps - window]
    if not late or not before:
        return {}
    late_fd, before_fd = (float(np.mean([row[f"frechet_distance@{c}"] for c in cs])) for cs in (late, before))
    if not (math.isfinite(late_fd) and math.isfinite(before_fd)):
        return {"frechet_distance_late": float("nan"), "frechet_distance_late_gain": float("nan")}
    return {"frechet_distance_late": late_fd, "frechet_distance_late_gain": 1.0 - late_fd / before_fd}


def train_and_score(x, kwargs: dict, seed: int, steps: int, eval_every: int, reference, num_samples: int,
                    batch_size: int, width: int, factor: int = DOWNSAMPLE) -> dict:  # fmt: skip
    """Train one variant from ``seed`` on small images ``x`` for ``steps`` generator steps, scoring it every
    ``eval_every`` steps (:func:`score`; the loop is :func:`vaegan_edu.experiments.tricks.train_scored`).

    Returns
    -------
    dict: the last checkpoint's metrics under their plain names, every checkpoint's as ``"<metric>@<step>"``,
    the :func:`late_window` values, ``diverged`` (0 or 1), ``train_seconds`` (scoring excluded), ``train_steps``
    """
    gan = models.make_gan_variant(x.shape[1:], seed=seed, width=width, **kwargs)
    row = train_scored(gan, x, seed, steps, eval_every, lambda samples: score(samples, reference, factor), SCORED,
                       num_samples, batch_size)  # fmt: skip
    row.update(late_window(row, steps))
    return row


def small_dataset(config: dict):
    """``(x_train, x_test)`` of the configuration's data, shrunk by ``config["downsample"]``."""
    ds, factor = load_dataset(config), config["downsample"]
    return data_module.downsample(ds.x_train, factor), data_module.downsample(ds.x_test, factor)


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``stability``: every variant at every learning-rate factor, trained from ``seed`` and scored
    along the way. ``finished`` holds runs of this seed done by an interrupted run (kept, not retrained: each run
    builds its own model from ``seed``); ``on_variant(name, row)`` is called as each run finishes."""
    x_train, x_test = small_dataset(config)
    factor = config["downsample"]
    reference = small_reference(x_test[: config["num_samples"]], factor)
    names = [(variant_name(v, f), v, f) for v in config["variants"] for f in config["lr_factors"]]
    table = dict(finished or {})
    for name, variant, lr_factor in names:
        if name in table:
            continue
        say(f"{name} ...")
        table[name] = train_and_score(x_train, at_rate(config["variants"][variant], lr_factor), seed,
                                      config["budget"]["steps"], config["eval_every"], reference,
                                      config["num_samples"], config["batch_size"], config["width"], factor)  # fmt: skip
        row = table[name]
        say(f"{name}: late FD {row.get('frechet_distance_late', float('nan')):.1f}, {row['train_seconds']:.0f} s")
        if on_variant is not None:
            on_variant(name, row)
    return {name: table[name] for name, _, _ in names}


# === the summaries, in the manner of Lucic et al. 2018 ===


def _check_result(result, variant=None, metric=None):
    """The result's configured variants and learning-rate factors, after checking ``variant`` and ``metric``."""
    config = getattr(result, "config", None)
    if not isinstance(config, dict) or "lr_factors" not in config or "variants" not in config:
        raise TypeError(f"`result` must be a Result of the 'stability' protocol (ve.experiments.load('stability') "
                        f"or ve.experiments.run('stability', ...)); received {type(result).__name__}. Fix: load "
                        f"it.")  # fmt: skip
    variants, factors = list(config["variants"]), [float(f) for f in config["lr_factors"]]
    if variant is not None and variant not in variants:
        raise ValueError(f"`variant` must be one of the study's variants {variants} (without the learning rate: "
                         f"the summary covers its whole grid); received variant={variant!r}.")  # fmt: skip
    if metric is not None:
        result._check(variant_name(variants[0], factors[0]), metric)
    return variants, factors


@dataclasses.dataclass(frozen=True)
class Spread:
    """How one variant's quality is distributed over seeds and learning rates (:func:`spread`).

    Taught in: 10_student_questions
    """

    variant: str
    metric: str
    best_factor: float  # the learning-rate factor whose mean over seeds is best
    best: stats.Interval  # mean over seeds at the best factor, with its Student-t interval
    by_factor: dict  # {factor: Interval of the mean over seeds} for every factor with a finite run
    median: float  # median over the grid of the per-factor means
    worst: float  # worst per-factor mean (NaN when every run at some factor diverged)
    diverged: stats.Interval  # share of the variant's runs (seeds x factors) that diverged, Wilson interval
    failed: stats.Interval  # share that diverged or ended above FAILED_FD (no recognisable digits), Wilson interval

    def markdown_row(self) -> str:
        """``| variant | best lr | best mean [CI] | median | worst | failed (diverged) |`` for :func:`spread_table`."""
        worst = "every run diverged" if math.isnan(self.worst) else f"{self.worst:.3g}"
        failed, diverged = (round(i.estimate * i.n) for i in (self.failed, self.diverged))
        return (f"| {self.variant} | x{self.best_factor:g} | {self.best.numbers('.3g')} | {self.median:.3g} | "
                f"{worst} | {failed}/{self.failed.n} ({diverged} diverged) |")  # fmt: skip


def best_rate(result, variant: str, metric: str = "frechet_distance_late") -> float:
    """The learning-rate factor at which ``variant``'s mean of ``metric`` over seeds is best (diverged runs left
    out of the mean; a factor where every run diverged is never best).

    Taught in: (not yet in a chapter)
    """
    return spread(result, variant, metric).best_factor


def spread(result, variant: str, metric: str = "frechet_distance_late", confidence: float = 0.95,
           failed_above: float = FAILED_FD) -> Spread:  # fmt: skip
    """One variant's distribution over seeds and the learning-rate grid, as Lucic et al. 2018 report it.

    * the best factor: the one whose mean over seeds is best, in the metric's direction;
    * ``best``: that mean with its Student-t interval over seeds (:func:`~vaegan_edu.experiments.stats.mean_interval`;
      diverged runs left out and counted below). Picking the best of several means favours a lucky factor, so
      it is slightly optimistic, the more so the larger the grid;
    * ``median`` and ``worst`` over the grid of the per-factor means: what a user who does not tune gets (a factor
      where every run diverged has no mean: the median leaves it out and ``worst`` is NaN);
    * ``diverged``: the share of all the variant's runs that diverged (non-finite losses or samples), and
      ``failed``: the share that diverged or whose late-window FD is above ``failed_above`` (:data:`FAILED_FD`:
      worse than perfect digits of a single class), each with a Wilson interval
      (:func:`~vaegan_edu.experiments.stats.proportion_interval`).

    Parameters
    ----------
    result : Result of the ``stability`` protocol
    variant : one of its variants, e.g. "WGAN-GP" (the summary covers all its learning rates)
    metric : a metric of the protocol, default the late-window FD
    confidence : float in (0, 1)
    failed_above : float > 0, the late-window FD above which a run counts as failed

    Taught in: 10_student_questions
    """
    _, factors = _check_result(result, variant, metric)
    if isinstance(failed_above, bool) or not isinstance(failed_above, (int, float)) or not failed_above > 0:
        raise ValueError(f"`failed_above` must be a Fréchet distance > 0 such as {FAILED_FD} (worse than perfect "
                         f"digits of one class); received failed_above={failed_above!r}.")  # fmt: skip
    lower = result.metrics.get(metric.partition("@")[0], "lower") == "lower"
    by_factor, means, runs, diverged, failed = {}, {}, 0, 0, 0
    for f in factors:
        name = variant_name(variant, f)
        if name not in result.variants:
            continue
        values = list(result.values(name, metric).values())
        broke = [d != 0.0 for d in result.values(name, "diverged").values()]  # NaN (not recorded) counts as broken
        late = result.values(name, "frechet_distance_late").values()
        runs += len(values)
        diverged += sum(broke)
        failed += sum(b or not fd <= failed_above for b, fd in zip(broke, late))  # NaN FD: failed
        finite_values = [v for v in values if math.isfinite(v)]
        means[f] = float(np.mean(finite_values)) if finite_values else math.nan
        if finite_values:
            by_factor[f] = stats.mean_interval(values, confidence, nan_policy="omit")
    if not runs:
        raise ValueError(f"The result holds no run of {variant!r}; run the protocol first.")
    if not by_factor:
        raise ValueError(f"Every run of {variant!r} diverged: there is no {metric} to summarise.")
    best = (min if lower else max)(by_factor, key=lambda f: by_factor[f].estimate)
    finite = [m for m in means.values() if math.isfinite(m)]
    worst = math.nan if len(finite) < len(means) else (max if lower else min)(finite)
    return Spread(variant=variant, metric=metric, best_factor=best, best=by_factor[best], by_factor=by_factor,
                  median=float(np.median(finite)), worst=worst,
                  diverged=stats.proportion_interval(diverged, runs, confidence),
                  failed=stats.proportion_interval(failed, runs, confidence))  # fmt: skip


def spread_table(result, metric: str = "frechet_distance_late") -> str:
    """Markdown table of :func:`spread` for every variant of the study.

    Taught in: (not yet in a chapter)
    """
    variants, _ = _check_result(result, metric=metric)
    head = ("| variant | best lr | mean at best lr [95 % CI] | median over lr | worst over lr | failed |\n"
            "|---|---|---|---|---|---|")  # fmt: skip
    return "\n".join([head] + [spread(result, v, metric).markdown_row() for v in variants])


def per_seed(result, variant: str, metric: str = "frechet_distance_late") -> dict:
    """``{seed: {factor: value}}`` of one variant over the learning-rate grid (NaN where a run diverged).

    Taught in: 10_student_questions
    """
    _, factors = _check_result(result, variant, metric)
    out: dict = {}
    for f in factors:
        if variant_name(variant, f) in result.variants:
            for seed, value in result.values(variant_name(variant, f), metric).items():
                out.setdefault(seed, {})[f] = value
    return out


def grid_range(result, variant: str, metric: str = "frechet_distance_late") -> dict:
    """``{seed: worst minus best over the learning-rate grid}``: how much the learning rate matters for that seed
    (NaN when a run at some factor diverged, the largest sensitivity of all).

    Taught in: (not yet in a chapter)
    """
    _, factors = _check_result(result, variant, metric)
    out = {}
    for seed, values in per_seed(result, variant, metric).items():
        v = [values.get(f, math.nan) for f in factors]
        out[seed] = float(max(v) - min(v)) if all(map(math.isfinite, v)) else math.nan
    return out


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The family of paired tests of :func:`compare`, and the comparisons left out of it (fewer than 2 seeds
    with finite values in both variants: a diverged run cannot be paired)."""

    tests: list  # of stats.FamilyTest, Holm-corrected together
    left_out: dict  # {claim: why}


def compare(result, metric: str = "frechet_distance_late", alpha: float = 0.05) -> Comparison:
    """Each variant against the baseline on two questions, paired by seed, as one family corrected with Holm's
    method (:func:`~vaegan_edu.experiments.stats.paired_family`):

    * *tuned*: is the variant at its :func:`best_rate` better than the baseline at its own best rate?
      (Lucic et al.: most models reach similar best scores given enough tuning.)
    * *sensitivity*: does the variant's metric vary less over the learning-rate grid (:func:`grid_range`) than
      the baseline's?

    and, for every variant with the baseline included, when the grid holds a factor below 1:

    * *a smaller learning rate*: is the variant better at the smallest factor than at its default (x1)? This is
      the advice chapter 10 examines ("use a smaller learning rate"), asked at an equal number of steps.

    A seed where either run diverged is left out of that pair (the divergence rates of :func:`spread` report
    it); a comparison left with fewer than two pairs is not tested and is named in ``left_out``.

    Taught in: 10_student_questions
    """
    variants, factors = _check_result(result, metric=metric)
    baseline = BASELINE
    if baseline not in variants:
        raise ValueError(f"`result` has no {baseline!r} variant to compare with (its variants: {variants}). Fix: "
                         f"compare a result of the full protocol, or run it with the baseline among its "
                         f"variants.")  # fmt: skip
    better = result.metrics.get(metric.partition("@")[0], "lower")
    base_best = result.values(variant_name(baseline, best_rate(result, baseline, metric)), metric)
    base_range = grid_range(result, baseline, metric)
    pairs, directions, left_out = {}, {}, {}
    smallest = min(factors)
    for v in variants:
        candidates = {}  # (claim, better direction): (per-seed values of one side, of the other)
        if v != baseline:
            best = best_rate(result, v, metric)
            candidates = {
                (f"{v} at its best lr (x{best:g}) has {better} {metric} than {baseline} at its best", better):
                    (result.values(variant_name(v, best), metric), base_best),
                (f"{v}'s {metric} varies less over the lr grid than {baseline}'s", "lower"):
                    (grid_range(result, v, metric), base_range),
            }  # fmt: skip
        if smallest < 1.0 <= max(factors) and 1.0 in factors:
            candidates[(f"{v} at lr x{smallest:g} has {better} {metric} than at x1", better)] = (
                result.values(variant_name(v, smallest), metric), result.values(variant_name(v, 1.0), metric))
        for (claim, direction), (a, b) in candidates.items():
            common = [s for s in a if s in b and math.isfinite(a[s]) and math.isfinite(b[s])]
            if len(common) < 2:
                left_out[claim] = f"{len(common)} seed(s) with finite values in both"
                continue
            pairs[claim] = ({s: a[s] for s in common}, {s: b[s] for s in common})
            directions[claim] = direction
    tests = stats.paired_family(pairs, better=directions, alpha=alpha) if pairs else []
    return Comparison(tests=tests, left_out=left_out)


PROTOCOL = register(Protocol(
    name="stability",
    title="Baseline and spectral norm on 14x14 digits over 5 seeds and a learning-rate grid (Lucic et al.'s "
          "question), 48,000 steps",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "downsample": DOWNSAMPLE,
        "width": WIDTH,
        "variants": {name: VARIANTS[name] for name in STUDIED},
        "lr_factors": list(LR_FACTORS),
        "budget": {"steps": STEPS},
        "eval_every": EVAL_EVERY,
        "batch_size": 64,
        "num_samples": 1_000,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=variant_name(BASELINE, 1.0),
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 500, "num_test": 200},
           "budget": {"steps": 10}, "eval_every": 3, "batch_size": 32, "num_samples": 100},
    taught_in="10_student_questions",
    saves_variants=True,
))  # fmt: skip

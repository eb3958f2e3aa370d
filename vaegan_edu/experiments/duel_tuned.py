r"""A fairer duel between a VAE and a GAN that generate with one network: the protocol ``duel_tuned`` (issue 31
item 4).

``duel_curves`` (chapter 09) compares the twins at each model's one usual learning rate, reads a wall-clock budget
as "the last checkpoint within it" (so a column labelled 60 s may hold a checkpoint reached at 41 s), and pits a
VAE encoder whose two heads hold 92 % of its weights against a discriminator that ends in one linear unit. This
protocol removes those three handicaps, on a problem shrunk so that every model trains long (shrink the problem,
never the training). In the order :func:`run_seed` follows it, for each seed:

1. **Data**: the book's glyph digits (``data.load("glyphs")``: 20,000 training images, 5,000 held out) shrunk to
   14x14 by 2x2 mean pooling (:func:`vaegan_edu.data.downsample`, as ``stability``). The held-out images are cut
   in two: the first NUM_VALIDATION = 2,500 are the *validation* set, on which the learning rates are chosen; the
   other 2,500 the *test* set, on which the chosen models are scored. No test image takes part in a choice.
2. **Networks** (:func:`vaegan_edu.models.make_twins` with ``matched=True``, width WIDTH = 8, 64-D latent): the
   VAE's decoder *is* the GAN's generator (``stability``'s width-8 DCGAN generator, 55,521 parameters, one
   stride-2 layer each way for 14x14 sides). The encoder is the discriminator's convolutional body with two dense
   heads (mu, log sigma^2): 102,680 parameters, 98 % of them in the heads. The *matched* discriminator is the same
   body -> Dense(2 x 64 = 128) -> LeakyReLU(0.2) -> Dense(1): 102,809 parameters, the encoder's plus the last
   layer's 2 x 64 + 1 = 129 (the DCGAN's own discriminator, with a linear logit, has 2,985: ``stability``'s).
   The VAE's likelihood is the discretised logistic (a normalised distribution over 8-bit pixel values, so its
   ELBO is a bound on a true log-probability of the rounded 14x14 image).
3. **One tuning budget for both**: each model at its default learning rate times each of LR_FACTORS = (1/3, 1, 3):
   the VAE with Adam around 1e-3 (the book's VAE setting), the GAN with the DCGAN's Adam(beta_1 = 0.5) around
   2e-4 for both networks (Radford et al. 2015, arXiv:1511.06434). 3 rates x 2 models x 5 seeds = 30 runs.
4. **Training**: every run from the same seed (weights, data order, scored latent codes) for STEPS = 48,000 steps
   of batch 64 (a GAN step is one discriminator and one generator update), the budget at which ``stability``'s
   pilot found the width-8 baseline GAN's FD still falling about 8 % over the last 30 % of training: near, not on,
   its plateau. The VAE trains as many steps; its training and validation ELBO are recorded at every checkpoint,
   so the results say whether it has converged (:func:`late_window` gain of its validation FD and the curve of
   ``val_elbo_bpd``). That pilot trained the DCGAN discriminator; the matched one is 34 times larger and was not
   piloted (the run's late-window gain says how close to a plateau it got).
5. **Scoring along training** at :func:`checkpoint_steps` 250, 500, 1,000 and then every 1,000 steps: 1,000
   samples (from fixed latent codes) against 1,000 validation and 1,000 test digits with ``stability``'s
   classifier-feature metrics (FD on 2x2-upsampled images, class KL, precision, recall; :func:`score`), and for
   the VAE its negative ELBO in bits per dimension on 500 validation and 500 test images, and its training loss
   over the last segment (``train_elbo_bpd``). The GAN's losses are recorded as ``d_loss`` and ``g_loss``. Each
   checkpoint records the cumulative training seconds it took to reach (``train_seconds@STEP``, scoring excluded;
   the first segment's tracing and compilation, estimated from the second segment's steady time per step, is
   left out as ``compile_seconds``) and each run its median seconds per step (``seconds_per_step``), the clock
   :func:`calibrated` can put every curve on.
6. **Per run**: the last checkpoint's values, the late-window FD on test and validation images
   (:func:`vaegan_edu.experiments.stability.late_window`: the mean over the last 30 % of training, with its gain
   over the window before) and the oscillation of the test FD over that window (:func:`oscillation_measures`).

Reading the results
-------------------
* :func:`read_curve` reads one run's curve at an exact budget of steps or of seconds, interpolating linearly in
  log-steps or log-seconds between the two checkpoints around it (never extrapolating): a column labelled 60 s
  holds the curve at 60 s of training.
* :func:`choose_rate`: at each budget, each model's learning rate is the one whose mean *validation* score over
  seeds is best (best against best; a rate with a diverged or unfinished seed there is not eligible).
  :func:`best_rate` chooses on the validation late-window FD at the end of training.
* :func:`duel`: at each step budget and each seconds budget, the tuned VAE against the tuned GAN on the *test*
  score, paired by seed (Student-t interval of the differences), all budgets of both axes one family with Holm's
  correction (:func:`vaegan_edu.experiments.stats.paired_family`); each step budget is labelled with the mean
  seconds each model took to reach it, each seconds budget with the steps each model reached.
* :func:`curves` gives every seed's curve (steps, seconds, FD) at a model's chosen rate; :func:`oscillation`
  compares the GAN's checkpoint-to-checkpoint FD jitter over the late window with the VAE's, paired by seed: the
  GAN's game does not settle on a point, so its FD oscillates around a level rather than following a trend.

The budget: the design record
-----------------------------
Seconds per training step at 14x14, width 8, batch 64, TensorFlow, one thread (``TF_NUM_INTRAOP_THREADS=1``),
measured with this module's models by one short timing (40 steps of tracing, then 2 interleaved blocks of 150
steps of each model, under ``nice``) while ``stability``'s two study processes and a notebook kernel kept both
cores busy (load average 4 to 6): VAE 9.4 ms, matched GAN 28.5 ms (blocks 22.6 and 34.3), and ``stability``'s
DCGAN baseline (linear logit) 17.5 ms. That baseline costs 9.4-10.4 ms per step with two single-threaded study
processes on the same 2 cores and nothing else (``stability``'s record), so by the ratios measured here (VAE 0.54,
matched GAN 1.63 (1.3-2.0 over the blocks) times the baseline) the study's own load gives about 5.4 ms per VAE
step and 16 ms per matched-GAN step: the matched discriminator's dense layer costs about 60 % more than the DCGAN
step. Scoring: about 0.4 s per checkpoint (``stability``'s 0.25 s for one reference; here the samples' features
are scored against two, plus the VAE's two ELBOs), 51 checkpoints per run.

Run as ``stability`` is, as two single-threaded processes on disjoint seeds (0, 2, 4 and 1, 3) writing into one
results file under its lock, the longer process trains 3 seeds x 3 rates of each model:
9 x 48,000 x (5.4 + 16) ms + 18 x 51 x 0.4 s = 2.6 h + 0.1 h = about 2.7 hours (2.4 to 3.0 with the spread of the
GAN's timing), under issue 31's 3 hours only if nothing else runs beside it. Nothing was shrunk: all 30 runs train
48,000 steps (whether the VAE had plateaued earlier, and could be cut, is for its validation curves to say once
they exist). The design record expected the VAE's 48,000 steps to take about 260 s and the GAN's about 780 s; the
study's own runs, three and later two processes on the 2 cores beside other work, measured about 10.5 ms per VAE
step and 21 ms per GAN step (seeds 0 and 1). Alone on one thread (``duel_tuned_step_cost``) a VAE step takes
about 8.4 ms and a GAN step 11.3 ms, so the VAE's 48,000 steps take about 400 s. The time axis compares the two
only up to the VAE's end: SECONDS_BUDGETS stop at 360 s, and a seconds budget that a run had not reached is left
out, never extrapolated. Each run records its own ``seconds_per_step``, but the load beside the study bends it (three
processes on the two cores doubled it), so the chapter's clock is a separate timing of each model alone on one
thread, ``duel_tuned_step_cost`` (:func:`run_step_cost`, :func:`step_costs`), which :func:`calibrated` puts every
checkpoint on.

What the runs showed (seeds 0 and 1, before the others finished): the matched GAN's test FD falls to its best and
then rises again at every learning rate, earlier the larger the rate (about 3,000 steps at x3, 9,000 at x1, 20,000
at x1/3), while its discriminator's loss falls, its precision rises and its recall and class balance fall; the VAE
stays on its level. So :func:`duel` also compares each model at its best checkpoint chosen on validation images
(:func:`best_checkpoint`), and :func:`oscillation` tests the drift beside the jitter.

Taught in: 09_vae_vs_gan
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vaegan_edu import models
from vaegan_edu.experiments import stats
from vaegan_edu.experiments.duel_curves import checkpoint_steps
from vaegan_edu.experiments.protocol import Protocol, register
from vaegan_edu.experiments.results import Result, metric_label
from vaegan_edu.experiments.stability import LATE_SHARE, late_window, small_dataset
from vaegan_edu.metrics import bits_per_dim, class_histogram, digit_features_and_classes, draw_samples, evaluate_elbo
from vaegan_edu.metrics import frechet_distance, kl_to_uniform, make_reference, precision_recall
from vaegan_edu.models.factories import DCGAN_LEARNING_RATE, TWIN_VAE_LEARNING_RATE
from vaegan_edu.training import train_for
from vaegan_edu.validation import check_positive_number, check_positive_numbers

VAE, GAN = "VAE", "GAN"
MODELS = (VAE, GAN)
LEARNING_RATES = {VAE: TWIN_VAE_LEARNING_RATE, GAN: DCGAN_LEARNING_RATE}  # each model's default: the grid's centre
LR_FACTORS = (1 / 3, 1.0, 3.0)  # the same grid of factors for both models: an equal tuning budget
DOWNSAMPLE = 2  # 28x28 glyphs -> 14x14
WIDTH = 8  # stability's width: filters of the discriminator's first and the generator's last layer
STEPS = 48_000  # training steps of every run (stability's pilot: the baseline GAN near its plateau)
CHECKPOINTS = {"first": 250, "doubling_until": 1_000, "every": 1_000}  # 250, 500, 1,000, 2,000, ... (51 in all)
NUM_VALIDATION = 2_500  # the first held-out images: the validation set; the rest: the test set
VAL = "val_"  # prefix of the scores on validation images
SCORED = ("frechet_distance", "class_kl", "precision", "recall")  # stability's classifier-feature metrics
STEP_BUDGETS = (1_000, 4_000, 16_000, 48_000)  # steps at which :func:`duel` reads the curves
SECONDS_BUDGETS = (15, 30, 60, 120, 240, 360)  # training seconds at which :func:`duel` reads the curves
METRICS = {
    **{m: d for m, d in zip(SCORED, ("lower", "lower", "higher", "higher"))},
    **{VAL + m: d for m, d in zip(SCORED, ("lower", "lower", "higher", "higher"))},
    "elbo_bpd": "lower", VAL + "elbo_bpd": "lower",  # the VAE's -ELBO in bits per dimension (none for the GAN)
    "train_elbo_bpd": "lower", "d_loss": "lower", "g_loss": "lower",  # training losses, per segment (no verdict)
    "frechet_distance_late": "lower", "frechet_distance_late_gain": "lower",
    VAL + "frechet_distance_late": "lower", VAL + "frechet_distance_late_gain": "lower",
    "frechet_distance_jitter": "lower", "frechet_distance_relative_jitter": "lower",
    "frechet_distance_drift": "lower",  # a relative change along the late window (negative: still falling)
    "seconds_per_step": "lower", "compile_seconds": "lower", "diverged": "lower",
}  # fmt: skip
CURVE_METRICS = (*SCORED, *(VAL + m for m in SCORED), "elbo_bpd", VAL + "elbo_bpd", "train_elbo_bpd", "d_loss",
                 "g_loss")  # recorded at every checkpoint  # fmt: skip


def variant_name(model: str, factor: float) -> str:
    """The results file's name of one model at one learning-rate factor ("GAN · lr x0.333")."""
    return f"{model} · lr x{factor:.3g}"


def split(config: dict) -> tuple:
    """``(x_train, x_validation, x_test)`` of the configuration's data, shrunk by ``config["downsample"]``: the
    held-out images cut at ``config["num_validation"]``."""
    x_train, held_out = small_dataset(config)
    cut = config["num_validation"]
    if not 0 < cut < len(held_out):
        raise ValueError(f"`num_validation` must leave images on both sides of the cut: between 1 and "
                         f"{len(held_out) - 1} of the {len(held_out)} held-out images; received {cut!r}.")  # fmt: skip
    return x_train, held_out[:cut], held_out[cut:]


def score(samples: np.ndarray, references: dict, factor: int = DOWNSAMPLE) -> dict:
    """``stability.score``'s metrics (FD, class KL, precision, recall in the digit classifier's feature space, on
    images upsampled by ``factor``) of one set of samples against several references, ``{prefix: reference}``:
    the samples' features are computed once. Keys are the prefix plus the metric's name."""
    upsampled = np.repeat(np.repeat(samples, factor, axis=1), factor, axis=2)  # the classifier's 28x28
    features, labels = digit_features_and_classes(upsampled)
    class_kl = kl_to_uniform(class_histogram(labels, num_classes=10))  # of the samples alone
    out = {}
    for prefix, reference in references.items():
        n = min(len(features), len(reference.features))
        precision, recall = precision_recall(reference.features[:n], features[:n])
        out.update({prefix + "frechet_distance": float(frechet_distance(reference.features, features)),
                    prefix + "class_kl": float(class_kl), prefix + "precision": float(precision),
                    prefix + "recall": float(recall)})  # fmt: skip
    return out


def oscillation_measures(row: dict, steps: int, metric: str = "frechet_distance", share: float = LATE_SHARE) -> dict:
    r"""How a run's ``metric`` moves over the checkpoints :math:`c_1 < \dots < c_m` in the last ``share`` of
    ``steps`` (the late window of :func:`~vaegan_edu.experiments.stability.late_window`), values :math:`v_j`:

    .. math::
        \text{jitter} = \sqrt{\frac{1}{2(m-1)} \sum_{j=1}^{m-1} (v_{j+1} - v_j)^2}, \qquad
        \text{relative jitter} = \text{jitter} / \bar v, \qquad
        \text{drift} = \hat b\,(c_m - c_1) / \bar v

    The jitter is von Neumann's successive-difference estimate of the checkpoint-to-checkpoint standard deviation:
    a smooth trend barely moves it (a straight line of slope :math:`b` gives :math:`|b|\Delta/\sqrt 2` for checkpoints
    :math:`\Delta` apart), an oscillation does. The drift is the relative change along the least-squares line
    :math:`\hat b`, the trend. A GAN on its plateau: large jitter, small drift; a model still improving: the other
    way round.

    Returns
    -------
    dict: ``<metric>_jitter``, ``<metric>_relative_jitter``, ``<metric>_drift`` (NaN when a value in the window is
    not finite); empty when the window holds fewer than 3 checkpoints.
    """
    checkpoints = sorted(int(k.split("@")[1]) for k in row if k.startswith(f"{metric}@"))
    window = int(round(share * steps))
    late = [c for c in checkpoints if steps - window < c <= steps]
    if len(late) < 3:
        return {}
    names = [f"{metric}_jitter", f"{metric}_relative_jitter", f"{metric}_drift"]
    v = np.array([row[f"{metric}@{c}"] for c in late], dtype="float64")
    if not np.all(np.isfinite(v)):
        return dict.fromkeys(names, math.nan)
    jitter = math.sqrt(np.sum(np.diff(v) ** 2) / (2 * (len(v) - 1)))
    slope = np.polyfit(np.array(late, dtype="float64"), v, 1)[0]
    mean = float(v.mean())
    return dict(zip(names, (jitter, jitter / mean, slope * (late[-1] - late[0]) / mean)))


def _losses(model, kind: str, image_shape) -> dict:
    """The training losses Keras averaged over the last ``fit`` call (one segment between checkpoints)."""
    logs = {k: float(v) for k, v in model.get_metrics_result().items()}
    if kind == VAE:  # the ELBO in nats per image, on the training batches: as bits per dimension
        elbo = logs.get("elbo", math.nan)
        return {"train_elbo_bpd": -elbo / (float(np.prod(image_shape)) * math.log(2.0))}
    return {"d_loss": logs.get("d_loss", math.nan), "g_loss": logs.get("g_loss", math.nan)}


def _likelihoods(vae, held_out: dict, config: dict, seed: int) -> dict:
    """The VAE's -ELBO in bits per dimension on the first ``num_likelihood`` images of each held-out set."""
    out = {}
    for prefix, x in held_out.items():
        elbo = evaluate_elbo(vae, x[: config["num_likelihood"]], seed=seed)["elbo"]
        bpd = bits_per_dim(min(elbo, 0.0), vae.image_shape) if math.isfinite(elbo) else math.nan
        out[prefix + "elbo_bpd"] = float(bpd)
    return out


def train_and_score(model, kind: str, x_train, references: dict, held_out: dict, config: dict, seed: int,
                    say=None) -> dict:  # fmt: skip
    """Train one compiled model for ``config["budget"]["steps"]`` steps, scoring it at :func:`checkpoint_steps`
    (:func:`score`; for the VAE also its ELBO on each held-out set) and timing every segment between checkpoints.

    Returns
    -------
    dict: every checkpoint's metrics under ``"METRIC@STEP"`` with its cumulative training seconds
    (``train_seconds@STEP``: scoring and the first segment's compilation excluded), the last checkpoint's metrics
    under their plain names, the late-window values of the test and validation FD, :func:`oscillation_measures`,
    ``seconds_per_step`` (the median over the segments after the first), ``compile_seconds``, ``train_seconds``,
    ``train_steps`` and ``diverged`` (0 or 1). A run that diverges stops at that checkpoint.

    Taught in: 09_vae_vs_gan
    """
    steps = config["budget"]["steps"]
    schedule = [s for s in checkpoint_steps(steps, **config["checkpoints"])]
    if schedule[-1] != steps:
        schedule.append(steps)  # the budget itself is always scored
    if len(schedule) < 3:
        raise ValueError(f"`checkpoints` {config['checkpoints']} leave fewer than 3 checkpoints {schedule} in "
                         f"{steps} steps: the second segment measures the steady time per step. Fix: a smaller "
                         f"'first' or more steps.")  # fmt: skip
    row, spent, done, diverged = {}, [], 0, False
    for i, step in enumerate(schedule):
        n = step - done
        # one fit call per segment; a diverged run is a result, not an error
        run = train_for(model, x_train, steps=n, batch_size=config["batch_size"], seed=seed * 1000 + i,
                        max_chunk_steps=n, nan_guard=False)  # fmt: skip
        spent.append(run.seconds)
        done = step
        samples = draw_samples(model, config["num_samples"], seed=seed + 10_000)
        values = dict.fromkeys(CURVE_METRICS, math.nan)
        values.update(_losses(model, kind, x_train.shape[1:]))
        if np.all(np.isfinite(samples)):
            values.update(score(samples, references, config["downsample"]))
            if kind == VAE:
                values.update(_likelihoods(model, held_out, config, seed))
        row.update({f"{m}@{step}": v for m, v in values.items()})
        row.update(values)
        losses = [values[k] for k in (("train_elbo_bpd",) if kind == VAE else ("d_loss", "g_loss"))]
        diverged = not (math.isfinite(values["frechet_distance"]) and all(map(math.isfinite, losses)))
        if say is not None:
            say(f"{kind} step {step:,}: FD {values['frechet_distance']:.2f} (validation "
                f"{values[VAL + 'frechet_distance']:.2f}), {sum(spent):.0f} s of training")  # fmt: skip
        if diverged:
            break
    steady = [s / (b - a) for s, a, b in zip(spent[1:], schedule, schedule[1:])]
    per_step = float(np.median(steady)) if steady else math.nan
    compile_seconds = max(0.0, spent[0] - schedule[0] * per_step) if steady else 0.0
    for step, cumulative in zip(schedule, np.cumsum(spent)):
        row[f"train_seconds@{step}"] = float(cumulative - compile_seconds)
    row.update(late_window(row, steps))
    validation = {k.removeprefix(VAL): v for k, v in row.items() if k.startswith(VAL + "frechet_distance@")}
    row.update({VAL + k: v for k, v in late_window(validation, steps).items()})
    row.update(oscillation_measures(row, steps))
    row.update(seconds_per_step=per_step, compile_seconds=compile_seconds, train_seconds=float(sum(spent) - compile_seconds),
               train_steps=done, diverged=float(diverged))  # fmt: skip
    return row


def build(kind: str, image_shape, seed: int, factor: float, config: dict):
    """The compiled model ``kind`` ("VAE" or "GAN") of the matched twins of ``seed``, at its default learning rate
    times ``factor`` (:func:`vaegan_edu.models.make_twins`)."""
    rates = config["learning_rates"]
    vae, gan = models.make_twins(tuple(image_shape), seed=seed, latent_dim=config["latent_dim"], width=config["width"],
                                 vae_learning_rate=rates[VAE] * factor, gan_learning_rate=rates[GAN] * factor,
                                 likelihood=config["likelihood"], matched=config["matched"])  # fmt: skip
    return vae if kind == VAE else gan


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``duel_tuned``: both models at every learning-rate factor, trained from ``seed`` and scored along
    the way on validation and test images. ``finished`` holds runs of this seed done by an interrupted run (kept,
    not retrained: each run builds its own model from ``seed``); ``on_variant(name, row)`` is called as each run
    finishes."""
    x_train, x_val, x_test = split(config)
    up = config["downsample"]
    num = config["num_samples"]
    references = {"": make_reference(np.repeat(np.repeat(x_test[:num], up, axis=1), up, axis=2)),
                  VAL: make_reference(np.repeat(np.repeat(x_val[:num], up, axis=1), up, axis=2))}  # fmt: skip
    held_out = {"": x_test, VAL: x_val}
    names = [(variant_name(m, f), m, f) for f in config["lr_factors"] for m in MODELS]
    table = dict(finished or {})
    for name, kind, factor in names:
        if name in table:
            continue
        say(f"{name} ...")
        model = build(kind, x_train.shape[1:], seed, factor, config)
        row = train_and_score(model, kind, x_train, references, held_out, config, seed)
        row["learning_rate"] = config["learning_rates"][kind] * factor
        table[name] = row
        say(f"{name}: FD {row['frechet_distance']:.2f} (late {row.get('frechet_distance_late', math.nan):.2f}), "
            f"{row['train_seconds']:.0f} s of training, {1000 * row['seconds_per_step']:.2f} ms per step")  # fmt: skip
        if on_variant is not None:
            on_variant(name, row)
    return {name: table[name] for name, _, _ in names}


# --- reading the curves at exact budgets --------------------------------------------------------------------------


def _check_budget(steps, seconds) -> tuple:
    """``("steps" | "seconds", value)`` after checking that exactly one budget was given, and positive."""
    if (steps is None) == (seconds is None):
        raise ValueError(f"Pass exactly one budget: `steps` (e.g. 16000) or `seconds` (e.g. 120.0); received "
                         f"steps={steps!r}, seconds={seconds!r}.")  # fmt: skip
    if steps is not None:
        return "steps", float(check_positive_number("steps", steps, 16_000))
    return "seconds", float(check_positive_number("seconds", seconds, 120.0))


def _axis(row: dict, metric: str, axis: str) -> tuple:
    """The checkpoints of ``metric`` in ``row``: ``(steps, seconds, values)`` as float arrays, by step."""
    prefix = f"{metric}@"
    checkpoints = sorted(
        int(k.removeprefix(prefix)) for k in row if k.startswith(prefix) and k.removeprefix(prefix).isdigit()
    )
    if axis == "seconds":
        checkpoints = [c for c in checkpoints if f"train_seconds@{c}" in row]
    steps = np.array(checkpoints, dtype="float64")
    seconds = np.array([row.get(f"train_seconds@{c}", math.nan) for c in checkpoints], dtype="float64")
    values = np.array([math.nan if row[f"{prefix}{c}"] is None else row[f"{prefix}{c}"] for c in checkpoints],
                      dtype="float64")  # fmt: skip
    return steps, seconds, values


def read_curve(row: dict, metric: str, steps: float | None = None, seconds: float | None = None) -> float:
    r"""One run's ``metric`` at exactly ``steps`` training steps or ``seconds`` training seconds.

    Between the checkpoints :math:`(a_i, v_i)` and :math:`(a_{i+1}, v_{i+1})` around the budget :math:`a` (steps,
    or the cumulative training seconds ``train_seconds@STEP``), linear in the logarithm of the axis, the one the
    curves are drawn on:

    .. math::
        v(a) = v_i + \frac{\log a - \log a_i}{\log a_{i+1} - \log a_i}\,(v_{i+1} - v_i)

    A budget at a checkpoint gives its value exactly. Nothing is extrapolated: a budget before the first
    checkpoint or after the last one (the run ended, or diverged and stopped, earlier) gives NaN, as does a
    non-finite value at either end.

    Parameters
    ----------
    row : dict of one run, with ``"METRIC@STEP"`` and ``"train_seconds@STEP"`` keys
    metric : str, e.g. "frechet_distance"
    steps, seconds : float > 0; exactly one

    Examples
    --------
    >>> row = {"fd@100": 40.0, "fd@1000": 10.0, "train_seconds@100": 1.0, "train_seconds@1000": 10.0}
    >>> read_curve(row, "fd", steps=1000), read_curve(row, "fd", seconds=10 ** 0.5)
    (10.0, 25.0)

    Taught in: 09_vae_vs_gan
    """
    axis, budget = _check_budget(steps, seconds)
    if not isinstance(row, dict):
        raise TypeError(f"`row` must be the dict of one run (e.g. Result.rows()[0]); received {type(row).__name__}.")
    at_steps, at_seconds, values = _axis(row, metric, axis)
    a = at_steps if axis == "steps" else at_seconds
    if len(a) == 0 or not budget >= a[0] or not budget <= a[-1]:
        return math.nan
    if np.any(~np.isfinite(a)) or np.any(np.diff(a) <= 0) or a[0] <= 0:
        raise ValueError(f"The run's {axis} at its checkpoints must be positive and increasing; received {a.tolist()}.")
    i = int(np.searchsorted(a, budget, side="left"))
    if a[i] == budget:
        return float(values[i])
    w = (math.log(budget) - math.log(a[i - 1])) / (math.log(a[i]) - math.log(a[i - 1]))
    return float(values[i - 1] + w * (values[i] - values[i - 1]))


def steps_at_seconds(row: dict, seconds: float) -> float:
    """The steps a run had taken after ``seconds`` of training: linear between the checkpoints around it (the time
    per step is constant within a segment); NaN outside the checkpoints."""
    _, budget = _check_budget(None, seconds)
    steps, at_seconds, _ = _axis(row, "train_seconds", "seconds")
    if len(steps) == 0 or not at_seconds[0] <= budget <= at_seconds[-1]:
        return math.nan
    return float(np.interp(budget, at_seconds, steps))


def seconds_at_steps(row: dict, steps: float) -> float:
    """The training seconds a run took to reach ``steps``: linear between the checkpoints around it; NaN outside."""
    _, budget = _check_budget(steps, None)
    at_steps, at_seconds, _ = _axis(row, "train_seconds", "steps")
    if len(at_steps) == 0 or not at_steps[0] <= budget <= at_steps[-1]:
        return math.nan
    return float(np.interp(budget, at_steps, at_seconds))


def _check_result(result, metric=None, model=None) -> list:
    """The study's learning-rate factors, after checking ``result``, ``metric`` and ``model``."""
    config = getattr(result, "config", None)
    if not isinstance(result, Result) or "lr_factors" not in config or "learning_rates" not in config:
        raise TypeError(f"`result` must be a Result of the 'duel_tuned' protocol (ve.experiments.load('duel_tuned') "
                        f"or ve.experiments.run('duel_tuned', ...)); received {type(result).__name__}.")  # fmt: skip
    if model is not None and model not in MODELS:
        raise ValueError(f"`model` must be one of {list(MODELS)} (its learning rate is chosen for you); received "
                         f"model={model!r}.")  # fmt: skip
    factors = [float(f) for f in config["lr_factors"]]
    if metric is not None:
        result._check(next(v for v in result.variants), metric)
    return factors


def _rows(result: Result, variant: str) -> dict:
    """``{seed: row}`` of one variant (NaN where the file stores null)."""
    return {row["seed"]: row for row in result.rows() if row["model"] == variant}


def values_at(result: Result, variant: str, metric: str, steps: float | None = None,
              seconds: float | None = None) -> dict:  # fmt: skip
    """``{seed: value}`` of ``metric`` for one variant at exactly ``steps`` or ``seconds`` (:func:`read_curve`).

    Taught in: 09_vae_vs_gan
    """
    _check_budget(steps, seconds)
    result._check(variant, metric)
    return {seed: read_curve(row, metric, steps, seconds) for seed, row in _rows(result, variant).items()}


def _best(result: Result, per_factor: dict, metric: str):
    """The factor whose mean over seeds is best in ``metric``'s direction, among those with every seed finite."""
    lower = result.metrics.get(metric.partition("@")[0].removeprefix(VAL), "lower") == "lower"
    means = {f: float(np.mean(list(v.values()))) for f, v in per_factor.items()
             if v and all(math.isfinite(x) for x in v.values())}  # fmt: skip
    if not means:
        return None, means
    return (min if lower else max)(means, key=means.get), means


def choose_rate(result: Result, model: str, steps: float | None = None, seconds: float | None = None,
                select_on: str = "frechet_distance") -> tuple:  # fmt: skip
    """The learning-rate factor of ``model`` chosen on the *validation* images at one budget: the one whose mean
    over seeds of ``val_<select_on>`` is best (lowest FD by default). A factor with a seed that diverged or had not
    reached the budget is not eligible (a rate that sometimes fails is not the best one).

    Returns
    -------
    (factor or None when no factor is eligible, {factor: mean validation score} of the eligible ones)

    Taught in: 09_vae_vs_gan
    """
    factors = _check_result(result, VAL + select_on, model)
    per_factor = {f: values_at(result, variant_name(model, f), VAL + select_on, steps, seconds)
                  for f in factors if variant_name(model, f) in result.variants}  # fmt: skip
    return _best(result, per_factor, VAL + select_on)


def best_rate(result: Result, model: str, select_on: str = "frechet_distance_late") -> float:
    """The learning-rate factor of ``model`` chosen at the end of training on the validation images: best mean
    over seeds of ``val_<select_on>`` (the late-window FD by default), among factors with no diverged seed.

    Taught in: 09_vae_vs_gan
    """
    factors = _check_result(result, VAL + select_on, model)
    per_factor = {f: result.values(variant_name(model, f), VAL + select_on) for f in factors
                  if variant_name(model, f) in result.variants}  # fmt: skip
    factor, _ = _best(result, per_factor, VAL + select_on)
    if factor is None:
        raise ValueError(f"No learning rate of {model} has a finite {VAL + select_on} in every seed: every rate "
                         f"diverged at least once.")  # fmt: skip
    return factor


def best_checkpoint(result: Result, model: str, select_on: str = "frechet_distance") -> tuple:
    """The learning-rate factor *and* the checkpoint of ``model`` chosen on the validation images: the pair whose
    mean over seeds of ``val_<select_on>`` is best, among pairs with a finite value in every seed. This is early
    stopping on held-out data, the practice of large GANs (Brock et al. 2019, arXiv:1809.11096, keep the checkpoint
    before training collapses), granted to both models alike.

    Returns
    -------
    (factor, step) or (None, None) when no pair has a value in every seed

    Taught in: 09_vae_vs_gan
    """
    factors = _check_result(result, VAL + select_on, model)
    lower = result.metrics.get(select_on.removeprefix(VAL), "lower") == "lower"
    best, best_mean = (None, None), math.nan
    for factor in factors:
        rows = _rows(result, variant_name(model, factor))
        if not rows:
            continue
        curves = [dict(zip(*_axis(row, VAL + select_on, "steps")[::2])) for row in rows.values()]
        for step in sorted(set.intersection(*(set(c) for c in curves))):
            values = [c[step] for c in curves]
            if not all(math.isfinite(v) for v in values):
                continue
            mean = float(np.mean(values))
            if math.isnan(best_mean) or (mean < best_mean if lower else mean > best_mean):
                best, best_mean = (factor, int(step)), mean
    return best


@dataclasses.dataclass(frozen=True)
class Reading:
    """The tuned VAE against the tuned GAN at one budget (:func:`duel`)."""

    axis: str  # "steps" or "seconds": what the budget counts; "best": each model at its best_checkpoint
    budget: float  # NaN on the "best" axis (each model has its own step)
    factors: dict  # {model: learning-rate factor chosen on validation images at this budget, or None}
    seconds: dict  # {model: mean over seeds of the training seconds at this budget}
    steps: dict  # {model: mean over seeds of the steps taken at this budget}
    test: stats.FamilyTest | None  # the paired comparison on test images, Holm-corrected with the others
    left_out: str  # why there is no test ("" when there is one)

    def label(self) -> str:
        """The budget with the real training each model had: "16,000 steps (VAE 95 s, GAN 210 s)"."""
        if self.axis == "best":
            spent = ", ".join(f"{m} {self.steps[m]:,.0f} steps, {_short(self.seconds[m])} s" for m in MODELS
                              if math.isfinite(self.steps[m]))  # fmt: skip
            return f"each at its best checkpoint ({spent})"
        if self.axis == "steps":
            spent = ", ".join(f"{m} {_short(self.seconds[m])} s" for m in MODELS if math.isfinite(self.seconds[m]))
            return f"{self.budget:,.0f} steps ({spent})"
        taken = ", ".join(f"{m} {self.steps[m]:,.0f} steps" for m in MODELS if math.isfinite(self.steps[m]))
        return f"{self.budget:g} s ({taken})"


def _short(seconds: float) -> str:
    """Seconds for a label: whole seconds from 10 on, two significant digits below."""
    return f"{seconds:,.0f}" if seconds >= 10 else f"{seconds:.2g}"


@dataclasses.dataclass(frozen=True)
class Duel:
    """The family of paired comparisons of :func:`duel`, one per budget on either axis, Holm-corrected together."""

    metric: str
    readings: list  # of Reading, step budgets first
    alpha: float

    @property
    def tests(self) -> list:
        """The :class:`~vaegan_edu.experiments.stats.FamilyTest` of every reading that has one."""
        return [r.test for r in self.readings if r.test is not None]

    def markdown(self) -> str:
        """A Markdown table: budget (with the real training), chosen rates, VAE - GAN [95 % CI], Holm p, verdict."""
        lines = [f"Family of {len(self.tests)} paired comparisons of {metric_label(self.metric)} on test images, "
                 f"Holm-corrected (alpha = {self.alpha:g}); VAE - GAN, n = seeds paired.", "",
                 "| budget | lr chosen (VAE, GAN) | VAE - GAN [95 % CI] | n | p (Holm) | verdict |",
                 "|---|---|---|---|---|---|"]  # fmt: skip
        for r in self.readings:
            rates = ", ".join("-" if r.factors[m] is None else f"x{r.factors[m]:.3g}" for m in MODELS)
            if r.test is None:
                lines.append(f"| {r.label()} | {rates} | not tested: {r.left_out} | | | |")
                continue
            verdict = {"supported": "VAE better", "contradicted": "GAN better"}.get(r.test.status, "inconclusive")
            lines.append(f"| {r.label()} | {rates} | {r.test.effect.numbers('.3g')} | {r.test.effect.n} | "
                         f"{r.test.p_holm:.3g} | {verdict} |")  # fmt: skip
        return "\n".join(lines)


def duel(result: Result, metric: str = "frechet_distance", step_budgets=STEP_BUDGETS, seconds_budgets=SECONDS_BUDGETS,
         select_on: str = "frechet_distance", alpha: float = 0.05, best: bool = True) -> Duel:  # fmt: skip
    """The tuned VAE against the tuned GAN at every budget of steps and of training seconds, as one family.

    At each budget (``step_budgets`` steps, then ``seconds_budgets`` seconds), each model's learning rate is chosen
    on the validation images (:func:`choose_rate` on ``select_on``), and the two chosen runs are compared seed by
    seed on the *test* images in ``metric`` (read at exactly that budget, :func:`read_curve`): the paired
    differences VAE - GAN with their Student-t interval and t-test, every budget of both axes in one family
    corrected with Holm's method (:func:`~vaegan_edu.experiments.stats.paired_family`). "supported" means the VAE is
    better, "contradicted" the GAN. With ``best`` (the default) the family holds one more reading: each model at
    its own best rate and checkpoint (:func:`best_checkpoint`, early stopping on the validation images). A seed
    where either run has no value at the budget is left out of that pair (n says how many remain); a budget with
    fewer than 2 pairs, or with no eligible rate, is not tested and says why.

    Taught in: 09_vae_vs_gan
    """
    _check_result(result, metric)
    if metric.removeprefix(VAL) not in SCORED:
        raise ValueError(f"`metric` must be a sample score both models have, one of {list(SCORED)} (the VAE's "
                         f"ELBO has no GAN counterpart); received metric={metric!r}.")  # fmt: skip
    if not isinstance(best, bool):
        raise TypeError(f"`best` must be True or False (add the best-checkpoint reading or not); received {best!r}.")
    budgets = [("steps", float(b)) for b in check_positive_numbers("step_budgets", step_budgets, STEP_BUDGETS)]
    budgets += [("seconds", float(b)) for b in check_positive_numbers("seconds_budgets", seconds_budgets,
                                                                      SECONDS_BUDGETS)]  # fmt: skip
    budgets += [("best", math.nan)] if best else []
    better = result.metrics[metric]
    pending, pairs = [], {}
    for axis, budget in budgets:
        if axis == "best":
            chosen = {m: best_checkpoint(result, m, select_on=select_on) for m in MODELS}
            factors = {m: f for m, (f, _) in chosen.items()}
            at = {m: {"steps": step} for m, (_, step) in chosen.items()}
        else:
            factors = {m: choose_rate(result, m, select_on=select_on, **{axis: budget})[0] for m in MODELS}
            at = dict.fromkeys(MODELS, {axis: budget})
        rows = {m: _rows(result, variant_name(m, f)) if f is not None else {} for m, f in factors.items()}
        seconds = {m: _mean([seconds_at_steps(r, at[m]["steps"]) if "steps" in at[m] else budget
                             for r in rows[m].values()]) for m in MODELS}  # fmt: skip
        steps = {m: _mean([steps_at_seconds(r, budget) if axis == "seconds" else at[m]["steps"]
                           for r in rows[m].values()]) for m in MODELS}  # fmt: skip
        why, claim = "", None
        if None in factors.values():
            missing = " or ".join(m for m in MODELS if factors[m] is None)
            why = f"no learning rate of {missing} has a value in every seed at this budget (a seed diverged, or had not reached it)"
        else:
            a, b = (values_at(result, variant_name(m, factors[m]), metric, **at[m]) for m in MODELS)
            common = [s for s in a if s in b and math.isfinite(a[s]) and math.isfinite(b[s])]
            if len(common) < 2:
                why = f"{len(common)} seed(s) with a value in both"
            else:
                unit = {"steps": f"after {budget:,.0f} steps", "seconds": f"after {budget:g} s of training",
                        "best": "each at its best checkpoint"}[axis]  # fmt: skip
                claim = (f"{unit}, the VAE (lr x{factors[VAE]:.3g}) has {better} {metric_label(metric)} than "
                         f"the GAN (lr x{factors[GAN]:.3g}), each tuned on validation images")  # fmt: skip
                pairs[claim] = ({s: a[s] for s in common}, {s: b[s] for s in common})
        pending.append((axis, budget, factors, seconds, steps, claim, why))
    tests = dict(zip(pairs, stats.paired_family(pairs, better=better, alpha=alpha))) if pairs else {}
    readings = [Reading(axis, budget, factors, seconds, steps, tests.get(claim), why)
                for axis, budget, factors, seconds, steps, claim, why in pending]  # fmt: skip
    return Duel(metric=metric, readings=readings, alpha=alpha)


def _mean(values) -> float:
    """Mean of the finite values (NaN when there is none)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def curves(result: Result, model: str, factor: float | None = None, metric: str = "frechet_distance") -> dict:
    """Every seed's curve of ``model`` at one learning-rate factor (default: :func:`best_rate`), for plotting:
    ``{seed: {"steps": array, "seconds": array, metric: array}}``, by checkpoint (a diverged run's curve stops).

    Taught in: 09_vae_vs_gan
    """
    factors = _check_result(result, metric, model)
    factor = best_rate(result, model) if factor is None else factor
    if not any(math.isclose(factor, f) for f in factors):
        raise ValueError(f"`factor` must be one of the study's learning-rate factors {factors}; received {factor!r}.")
    factor = next(f for f in factors if math.isclose(factor, f))
    out = {}
    for seed, row in _rows(result, variant_name(model, factor)).items():
        steps, seconds, values = _axis(row, metric, "seconds")
        out[seed] = {"steps": steps, "seconds": seconds, metric: values}
    return out


@dataclasses.dataclass(frozen=True)
class Oscillation:
    """The GAN's and the VAE's late-window movement of the test FD at their chosen rates (:func:`oscillation`)."""

    factors: dict  # {model: learning-rate factor (best_rate)}
    relative_jitter: dict  # {model: {seed: checkpoint-to-checkpoint FD spread / mean FD over the late window}}
    drift: dict  # {model: {seed: relative change of FD along the late window's least-squares line}}
    tests: list  # two FamilyTests, Holm-corrected together: the GAN's relative jitter, then its drift, is higher


def oscillation(result: Result, alpha: float = 0.05) -> Oscillation:
    """How does the GAN's FD move once training is long, against the VAE's? Over the late window (the last 30 % of
    training), each model at its :func:`best_rate`, paired by seed (:func:`oscillation_measures`), one family of two
    paired t-tests with Holm's correction: (1) the GAN's relative *jitter* (checkpoint-to-checkpoint movement) is
    higher than the VAE's; (2) its *drift* (the relative change along the window's least-squares line; positive: the
    FD rises, quality falls) is higher. "supported" means the GAN's is higher.

    A large jitter beside a small drift is oscillation around a level; a drift as large as the jitter is a trend.
    Either, in a model whose loss is not a quantity it descends, is the game failing to settle on a point.

    Taught in: 09_vae_vs_gan
    """
    _check_result(result, "frechet_distance_relative_jitter")
    factors = {m: best_rate(result, m) for m in MODELS}
    jitter = {m: result.values(variant_name(m, f), "frechet_distance_relative_jitter") for m, f in factors.items()}
    drift = {m: result.values(variant_name(m, f), "frechet_distance_drift") for m, f in factors.items()}
    common = [s for s in jitter[GAN] if all(math.isfinite(d[m].get(s, math.nan)) for d in (jitter, drift)
                                            for m in MODELS)]  # fmt: skip
    if len(common) < 2:
        raise ValueError(f"Only {len(common)} seed(s) have a relative jitter for both models: a run needs at least 3 "
                         f"checkpoints in its late window and finite scores there. Fix: compare a result of the full "
                         f"protocol (a --quick run has too few checkpoints).")  # fmt: skip
    claims = {"over the late window, the GAN's test FD jitters more between checkpoints, relative to its level, "
              "than the VAE's": jitter,
              "over the late window, the GAN's test FD drifts upward (its quality falls) more than the VAE's": drift}
    pairs = {c: ({s: d[GAN][s] for s in common}, {s: d[VAE][s] for s in common}) for c, d in claims.items()}
    tests = stats.paired_family(pairs, better="higher", alpha=alpha)
    return Oscillation(factors=factors, relative_jitter=jitter, drift=drift, tests=tests)


def run_step_cost(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One repeat of ``duel_tuned_step_cost``: each model's seconds per training step on this machine, alone (as
    :func:`vaegan_edu.experiments.duel_curves.run_step_cost` does for the first duel).

    The matched twins of ``seed`` at the study's learning rates (factor 1) are built on the study's 14x14 training
    images; each model (the order alternates with the seed, so neither always runs first) trains ``warmup_steps``
    steps (tracing and compilation), then ``blocks`` timed blocks of ``steps`` steps through the same
    :func:`vaegan_edu.training.train_for` calls the study uses. The row holds the median block's
    ``seconds_per_step`` and the fastest block's ``seconds_per_step_min``.
    """
    x_train, _, _ = split(config)
    table = dict(finished or {})
    for kind in (MODELS if seed % 2 == 0 else MODELS[::-1]):
        if kind in table:
            continue
        model = build(kind, x_train.shape[1:], seed, 1.0, config)
        train_for(model, x_train, steps=config["warmup_steps"], batch_size=config["batch_size"], seed=seed,
                  max_chunk_steps=config["warmup_steps"], nan_guard=False)  # fmt: skip
        per_step = []
        for block in range(config["blocks"]):
            run = train_for(model, x_train, steps=config["steps"], batch_size=config["batch_size"],
                            seed=seed * 1000 + block + 1, max_chunk_steps=config["steps"], nan_guard=False)  # fmt: skip
            per_step.append(run.seconds / config["steps"])
        table[kind] = {"seconds_per_step": float(np.median(per_step)), "seconds_per_step_min": float(min(per_step))}
        say(f"{kind}: {1000 * table[kind]['seconds_per_step']:.2f} ms per step (median of {config['blocks']} blocks)")
        if on_variant is not None:
            on_variant(kind, table[kind])
    return {kind: table[kind] for kind in MODELS}


def step_costs(costs: Result) -> dict:
    """``{model: seconds per step}``: the median over the repeats of ``duel_tuned_step_cost``, the clock
    :func:`calibrated` puts the study's curves on.

    Taught in: 09_vae_vs_gan
    """
    if not isinstance(costs, Result) or costs.name != "duel_tuned_step_cost":
        raise ValueError(f"`costs` must be the results of 'duel_tuned_step_cost' "
                         f"(ve.experiments.load('duel_tuned_step_cost')); received "
                         f"{getattr(costs, 'name', type(costs).__name__)!r}.")  # fmt: skip
    return {m: float(np.median(list(costs.values(m, "seconds_per_step").values()))) for m in MODELS}


def calibrated(result: Result, seconds_per_step: dict | None = None) -> Result:
    """The curves of ``result`` on a clock that other work on the machine cannot bend, as
    :func:`vaegan_edu.experiments.duel_curves.calibrated` does for ``duel_curves``: every ``train_seconds@STEP``
    becomes ``STEP`` x the model's seconds per step, ``train_seconds`` becomes ``train_steps`` x the same, and the
    measured seconds are kept as ``measured_seconds@STEP`` and ``measured_seconds``. The seconds per step default to
    each model's median over all its runs of the ``seconds_per_step`` they measured (every learning rate of a model
    costs the same per step), which the load beside the study inflates; ``{"VAE": s, "GAN": s}`` gives them from a
    separate timing instead, e.g. ``step_costs(ve.experiments.load("duel_tuned_step_cost"))``: each model alone.

    Taught in: 09_vae_vs_gan
    """
    _check_result(result)
    if seconds_per_step is None:
        seconds_per_step = {m: float(np.nanmedian([r.get("seconds_per_step", math.nan) for r in result.rows()
                                                   if r["model"].startswith(m + " ")])) for m in MODELS}  # fmt: skip
    if not isinstance(seconds_per_step, dict) or set(seconds_per_step) != set(MODELS):
        raise ValueError(f"`seconds_per_step` must be None or a dict {{'VAE': seconds, 'GAN': seconds}}; received "
                         f"{seconds_per_step!r}.")  # fmt: skip
    per_step = {m: check_positive_number(f"seconds_per_step[{m!r}]", s, 0.01) for m, s in seconds_per_step.items()}
    rows = []
    for row in result.rows():
        cost = per_step[row["model"].split(" ")[0]]
        new = dict(row)
        for key, value in row.items():
            if key.startswith("train_seconds@"):
                new["measured_seconds@" + key.split("@", 1)[1]] = value
                new[key] = int(key.split("@", 1)[1]) * cost
        if "train_seconds" in row and "train_steps" in row:
            new["measured_seconds"], new["train_seconds"] = row["train_seconds"], row["train_steps"] * cost
        rows.append(new)
    return Result.from_rows(result.name, rows, result.config)


PROTOCOL = register(Protocol(
    name="duel_tuned",
    title="A fairer duel: VAE against GAN with one generator network, matched encoder and discriminator, each "
          "tuned over 3 learning rates on validation images, 48,000 steps on 14x14 digits",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "downsample": DOWNSAMPLE,
        "num_validation": NUM_VALIDATION,
        "width": WIDTH,
        "latent_dim": 64,
        "matched": True,
        "likelihood": "discretized_logistic",
        "learning_rates": dict(LEARNING_RATES),
        "lr_factors": list(LR_FACTORS),
        "budget": {"steps": STEPS},
        "checkpoints": dict(CHECKPOINTS),
        "batch_size": 64,
        "num_samples": 1_000,
        "num_likelihood": 500,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=variant_name(GAN, 1.0),
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 500, "num_test": 300},
           "num_validation": 150, "budget": {"steps": 20}, "checkpoints": {"first": 5, "doubling_until": 10, "every": 5},
           "batch_size": 32, "num_samples": 100, "num_likelihood": 50},
    taught_in="09_vae_vs_gan",
    saves_variants=True,
))  # fmt: skip


STEP_COST = register(Protocol(
    name="duel_tuned_step_cost",
    title="The time per training step of duel_tuned's two models on this machine, alone, one thread, interleaved and "
          "repeated",
    config={
        "seeds": 5,
        "data": PROTOCOL.config["data"],
        "downsample": DOWNSAMPLE,
        "num_validation": NUM_VALIDATION,
        "width": WIDTH,
        "latent_dim": 64,
        "matched": True,
        "likelihood": "discretized_logistic",
        "learning_rates": dict(LEARNING_RATES),
        "batch_size": 64,
        "warmup_steps": 40,
        "steps": 300,
        "blocks": 3,
        "metrics": {"seconds_per_step": "lower", "seconds_per_step_min": "lower"},
    },
    run_seed=run_step_cost,
    baseline=GAN,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 500, "num_test": 300},
           "num_validation": 150, "warmup_steps": 2, "steps": 3, "blocks": 2},
    taught_in="09_vae_vs_gan",
    saves_variants=True,
))  # fmt: skip

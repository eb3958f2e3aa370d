r"""VAE against GAN with one generator network, as quality curves: chapter 09's protocol ``duel_curves``.

The protocol, in the order :func:`run_seed` follows it:

1. **One network generates for both.** :func:`vaegan_edu.models.make_twins`: the VAE's decoder *is* the GAN's
   generator (chapter 08's DCGAN generator, the same layers; the VAE's sigmoid sits in its likelihood), and the
   VAE's encoder is the discriminator's body with a mean and a log-variance head instead of one logit. Same
   latent size (64), same data, same batch size (128). Sampling costs the same by construction (the run
   measures it anyway). Each model keeps its usual optimiser: Adam(2e-4, beta_1 = 0.5) for both GAN networks
   (DCGAN), Adam(1e-3) for the VAE. A GAN step is one discriminator and one generator update.
2. **Curves, not one budget.** Each model trains once per seed, for ``budget.seconds`` of training time, and is
   scored at fixed step counts along the way (:func:`checkpoint_steps`: 50, 100, 200, ..., 1,600, then every
   1,600). A checkpoint's scores depend on the seed only; how many checkpoints fit in the budget depends on the
   machine, and each checkpoint records the training seconds it took to reach (``train_seconds@STEP``). The
   first ``fit`` call's tracing and compilation is measured apart (``compile_seconds``) and left out of those
   seconds; scoring is never counted.
3. **Validated metrics, on the same 1,000 held-out digits** (:func:`vaegan_edu.metrics.evaluate_samples`): FD,
   precision and recall in the digit classifier's (semantic) and in the perceptual space (the degradation suite
   says what each can see), the class KL, and a direct blur measure: the gap between the samples' and the held-out
   digits' fraction of grey pixels (:func:`vaegan_edu.metrics.grey_fraction`). The VAE's density: the negative
   ELBO at every checkpoint and, at the last one, the IWAE bound on :math:`\log p(x)` (with its standard error
   over images), both in bits per pixel value of the 8-bit image under the discretised logistic likelihood, a
   normalised distribution. A GAN has no density: those cells are empty.
4. **Read off the curves.** :func:`values_at_budget` takes, for every seed, the last checkpoint reached within a
   wall-clock budget; :func:`budget_verdicts` pairs the two models seed by seed at each budget and renders
   ``verdict(...)``: "inconclusive" where the interval of the difference contains 0.
5. **A clock that other work on the machine cannot bend** (:func:`calibrated`). The long run shares its machine:
   whatever else runs slows its steps, by different amounts for the VAE and the GAN at different times, so the
   seconds it measures (``train_seconds@STEP``) mix the models' cost with the machine's load. A second, short
   protocol, ``duel_step_cost``, times both models' training steps alone, interleaved and repeated
   (:func:`run_step_cost`); :func:`calibrated` then puts every checkpoint at ``STEP`` x that model's median time
   per step, keeping the measured seconds as ``measured_seconds@STEP``. Steps and scores do not depend on the
   load (each checkpoint's scores depend on the seed only), so only the clock changes. The load still decides
   how many checkpoints a seed reached before its measured budget ran out: a reading at the longest budget
   takes each seed's last checkpoint within it, which is at most that budget.

Taught in: 09_vae_vs_gan
"""

from __future__ import annotations

import math
import time

import numpy as np

from vaegan_edu import models
from vaegan_edu.experiments import stats
from vaegan_edu.experiments.protocol import Protocol, load_dataset, register
from vaegan_edu.experiments.results import Result, metric_label, metric_range
from vaegan_edu.metrics import (
    bits_per_dim, draw_samples, evaluate_elbo, evaluate_samples, grey_fraction, iwae_log_likelihood,
    make_reference, sample_seconds,
)  # fmt: skip
from vaegan_edu.training import train_for
from vaegan_edu.validation import check_positive_int, check_positive_number, check_positive_numbers

VAE, GAN = "VAE", "GAN"
SAMPLE_METRICS = {"frechet_distance": "lower", "precision": "higher", "recall": "higher", "class_kl": "lower",
                  "perceptual_frechet_distance": "lower", "perceptual_precision": "higher",
                  "perceptual_recall": "higher", "grey_gap": "lower"}  # fmt: skip
METRICS = {**SAMPLE_METRICS, "elbo_bpd": "lower", "iwae_bpd": "lower", "iwae_bpd_se": "lower",
           "sample_seconds": "lower", "compile_seconds": "lower", "diverged": "lower"}  # fmt: skip
CURVE_METRICS = (*SAMPLE_METRICS, "elbo_bpd")  # recorded at every checkpoint
BUDGETS = (15, 30, 60, 120, 300, 600)  # seconds of training at which the chapter reads the curves
MAX_CHECKPOINTS = 100_000  # scores per run: more is a typo (each checkpoint scores 1,000 samples)


def checkpoint_steps(limit: int, first: int = 50, doubling_until: int = 1600, every: int = 1600) -> list:
    """The steps at which a run is scored: ``first``, doubling up to ``doubling_until``, then every ``every``
    steps, up to ``limit`` (e.g. 50, 100, 200, 400, 800, 1600, 3200, 4800, ...).

    Taught in: 09_vae_vs_gan
    """
    limit = check_positive_int("limit", limit, 20_000)
    steps, step = [], check_positive_int("first", first, 50)
    doubling_until, every = check_positive_int("doubling_until", doubling_until, 1600), check_positive_int("every", every, 1600)
    if (limit - doubling_until) / every > MAX_CHECKPOINTS:
        raise ValueError(f"`limit`={limit:,} is too large for every={every:,}: it would give about "
                         f"{(limit - doubling_until) // every:,} checkpoints (at most {MAX_CHECKPOINTS:,}). Fix: a "
                         f"smaller `limit` or a larger `every`.")  # fmt: skip
    while step <= limit:
        steps.append(step)
        step = step * 2 if step < doubling_until else step + every
    return steps


def _score(model, kind, data, reference, real_grey, config, seed) -> dict:
    """One checkpoint's scores (NaN everywhere when a sample is not finite: the run diverged)."""
    samples = draw_samples(model, config["num_samples"], seed=seed + 10_000)
    if not np.all(np.isfinite(samples)):
        return {m: float("nan") for m in CURVE_METRICS}
    scores = {m: float(v) for m, v in evaluate_samples(samples, reference).items() if m in SAMPLE_METRICS}
    scores["grey_gap"] = abs(grey_fraction(samples) - real_grey)
    scores["elbo_bpd"] = float("nan")
    if kind == VAE:
        x = data.x_test[: config["num_likelihood"]]
        scores["elbo_bpd"] = float(bits_per_dim(evaluate_elbo(model, x, seed=seed)["elbo"], data.image_shape))
    return scores


def train_and_score(model, kind: str, data, reference, config: dict, seed: int, say=None) -> dict:
    r"""Train one compiled model for ``config["budget"]["seconds"]`` of training time, scoring it at
    :func:`checkpoint_steps`; then time its sampling and, for the VAE, estimate :math:`\log p(x)`.

    The first ``fit`` call traces and compiles; its cost beyond the steady time per step (measured on the
    second call) is ``compile_seconds`` and is left out of every ``train_seconds``. Training stops at the first
    checkpoint (from the second on) whose training time reaches the budget.

    Returns
    -------
    dict: every checkpoint's metrics and training seconds under ``"METRIC@STEP"``, the last checkpoint's under
    the plain names, ``compile_seconds``, ``train_seconds``, ``train_steps``, ``sample_seconds``, ``diverged``
    and, for the VAE, ``iwae_bpd`` with its standard error over images ``iwae_bpd_se``.

    Taught in: 09_vae_vs_gan
    """
    schedule = checkpoint_steps(config["max_steps"], **config["checkpoints"])
    if len(schedule) < 2:
        raise ValueError(f"`max_steps` {config['max_steps']} leaves fewer than 2 checkpoints {schedule}: the "
                         f"second measures the steady time per step. Fix: raise max_steps.")  # fmt: skip
    real_grey = grey_fraction(reference.x_test)
    row, spent, compile_seconds, done, diverged = {}, [], 0.0, 0, False
    for i, step in enumerate(schedule):
        run = _train_segment(model, data.x_train, i, step - done, config, seed)
        spent.append(run.seconds)
        if i == 1:
            per_step = run.seconds / (step - done)
            compile_seconds = max(0.0, spent[0] - schedule[0] * per_step)
        done = step
        scores = _score(model, kind, data, reference, real_grey, config, seed)
        row.update({f"{m}@{step}": v for m, v in scores.items()})
        row.update(scores)
        elapsed = sum(spent) - compile_seconds
        if say is not None:
            say(f"{kind} step {step}: FD {scores['frechet_distance']:.1f}, {elapsed:.0f} s of training")
        diverged = not math.isfinite(scores["frechet_distance"])
        if diverged or (i >= 1 and elapsed >= config["budget"]["seconds"]):
            break
    for step, cumulative in zip(schedule, np.cumsum(spent)):
        row[f"train_seconds@{step}"] = float(cumulative - compile_seconds)
    row.update(compile_seconds=compile_seconds, train_seconds=float(sum(spent) - compile_seconds), train_steps=done,
               diverged=float(diverged), sample_seconds=sample_seconds(model, seed=seed))  # fmt: skip
    row.update(iwae_bpd=float("nan"), iwae_bpd_se=float("nan"))
    if kind == VAE and not diverged:
        x = data.x_test[: config["num_likelihood"]]
        bpd = bits_per_dim(iwae_log_likelihood(model, x, k=config["iwae_k"], seed=seed), data.image_shape)
        row.update(iwae_bpd=float(bpd.mean()), iwae_bpd_se=float(bpd.std(ddof=1) / math.sqrt(len(bpd))))
    return row


def _train_segment(model, x, index: int, steps: int, config: dict, seed: int):
    """Train between two checkpoints: ``steps`` steps on a data order seeded by the seed and the segment's index."""
    return train_for(model, x, steps=steps, batch_size=config["batch_size"], seed=seed * 1000 + index,
                     nan_guard=False)  # a diverged run is a result, not an error  # fmt: skip


def train_twin_vae(seed: int = 0, steps: int = 12_800, config: dict | None = None):
    """The protocol's VAE of ``seed``, trained exactly as :func:`train_and_score` trains it (same segments, same data
    order) up to the checkpoint ``steps``, without scoring: a builder for the shipped weights ``twin_vae_glyphs``,
    whose scores therefore equal the shipped results' seed at that checkpoint. ``config`` defaults to the
    protocol's full-strength configuration.

    Taught in: 09_vae_vs_gan
    """
    config = config or PROTOCOL.config
    schedule = checkpoint_steps(config["max_steps"], **config["checkpoints"])
    if steps not in schedule:
        raise ValueError(f"`steps` must be one of the protocol's checkpoints {schedule[:8]} ...; received {steps!r}.")
    data = load_dataset(config)
    vae, _ = models.make_twins(data.image_shape, seed=seed, latent_dim=config["latent_dim"],
                               likelihood=config["likelihood"])  # fmt: skip
    done = 0
    for i, step in enumerate(schedule[: schedule.index(steps) + 1]):
        _train_segment(vae, data.x_train, i, step - done, config, seed)
        done = step
    return vae


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``duel_curves``: the twins built from ``seed``, each trained and scored along its run.

    ``finished`` holds a model of this seed that an interrupted run already computed (kept, not retrained:
    each model is built from ``seed`` alone); ``on_variant(name, row)`` saves each model as it finishes.
    """
    data = load_dataset(config)
    reference = make_reference(data.x_test, config["num_samples"])
    table = dict(finished or {})
    for kind in (VAE, GAN):
        if kind in table:
            continue
        vae, gan = models.make_twins(data.image_shape, seed=seed, latent_dim=config["latent_dim"],
                                     likelihood=config["likelihood"])  # fmt: skip
        model = vae if kind == VAE else gan
        say(f"{kind} ...")
        start = time.perf_counter()
        table[kind] = train_and_score(model, kind, data, reference, config, seed, say)
        say(f"{kind}: FD {table[kind]['frechet_distance']:.1f} after {table[kind]['train_steps']} steps, "
            f"{time.perf_counter() - start:.0f} s with scoring")  # fmt: skip
        if on_variant is not None:
            on_variant(kind, table[kind])
    return {kind: table[kind] for kind in (VAE, GAN)}


# --- reading the curves ---------------------------------------------------------------------------------------

def _check_reading(result, metric=None, budgets=None) -> tuple | None:
    """Entry checks of the readers below: a Result, a metric it has, budgets as a sequence of positive seconds
    (returned as a tuple of the values given)."""
    if not isinstance(result, Result):
        raise TypeError(f"`result` must be a vaegan_edu.experiments.Result, e.g. ve.experiments.load('duel_curves'); "
                        f"received {type(result).__name__}. Fix: for a payload dict use Result(payload).")  # fmt: skip
    if metric is not None:
        result._direction(metric)  # a metric these results have, with a direction
    if budgets is None:
        return None
    check_positive_numbers("budgets", budgets, BUDGETS)
    return tuple(budgets.tolist() if isinstance(budgets, np.ndarray) else budgets)


def values_at_budget(result: Result, variant: str, metric: str, seconds: float) -> dict:
    """``{seed: value}`` of ``metric`` at the last checkpoint each seed of ``variant`` reached within ``seconds``
    of training (NaN for a seed that had not reached its first checkpoint by then).

    Taught in: 09_vae_vs_gan
    """
    _check_reading(result)
    seconds = check_positive_number("seconds", seconds, 60.0)
    out = {}
    steps = result.checkpoints(metric)
    times = {step: result.values(variant, f"train_seconds@{step}") for step in steps}
    values = {step: result.values(variant, f"{metric}@{step}") for step in steps}
    for seed in result.seeds:
        reached = [step for step in steps if seed in times[step] and times[step][seed] <= seconds]
        out[seed] = values[max(reached)].get(seed, math.nan) if reached else math.nan
    return out


def budget_intervals(result: Result, metric: str, budgets=BUDGETS, confidence: float = 0.95) -> dict:
    """``{variant: [Interval per budget]}``: each model's mean over seeds at each wall-clock budget, the curve
    :func:`vaegan_edu.plots.interval_curves` draws (an interval is unknown where fewer than 2 seeds have a
    value, and the estimate too where none has).

    Taught in: 09_vae_vs_gan
    """
    budgets = _check_reading(result, metric, budgets)

    def at(variant, t):
        values = [v for v in values_at_budget(result, variant, metric, t).values() if math.isfinite(v)]
        if not values:  # no seed had reached its first checkpoint: nothing to draw there
            return stats.Interval(math.nan, math.nan, math.nan, 0, confidence, "no value yet")
        return stats.mean_interval(values, confidence, bounds=metric_range(metric))

    return {variant: [at(variant, t) for t in budgets] for variant in result.variants}


def budget_verdicts(result: Result, metric: str, budgets=BUDGETS, confidence: float = 0.95) -> list:
    """At each budget, :func:`vaegan_edu.experiments.verdict` on "the VAE is better than the GAN" in ``metric``,
    paired by seed (seeds where either model has no value yet are left out). Returns ``[(seconds, Verdict)]``.

    Taught in: 09_vae_vs_gan
    """
    budgets = _check_reading(result, metric, budgets)
    better = result.metrics[metric]
    out = []
    for t in budgets:
        a, b = values_at_budget(result, VAE, metric, t), values_at_budget(result, GAN, metric, t)
        common = [s for s in a if math.isfinite(a[s]) and math.isfinite(b.get(s, math.nan))]
        claim = f"after {t:g} s of training the VAE has {better} {metric_label(metric)} than the GAN"
        if not common:  # neither model had been scored in every seed by then
            none = stats.Interval(math.nan, math.nan, math.nan, 0, confidence, "no pair of runs scored yet")
            out.append((t, stats.Verdict(claim, "inconclusive", none, better, 0.0)))
            continue
        out.append((t, stats.verdict(claim, [a[s] for s in common], [b[s] for s in common], better=better,
                                     paired=True, confidence=confidence)))  # fmt: skip
    return out


def result_at_budget(result: Result, seconds: float) -> Result:
    """The results as they stood after ``seconds`` of training: every curve metric at the last checkpoint each seed
    reached by then, under its plain name (so :meth:`Result.agreement` can compare a live run of that budget).

    Taught in: 09_vae_vs_gan
    """
    _check_reading(result)
    rows = []
    for variant in result.variants:
        per_metric = {m: values_at_budget(result, variant, m, seconds) for m in CURVE_METRICS}
        for seed in result.seeds:
            rows.append({"model": variant, "seed": seed, **{m: v[seed] for m, v in per_metric.items() if seed in v}})
    return Result.from_rows(result.name, rows, result.config)


def run_step_cost(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One repeat of ``duel_step_cost``: each model's seconds per training step on this machine, alone.

    The twins of ``seed`` are built; each model (the order alternates with the seed, so neither always runs
    first) trains ``warmup_steps`` steps (tracing and compilation), then ``blocks`` timed blocks of ``steps``
    steps through the same :func:`vaegan_edu.training.train_for` calls the curves use. The row holds the median
    block's ``seconds_per_step`` and the fastest block's ``seconds_per_step_min``.
    """
    data = load_dataset(config)
    table = dict(finished or {})
    for kind in ((VAE, GAN) if seed % 2 == 0 else (GAN, VAE)):
        if kind in table:
            continue
        vae, gan = models.make_twins(data.image_shape, seed=seed, latent_dim=config["latent_dim"],
                                     likelihood=config["likelihood"])  # fmt: skip
        model = vae if kind == VAE else gan
        train_for(model, data.x_train, steps=config["warmup_steps"], batch_size=config["batch_size"], seed=seed,
                  nan_guard=False)  # fmt: skip
        per_step = []
        for block in range(config["blocks"]):
            run = train_for(model, data.x_train, steps=config["steps"], batch_size=config["batch_size"],
                            seed=seed * 1000 + block + 1, nan_guard=False)  # fmt: skip
            per_step.append(run.seconds / config["steps"])
        table[kind] = {"seconds_per_step": float(np.median(per_step)), "seconds_per_step_min": float(min(per_step))}
        say(f"{kind}: {1000 * table[kind]['seconds_per_step']:.1f} ms per step (median of {config['blocks']} blocks)")
        if on_variant is not None:
            on_variant(kind, table[kind])
    return {kind: table[kind] for kind in (VAE, GAN)}


def step_costs(costs: Result) -> dict:
    """``{model: seconds per step}``: the median over the repeats of ``duel_step_cost``.

    Taught in: 09_vae_vs_gan
    """
    _check_reading(costs)
    if costs.name != "duel_step_cost":
        raise ValueError(f"`costs` must be the results of 'duel_step_cost' (ve.experiments.load('duel_step_cost')); "
                         f"received results of {costs.name!r}.")  # fmt: skip
    return {kind: float(np.median(list(costs.values(kind, "seconds_per_step").values()))) for kind in (VAE, GAN)}


def calibrated(result: Result, costs: Result) -> Result:
    """The curves of ``result`` on the clock of ``costs``: every ``train_seconds@STEP`` becomes ``STEP`` x the
    model's median seconds per step from ``duel_step_cost`` (:func:`step_costs`), and ``train_seconds`` becomes
    ``train_steps`` x the same; the seconds the run measured are kept as ``measured_seconds@STEP`` and
    ``measured_seconds``. Every reader above works on the returned Result unchanged.

    Taught in: 09_vae_vs_gan
    """
    _check_reading(result)
    per_step = step_costs(costs)
    rows = []
    for row in result.rows():
        model = row["model"]
        if model not in per_step:
            raise ValueError(f"`result` has a model {model!r} that `costs` did not time; it timed {sorted(per_step)}.")
        new = dict(row)
        for key, value in row.items():
            if key.startswith("train_seconds@"):
                new["measured_seconds@" + key.split("@", 1)[1]] = value
                new[key] = int(key.split("@", 1)[1]) * per_step[model]
        if "train_seconds" in row and "train_steps" in row:
            new["measured_seconds"], new["train_seconds"] = row["train_seconds"], row["train_steps"] * per_step[model]
        rows.append(new)
    return Result.from_rows(result.name, rows, result.config)


def winner(v) -> str:
    """The model a verdict of :func:`budget_verdicts` favours: "VAE", "GAN" or "inconclusive"."""
    return {"supported": VAE, "contradicted": GAN}.get(v.status, "inconclusive")


def guide_markdown(result: Result, questions: dict, budgets=BUDGETS) -> str:
    """A Markdown decision guide: one row per question (``{question: metric}``), one column per budget, each
    cell the model the paired verdict favours there, or "inconclusive".

    Taught in: 09_vae_vs_gan
    """
    budgets = _check_reading(result, budgets=budgets)
    if not isinstance(questions, dict) or not questions:
        raise (ValueError if isinstance(questions, dict) else TypeError)(f"`questions` must be a non-empty dict {{question: metric}}, e.g. {{'which looks sharper?': "
                        f"'grey_gap'}}; received {questions!r:.80}.")  # fmt: skip
    head = ["question (metric)"] + [f"{t:g} s" for t in budgets]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for question, metric in questions.items():
        cells = [winner(v) for _, v in budget_verdicts(result, metric, budgets)]
        lines.append("| " + " | ".join([f"{question} ({metric_label(metric)})", *cells]) + " |")
    return "\n".join(lines)


PROTOCOL = register(Protocol(
    name="duel_curves",
    title="VAE against GAN with one generator network: quality against training time and steps",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "budget": {"seconds": 600},
        "max_steps": 40_000,
        "checkpoints": {"first": 50, "doubling_until": 1_600, "every": 1_600},
        "batch_size": 128,
        "latent_dim": 64,
        "likelihood": "discretized_logistic",
        "num_samples": 1_000,
        "num_likelihood": 500,
        "iwae_k": 500,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=GAN,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "budget": {"seconds": 1}, "max_steps": 8, "checkpoints": {"first": 2, "doubling_until": 4, "every": 2},
           "num_samples": 150, "num_likelihood": 20, "iwae_k": 5},
    taught_in="09_vae_vs_gan",
    saves_variants=True,
))  # fmt: skip


STEP_COST = register(Protocol(
    name="duel_step_cost",
    title="The time per training step of duel_curves' two models on this machine, alone, interleaved and repeated",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "batch_size": 128,
        "latent_dim": 64,
        "likelihood": "discretized_logistic",
        "warmup_steps": 20,
        "steps": 100,
        "blocks": 3,
        "metrics": {"seconds_per_step": "lower", "seconds_per_step_min": "lower"},
    },
    run_seed=run_step_cost,
    baseline=GAN,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "warmup_steps": 2, "steps": 3, "blocks": 2},
    taught_in="09_vae_vs_gan",
    saves_variants=True,
))  # fmt: skip

r"""What makes training faster, measured as time to a stated quality: chapter 10's protocol ``speed``.

Chapter 10 used to answer "how do I make training faster?" with single timings of steps per second: an optimiser
at one untuned learning rate, and a speed-up printed from two runs whose difference was within the noise of one.
A step that costs less is not faster training if each step achieves less, so this protocol measures what a reader
wants: **training seconds until the model reaches a stated quality**, for one change at a time from the default.

**Models.** The GAN is chapter 08's DCGAN (:func:`vaegan_edu.models.make_dcgan`: Adam(2e-4, beta_1 = 0.5) for both
networks, batch 128). The VAE is chapter 09's twin VAE (:func:`vaegan_edu.models.make_twins`, Adam(1e-3), batch
128), not chapter 03's dense 2-latent VAE, for three reasons: its decoder *is* the DCGAN's generator, so the two
models' rows differ in the objective and not in the network (a step of each costs about the same: 134-139 ms for
both in one probe process under load); its likelihood (the discretised logistic over 8-bit pixel values) is a
normalised distribution, so its -ELBO in bits per pixel value is an honest number; and a 2-latent dense VAE is so
small that Python overhead decides its speed, so what a factor does to it would not carry over to the networks the
book trains for quality.

**Targets** (``config["targets"]``), scored on held-out digits the models never train on (the first
``num_scored`` = 1,000 test images), chosen from probes of each default (seed 0, scored every 100 steps):

* GAN: Fréchet distance :math:`\le 50` in the digit classifier's features (the validated metric, computed as
  :func:`vaegan_edu.metrics.evaluate_samples` does; chapter 08's trained model scores 27.5). The probe's FD was
  70.3, 50.7, 39.3 and 37.1 after 500, 600, 700 and 800 steps (``tricks``' baseline: 69.4 and 113.6 after 500
  steps for seeds 0 and 1, 29.9 and 42.4 after 1,000), so the default reaches it after about 600-800 steps: about
  35-55 s of training on an unloaded 2-core CPU (43.7 ms per step in ``benchmarks/RESULTS.md``, plus the ``fit``
  calls' overhead). FD 40 would take a little longer but lies where seed 0's curve flattens (39.3, 37.1): a
  target on a plateau measures noise, not speed.
* VAE: held-out -ELBO :math:`\le 1.76` bits per pixel value (one seeded draw of :math:`z` per image,
  :func:`vaegan_edu.metrics.evaluate_elbo`, :func:`vaegan_edu.metrics.bits_per_dim`; a uniform model scores 8).
  The probe's default fell through 3.19, 2.17, 1.93, 1.79, 1.775, 1.757, 1.755, 1.744, 1.735 after 100, 200,
  ..., 1,000 steps, so it reaches 1.76 after about 700 steps: about 30-40 s unloaded. Lower targets lie on the
  plateau (1.732, then 1.739 after 1,100 and 1,200 steps).

**Factors**, each one change from its model's default (``VARIANTS``; ``"against"`` names what each is compared
with):

* optimiser, VAE only: Adam, RMSprop and SGD with momentum 0.9, each at learning rates 1e-3, 3e-3 and 1e-2
  (``LEARNING_RATES``; Adam at 1e-3 is the default). Every point of the sweep is a configuration with its own
  results, so the sweep is part of the evidence, and :func:`best_learning_rates` reads each optimiser's best off
  it. The grid comes from 300-step probes: -ELBO after 300 steps 1.93 (Adam 1e-3), 1.77 (Adam 3e-3), 1.74 (Adam
  1e-2), 1.80 (RMSprop 1e-3), 1.74 (RMSprop 3e-3), 2.31 (SGD 1e-4), 1.86 (SGD 1e-3), 1.84 (SGD 3e-3, stalled
  there); so smaller rates than 1e-3 were left out, and a best point at the grid's edge (1e-2) says a larger rate
  might be faster still. Restricted to the VAE for cost: a GAN sweep would add about 9 DCGAN runs per repeat,
  and the DCGAN's Adam(2e-4, 0.5) is the setting chapter 08 and ``tricks`` study;
* batch size: 32 and 512 for the VAE, 64 and 256 for the GAN (128 is the default; the learning rate is not
  rescaled: one change at a time);
* XLA: ``jit_compile=True`` against the package's default (Keras's ``"auto"``: off on a CPU-only TensorFlow);
* backend: TensorFlow against JAX, each in a fresh process (:func:`vaegan_edu.experiments.backends.run_in_backend`;
  chapter 10 once compared a busy kernel with a fresh process). The TensorFlow-in-a-fresh-process run is also
  compared with the default, which says what the fresh process alone changes.

**Measurement** (:func:`time_to_target`). Training runs in segments of about ``score_every_seconds`` of training
(2 s for the VAE, 4 s for the GAN; :func:`vaegan_edu.training.train_for`, which times only ``fit``), and the
target metric is scored after each with the clock stopped. The first segment (``first_steps`` steps) traces and
compiles; its cost beyond the steady time per step (measured on the second segment) is ``compile_seconds`` and
is left out of every time, as in ``duel_curves``. ``seconds_to_target`` is the training time at the first score
that meets the target: an upper bound by at most one segment (differences smaller than that are not resolved).
Each segment is one ``fit`` call, whose fixed overhead is counted in the time (as for any chunked training). A
run stops at its model's cap (``cap_seconds``: 120 s for the VAE, 240 s for the GAN, three to five times the
default's expected time on an unloaded machine) or when its score stops being finite (diverged); a run that has
not reached the target then is **censored**: ``seconds_to_target`` NaN and ``reached`` 0. :func:`summary` writes
such a run as "not reached in T s", never as fast. The caps are seconds of *this* machine: beside other work
every run slows and the defaults come closer to them (a check of the full-strength defaults at load 5-6, seed 1:
the VAE reached its target after 700 steps in 78 s; the DCGAN was at FD 55.0 after 720 steps and 153 s), so run
the protocol on a quiet machine; each row records the load average at its start (``load_average``, not a metric)
so a reader can see what the timings ran beside. The segments follow the measured time per step, so how the data
is cut into segments (and so its order) depends on the machine: the same seed gives the same initial weights, not
bit-identical runs.

**Repeated and interleaved.** Each protocol seed is one repeat in which every configuration runs once, from that
seed's initial weights (paired), in an order shuffled by the seed (:func:`run_order`), so a change of machine load
during the run spreads over all configurations instead of landing on the ones that happen to run late.
:func:`summary` gives per configuration the minimum, median and maximum time to target over repeats and the
paired verdict against its reference (:func:`time_verdict`: a repeat in which only one of the two reached the
target counts the other at the cap, and only the conclusion that this cannot flatter is drawn).

**Cost of the full run** (5 repeats of 20 configurations: 14 VAE, 6 GAN), extrapolated from short niced probes
that ran beside a full-strength protocol and test runs on the same 2 cores (load average 4-11), so their times
are upper bounds: 134-139 ms per step for either model at load 5, 150-420 ms at load 8-11; unloaded, a DCGAN step
takes 43.7 ms (``benchmarks/RESULTS.md``) and the twin VAE's about the same. Per repeat, in training seconds on
an unloaded 2-core CPU: the VAE's default about 35 s, its faster sweep points 13-20 s, batch 32 and 512 about
40-45 s, XLA and the fresh TensorFlow process like the default, JAX about 50 s, and two SGD points censored at the
120 s cap (the third diverges or stalls: the probe's SGD curves flattened above the target): about 550 s; the
GAN's five TensorFlow runs about 40-55 s each and JAX's about twice that (its DCGAN step is 87 ms): about 340 s.
Scoring (about 20 % on top: the VAE default's check took 96 s of wall time for 78 s of training), building 20
models and four fresh processes add about 4-5 minutes: **about 19 minutes per repeat, about 95 minutes for the 5
repeats** (plausibly 75-130) on 2 unloaded cores, a little over the 90 minutes aimed at; 3 repeats would take
about 60, but their paired intervals would be twice as wide (t with 2 degrees of freedom), so the protocol keeps
5. Beside other work it takes longer in proportion to the load. The shipped run (``data/experiments/speed.json``)
took 1,424-1,704 s per repeat, **2 h 8 min** in all, above the estimate: the DCGAN needed more training time than its
probe (its default 47-106 s to the target, JAX's 141-192 s). ``python -m vaegan_edu.experiments run speed`` resumes an
interrupted run at the next configuration.

Taught in: 10_student_questions
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Callable

import numpy as np

from vaegan_edu.experiments import stats
from vaegan_edu.experiments.protocol import Protocol, load_dataset, register
from vaegan_edu.experiments.results import Result
from vaegan_edu.validation import check_positive_int, check_positive_number, check_seed

VAE, GAN = "VAE", "GAN"
FUNCTION = "vaegan_edu.experiments.speed:measure_variant"  # what a fresh process of another backend runs
METRICS = {"seconds_to_target": "lower", "reached": "higher", "steps_to_target": "lower", "compile_seconds": "lower",
           "steps_per_second": "higher", "value_at_stop": "lower"}  # fmt: skip
TARGET_METRICS = {"frechet_distance": "lower", "elbo_bpd": "lower"}  # what a target can be set on
OPTIMIZERS = ("adam", "rmsprop", "sgd")  # SGD always with momentum 0.9
OPTIMIZER_NAMES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD+momentum"}
SGD_MOMENTUM = 0.9
DEFAULTS = {  # each model's default configuration: the baseline every factor changes one thing of
    VAE: {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 128, "jit_compile": None, "backend": None},
    GAN: {"optimizer": "adam", "learning_rate": 2e-4, "batch_size": 128, "jit_compile": None, "backend": None},
}
LEARNING_RATES = {optimizer: (1e-3, 3e-3, 1e-2) for optimizer in OPTIMIZERS}  # the sweep (probes: module docstring)
BATCH_SIZES = {VAE: (32, 512), GAN: (64, 256)}
MAX_SEGMENTS = 100_000  # scores per run: more means a cap or a segment length typed wrong


def default_name(model: str) -> str:
    """The name of a model's default configuration ("VAE default")."""
    return f"{model} default"


def _variant(model: str, factor: str, against: str | None, **changes) -> dict:
    spec = {"model": model, "factor": factor, **DEFAULTS[model], "against": against}
    unknown = set(changes) - set(DEFAULTS[model])
    if unknown:
        raise ValueError(f"Unknown setting(s) {sorted(unknown)}; a variant changes {sorted(DEFAULTS[model])}.")
    spec.update(changes)
    return spec


def _lr_text(lr: float) -> str:
    """A learning rate as the book writes it: 3e-4, 1e-3."""
    mantissa, exponent = f"{lr:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _variants() -> dict:
    """Every configuration: each model's default, then one factor changed at a time."""
    out = {}
    for model in (VAE, GAN):
        base = default_name(model)
        out[base] = _variant(model, "default", None)
        if model == VAE:
            for optimizer in OPTIMIZERS:
                for lr in LEARNING_RATES[optimizer]:
                    if optimizer == DEFAULTS[model]["optimizer"] and lr == DEFAULTS[model]["learning_rate"]:
                        continue  # the default itself is this point of the sweep
                    out[f"{model} {OPTIMIZER_NAMES[optimizer]} lr {_lr_text(lr)}"] = _variant(
                        model, "optimiser", base, optimizer=optimizer, learning_rate=lr)
        for batch_size in BATCH_SIZES[model]:
            out[f"{model} batch {batch_size}"] = _variant(model, "batch size", base, batch_size=batch_size)
        out[f"{model} XLA"] = _variant(model, "XLA", base, jit_compile=True)
        tf_fresh = f"{model} tensorflow (fresh process)"
        out[tf_fresh] = _variant(model, "backend", base, backend="tensorflow")
        out[f"{model} jax (fresh process)"] = _variant(model, "backend", tf_fresh, backend="jax")
    return out


VARIANTS = _variants()


# --- the measurement ------------------------------------------------------------------------------------------


def first_reached(stream, target: float, better: str = "lower") -> tuple:
    """The first ``(seconds, value)`` pair of ``stream`` whose value meets ``target`` (``<=`` for
    ``better="lower"``, ``>=`` for ``"higher"``): ``(seconds, index)``, or ``(nan, None)`` when none does (a
    censored run). A non-finite value never meets a target.

    Examples
    --------
    >>> first_reached([(5.0, 90.0), (10.0, 70.0), (15.0, 58.0), (20.0, 55.0)], 60.0)
    (15.0, 2)
    >>> first_reached([(5.0, 90.0), (10.0, float("nan"))], 60.0)
    (nan, None)

    Taught in: 10_student_questions
    """
    _check_better(better)
    for i, (seconds, value) in enumerate(stream):
        if _meets(value, target, better):
            return float(seconds), i
    return math.nan, None


def _check_better(better) -> str:
    if better not in ("lower", "higher"):
        raise ValueError(f"`better` must be 'lower' or 'higher'; received better={better!r}.")
    return better


def _meets(value: float, target: float, better: str) -> bool:
    """Whether a score meets the target (a non-finite score never does)."""
    return math.isfinite(value) and (value <= target if better == "lower" else value >= target)


def _round_up(steps: int, granularity: int) -> int:
    return -(-int(steps) // granularity) * granularity


@dataclasses.dataclass(frozen=True)
class TargetRun:
    """What :func:`time_to_target` measured.

    Attributes
    ----------
    stream : tuple of (seconds, steps, value)
        After every segment: training seconds so far (tracing and compilation left out), steps so far, the
        target metric's score.
    compile_seconds : float
        The first segment's cost beyond the steady time per step (measured on the second).
    seconds_to_target, steps_to_target : float
        At the first score that met the target; NaN when none did.
    """

    stream: tuple
    compile_seconds: float
    seconds_to_target: float
    steps_to_target: float

    @property
    def reached(self) -> bool:
        return math.isfinite(self.seconds_to_target)

    def row(self) -> dict:
        """The protocol's metrics of this run (``METRICS`` plus ``train_seconds`` and ``train_steps``)."""
        seconds, steps, value = self.stream[-1]
        later = [(s1 - s0, n1 - n0) for (s0, n0, _), (s1, n1, _) in zip(self.stream, self.stream[1:])]
        spent = sum(s for s, _ in later)
        return {"seconds_to_target": self.seconds_to_target, "reached": float(self.reached),
                "steps_to_target": self.steps_to_target, "compile_seconds": self.compile_seconds,
                "steps_per_second": sum(n for _, n in later) / spent if spent > 0 else math.nan,
                "value_at_stop": value, "train_seconds": seconds, "train_steps": float(steps)}  # fmt: skip


def time_to_target(train_segment: Callable, score: Callable, target: float, cap_seconds: float,
                   score_every_seconds: float, first_steps: int = 20, better: str = "lower",
                   granularity: int = 1, say=None) -> TargetRun:  # fmt: skip
    r"""Train in segments, score after each with the clock stopped, until the target or the cap.

    ``train_segment(index, steps)`` trains ``steps`` steps and returns ``(steps_taken, seconds)``: the seconds are
    the training's own (e.g. :attr:`vaegan_edu.training.TrainingRun.seconds`, which counts only ``fit``);
    ``score()`` returns the target metric. This function measures no time itself, so nothing ``score`` costs can
    enter a training time. Segment 0 has ``first_steps`` steps and carries the tracing and compilation; from
    segment 1 on, each is planned to last about ``score_every_seconds`` at the time per step measured so far
    (rounded up to a multiple of ``granularity``, e.g. the model's ``steps_per_execution``). The compilation cost,
    :math:`t_0 - n_0 \, t_1 / n_1` (segment 0's time beyond the steady rate of segment 1), is left out of every
    time. Training stops, from segment 1 on, at the first score that meets the target, at a non-finite score (the
    run diverged), or once the training time reaches ``cap_seconds``.

    Returns
    -------
    TargetRun

    Examples
    --------
    Segment 0 takes 5 s for 10 steps (4 s of it compiling), then 0.1 s per step; scores fall by 10 per segment:

    >>> segments = iter([(10, 5.0), (20, 2.0), (20, 2.0), (20, 2.0)])
    >>> scores = iter([90.0, 80.0, 70.0, 60.0])
    >>> run = time_to_target(lambda i, n: next(segments), lambda: next(scores), target=65.0, cap_seconds=100.0,
    ...                      score_every_seconds=2.0, first_steps=10)
    >>> run.compile_seconds, run.seconds_to_target, run.steps_to_target
    (4.0, 7.0, 70.0)

    Taught in: 10_student_questions
    """
    cap_seconds = check_positive_number("cap_seconds", cap_seconds, 120.0)
    score_every_seconds = check_positive_number("score_every_seconds", score_every_seconds, 4.0)
    first_steps = check_positive_int("first_steps", first_steps, 20)
    granularity = check_positive_int("granularity", granularity, 1)
    better = _check_better(better)
    raw, steps, compile_seconds = [], 0, math.nan  # raw: (seconds including compilation, steps, value)
    plan = _round_up(first_steps, granularity)
    for index in range(MAX_SEGMENTS):
        taken, seconds = train_segment(index, plan)
        taken, seconds = int(taken), float(seconds)
        steps += taken
        value = float(score())
        raw.append(((raw[-1][0] if raw else 0.0) + seconds, steps, value))
        if index == 1:  # the steady time per step is known: segment 0's surplus is tracing and compilation
            compile_seconds = max(0.0, raw[0][0] - raw[0][1] * seconds / taken)
        trained = raw[-1][0] - (0.0 if math.isnan(compile_seconds) else compile_seconds)
        if say is not None:
            say(f"step {steps}: {value:.4g} after {trained:.1f} s of training"
                + (" (tracing and compilation included)" if index == 0 else ""))
        if index >= 1 and (_meets(value, target, better) or not math.isfinite(value) or trained >= cap_seconds):
            break
        # the next segment lasts about score_every_seconds at the last segment's rate (after segment 0 that rate
        # still includes compilation, so segment 1 is shorter: it only has to measure the steady rate)
        plan = _round_up(max(1, round(score_every_seconds * taken / seconds)) if seconds > 0 else plan, granularity)
    else:
        raise RuntimeError(f"time_to_target: {MAX_SEGMENTS:,} segments without reaching the cap; check cap_seconds "
                           f"and score_every_seconds.")  # fmt: skip
    offset = 0.0 if math.isnan(compile_seconds) else compile_seconds
    stream = tuple((s - offset, n, v) for s, n, v in raw)
    seconds_to_target, hit = first_reached([(s, v) for s, _, v in stream], target, better)
    steps_to_target = float(stream[hit][1]) if hit is not None else math.nan
    return TargetRun(stream, compile_seconds, seconds_to_target, steps_to_target)


# --- one configuration ----------------------------------------------------------------------------------------


def _optimizer(name: str, learning_rate: float):
    import keras

    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=SGD_MOMENTUM)
    raise ValueError(f"Unknown optimizer {name!r}; choose one of {OPTIMIZERS}.")


def build_model(spec: dict, image_shape, seed: int, config: dict):
    """A configuration's compiled model, from ``seed``: chapter 09's twin VAE or chapter 08's DCGAN.

    Taught in: 10_student_questions
    """
    from vaegan_edu import models

    if spec["model"] == VAE:
        vae, _ = models.make_twins(tuple(image_shape), seed=seed, latent_dim=config["latent_dim"],
                                   likelihood=config["likelihood"])  # fmt: skip
        vae.compile(optimizer=_optimizer(spec["optimizer"], spec["learning_rate"]), jit_compile=spec["jit_compile"])
        return vae
    if spec["model"] == GAN:
        if (spec["optimizer"], spec["learning_rate"]) != (DEFAULTS[GAN]["optimizer"], DEFAULTS[GAN]["learning_rate"]):
            raise ValueError("The protocol sweeps optimisers for the VAE only; a GAN variant keeps the DCGAN's "
                             "Adam(2e-4, beta_1=0.5).")  # fmt: skip
        return models.make_dcgan(tuple(image_shape), seed=seed, jit_compile=spec["jit_compile"])
    raise ValueError(f"Unknown model {spec['model']!r}; a variant's model is {VAE!r} or {GAN!r}.")


def _finite(arrays) -> bool:
    """Whether every number in a list of arrays is finite."""
    return all(np.all(np.isfinite(a)) for a in arrays)


def make_scorer(model, kind: str, x_scored, seed: int) -> Callable:
    """``score()`` -> the target metric of ``model`` on the held-out images ``x_scored``: the VAE's -ELBO in bits
    per pixel value, the GAN's Fréchet distance (as :func:`vaegan_edu.metrics.evaluate_samples` computes it) of
    ``len(x_scored)`` samples; NaN once the model's output is not finite.

    Taught in: 10_student_questions
    """
    from vaegan_edu.metrics import bits_per_dim, digit_features_and_classes, draw_samples, evaluate_elbo, frechet_distance

    if kind == VAE:
        def score():
            # a diverged run (non-finite weights or codes, which evaluate_elbo refuses) scores NaN: censored
            if not _finite(model.get_weights()) or not _finite(model.encode(x_scored)):
                return math.nan
            elbo = evaluate_elbo(model, x_scored, seed=seed)["elbo"]
            return float(bits_per_dim(elbo, x_scored.shape[1:])) if np.isfinite(elbo) else math.nan

        return score
    real = digit_features_and_classes(x_scored)[0]

    def score():
        if not _finite(model.get_weights()):
            return math.nan
        samples = draw_samples(model, len(x_scored), seed=seed + 10_000)
        if not np.all(np.isfinite(samples)):
            return math.nan
        return float(frechet_distance(real, digit_features_and_classes(samples)[0]))

    return score


def train_to_target(config: dict, variant: str, seed: int, data=None, say=None) -> tuple:
    """Build configuration ``variant`` from ``seed`` and train it until its model's target or cap
    (:func:`time_to_target`), on the Keras backend of this process. Returns ``(model, TargetRun)``: the trained
    model (a benchmark may measure more of it) and what the run measured.

    Taught in: 10_student_questions
    """
    import keras

    from vaegan_edu.training import train_for

    spec = config["variants"][variant]
    if spec["backend"] is not None and spec["backend"] != keras.backend.backend():
        raise ValueError(f"{variant!r} runs on {spec['backend']}, but this process runs Keras on "
                         f"{keras.backend.backend()}. Fix: run_variant(...) starts a process of the right backend.")
    seed = check_seed(seed)
    target = config["targets"][spec["model"]]
    data = data if data is not None else load_dataset(config)
    model = build_model(spec, data.image_shape, seed, config)
    score = make_scorer(model, spec["model"], data.x_test[: config["num_scored"]], seed)

    def train_segment(index, steps):
        run = train_for(model, data.x_train, steps=steps, batch_size=spec["batch_size"], seed=seed * 1000 + index,
                        max_chunk_steps=steps, nan_guard=False)  # a diverged run is censored, not an error  # fmt: skip
        return run.steps, run.seconds

    granularity = int(getattr(model, "steps_per_execution", 1) or 1)
    run = time_to_target(train_segment, score, target["value"], target["cap_seconds"], target["score_every_seconds"],
                         first_steps=config["first_steps"], better=TARGET_METRICS[target["metric"]],
                         granularity=granularity, say=say)  # fmt: skip
    return model, run


def measure_variant(config: dict, variant: str, seed: int, data=None, say=None) -> dict:
    """:func:`train_to_target`'s row of metrics for configuration ``variant`` and ``seed``, on the Keras backend of
    this process, with the machine's 1-minute load average when it started (``load_average``; NaN where the system
    has none). A fresh process of another backend runs this function (:func:`run_variant` starts it).

    Taught in: 10_student_questions
    """
    load = _load_average()
    return {**train_to_target(config, variant, seed, data=data, say=say)[1].row(), "load_average": load}


def _load_average() -> float:
    """The 1-minute load average (NaN on systems without one)."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):
        return math.nan


def run_variant(config: dict, variant: str, seed: int, data=None, say=None) -> dict:
    """One configuration's row: in this process, or for a backend variant in a fresh process of that backend
    (:func:`vaegan_edu.experiments.backends.run_in_backend`).

    Raises
    ------
    RuntimeError
        When the fresh process fails (e.g. its backend is not installed): a failure is not a censored run.
    """
    from vaegan_edu.experiments.backends import run_in_backend

    spec = config["variants"][variant]
    if spec["backend"] is None:
        return measure_variant(config, variant, seed, data=data, say=say)
    timeout = config["process_timeout_seconds"]
    result = run_in_backend(spec["backend"], FUNCTION, {"config": config, "variant": variant, "seed": int(seed)},
                            timeout=timeout)  # fmt: skip
    if result["error"] is not None:
        raise RuntimeError(f"{variant!r} (seed {seed}) failed in its fresh {spec['backend']} process: "
                           f"{result['error']}")  # fmt: skip
    return result["value"]


def run_order(variants, seed: int) -> list:
    """The order in which one repeat runs the configurations: a permutation seeded by ``seed``, so it differs from
    repeat to repeat (machine-load drift spreads over all configurations) and is the same when rerun.

    Taught in: 10_student_questions
    """
    names = list(variants)
    rng = np.random.default_rng([check_seed(seed), 2024])  # its own stream: not the models' seed sequence
    return [names[i] for i in rng.permutation(len(names))]


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One repeat of ``speed``: every configuration once, from ``seed``'s weights, in :func:`run_order`.

    ``finished`` holds configurations an interrupted run already measured (kept; the others run in the same
    order); ``on_variant(name, row)`` saves each as it finishes.
    """
    table = dict(finished or {})
    data = None
    for name in run_order(config["variants"], seed):
        if name in table:
            continue
        if data is None and config["variants"][name]["backend"] is None:
            data = load_dataset(config)
        start = time.perf_counter()
        table[name] = run_variant(config, name, seed, data=data)
        row = table[name]
        model = config["variants"][name]["model"]
        where = (f"reached in {row['seconds_to_target']:.1f} s" if row["reached"] else
                 f"not reached in {config['targets'][model]['cap_seconds']:g} s")  # fmt: skip
        say(f"{name}: {where} ({time.perf_counter() - start:.0f} s with scoring)")
        if on_variant is not None:
            on_variant(name, row)
    return {name: table[name] for name in config["variants"]}


# --- reading the results --------------------------------------------------------------------------------------


def reference_of(result: Result, variant: str) -> str | None:
    """The configuration ``variant`` is compared with: its model's default, the TensorFlow fresh process for JAX,
    None for a default."""
    return result.config["variants"][variant]["against"]


def _time_cell(seconds: float, cap: float) -> str:
    return f"{seconds:.0f} s" if math.isfinite(seconds) else f"not reached in {cap:g} s"


def time_verdict(result: Result, variant: str, against: str, confidence: float = 0.95) -> stats.Verdict:
    r"""Does configuration ``variant`` reach its target in less training time than ``against``? A paired verdict
    on ``seconds_to_target`` over the repeats, that keeps a repeat in which only one of the two reached the target.

    A run that did not reach the target is censored: its time :math:`t` is only known to exceed the cap :math:`c`.
    Such a time counts as :math:`c`, which understates it, and the verdict keeps only the side that this cannot
    flatter. The difference of repeat :math:`i` is :math:`d_i = t_{v,i} - t_{a,i}` (``variant`` minus
    ``against``, a censored time counted as :math:`c`; repeats in which neither reached the target say nothing and
    are left out), with its Student-t interval :math:`[L, H]` (:func:`~vaegan_edu.experiments.stats.paired_difference`):

    * **supported** when :math:`H < 0` and ``variant`` reached the target in every repeat used (a censored
      ``against`` counted at :math:`c` only makes :math:`d_i` larger, i.e. the claim harder);
    * **contradicted** when :math:`L > 0` and ``against`` reached it in every repeat used;
    * **inconclusive** otherwise, and with fewer than two repeats.

    Without censored repeats this is :meth:`Result.verdict` on ``seconds_to_target``.

    Returns
    -------
    :class:`~vaegan_edu.experiments.stats.Verdict`, whose interval says how many repeats counted at the cap

    Raises
    ------
    ValueError
        If the two configurations train different models (their targets and caps differ).

    Examples
    --------
    RMSprop reaches the target in every repeat; SGD in one of three, the others stopped at the 120 s cap:

    >>> from vaegan_edu.experiments import Result
    >>> nan = float("nan")
    >>> times = {"VAE RMSprop lr 3e-3": [14.0, 15.0, 13.0], "VAE SGD+momentum lr 3e-3": [nan, nan, 110.0]}
    >>> result = Result.from_rows("speed", [{"model": v, "seed": s, "seconds_to_target": t}
    ...                                     for v, ts in times.items() for s, t in enumerate(ts)])
    >>> print(time_verdict(result, "VAE RMSprop lr 3e-3", "VAE SGD+momentum lr 3e-3").status)
    supported
    >>> print(time_verdict(result, "VAE SGD+momentum lr 3e-3", "VAE RMSprop lr 3e-3").status)  # 97 s slower or more
    contradicted

    Taught in: 10_student_questions
    """
    specs = result.config["variants"]
    for name, argument in ((variant, "variant"), (against, "against")):
        if name not in specs:
            raise ValueError(f"No configuration {name!r} in the {result.name!r} results (argument `{argument}`); "
                             f"configurations: {list(specs)}.")  # fmt: skip
    model = specs[variant]["model"]
    if specs[against]["model"] != model:
        raise ValueError(f"{variant!r} trains the {model} and {against!r} the {specs[against]['model']}: their "
                         f"targets differ, so their times cannot be compared. Fix: compare configurations of one "
                         f"model.")  # fmt: skip
    cap = float(result.config["targets"][model]["cap_seconds"])
    claim = f"{variant} reaches its target in less training time than {against}"
    a, b = result.values(variant, "seconds_to_target"), result.values(against, "seconds_to_target")
    used = [s for s in a if s in b and (math.isfinite(a[s]) or math.isfinite(b[s]))]
    if not used:
        none = stats.Interval(math.nan, math.nan, math.nan, 0, confidence,
                              "no repeat in which either reached the target")  # fmt: skip
        return stats.Verdict(claim, "inconclusive", none, "lower", 0.0)
    censored_variant = sum(not math.isfinite(a[s]) for s in used)
    censored_against = sum(not math.isfinite(b[s]) for s in used)
    at_cap = [[t[s] if math.isfinite(t[s]) else cap for s in used] for t in (a, b)]  # a reached time may pass the cap
    effect = stats.paired_difference(*at_cap, confidence=confidence)
    if censored_variant or censored_against:
        note = f"; {censored_variant + censored_against} not reached, counted at the {cap:g} s cap"
        effect = dataclasses.replace(effect, method=effect.method + note)
    status = "inconclusive"
    if effect.has_spread and effect.high < 0 and not censored_variant:
        status = "supported"
    elif effect.has_spread and effect.low > 0 and not censored_against:
        status = "contradicted"
    return stats.Verdict(claim, status, effect, "lower", 0.0)


def summary(result: Result, variants=None, confidence: float = 0.95) -> list:
    """Per configuration, the time to target over repeats: min, median and max (a censored repeat counts as
    slower than any reached one, so a median or max that falls on one reads "not reached in T s"), how many
    repeats reached the target, and the paired verdict against its reference (:func:`time_verdict`).

    Returns
    -------
    list of dicts with ``variant``, ``model``, ``factor``, ``repeats``, ``reached``, ``min``, ``median``, ``max``
    (seconds; ``inf`` for a censored order statistic), ``cap``, ``against`` and ``verdict`` (a
    :class:`~vaegan_edu.experiments.stats.Verdict`, or None for a default)

    Taught in: 10_student_questions
    """
    if not isinstance(result, Result):
        raise TypeError(f"`result` must be a vaegan_edu.experiments.Result, e.g. ve.experiments.load('speed'); "
                        f"received {type(result).__name__}.")  # fmt: skip
    rows = []
    for variant in variants or result.variants:
        spec = result.config["variants"][variant]
        cap = result.config["targets"][spec["model"]]["cap_seconds"]
        seconds = result.values(variant, "seconds_to_target")
        times = np.sort([v if math.isfinite(v) else math.inf for v in seconds.values()])
        against = spec["against"]
        verdict = None
        if against is not None:
            verdict = time_verdict(result, variant, against, confidence)
        rows.append({"variant": variant, "model": spec["model"], "factor": spec["factor"], "repeats": len(times),
                     "reached": int(np.sum(np.isfinite(times))), "min": float(times[0]),
                     "median": float(np.median(times)), "max": float(times[-1]), "cap": cap, "against": against,
                     "verdict": verdict})  # fmt: skip
    return rows


def summary_markdown(result: Result, variants=None) -> str:
    """:func:`summary` as a Markdown table: one row per configuration.

    Taught in: 10_student_questions
    """
    lines = ["| configuration | reached | min | median | max | against | verdict (paired; not reached counts at the cap) |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in summary(result, variants):
        v = row["verdict"]
        if v is None:
            verdict = "-"
        elif v.effect.n == 0:
            verdict = f"{v.status}: {v.effect.method}"
        else:
            verdict = f"{v.status}: difference {v.effect.numbers()} s ({v.effect.describe()})"
        cells = [row["variant"], f"{row['reached']}/{row['repeats']}", *(_time_cell(row[k], row["cap"]) for k in
                 ("min", "median", "max")), row["against"] or "-", verdict]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def best_learning_rates(result: Result, model: str = VAE) -> dict:
    """``{optimizer: variant}``: each optimiser's best point of the learning-rate sweep, the one that reached the
    target in the most repeats, then in the least median time. Chosen on the same repeats it is then compared on,
    as every optimiser is (each gets the best of its three rates), which flatters each a little and none more.

    Taught in: 10_student_questions
    """
    out = {}
    rows = {r["variant"]: r for r in summary(result)}
    for variant, spec in result.config["variants"].items():
        if spec["model"] != model or spec["factor"] not in ("optimiser", "default") or spec["backend"] is not None:
            continue
        if spec["batch_size"] != DEFAULTS[model]["batch_size"] or spec["jit_compile"] is not None:
            continue
        if variant not in rows:
            continue
        key = (-rows[variant]["reached"], rows[variant]["median"])
        best = out.get(spec["optimizer"])
        if best is None or key < (-rows[best]["reached"], rows[best]["median"]):
            out[spec["optimizer"]] = variant
    return out


PROTOCOL = register(Protocol(
    name="speed",
    title="What makes training faster: training time to a stated quality, one factor at a time, interleaved repeats",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "num_scored": 1_000,
        "latent_dim": 64,
        "likelihood": "discretized_logistic",
        "targets": {VAE: {"metric": "elbo_bpd", "value": 1.76, "cap_seconds": 120.0, "score_every_seconds": 2.0},
                    GAN: {"metric": "frechet_distance", "value": 50.0, "cap_seconds": 240.0, "score_every_seconds": 4.0}},
        "first_steps": 20,
        "process_timeout_seconds": 1_800.0,
        "variants": VARIANTS,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=default_name(VAE),
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 100},
           "num_scored": 100,
           "targets": {VAE: {"metric": "elbo_bpd", "value": 6.9, "cap_seconds": 0.5, "score_every_seconds": 0.2},
                       GAN: {"metric": "frechet_distance", "value": 50.0, "cap_seconds": 0.5, "score_every_seconds": 0.2}},
           "first_steps": 2, "process_timeout_seconds": 600.0},
    taught_in="10_student_questions",
    saves_variants=True,
))  # fmt: skip

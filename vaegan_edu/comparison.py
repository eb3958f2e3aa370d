r"""VAE against GAN, head to head: the protocol of chapter 07, and the measurements of chapter 08's questions.

The protocol, in the order :func:`run_duel` follows it:

1. **Same data**: one :class:`vaegan_edu.data.Dataset` (the rendered glyph digits by default).
2. **Same parameter budget**: the VAE's decoder is a dense network whose widths are solved for so that it
   has as many parameters as the DCGAN generator of chapter 06, within ``PARAMETER_TOLERANCE`` (10 %)
   (:func:`build_contenders`). The encoder and the discriminator are helpers used only in training and are
   reported, not matched.
3. **Same wall-clock budget**: each model trains for the same number of seconds on the same CPU
   (:func:`train_for`); a fast model takes more steps in that time, a slow one fewer, and the table says
   how many.
4. **Every metric, on the same held-out images**: Fréchet distance, precision and recall on the book's
   digit classifier's features, the KL of the generated class histogram to uniform, the VAE's IWAE
   log-likelihood (a GAN has no density to evaluate), and the time to draw 1,000 samples
   (:func:`evaluate_model`).
5. **Over seeds**, summarised as mean and spread (:func:`summarize`) and rendered as Markdown
   (:func:`summary_markdown`, :func:`decision_guide`).

A time budget makes the number of steps depend on the machine and on its load, so two runs of the same
seed can differ; pass ``steps=`` instead of ``seconds=`` to :func:`train_for` for bit-for-bit repeatable
runs.

Command line (used to time other Keras backends, whose choice is fixed when Keras is imported)::

    KERAS_BACKEND=jax python -m vaegan_edu.comparison speed --model GAN --steps 50 --batch-size 128

Taught in: 07_vae_vs_gan, 08_student_questions
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import time
from functools import lru_cache
from typing import Callable

import numpy as np

PARAMETER_TOLERANCE = 0.10  # decoder and generator may differ by at most 10 % of the larger count
DUEL_VAE_LATENT_DIM = 16  # latent size of the VAE in the duel (the GAN keeps chapter 06's 64)
# Chapter 06 trains its DCGAN for minutes with Adam(2e-4); the duel lasts tens of seconds, and at such budgets
# a larger step trains the GAN much further (chapter 07's stability sweep measures it: lr x10 is "better").
# Both contenders therefore use Adam(1e-3), the VAE's rate, each with the settings that suit the budget.
DUEL_GAN_LEARNING_RATE = 1e-3
SAMPLE_TIMING_COUNT = 1_000  # images drawn when timing sampling
PR_NEIGHBOURS = 3  # k of the improved precision/recall (Kynkäänniemi et al. 2019)
MAX_PR_SAMPLES = 1_000  # precision/recall compare all pairs: O(n^2) memory and time, so cap n
MAX_CHUNK_FRACTION = 0.1  # a training chunk is planned to last at most this fraction of the time budget
MODELS = ("VAE", "GAN")
DATA_ROW = "held-out data"  # the row that scores real training images against the test images: the floor
METRICS = (
    "frechet_distance", "precision", "recall", "class_kl", "log_likelihood", "sample_seconds", "train_seconds",
    "train_steps",
)  # fmt: skip
# Which way is better for each metric (+1: higher, -1: lower), for the decision guide.
_BETTER = {"frechet_distance": -1, "precision": +1, "recall": +1, "class_kl": -1, "log_likelihood": +1,
           "sample_seconds": -1}  # fmt: skip


def _positive_number(name, value, example):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a positive number such as {example}. "
            f"Received: {name}={value!r}."
        )
    return value


def _positive_int(name, value, example):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a positive integer such as {example}. "
            f"Received: {name}={value!r}."
        )
    return int(value)


def _check_images(name, x, image_shape=None):
    x = np.asarray(x, dtype="float32")
    if x.ndim != 4 or (image_shape is not None and tuple(x.shape[1:]) != tuple(image_shape)):
        expected = f"(n, {', '.join(map(str, image_shape))})" if image_shape else "(n, height, width, channels)"
        raise ValueError(
            f"`{name}` must be a batch of images of shape {expected}; received shape {x.shape}. Fix: pass "
            f"`data.x_train` / `data.x_test` of a dataset from `ve.data.load`, or add the channel axis with "
            f"`{name}[..., None]`."
        )
    if len(x) == 0:
        raise ValueError(f"`{name}` is empty; pass at least one image.")
    return x


# --------------------------------------------------------------------------------------------------
# 1. The same parameter budget
# --------------------------------------------------------------------------------------------------


def count_parameters(model) -> int:
    """All parameters of a Keras model (trainable and not, e.g. batch-norm statistics).

    Taught in: 07_vae_vs_gan, 08_student_questions
    """
    return int(model.count_params())


def relative_difference(a: int, b: int) -> float:
    r"""How far apart two parameter counts are, as a fraction of the larger one.

    .. math:: \delta = \frac{|a - b|}{\max(a, b)}

    Taught in: 07_vae_vs_gan
    """
    if a <= 0 or b <= 0:
        raise ValueError(f"Parameter counts must be positive; received {a} and {b}.")
    return abs(a - b) / max(a, b)


def dense_decoder_params(width: int, latent_dim: int, image_shape) -> int:
    r"""Parameters of :func:`vaegan_edu.models.build_decoder` (dense) with ``hidden_units=(w, 2w)``.

    .. math:: N(w) = (L + 1) w + (w + 1)\, 2w + (2w + 1) P, \qquad P = \text{pixels}

    Taught in: 07_vae_vs_gan
    """
    pixels = int(np.prod(image_shape))
    return (latent_dim + 1) * width + (width + 1) * 2 * width + (2 * width + 1) * pixels


def dense_decoder_width(target_params: int, latent_dim: int, image_shape) -> int:
    r"""The width :math:`w` whose dense decoder (hidden layers :math:`w, 2w`) has closest to ``target_params``.

    Solves the quadratic :math:`2w^2 + (L + 3 + 2P) w + P - N = 0` of :func:`dense_decoder_params` and
    rounds to the nearest integer.

    Raises
    ------
    ValueError
        If even a width of 1 has more parameters than ``target_params``.

    Taught in: 07_vae_vs_gan
    """
    pixels = int(np.prod(image_shape))
    a, b, c = 2.0, latent_dim + 3.0 + 2.0 * pixels, pixels - float(target_params)
    if dense_decoder_params(1, latent_dim, image_shape) > target_params:
        raise ValueError(
            f"A dense decoder for images of shape {tuple(image_shape)} has at least "
            f"{dense_decoder_params(1, latent_dim, image_shape)} parameters, more than the target "
            f"{target_params}. Fix: give the generator more parameters (a larger `width`)."
        )
    root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    candidates = {max(1, math.floor(root)), max(1, math.ceil(root))}
    return min(candidates, key=lambda w: abs(dense_decoder_params(w, latent_dim, image_shape) - target_params))


@dataclasses.dataclass(frozen=True, eq=False)
class Contenders:
    """A VAE and a GAN built for the duel (see :func:`build_contenders`), both compiled.

    Attributes
    ----------
    vae : vaegan_edu.models.VAE
    gan : vaegan_edu.models.GAN
    decoder_params, generator_params : int
        The matched budgets (what turns noise into an image).
    encoder_params, discriminator_params : int
        The training-only helpers (reported, not matched).
    """

    vae: object
    gan: object
    decoder_params: int
    generator_params: int
    encoder_params: int
    discriminator_params: int

    @property
    def params_gap(self) -> float:
        """Relative difference of decoder and generator parameter counts."""
        return relative_difference(self.decoder_params, self.generator_params)


def check_parameter_budget(decoder, generator, tolerance: float = PARAMETER_TOLERANCE) -> float:
    """Raise a ValueError unless two networks' parameter counts are within ``tolerance``; return the gap.

    Taught in: 07_vae_vs_gan
    """
    _positive_number("tolerance", tolerance, 0.1)
    n_dec, n_gen = count_parameters(decoder), count_parameters(generator)
    gap = relative_difference(n_dec, n_gen)
    if gap > tolerance:
        raise ValueError(
            f"The decoder has {n_dec:,} parameters and the generator {n_gen:,}: they differ by {gap:.1%}, more "
            f"than the tolerance of {tolerance:.0%}. Fix: size the decoder with `dense_decoder_width` (as "
            f"`build_contenders` does) or change the generator's `width`."
        )
    return gap


def build_contenders(image_shape=(28, 28, 1), seed: int = 0, vae_latent_dim: int = DUEL_VAE_LATENT_DIM,
                     tolerance: float = PARAMETER_TOLERANCE) -> Contenders:  # fmt: skip
    r"""Chapter 06's DCGAN and a VAE whose decoder has the generator's parameter budget (within 10 %).

    .. math:: \frac{|N_\text{decoder} - N_\text{generator}|}{\max(N_\text{decoder}, N_\text{generator})}
              \le \text{tolerance}

    The GAN is :func:`vaegan_edu.training.make_dcgan` (non-saturating loss, β1 = 0.5) with Adam at
    ``DUEL_GAN_LEARNING_RATE`` (1e-3: chapter 06's 2e-4 suits minutes of training, not seconds). The VAE
    has chapter 03's dense encoder and a dense decoder of widths :math:`(w, 2w)` with :math:`w` from
    :func:`dense_decoder_width`, Bernoulli likelihood, compiled with Adam(``VAE_LEARNING_RATE``).

    Parameters
    ----------
    image_shape : (height, width, channels), height and width divisible by 4
    seed : int >= 0
        Seeds the weights (through :func:`vaegan_edu.config.set_seed`) and both models' noise.
    vae_latent_dim : int >= 1
    tolerance : float > 0

    Returns
    -------
    Contenders

    Raises
    ------
    ValueError
        Bad ``image_shape``, ``seed`` or ``vae_latent_dim``, or budgets that cannot be matched.

    Taught in: 07_vae_vs_gan, 08_student_questions
    """
    import keras

    from vaegan_edu import models, weights

    gan = make_gan_variant(tuple(image_shape), seed=seed, learning_rate=DUEL_GAN_LEARNING_RATE)  # seeds too
    target = count_parameters(gan.generator)
    models.blocks.check_latent_dim(vae_latent_dim)
    width = dense_decoder_width(target, vae_latent_dim, image_shape)
    decoder = models.build_decoder(image_shape, vae_latent_dim, "dense", hidden_units=(width, 2 * width))
    vae = models.VAE(image_shape=image_shape, latent_dim=vae_latent_dim, decoder=decoder, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(weights.VAE_LEARNING_RATE))
    check_parameter_budget(vae.decoder, gan.generator, tolerance)
    return Contenders(vae, gan, count_parameters(vae.decoder), target, count_parameters(vae.encoder),
                      count_parameters(gan.discriminator))  # fmt: skip


def pretrained_contenders(tolerance: float = PARAMETER_TOLERANCE):
    """The shipped models of chapters 03 (``vae_glyphs_2d``) and 06 (``dcgan_glyphs``), and their training seconds.

    For readers who do not want to train: both are loaded with checksums in safe mode
    (:func:`vaegan_edu.weights.load_pretrained`). They were *not* trained for the same time: the seconds
    each took come back from the manifest so the table says so.

    Returns
    -------
    (Contenders, dict) : the models, and ``{"VAE": seconds, "GAN": seconds}`` from the manifest

    Raises
    ------
    FileNotFoundError, vaegan_edu.weights.WeightsError
        When a file is missing or damaged (the message says how to rebuild it).

    Taught in: 07_vae_vs_gan
    """
    from vaegan_edu import weights

    names = {"VAE": "vae_glyphs_2d", "GAN": "dcgan_glyphs"}
    vae, gan = (weights.load_pretrained(names[m]) for m in MODELS)
    check_parameter_budget(vae.decoder, gan.generator, tolerance)
    manifest = weights.read_manifest()
    seconds = {m: float(manifest[names[m]]["train_seconds"]) for m in MODELS}
    contenders = Contenders(vae, gan, count_parameters(vae.decoder), count_parameters(gan.generator),
                            count_parameters(vae.encoder), count_parameters(gan.discriminator))  # fmt: skip
    return contenders, seconds


# --------------------------------------------------------------------------------------------------
# 2. The same wall-clock budget
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    """What :func:`train_for` did.

    Attributes
    ----------
    steps : int
        Optimisation steps taken (generator steps for a GAN).
    seconds : float
        Wall-clock seconds spent inside ``fit``, first-call tracing included.
    budget_seconds : float or None
        The time budget (None when a step count was given).
    chunk_ends : tuple of float
        Elapsed seconds at the end of each chunk of steps; training stops at the first chunk end that
        reaches the budget.
    """

    steps: int
    seconds: float
    budget_seconds: float | None
    chunk_ends: tuple

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")


def _batches(num_examples, batch_size, rng):
    """Endless minibatch indices: freshly shuffled passes over the data, each cut into whole batches."""
    per_pass = num_examples // batch_size
    while True:
        order = rng.permutation(num_examples)
        for i in range(per_pass):
            yield order[i * batch_size:(i + 1) * batch_size]


def train_for(model, x, seconds: float | None = None, steps: int | None = None, batch_size: int = 128,
              seed: int = 0, max_chunk_steps: int = 200, first_chunk_steps: int = 10,
              clock: Callable[[], float] = time.perf_counter, on_chunk=None) -> TrainingRun:  # fmt: skip
    r"""Train a compiled model with ``fit`` for a wall-clock budget (``seconds``) or a number of ``steps``.

    Training runs in chunks, one ``fit`` call each on freshly shuffled minibatches (seeded). With a time
    budget :math:`T`, each chunk is sized from the time per step :math:`\tau` measured so far so that it
    ends near the budget:

    .. math:: n_\text{next} = \mathrm{clip}\Big(\min\big(\mathrm{round}((T - t)/\tau),
              \lfloor T / (10\tau) \rfloor\big),\ 1,\ \text{max\_chunk\_steps}\Big)

    and training stops at the first chunk end where :math:`t \ge T`: every budget is used in full, and
    overshot by less than the last chunk. No chunk is planned longer than a tenth of the budget, so a
    machine that slows down mid-chunk (another job starts) overshoots the budget by little. The clock runs
    only inside ``fit`` (tracing and compilation of the first call included: they are part of what
    training costs). With a time budget, chunks are rounded up to multiples of the model's
    ``steps_per_execution``; with ``steps``, exactly that many steps are taken.

    Parameters
    ----------
    model : compiled keras.Model whose ``fit(x)`` takes unlabeled images (a VAE or an unconditional GAN)
    x : array of shape (n, height, width, channels), n >= batch_size
    seconds : float > 0 or None
    steps : int >= 1 or None
        Exactly one of ``seconds`` and ``steps``.
    batch_size, max_chunk_steps, first_chunk_steps : int >= 1
    seed : int
        Seed of the data order.
    clock : callable returning seconds
    on_chunk : callable(TrainingRun) or None
        Called after every chunk (e.g. to refresh a progress line).

    Returns
    -------
    TrainingRun

    Raises
    ------
    ValueError
        Both or neither of ``seconds``/``steps``, non-positive sizes, or fewer images than one batch.

    Taught in: 07_vae_vs_gan, 08_student_questions
    """
    if (seconds is None) == (steps is None):
        raise ValueError(
            f"Pass exactly one of `seconds` (a wall-clock budget such as 30.0) and `steps` (a step count such "
            f"as 500); received seconds={seconds!r}, steps={steps!r}."
        )
    if seconds is not None:
        _positive_number("seconds", seconds, 30.0)
    else:
        steps = _positive_int("steps", steps, 500)
    batch_size = _positive_int("batch_size", batch_size, 128)
    max_chunk_steps = _positive_int("max_chunk_steps", max_chunk_steps, 200)
    first_chunk_steps = _positive_int("first_chunk_steps", first_chunk_steps, 10)
    x = _check_images("x", x)
    if len(x) < batch_size:
        raise ValueError(f"`x` has {len(x)} images, fewer than batch_size={batch_size}. Fix: lower batch_size.")
    granularity = int(getattr(model, "steps_per_execution", 1) or 1)
    batches = _batches(len(x), batch_size, np.random.default_rng(seed))
    done, elapsed, chunk_ends, step_time = 0, 0.0, [], None
    while True:
        if steps is not None:
            n = min(max_chunk_steps, steps - done)
        else:
            remaining = seconds - elapsed
            if remaining <= 0:
                break
            if step_time is None:
                n = first_chunk_steps
            else:
                n = min(round(remaining / step_time), math.floor(MAX_CHUNK_FRACTION * seconds / step_time))
            n = int(np.clip(n, 1, max_chunk_steps))
        if n <= 0:
            break
        if seconds is not None:  # whole executions, so a chunk never needs a partial one
            n = -(-n // granularity) * granularity
        idx = np.concatenate([next(batches) for _ in range(n)])
        start = clock()
        model.fit(x[idx], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        spent = clock() - start
        elapsed += spent
        done += n
        step_time = spent / n
        chunk_ends.append(elapsed)
        run = TrainingRun(done, elapsed, seconds, tuple(chunk_ends))
        if on_chunk is not None:
            on_chunk(run)
    return TrainingRun(done, elapsed, seconds, tuple(chunk_ends))


# --------------------------------------------------------------------------------------------------
# 3. Sampling and its speed
# --------------------------------------------------------------------------------------------------


def draw_samples(model, num_samples: int, seed: int = 0) -> np.ndarray:
    """Images from a VAE (its decoder's mean image at :math:`z \\sim N(0, I)`) or from a GAN's generator.

    Both draw their latent codes from a NumPy generator seeded with ``seed``, so the same seed gives the
    same images.

    Returns
    -------
    float32 array (num_samples, height, width, channels) in [0, 1]

    Taught in: 07_vae_vs_gan, 08_student_questions
    """
    import keras

    num_samples = _positive_int("num_samples", num_samples, 1000)
    z = np.random.default_rng(seed).standard_normal((num_samples, model_latent_dim(model))).astype("float32")
    if hasattr(model, "decode"):
        return model.decode(z)
    # Direct calls of the generator (not ``predict``): the duel builds many models in a loop, and a
    # ``predict`` function traced per model makes TensorFlow warn about retracing.
    return np.concatenate([keras.ops.convert_to_numpy(model.generator(z[i:i + 1000], training=False))
                           for i in range(0, num_samples, 1000)]).astype("float32")  # fmt: skip


def model_latent_dim(model) -> int:
    """The latent size of a VAE or GAN of the book."""
    if not hasattr(model, "latent_dim"):
        raise TypeError(
            f"Expected a vaegan_edu.models.VAE or GAN (a model with `latent_dim`); received {type(model).__name__}."
        )
    return int(model.latent_dim)


def sampling_network(model):
    """The network that turns noise into an image: a VAE's decoder, a GAN's generator."""
    model_latent_dim(model)
    return model.decoder if hasattr(model, "decode") else model.generator


def sample_seconds(model, num_samples: int = SAMPLE_TIMING_COUNT, repeats: int = 3, seed: int = 0,
                   clock: Callable[[], float] = time.perf_counter) -> float:  # fmt: skip
    """Median wall-clock seconds for the sampling network to turn ``num_samples`` latent codes into images.

    Both models are timed the same way: one call of the network on the whole batch (plus the sigmoid
    for the VAE's logits), after one warm-up call that is not counted.

    Taught in: 07_vae_vs_gan
    """
    import keras

    num_samples = _positive_int("num_samples", num_samples, 1000)
    repeats = _positive_int("repeats", repeats, 3)
    network = sampling_network(model)
    z = np.random.default_rng(seed).standard_normal((num_samples, model_latent_dim(model))).astype("float32")
    is_vae = hasattr(model, "decode")

    def once():
        out = network(z, training=False)
        return keras.ops.convert_to_numpy(keras.ops.sigmoid(out) if is_vae else out)

    once()  # warm-up: first-call overheads are not sampling
    times = []
    for _ in range(repeats):
        start = clock()
        once()
        times.append(clock() - start)
    return float(np.median(times))


# --------------------------------------------------------------------------------------------------
# 4. Every metric on the same held-out images
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _classifier_heads():
    """One model giving the digit classifier's features and logits in one pass (built once)."""
    import keras

    from vaegan_edu import metrics

    classifier = metrics.digit_classifier()
    return keras.Model(classifier.input, [classifier.get_layer("features").output, classifier.output])


def digit_features_and_classes(images, batch_size: int = 1000):
    """The book's digit classifier's features (for FD, precision/recall) and predicted digits, in one pass.

    Same numbers as :func:`vaegan_edu.metrics.digit_features` and ``classify_digits(...).argmax(1)``, but
    the two heads share one forward pass of a network built once (the duel evaluates many sample sets).

    Returns
    -------
    (features, labels) : float64 (n, feature_dim) and int64 (n,)

    Taught in: 07_vae_vs_gan
    """
    import keras

    heads = _classifier_heads()
    x = _check_images("images", images, heads.input_shape[1:])
    feats, labels = [], []
    for start in range(0, len(x), batch_size):
        f, logits = heads(x[start:start + batch_size], training=False)
        feats.append(keras.ops.convert_to_numpy(f).astype("float64"))
        labels.append(keras.ops.convert_to_numpy(logits).argmax(axis=1))
    return np.concatenate(feats), np.concatenate(labels).astype("int64")


@dataclasses.dataclass(frozen=True, eq=False)
class Reference:
    """The held-out images every model is scored against, with their features computed once.

    Build it with :func:`make_reference`.
    """

    x_test: np.ndarray
    features: np.ndarray
    labels: np.ndarray


def make_reference(x_test, num_samples: int | None = None) -> Reference:
    """The first ``num_samples`` test images and their classifier features and predicted digits.

    Taught in: 07_vae_vs_gan, 08_student_questions
    """
    x_test = _check_images("x_test", x_test)
    if num_samples is not None:
        x_test = x_test[: _positive_int("num_samples", num_samples, 2000)]
    features, labels = digit_features_and_classes(x_test)
    return Reference(x_test, features, labels)


def evaluate_samples(samples, reference: Reference, k: int = PR_NEIGHBOURS) -> dict:
    r"""Sample-quality metrics of generated images against held-out ones.

    * ``frechet_distance``: :math:`\lVert\mu_r-\mu_g\rVert^2+\mathrm{tr}(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2})`
      on the digit classifier's features (:func:`vaegan_edu.metrics.frechet_distance`; not an Inception FID);
    * ``precision``, ``recall``: improved precision and recall with ``k`` neighbours
      (:func:`vaegan_edu.metrics.precision_recall`) on at most ``MAX_PR_SAMPLES`` images of each set;
    * ``class_kl``: :math:`\mathrm{KL}(h\,\|\,u)` of the histogram of predicted digits to uniform
      (:func:`vaegan_edu.metrics.kl_to_uniform`), 0 when every digit is as frequent, :math:`\log 10` at collapse.

    Returns
    -------
    dict of floats, plus ``histogram`` (array of 10 class frequencies)

    Taught in: 07_vae_vs_gan
    """
    from vaegan_edu import metrics

    features, labels = digit_features_and_classes(samples)
    n_pr = min(MAX_PR_SAMPLES, len(features), len(reference.features))
    precision, recall = metrics.precision_recall(reference.features[:n_pr], features[:n_pr], k=k)
    histogram = metrics.class_histogram(labels, num_classes=10)
    return {
        "frechet_distance": metrics.frechet_distance(reference.features, features),
        "precision": precision,
        "recall": recall,
        "class_kl": metrics.kl_to_uniform(histogram),
        "histogram": histogram,
    }


def evaluate_model(name: str, model, reference: Reference, num_samples: int, run: TrainingRun | None = None,
                   seed: int = 0, log_likelihood_images: int = 500, iwae_k: int = 1000) -> dict:  # fmt: skip
    r"""One row of the duel's table: every metric of one trained model.

    The log-likelihood is the VAE's IWAE estimate :math:`\mathcal L_K` (Burda et al., arXiv:1509.00519) on
    the first ``log_likelihood_images`` reference images, in nats per image (a lower bound on
    :math:`\log p(x)` that tightens as K grows). For a GAN it is NaN: its generator puts all its
    probability on a surface of at most ``latent_dim`` dimensions inside the space of images, so
    :math:`p_G(x)` is not a density that can be evaluated (and there is no encoder to importance-sample with).

    Returns
    -------
    dict with ``model``, ``seed``, parameters, ``train_seconds``, ``train_steps`` and the metrics of
    :func:`evaluate_samples`, ``log_likelihood`` and ``sample_seconds``

    Taught in: 07_vae_vs_gan
    """
    from vaegan_edu import metrics

    samples = draw_samples(model, num_samples, seed=seed + 10_000)  # noise apart from the training noise
    row = {"model": name, "seed": seed, "params": count_parameters(sampling_network(model))}
    row["train_seconds"] = float(run.seconds) if run else float("nan")
    row["train_steps"] = int(run.steps) if run else 0
    row.update(evaluate_samples(samples, reference))
    if hasattr(model, "decode"):
        ll = metrics.iwae_log_likelihood(model, reference.x_test[:log_likelihood_images], k=iwae_k, seed=seed)
        row["log_likelihood"] = float(np.mean(ll))
    else:
        row["log_likelihood"] = float("nan")
    row["sample_seconds"] = sample_seconds(model, seed=seed)
    return row


def evaluate_data(x_train, reference: Reference, num_samples: int) -> dict:
    """The floor of the table: held-out *training* images scored like samples (what a perfect model gets).

    Finite samples make the Fréchet distance of two sets of real images positive, and precision and
    recall below 1: numbers near these are as good as the metrics can tell.

    Taught in: 07_vae_vs_gan
    """
    x_train = _check_images("x_train", x_train)
    row = {"model": DATA_ROW, "seed": 0, "params": 0, "train_seconds": float("nan"), "train_steps": 0}
    row.update(evaluate_samples(x_train[:num_samples], reference))
    row["log_likelihood"] = row["sample_seconds"] = float("nan")
    return row


@dataclasses.dataclass(frozen=True, eq=False)
class DuelResult:
    """What :func:`run_duel` returns: ``rows`` (one dict per model and seed, plus the data floor),
    ``contenders`` (the models of the last seed) and ``runs`` (``{(model, seed): TrainingRun}``)."""

    rows: list
    contenders: Contenders
    runs: dict


def run_duel(data, seeds, seconds: float, num_samples: int, batch_size: int = 128, iwae_k: int = 1000,
             reference: Reference | None = None, on_progress=None) -> DuelResult:  # fmt: skip
    """The head-to-head protocol: for each seed build both contenders, train each for ``seconds``, evaluate.

    Parameters
    ----------
    data : vaegan_edu.data.Dataset with 28x28 (or 32x32) single-channel images
    seeds : sequence of int
    seconds : float > 0
        Wall-clock training budget per model and seed.
    num_samples : int >= 1
        Generated images per evaluation (and reference images, when ``reference`` is None).
    batch_size : int
    iwae_k : int
        Importance samples of the VAE's log-likelihood.
    reference : Reference or None
    on_progress : callable(str) or None
        Receives a one-line status after every training chunk and evaluation.

    Returns
    -------
    DuelResult

    Raises
    ------
    ValueError
        Empty ``seeds`` or a bad budget (and everything :func:`build_contenders` and :func:`train_for` raise).

    Taught in: 07_vae_vs_gan
    """
    from vaegan_edu.config import check_seed

    seeds = [check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("`seeds` is empty; pass at least one seed, e.g. range(cfg.num_seeds).")
    _positive_number("seconds", seconds, 30.0)
    num_samples = _positive_int("num_samples", num_samples, 2000)
    reference = reference or make_reference(data.x_test, num_samples)
    say = on_progress or (lambda text: None)
    rows, runs, contenders = [], {}, None
    for seed in seeds:
        contenders = build_contenders(data.image_shape, seed=seed)
        for name, model in zip(MODELS, (contenders.vae, contenders.gan)):
            def report(run, name=name, seed=seed):
                say(f"seed {seed}: training the {name}: {run.seconds:5.1f} / {seconds:.0f} s, {run.steps} steps")

            run = train_for(model, data.x_train, seconds=seconds, batch_size=batch_size, seed=seed,
                            on_chunk=report)  # fmt: skip
            runs[(name, seed)] = run
            say(f"seed {seed}: evaluating the {name} ...")
            rows.append(evaluate_model(name, model, reference, num_samples, run, seed=seed, iwae_k=iwae_k))
    rows.append(evaluate_data(data.x_train, reference, num_samples))
    say(f"done: {len(seeds)} seed(s) x {len(MODELS)} models, {seconds:.0f} s of training each")
    return DuelResult(rows, contenders, runs)


def pretrained_duel(data, reference: Reference, num_samples: int, iwae_k: int = 1000) -> DuelResult:
    """Score the shipped models of chapters 03 and 06 (:func:`pretrained_contenders`) without training.

    The rows carry each model's training seconds from the weights manifest (not an equal budget) and
    ``train_steps`` 0 (unknown here); ``runs`` is empty.

    Taught in: 07_vae_vs_gan
    """
    contenders, seconds = pretrained_contenders()
    rows = []
    for name, model in zip(MODELS, (contenders.vae, contenders.gan)):
        row = evaluate_model(name, model, reference, num_samples, iwae_k=iwae_k)
        rows.append({**row, "train_seconds": seconds[name]})
    rows.append(evaluate_data(data.x_train, reference, num_samples))
    return DuelResult(rows, contenders, {})


# --------------------------------------------------------------------------------------------------
# 5. Tables: summary over seeds, Markdown, decision guide
# --------------------------------------------------------------------------------------------------


def summarize(rows) -> list:
    """Mean and spread over seeds of every metric, one dict per model in the order the rows name them.

    Each metric ``m`` gives ``m`` (mean over seeds) and ``m_std`` (sample standard deviation, ddof = 1;
    NaN with one seed); ``num_seeds`` counts the rows. NaN metrics (a GAN's log-likelihood) stay NaN.

    Raises
    ------
    ValueError
        For an empty list or rows without a ``model`` key.

    Taught in: 07_vae_vs_gan
    """
    if not rows or any("model" not in r for r in rows):
        raise ValueError("`rows` must be a non-empty list of dicts with a 'model' key, e.g. DuelResult.rows.")
    names = list(dict.fromkeys(r["model"] for r in rows))
    summary = []
    for name in names:
        group = [r for r in rows if r["model"] == name]
        entry = {"model": name, "num_seeds": len(group), "params": group[0].get("params", 0)}
        for metric in METRICS:
            values = np.array([r.get(metric, np.nan) for r in group], dtype="float64")
            entry[metric] = float(np.mean(values))
            entry[f"{metric}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
        summary.append(entry)
    return summary


def _cell(mean, std, fmt):
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:{fmt}}" + (f" ± {std:{fmt}}" if np.isfinite(std) else "")


def summary_markdown(summary) -> str:
    """The headline table as Markdown: one row per model, mean ± standard deviation over seeds.

    Taught in: 07_vae_vs_gan
    """
    header = ("| model | generator / decoder parameters | training (s) | steps | Fréchet distance ↓ | precision ↑ "
              "| recall ↑ | class KL ↓ | log p(x), nats ↑ | sample 1,000 (ms) ↓ |")  # fmt: skip
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for s in summary:
        lines.append("| " + " | ".join([
            f"{s['model']}" + (f" ({s['num_seeds']} seeds)" if s["num_seeds"] > 1 else ""),
            f"{s['params']:,}" if s["params"] else "–",
            _cell(s["train_seconds"], s["train_seconds_std"], ".1f"),
            _cell(s["train_steps"], s["train_steps_std"], ".0f") if s["train_steps"] else "–",
            _cell(s["frechet_distance"], s["frechet_distance_std"], ".2f"),
            _cell(s["precision"], s["precision_std"], ".2f"),
            _cell(s["recall"], s["recall_std"], ".2f"),
            _cell(s["class_kl"], s["class_kl_std"], ".3f"),
            _cell(s["log_likelihood"], s["log_likelihood_std"], ".1f"),
            _cell(1000 * s["sample_seconds"], 1000 * s["sample_seconds_std"], ".1f"),
        ]) + " |")  # fmt: skip
    return "\n".join(lines)


def compare_metric(summary, metric: str) -> dict:
    r"""Which of the VAE and the GAN is better on ``metric``, and whether the gap exceeds the seed spread.

    The gap counts as *clear* when :math:`|\bar m_\text{VAE} - \bar m_\text{GAN}| > s_\text{VAE} + s_\text{GAN}`
    (the two standard deviations over seeds); with one seed no spread is known and every gap counts as
    clear (say so when you report it).

    Returns
    -------
    dict with ``winner`` ("VAE", "GAN", or None when only one model has the metric), ``clear`` (bool),
    ``vae``, ``gan`` (means)

    Taught in: 07_vae_vs_gan
    """
    if metric not in _BETTER:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {sorted(_BETTER)}.")
    by_model = {s["model"]: s for s in summary}
    missing = [m for m in MODELS if m not in by_model]
    if missing:
        raise ValueError(f"`summary` has no row for {missing}; pass summarize(result.rows) of a duel.")
    vae, gan = by_model["VAE"][metric], by_model["GAN"][metric]
    if not (np.isfinite(vae) and np.isfinite(gan)):
        winner = "VAE" if np.isfinite(vae) else ("GAN" if np.isfinite(gan) else None)
        return {"winner": winner, "clear": winner is not None, "vae": vae, "gan": gan}
    spread = np.nan_to_num(by_model["VAE"][f"{metric}_std"]) + np.nan_to_num(by_model["GAN"][f"{metric}_std"])
    winner = "VAE" if _BETTER[metric] * (vae - gan) > 0 else "GAN"
    return {"winner": winner, "clear": bool(abs(vae - gan) > spread), "vae": vae, "gan": gan}


_GUIDE = (  # (need, metric or None, how the metric answers it)
    ("Score how likely an image is (outlier detection, compression, model comparison)", "log_likelihood",
     "only the VAE has a log-likelihood to report"),
    ("Samples whose statistics match the data best overall", "frechet_distance", "lower Fréchet distance"),
    ("Each sample looks like a real digit (quality)", "precision", "higher precision"),
    ("Cover the whole variety of the data (diversity)", "recall", "higher recall"),
    ("Every class as often as in the data (no dropped modes)", "class_kl", "lower class KL"),
    ("Draw many samples fast", "sample_seconds", "less time for 1,000 samples"),
)  # fmt: skip


def decision_guide(summary) -> list:
    """When to choose which model, read off the measured summary: one dict per need.

    Each entry has ``need``, ``choose`` ("VAE", "GAN" or "either (within the seed spread)") and
    ``evidence`` (the two numbers and the rule). Two needs are structural rather than measured and are
    marked so: an encoder for existing images (the VAE has one; a GAN must be inverted by optimisation),
    and training stability (compare the seed spreads in the table, and the stability experiment).

    Taught in: 07_vae_vs_gan
    """
    guide = []
    for need, metric, rule in _GUIDE:
        verdict = compare_metric(summary, metric)
        choose = verdict["winner"] if verdict["clear"] else "either (within the seed spread)"
        scale = 1000.0 if metric == "sample_seconds" else 1.0
        unit = " ms" if metric == "sample_seconds" else ""
        numbers = ", ".join(
            f"{m} {v * scale:.3g}{unit}" if np.isfinite(v) else f"{m} n/a"
            for m, v in (("VAE", verdict["vae"]), ("GAN", verdict["gan"]))
        )
        guide.append({"need": need, "choose": choose, "evidence": f"{rule}: {numbers}"})
    guide.append({"need": "Map an existing image to a latent code (editing, retrieval)", "choose": "VAE",
                  "evidence": "structural: the VAE trains an encoder q(z|x); a GAN has none"})  # fmt: skip
    return guide


def guide_markdown(guide) -> str:
    """A decision guide from :func:`decision_guide` as a Markdown table.

    Taught in: 07_vae_vs_gan
    """
    lines = ["| you need | choose | measured evidence |", "|---|---|---|"]
    lines += [f"| {g['need']} | **{g['choose']}** | {g['evidence']} |" for g in guide]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# 6. Memorisation: nearest training images
# --------------------------------------------------------------------------------------------------


def nearest_training_images(samples, x_train):
    r"""For each sample, its nearest training image in pixel space and the Euclidean distance to it.

    .. math:: j^*(i) = \arg\min_j \lVert s_i - x_j \rVert_2, \qquad d_i = \lVert s_i - x_{j^*(i)} \rVert_2

    A model that memorises produces samples at distance near 0 from some training image. To judge a
    distance, compare with held-out *test* images, which no model has seen: their distances to the
    training set are what "new but typical" looks like.

    Parameters
    ----------
    samples : array (n, height, width, channels)
    x_train : array (m, height, width, channels), same image shape

    Returns
    -------
    (indices, distances) : int64 (n,) and float64 (n,)

    Taught in: 07_vae_vs_gan
    """
    from sklearn.neighbors import NearestNeighbors

    x_train = _check_images("x_train", x_train)
    samples = _check_images("samples", samples, x_train.shape[1:])
    search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(x_train.reshape(len(x_train), -1))
    distances, indices = search.kneighbors(samples.reshape(len(samples), -1))
    return indices[:, 0].astype("int64"), distances[:, 0].astype("float64")


# --------------------------------------------------------------------------------------------------
# 7. Chapter 08's measurements: speed and stability
# --------------------------------------------------------------------------------------------------


def steps_per_second(model, x, batch_size: int = 128, steps: int = 50, warmup_steps: int = 5, seed: int = 0,
                     clock: Callable[[], float] = time.perf_counter) -> float:  # fmt: skip
    """Training steps per second of a compiled model, after a warm-up ``fit`` that traces and compiles.

    Taught in: 08_student_questions
    """
    train_for(model, x, steps=_positive_int("warmup_steps", warmup_steps, 5), batch_size=batch_size, seed=seed,
              clock=clock)  # fmt: skip
    run = train_for(model, x, steps=_positive_int("steps", steps, 50), batch_size=batch_size, seed=seed + 1,
                    max_chunk_steps=steps, clock=clock)  # fmt: skip
    return run.steps_per_second


BACKENDS = ("tensorflow", "jax", "torch")


def backend_steps_per_second(backend: str, steps: int = 50, batch_size: int = 128, num_train: int = 2_000,
                             timeout: float = 300.0, model: str = "VAE") -> dict:  # fmt: skip
    """Time the duel's VAE (or GAN) training on another Keras backend, in a fresh Python process.

    The backend is fixed when Keras is first imported, so each backend needs its own process: this runs
    ``python -m vaegan_edu.comparison speed`` with ``KERAS_BACKEND`` set and reads the JSON line it prints.

    Returns
    -------
    dict with ``backend``, ``model``, ``steps_per_second`` (NaN when the backend could not run) and ``error``
    (None, or the last line of the process's error output, e.g. when PyTorch is not installed)

    Raises
    ------
    ValueError
        For an unknown backend or model name.

    Taught in: 08_student_questions
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown Keras backend {backend!r}; choose one of {BACKENDS}.")
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {MODELS}.")
    command = [sys.executable, "-m", "vaegan_edu.comparison", "speed", "--steps", str(int(steps)),
               "--batch-size", str(int(batch_size)), "--num-train", str(int(num_train)), "--model", model]  # fmt: skip
    env = dict(os.environ, KERAS_BACKEND=backend)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "model": model, "steps_per_second": float("nan"),
                "error": f"timed out after {timeout:.0f} s"}  # fmt: skip
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"backend": backend, "model": model, "steps_per_second": float("nan"), "error": tail}
    return {**json.loads(lines[-1]), "error": None}


def make_gan_variant(image_shape=(28, 28, 1), seed: int = 0, loss: str = "non_saturating",
                     learning_rate: float | None = None, spectral_norm: bool = False):  # fmt: skip
    """Chapter 06's DCGAN with one stability knob changed: the loss, the learning rate or spectral norm.

    ``learning_rate`` None keeps the DCGAN default (2e-4) for both networks.

    Taught in: 08_student_questions
    """
    from vaegan_edu import config, training

    lr = training.DCGAN_LEARNING_RATE if learning_rate is None else _positive_number("learning_rate", learning_rate, 2e-4)
    config.set_seed(seed)
    return training.make_dcgan(tuple(image_shape), loss=loss, seed=seed, learning_rate=lr,
                               spectral_norm=bool(spectral_norm))  # fmt: skip


def stability_sweep(data, variants: dict, seeds, steps: int, num_samples: int, batch_size: int = 128,
                    reference: Reference | None = None, on_progress=None) -> list:  # fmt: skip
    """Train each GAN variant from each seed for the same number of steps and score it: rows of a table.

    ``variants`` maps a name to keyword arguments of :func:`make_gan_variant` (``loss``,
    ``learning_rate``, ``spectral_norm``). A step count (not a time budget) keeps the variants comparable:
    spectral normalisation makes each step slower, and stability is about what the updates do.

    Returns
    -------
    list of dicts with ``model`` (the variant's name), ``seed``, ``frechet_distance``, ``precision``,
    ``recall``, ``class_kl`` and ``train_seconds``; a run whose samples are not finite gets NaN metrics and
    ``diverged = True``

    Taught in: 08_student_questions
    """
    if not variants:
        raise ValueError("`variants` is empty; pass e.g. {'baseline': {}, 'spectral norm': {'spectral_norm': True}}.")
    reference = reference or make_reference(data.x_test, num_samples)
    say = on_progress or (lambda text: None)
    rows = []
    for name, kwargs in variants.items():
        for seed in seeds:
            say(f"{name}, seed {seed} ...")
            gan = make_gan_variant(data.image_shape, seed=seed, **kwargs)
            run = train_for(gan, data.x_train, steps=steps, batch_size=batch_size, seed=seed)
            samples = draw_samples(gan, num_samples, seed=seed + 10_000)
            row = {"model": name, "seed": seed, "train_seconds": run.seconds, "train_steps": run.steps}
            if np.all(np.isfinite(samples)):
                row.update(evaluate_samples(samples, reference), diverged=False)
            else:
                row.update({m: float("nan") for m in ("frechet_distance", "precision", "recall", "class_kl")},
                           diverged=True)  # fmt: skip
            rows.append(row)
    say(f"done: {len(variants)} variants x {len(list(seeds))} seeds, {steps} steps each")
    return rows


def stability_markdown(rows) -> str:
    """A stability sweep as Markdown: per variant, mean ± spread over seeds, and the worst seed's FD.

    Taught in: 08_student_questions
    """
    lines = ["| variant | seeds | Fréchet distance ↓ | worst seed's FD | recall ↑ | class KL ↓ | diverged |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in summarize(rows):
        group = [r for r in rows if r["model"] == s["model"]]
        fds = np.array([r["frechet_distance"] for r in group], dtype="float64")
        worst = f"{np.nanmax(fds):.2f}" if np.any(np.isfinite(fds)) else "n/a"
        lines.append(
            f"| {s['model']} | {s['num_seeds']} | {_cell(s['frechet_distance'], s['frechet_distance_std'], '.2f')} "
            f"| {worst} | {_cell(s['recall'], s['recall_std'], '.2f')} "
            f"| {_cell(s['class_kl'], s['class_kl_std'], '.3f')} | {sum(r.get('diverged', False) for r in group)} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def _speed_main(args) -> dict:
    """Steps per second of the duel's VAE or GAN on glyph digits, on whatever backend Keras was started with."""
    import keras

    from vaegan_edu import data

    ds = data.load("glyphs", seed=0, num_train=args.num_train, num_test=100)
    contenders = build_contenders(ds.image_shape, seed=0)
    model = contenders.vae if args.model == "VAE" else contenders.gan
    rate = steps_per_second(model, ds.x_train, batch_size=args.batch_size, steps=args.steps)
    return {"backend": keras.backend.backend(), "model": args.model, "steps_per_second": rate,
            "batch_size": args.batch_size}  # fmt: skip


def main(argv=None) -> int:
    """``python -m vaegan_edu.comparison speed [--model VAE|GAN] [--steps N] [--batch-size B] [--num-train M]``:
    one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.comparison", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("speed", help="time the duel's VAE or GAN training on the current KERAS_BACKEND")
    speed.add_argument("--model", choices=MODELS, default="VAE")
    speed.add_argument("--steps", type=int, default=50)
    speed.add_argument("--batch-size", type=int, default=128)
    speed.add_argument("--num-train", type=int, default=2_000)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(_speed_main(args)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

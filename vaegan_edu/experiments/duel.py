r"""VAE against GAN, head to head: chapter 07's protocol ("duel"), its parts, and its tables.

The protocol, in the order :func:`run_duel` follows it:

1. **Same data**: one :class:`vaegan_edu.data.Dataset` (the rendered glyph digits by default).
2. **Same parameter budget**: the VAE's decoder is a dense network whose widths are solved for so that it
   has as many parameters as the DCGAN generator of chapter 06, within ``PARAMETER_TOLERANCE`` (10 %)
   (:func:`build_contenders`). The encoder and the discriminator are helpers used only in training and are
   reported, not matched.
3. **Same wall-clock budget**: each model trains for the same number of seconds on the same CPU
   (:func:`vaegan_edu.training.train_for`); a fast model takes more steps in that time, a slow one fewer,
   and the table says how many.
4. **Every metric, on the same held-out images**: Fréchet distance, precision and recall on the book's
   digit classifier's features, the KL of the generated class histogram to uniform, the VAE's IWAE
   log-likelihood (a GAN has no density to evaluate), and the time to draw 1,000 samples
   (:func:`evaluate_model`).
5. **Over seeds**: the registered protocol ``duel`` (:data:`PROTOCOL`) runs one seed per call of
   :func:`run_seed`; the shipped results (``data/experiments/duel.json``) give means with confidence
   intervals, and :func:`decision_guide` turns paired verdicts into advice.

A time budget makes the number of steps depend on the machine and on its load, so two runs of the same
seed can differ; the shipped results record the machine they ran on.

Taught in: 07_vae_vs_gan, 08_student_questions
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from vaegan_edu import models
from vaegan_edu.experiments import stats
from vaegan_edu.experiments.protocol import Protocol, load_dataset, metric_table, register
from vaegan_edu.experiments.results import metric_label
from vaegan_edu.metrics import (
    Reference, draw_samples, evaluate_samples, iwae_log_likelihood, make_reference, sample_seconds, sampling_network,
)  # fmt: skip
from vaegan_edu.training import TrainingRun, train_for
from vaegan_edu.validation import (
    check_callable, check_image_batch, check_int_tuple, check_positive_int, check_positive_number, check_seed_list,
)  # fmt: skip

PARAMETER_TOLERANCE = 0.10  # decoder and generator may differ by at most 10 % of the larger count

DUEL_VAE_LATENT_DIM = 16  # latent size of the VAE in the duel (the GAN keeps chapter 06's 64)

DUEL_GAN_LEARNING_RATE = 1e-3

MODELS = ("VAE", "GAN")

DATA_ROW = "held-out data"  # the row that scores real training images against the test images: the floor

METRICS = (
    "frechet_distance", "precision", "recall", "class_kl", "log_likelihood", "sample_seconds", "train_seconds",
    "train_steps",
)  # fmt: skip

_BETTER = {"frechet_distance": -1, "precision": +1, "recall": +1, "class_kl": -1, "log_likelihood": +1,
           "sample_seconds": -1}  # fmt: skip


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
    check_positive_number("tolerance", tolerance, 0.1)
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

    The GAN is :func:`vaegan_edu.models.make_dcgan` (non-saturating loss, β1 = 0.5) with Adam at
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
    from vaegan_edu import weights

    image_shape = check_int_tuple("image_shape", image_shape, (28, 28, 1), length=3)
    gan = models.make_gan_variant(tuple(image_shape), seed=seed, learning_rate=DUEL_GAN_LEARNING_RATE)  # seeds too
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
    samples = draw_samples(model, num_samples, seed=seed + 10_000)  # noise apart from the training noise
    row = {"model": name, "seed": seed, "params": count_parameters(sampling_network(model))}
    row["train_seconds"] = float(run.seconds) if run else float("nan")
    row["train_steps"] = int(run.steps) if run else 0
    row.update(evaluate_samples(samples, reference))
    if hasattr(model, "decode"):
        ll = iwae_log_likelihood(model, reference.x_test[:log_likelihood_images], k=iwae_k, seed=seed)
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
    x_train = check_image_batch("x_train", x_train)
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
        Empty ``seeds`` or a bad budget, batch size or ``iwae_k`` (and everything :func:`build_contenders` and
        :func:`train_for` raise).
    TypeError
        ``seeds`` a single integer (pass ``range(3)`` or ``[3]``), or ``data`` not a Dataset.

    Taught in: 07_vae_vs_gan
    """
    if not all(hasattr(data, a) for a in ("x_train", "x_test", "image_shape")):
        raise TypeError(f"`data` must be a vaegan_edu.data.Dataset (with x_train, x_test and image_shape); received "
                        f"{type(data).__name__}. Fix: data = ve.data.load('glyphs').")  # fmt: skip
    seeds = check_seed_list(seeds)
    check_positive_number("seconds", seconds, 30.0)
    num_samples = check_positive_int("num_samples", num_samples, 2000)
    batch_size = check_positive_int("batch_size", batch_size, 128)  # checked here, not after minutes of training
    iwae_k = check_positive_int("iwae_k", iwae_k, 1000)
    check_callable("on_progress", on_progress, "print")
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


def _per_seed(rows, model: str, metric: str) -> dict:
    return {r["seed"]: float(r.get(metric, np.nan)) for r in rows if r["model"] == model}


def compare_metric(rows, metric: str, confidence: float = 0.95) -> dict:
    r"""Which of the VAE and the GAN is better on ``metric``, decided by a paired verdict over seeds.

    The claim "the VAE is better than the GAN" is tested with :func:`vaegan_edu.experiments.stats.verdict` on
    the per-seed differences :math:`m_\text{VAE}(s) - m_\text{GAN}(s)` (both models train from the same seeds):
    the gap is *clear* when the verdict is supported (VAE) or contradicted (GAN), not when it is inconclusive.
    With one seed no interval is known and no gap is clear. A metric only the VAE has (the log-likelihood) is
    structural: the VAE wins it clearly.

    Parameters
    ----------
    rows : the per-seed rows of a duel (``DuelResult.rows`` or ``Result.rows()``)
    metric : one of the keys of ``_BETTER``

    Returns
    -------
    dict with ``winner`` ("VAE", "GAN", or None when neither model has the metric; otherwise the side the
    mean difference favours), ``clear`` (bool), ``vae``, ``gan`` (means) and ``verdict`` (the Verdict, or None)

    Taught in: 07_vae_vs_gan
    """
    if metric not in _BETTER:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {sorted(_BETTER)}.")
    if not rows or any("model" not in r or "seed" not in r for r in rows):
        raise ValueError("`rows` must be per-seed rows with 'model' and 'seed' keys, e.g. DuelResult.rows.")
    missing = [m for m in MODELS if not any(r["model"] == m for r in rows)]
    if missing:
        raise ValueError(f"`rows` has no row for {missing}; pass DuelResult.rows of a duel.")
    vae, gan = _per_seed(rows, "VAE", metric), _per_seed(rows, "GAN", metric)
    mean = lambda d: float(np.mean(list(d.values()))) if d else float("nan")  # noqa: E731
    vae_mean, gan_mean = mean(vae), mean(gan)
    if not (np.isfinite(vae_mean) and np.isfinite(gan_mean)):
        winner = "VAE" if np.isfinite(vae_mean) else ("GAN" if np.isfinite(gan_mean) else None)
        return {"winner": winner, "clear": winner is not None, "vae": vae_mean, "gan": gan_mean, "verdict": None}
    common = [s for s in vae if s in gan and math.isfinite(vae[s]) and math.isfinite(gan[s])]
    better = "lower" if _BETTER[metric] < 0 else "higher"
    verdict = stats.verdict(f"the VAE has {better} {metric_label(metric)} than the GAN",
                            [vae[s] for s in common], [gan[s] for s in common], better=better, paired=True,
                            confidence=confidence)  # fmt: skip
    winner = "VAE" if _BETTER[metric] * (vae_mean - gan_mean) > 0 else "GAN"
    return {"winner": winner, "clear": verdict.status != "inconclusive", "vae": vae_mean, "gan": gan_mean,
            "verdict": verdict}  # fmt: skip


_GUIDE = (  # (need, metric or None, how the metric answers it)
    ("Score how likely an image is (outlier detection, compression, model comparison)", "log_likelihood",
     "only the VAE has a log-likelihood to report"),
    ("Samples whose statistics match the data best overall", "frechet_distance", "lower Fréchet distance"),
    ("Each sample looks like a real digit (quality)", "precision", "higher precision"),
    ("Cover the whole variety of the data (diversity)", "recall", "higher recall"),
    ("Every class as often as in the data (no dropped modes)", "class_kl", "lower class KL"),
    ("Draw many samples fast", "sample_seconds", "less time for 1,000 samples"),
)  # fmt: skip


def decision_guide(rows, confidence: float = 0.95) -> list:
    """When to choose which model, read off paired verdicts over seeds (:func:`compare_metric`): one dict per need.

    Each entry has ``need``, ``choose`` ("VAE", "GAN" or "either (inconclusive)") and ``evidence`` (the
    rule, the two means and the verdict's interval). One need is structural rather than measured and is
    marked so: an encoder for existing images (the VAE has one; a GAN must be inverted by optimisation).

    Taught in: 07_vae_vs_gan
    """
    guide = []
    for need, metric, rule in _GUIDE:
        result = compare_metric(rows, metric, confidence)
        choose = result["winner"] if result["clear"] else "either (inconclusive)"
        scale = 1000.0 if metric == "sample_seconds" else 1.0
        unit = " ms" if metric == "sample_seconds" else ""
        numbers = ", ".join(
            f"{m} {v * scale:.3g}{unit}" if np.isfinite(v) else f"{m} n/a"
            for m, v in (("VAE", result["vae"]), ("GAN", result["gan"]))
        )
        if result["verdict"] is not None:
            effect = result["verdict"].effect
            if metric == "sample_seconds":  # in ms, like the means
                effect = dataclasses.replace(effect, estimate=1000 * effect.estimate, low=1000 * effect.low,
                                             high=1000 * effect.high)  # fmt: skip
            numbers += f"; VAE minus GAN {effect.numbers()}{unit} ({effect.describe()})"
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
# The registered protocol
# --------------------------------------------------------------------------------------------------


def run_seed(config: dict, seed: int, say) -> dict:
    """One seed of the ``duel`` protocol: build both contenders from ``seed``, train each for the budget, score.

    Returns ``{"VAE": metrics, "GAN": metrics, DATA_ROW: metrics}`` (the data row: held-out training images
    scored like samples, the floor of every metric).
    """
    ds = load_dataset(config)
    reference = make_reference(ds.x_test, config["num_samples"])
    seconds = config["budget"]["seconds"]
    result = run_duel(ds, [seed], seconds=seconds, num_samples=config["num_samples"],
                      batch_size=config["batch_size"], iwae_k=config["iwae_k"], reference=reference,
                      on_progress=say)  # fmt: skip
    return metric_table(result.rows, config)


PROTOCOL = register(Protocol(
    name="duel",
    title="VAE against GAN with the same data, generator/decoder parameters and wall-clock budget",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "budget": {"seconds": 20.0},
        "batch_size": 128,
        "num_samples": 2_000,
        "iwae_k": 1_000,
        "metrics": {"frechet_distance": "lower", "precision": "higher", "recall": "higher", "class_kl": "lower",
                    "log_likelihood": "higher", "sample_seconds": "lower"},
    },
    run_seed=run_seed,
    baseline="GAN",
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "budget": {"seconds": 2.0}, "num_samples": 300, "iwae_k": 20},
    taught_in="07_vae_vs_gan",
))  # fmt: skip

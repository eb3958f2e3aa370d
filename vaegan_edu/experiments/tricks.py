"""Which stability tricks help chapter 08's DCGAN once it has trained: the protocol ``tricks``.

Nine variants of the DCGAN on glyph digits, each one change away from the baseline (chapter 08's model:
non-saturating loss, Adam(2e-4, beta_1 = 0.5) for both networks, batch 128): label smoothing, spectral
normalisation, hinge loss with spectral normalisation, WGAN-GP with its paper's settings, PacGAN2, two
discriminator steps per generator step, two time-scales (TTUR) and a learning rate ten times larger. Every variant
trains from the same seeds for the same number of *generator* steps, long enough that the baseline reaches the
quality of chapter 08's shipped model (FD 27.5 on the same 1,000 test digits; issue 14 asks for the baseline
within 20 % of it, FD <= 33.0). The budget was chosen from the baseline alone, before any trick was trained at
it: the smallest multiple of 500 steps at which the upper end of the baseline's 95 % interval over the 5 seeds
is within that bound. 1,500 steps (the shipped model's 1,560) was not enough (mean FD 37.8); at 2,000 the mean was
30.6 but its interval reached 40; at 2,500 it is 24.9 [19.8, 30.0]. Those baseline runs are the protocol's own
(same code, same seeds), so the shipped file shows them again at its checkpoints. The quality is recorded along
the way (every 500 steps), so a curve costs no extra runs. Each checkpoint is
scored on the same 1,000 held-out digits with the validated metrics (:func:`vaegan_edu.metrics.evaluate_samples`:
FD, precision and recall in the classifier's and the perceptual space, class KL; the degradation suite,
:mod:`vaegan_edu.metrics.degradations`, says what each can see). A run whose losses or samples stop being finite
is scored as diverged. Verdicts pair each variant with the baseline seed by seed (``Result.verdict``).

Settings taken from papers: WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028): penalty weight 10, 5 critic steps
per generator step, Adam(1e-4, beta_1 = 0, beta_2 = 0.9); TTUR (Heusel et al. 2017, arXiv:1706.08500, as used
by SAGAN): discriminator 4e-4, generator 1e-4; one-sided label smoothing 0.9 (Salimans et al. 2016); PacGAN2
(Lin et al. 2018); spectral normalisation of the discriminator (Miyato et al. 2018), with the hinge loss as in
SN-GAN.

Taught in: 08_gan, 10_student_questions
"""

from __future__ import annotations

import time

import numpy as np

from vaegan_edu import models
from vaegan_edu.experiments.protocol import Protocol, load_dataset, register
from vaegan_edu.metrics import draw_samples, evaluate_samples, make_reference
from vaegan_edu.training import fit_gan

BASELINE = "baseline"
VARIANTS = {  # name -> keyword arguments of vaegan_edu.models.make_gan_variant
    BASELINE: {},
    "label smoothing 0.1": {"label_smoothing": 0.1},
    "spectral norm": {"spectral_norm": True},
    "hinge + spectral norm": {"loss": "hinge", "spectral_norm": True},
    "WGAN-GP": {"loss": "wasserstein_gp", "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9, "d_steps": 5},
    "PacGAN2": {"pack": 2},
    "two D steps": {"d_steps": 2},
    "TTUR (D 4e-4, G 1e-4)": {"d_learning_rate": 4e-4, "g_learning_rate": 1e-4},
    "learning rate x10": {"learning_rate": 2e-3},
}
METRICS = {"frechet_distance": "lower", "precision": "higher", "recall": "higher", "class_kl": "lower",
           "perceptual_frechet_distance": "lower", "perceptual_precision": "higher", "perceptual_recall": "higher",
           "diverged": "lower"}  # fmt: skip
SCORED = tuple(m for m in METRICS if m != "diverged")


def checkpoint_metric(metric: str, step: int) -> str:
    """The name under which a metric measured after ``step`` generator steps is stored ("frechet_distance@500");
    the last checkpoint's values keep the plain names."""
    return f"{metric}@{step}"


def train_scored(gan, x, seed: int, steps: int, eval_every: int, scorer, metrics, num_samples: int,
                 batch_size: int) -> dict:  # fmt: skip
    """Train ``gan`` on images ``x`` from ``seed`` for ``steps`` generator steps; every ``eval_every`` steps draw
    ``num_samples`` samples from fixed latent codes (seed + 10,000) and score them with ``scorer(samples)``, a dict
    holding at least ``metrics``. Scoring time is not training time. A run whose samples or losses stop being
    finite is *diverged*: its scores from then on are NaN, and training is not stopped by an error.

    Returns
    -------
    dict: the last checkpoint's ``metrics`` under their plain names, every checkpoint's under
    :func:`checkpoint_metric`, ``diverged`` (0 or 1), ``train_seconds`` (scoring excluded) and ``train_steps``
    """
    row, scoring = {}, [0.0]
    state = {"diverged": False}

    def on_eval(step):
        start = time.perf_counter()
        samples = None if state["diverged"] else draw_samples(gan, num_samples, seed=seed + 10_000)
        if samples is None or not np.all(np.isfinite(samples)):
            state["diverged"] = True
            values = {m: float("nan") for m in metrics}
        else:
            scores = scorer(samples)
            values = {m: float(scores[m]) for m in metrics}
        row.update({checkpoint_metric(m, step): v for m, v in values.items()})
        row.update(values)
        scoring[0] += time.perf_counter() - start

    start = time.perf_counter()
    history = fit_gan(gan, x, steps, batch_size=batch_size, eval_every=eval_every, on_eval=on_eval, seed=seed,
                      nan_guard=False)  # a run that diverges is scored as diverged, not raised  # fmt: skip
    train_seconds = time.perf_counter() - start - scoring[0]
    losses = np.array([history[k] for k in ("d_loss", "g_loss")], dtype="float64")
    diverged = state["diverged"] or not np.all(np.isfinite(losses))
    if diverged:
        row.update({m: float("nan") for m in metrics})
    row.update(diverged=float(diverged), train_seconds=train_seconds, train_steps=steps)
    return row


def train_and_score(data, kwargs: dict, seed: int, steps: int, eval_every: int, reference, num_samples: int,
                    batch_size: int = 128) -> dict:  # fmt: skip
    """Train one variant from ``seed`` for ``steps`` generator steps, scoring it every ``eval_every`` steps
    (:func:`train_scored` with :func:`vaegan_edu.metrics.evaluate_samples` against ``reference``).

    Taught in: 08_gan
    """
    gan = models.make_gan_variant(data.image_shape, seed=seed, **kwargs)
    return train_scored(gan, data.x_train, seed, steps, eval_every, lambda x: evaluate_samples(x, reference), SCORED,
                        num_samples, batch_size)  # fmt: skip


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of the ``tricks`` protocol: every variant trained from ``seed`` and scored at each checkpoint.

    ``finished`` holds variants of this seed computed by an interrupted run (kept, not retrained: each variant
    builds its own model from ``seed``, so the order does not change any result); ``on_variant(name, row)`` is
    called as each variant finishes, so the runner can save it.
    """
    data = load_dataset(config)
    reference = make_reference(data.x_test, config["num_samples"])
    table = dict(finished or {})
    for name, kwargs in config["variants"].items():
        if name in table:
            continue
        say(f"{name} ...")
        table[name] = train_and_score(data, kwargs, seed, config["budget"]["steps"], config["eval_every"],
                                      reference, config["num_samples"], config["batch_size"])  # fmt: skip
        say(f"{name}: FD {table[name]['frechet_distance']:.1f}, {table[name]['train_seconds']:.0f} s")
        if on_variant is not None:
            on_variant(name, table[name])
    return {name: table[name] for name in config["variants"]}


PROTOCOL = register(Protocol(
    name="tricks",
    title="Stability tricks for chapter 08's DCGAN, trained for chapter 08's budget from the same seeds",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "variants": VARIANTS,
        "budget": {"steps": 2_500},
        "eval_every": 500,
        "batch_size": 128,
        "num_samples": 1_000,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=BASELINE,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "budget": {"steps": 10}, "eval_every": 5, "num_samples": 150},
    taught_in="08_gan, 10_student_questions",
    saves_variants=True,
))  # fmt: skip

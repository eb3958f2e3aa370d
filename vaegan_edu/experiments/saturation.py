"""When does the saturating (minimax) generator loss fail? The protocol ``saturation``, on the ring of 8 Gaussians.

The textbook argument (Goodfellow et al. 2014, §3): early in training the discriminator rejects the generator's
samples with confidence, :math:`D(G(z)) \\approx 0`, where :math:`\\log(1 - D)` is flat, so the minimax generator
gets almost no gradient, while the non-saturating loss :math:`-\\log D` is steep there. The argument is about the
*size* of the gradient, so it holds for plain gradient descent (SGD), whose step is proportional to it; Adam
divides each step by a running estimate of the gradient's scale, so a small but consistent gradient still moves
the generator. Each variant is chapter 06's 2-D GAN (:func:`vaegan_edu.models.make_gan_2d`) with one loss and one
optimizer, trained for the same generator steps from the same seeds, with or without a head start for the
discriminator ("D ahead": the discriminator alone learns to reject the untrained generator's samples first, the
regime the argument describes). Measured: the size of the generator's gradient on its samples and
:math:`D(G(z))` when the game starts, and the modes captured and high-quality share at the end (the PacGAN
protocol, :func:`vaegan_edu.metrics.mode_coverage`).

SGD's step size 0.05 is the best of {0.01, 0.05, 0.2} for both losses in a two-seed pilot (1,500 steps; the
others captured at most 2 of 8 modes); Adam keeps the book's settings.

The second protocol here, ``saturation_digits``, asks the same question of chapter 08's DCGAN on glyph digits,
scored by Fréchet distance (see its comment block below).

Taught in: 06_gan_game, 10_student_questions
"""

from __future__ import annotations

import keras
import numpy as np

from vaegan_edu import data as data_module
from vaegan_edu import metrics, models
from vaegan_edu.experiments import tricks
from vaegan_edu.experiments.protocol import Protocol, register
from vaegan_edu.training import fit_gan

BASELINE = "non-saturating, Adam"
VARIANTS = {  # name -> (loss, optimizer, learning rate, discriminator head start in steps)
    BASELINE: {"loss": "non_saturating", "optimizer": "adam", "lr": models.GAN_2D_LEARNING_RATE, "d_ahead": 0},
    "minimax, Adam": {"loss": "minimax", "optimizer": "adam", "lr": models.GAN_2D_LEARNING_RATE, "d_ahead": 0},
    "non-saturating, Adam, D ahead": {"loss": "non_saturating", "optimizer": "adam", "lr": models.GAN_2D_LEARNING_RATE,
                                      "d_ahead": 500},
    "minimax, Adam, D ahead": {"loss": "minimax", "optimizer": "adam", "lr": models.GAN_2D_LEARNING_RATE,
                               "d_ahead": 500},
    "non-saturating, SGD": {"loss": "non_saturating", "optimizer": "sgd", "lr": 0.05, "d_ahead": 0},
    "minimax, SGD": {"loss": "minimax", "optimizer": "sgd", "lr": 0.05, "d_ahead": 0},
    "non-saturating, SGD, D ahead": {"loss": "non_saturating", "optimizer": "sgd", "lr": 0.05, "d_ahead": 500},
    "minimax, SGD, D ahead": {"loss": "minimax", "optimizer": "sgd", "lr": 0.05, "d_ahead": 500},
}  # fmt: skip
METRICS = {"modes_captured": "higher", "high_quality": "higher", "start_gradient": "higher", "start_d_fake": "higher"}


def discriminator_head_start(gan, x, steps: int, batch_size: int, seed: int = 0) -> None:
    """Train ``gan``'s discriminator alone for ``steps`` steps (real points labelled 1, the frozen generator's
    samples 0, cross-entropy on the logit), with an optimizer like the GAN's own (same class and step size).

    Taught in: 06_gan_game
    """
    if steps < 1:
        return
    rng = np.random.default_rng(seed)
    half = batch_size // 2
    real = x[rng.integers(0, len(x), steps * half)]
    fake = gan.generate(steps * half)
    xs = np.concatenate([real.reshape(steps, half, -1), fake.reshape(steps, half, -1)], axis=1).reshape(-1, 2)
    ys = np.tile(np.r_[np.ones(half), np.zeros(half)].astype("float32"), steps)
    optimizer = gan.d_optimizer.__class__.from_config(gan.d_optimizer.get_config())
    critic = keras.Model(gan.discriminator.inputs, gan.discriminator.outputs)  # shares the weights
    critic.compile(optimizer=optimizer, loss=keras.losses.BinaryCrossentropy(from_logits=True))
    critic.fit(xs, ys, batch_size=2 * half, epochs=1, shuffle=False, verbose=0)


def generator_signal(gan, num: int = 512, seed: int = 0) -> tuple[float, float]:
    """Mean size of the generator loss's gradient on its samples, :math:`\\lVert\\nabla_x \\ell_G(D(x))\\rVert` at
    :math:`x = G(z)`, and mean :math:`D(G(z))`, over ``num`` samples."""
    z = np.random.default_rng(seed).standard_normal((num, gan.latent_dim)).astype("float32")
    x, v = models.generator_sample_gradients(gan, z)
    d = keras.ops.convert_to_numpy(keras.ops.sigmoid(gan.discriminator(x, training=False)))
    return float(np.linalg.norm(v, axis=1).mean()), float(d.mean())


def run_variant(x, modes, std, settings: dict, seed: int, steps: int, batch_size: int, num_samples: int) -> dict:
    """One variant from one seed: head start, signal at the start, training, mode coverage at the end."""
    gan = models.make_gan_2d(loss=settings["loss"], lr=settings["lr"], optimizer=settings["optimizer"], seed=seed)
    discriminator_head_start(gan, x, settings["d_ahead"], batch_size, seed=seed)
    gradient, d_fake = generator_signal(gan, seed=seed)
    fit_gan(gan, x, steps, batch_size=batch_size, seed=seed, nan_guard=False)  # divergence is scored below
    samples = gan.generate(num_samples)
    if not np.all(np.isfinite(samples)):
        return {"modes_captured": 0.0, "high_quality": 0.0, "start_gradient": gradient, "start_d_fake": d_fake,
                "diverged": 1.0}  # fmt: skip
    coverage = metrics.mode_coverage(samples, modes, std)
    return {"modes_captured": float(coverage.modes_captured), "high_quality": float(coverage.high_quality),
            "start_gradient": gradient, "start_d_fake": d_fake, "diverged": 0.0}  # fmt: skip


def run_seed(config: dict, seed: int, say) -> dict:
    """One seed of the ``saturation`` protocol: every variant, the same data and seed."""
    points = config["points"]  # not "data": the 2-D sets are drawn afresh from a seed, nothing is cached
    x, modes, std = data_module.toy_2d(points["name"], points["n"], seed=points["seed"])
    table = {}
    for name, settings in config["variants"].items():
        table[name] = run_variant(x, modes, std, settings, seed, config["budget"]["steps"], config["batch_size"],
                                  config["num_samples"])  # fmt: skip
        row = table[name]
        say(f"{name}: {row['modes_captured']:.0f}/8 modes, start gradient {row['start_gradient']:.2g}, "
            f"D(G(z)) {row['start_d_fake']:.2f}")  # fmt: skip
    return table


PROTOCOL = register(Protocol(
    name="saturation",
    title="Saturating against non-saturating generator loss on the ring: Adam or SGD, with or without D ahead",
    config={
        "seeds": 10,
        "points": {"name": "ring8", "n": 20_000, "seed": 0},
        "variants": VARIANTS,
        "budget": {"steps": 1_500},
        "batch_size": 512,
        "num_samples": 2_500,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=BASELINE,
    quick={"seeds": 2, "points": {"name": "ring8", "n": 2_000, "seed": 0}, "budget": {"steps": 20},
           "variants": {k: dict(v, d_ahead=min(v["d_ahead"], 5)) for k, v in VARIANTS.items()}, "num_samples": 500},
    taught_in="06_gan_game, 10_student_questions",
))  # fmt: skip


# === the same question on digits: chapter 08's DCGAN, scored by Fréchet distance ===
#
# Protocol ``saturation_digits``: the DCGAN of chapter 08 on glyph digits with the minimax or the non-saturating
# generator loss, with Adam (the book's setting, Adam(2e-4, beta_1 = 0.5)) or with plain SGD, trained from the same
# seeds for the same 1,000 generator steps (the baseline's FD is then 29.9 and 42.4 for seeds 0 and 1 in ``tricks``:
# a trained model, not its initialisation) and scored every 250 steps by ``tricks``' runner (FD, precision, recall
# in both feature spaces, class KL; a run whose samples stop being finite is scored as diverged). SGD's step size
# 0.05 is the best of {0.01, 0.05, 0.2} in a one-seed pilot with the non-saturating loss (FD after 1,000 steps 57.0,
# 15.0 and diverged); with the minimax loss the pilot's FD after 1,000 steps was 365.4 (0.01) and 358.1 (0.05): its
# generator had not left its initialisation at either rate (the other losses reach FD 15-60 there).

DIGITS_BASELINE = "non-saturating, Adam"
DIGITS_SGD_LEARNING_RATE = 0.05
DIGITS_VARIANTS = {  # name -> keyword arguments of vaegan_edu.models.make_gan_variant
    DIGITS_BASELINE: {},
    "minimax, Adam": {"loss": "minimax"},
    "non-saturating, SGD": {"optimizer": "sgd", "learning_rate": DIGITS_SGD_LEARNING_RATE},
    "minimax, SGD": {"loss": "minimax", "optimizer": "sgd", "learning_rate": DIGITS_SGD_LEARNING_RATE},
}

DIGITS = register(Protocol(
    name="saturation_digits",
    title="Saturating against non-saturating generator loss for chapter 08's DCGAN on digits, Adam or SGD",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "variants": DIGITS_VARIANTS,
        "budget": {"steps": 1_000},
        "eval_every": 250,
        "batch_size": 128,
        "num_samples": 1_000,
        "metrics": tricks.METRICS,
    },
    run_seed=tricks.run_seed,
    baseline=DIGITS_BASELINE,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "budget": {"steps": 10}, "eval_every": 5, "num_samples": 150},
    taught_in="06_gan_game",
    saves_variants=True,
))  # fmt: skip


# === at the plateau (issue 31): each arm's step size tuned, trained until the plain GAN's share is flat ===
#
# Protocol ``saturation_plateau``: the ring of ``saturation`` with the discriminator's head start (the regime the
# textbook argument is about: D rejects the generator's samples when the game starts), the four arms {minimax,
# non-saturating} x {Adam, SGD}, and for each arm the same search over three step sizes (Adam: the book's 1e-3
# and a factor of three either side; SGD: the pilot's 0.01, 0.05 and 0.2). Every run trains for 10,000
# generator steps, scored every 500: in ``mode_collapse_plateau`` the plain GAN's high-quality share on the ring
# is flat from 4,000-5,000 steps (0.89-0.96 in the seed mean), so the late window (the last 30 %, as there) reads
# each run where its training has settled or has had twice the time the baseline needs. An arm is compared at
# its best step size (highest mean late high-quality share): best against best, every arm with the same budget of
# three settings. The gradient at the start is measured as in ``saturation``.

PLATEAU_ARMS = {  # name -> (generator loss, optimizer)
    BASELINE: ("non_saturating", "adam"),
    "minimax, Adam": ("minimax", "adam"),
    "non-saturating, SGD": ("non_saturating", "sgd"),
    "minimax, SGD": ("minimax", "sgd"),
}
PLATEAU_RATES = {"adam": (3e-4, 1e-3, 3e-3), "sgd": (0.01, 0.05, 0.2)}
PLATEAU_HEAD_START = 500  # discriminator-only steps before the game, as ``saturation``'s "D ahead"


def plateau_variant(arm: str, lr: float) -> str:
    """The results file's name for one arm at one step size ("minimax, SGD, lr 0.05")."""
    return f"{arm}, lr {lr:g}"


PLATEAU_VARIANTS = {plateau_variant(arm, lr): {"loss": loss, "optimizer": opt, "lr": lr, "d_ahead": PLATEAU_HEAD_START}
                    for arm, (loss, opt) in PLATEAU_ARMS.items() for lr in PLATEAU_RATES[opt]}  # fmt: skip
PLATEAU_METRICS = {"high_quality_late": "higher", "modes_captured_late": "higher", "reverse_kl_late": "lower",
                   "start_gradient": "higher", "start_d_fake": "higher", "diverged": "lower"}  # fmt: skip


def best_rate(result, arm: str, metric: str = "high_quality_late") -> str:
    """The variant of ``arm`` (one of :data:`PLATEAU_ARMS`) with the highest mean ``metric`` over seeds in a
    ``saturation_plateau`` result: the arm's tuned setting.

    Taught in: 06_gan_game
    """
    if arm not in PLATEAU_ARMS:
        raise ValueError(f"`arm` must be one of {list(PLATEAU_ARMS)}; received {arm!r}.")
    names = [v for v in result.variants if v.startswith(arm + ", lr ")]
    if not names:
        raise ValueError(f"The result {result.name!r} has no variant of the arm {arm!r}; is it saturation_plateau?")
    return max(names, key=lambda v: float(np.nanmean(list(result.values(v, metric).values()))))


PLATEAU_OUTCOMES = {"high_quality_late": "high-quality share", "modes_captured_late": "modes",
                    "reverse_kl_late": "reverse KL"}  # fmt: skip


def plateau_family(result) -> list:
    """The family of comparisons that ``saturation_plateau``'s verdicts come from, corrected together with Holm's
    method (:func:`vaegan_edu.experiments.stats.paired_family`), each a paired t-test over the seeds.

    With Adam, the non-saturating arm at its tuned step size (:func:`best_rate`) against the minimax arm at its own,
    on each late-window outcome of :data:`PLATEAU_OUTCOMES` and on the gradient at the start; with SGD, on the
    gradient at the start only: no SGD arm reaches a plateau, and outcomes of runs that never trained are not
    compared. The gradient is compared as :math:`\\log_{10}` of the ratio, seed by seed,
    :math:`\\log_{10} g_\\text{non-sat} - \\log_{10} g_\\text{minimax}`: a magnitude that varies several-fold
    between seeds, asked "how many times smaller" (``10 ** effect.estimate`` is the geometric mean of the ratios).

    Taught in: 06_gan_game
    """
    from vaegan_edu.experiments import stats

    pairs, better = {}, {}
    for optimizer in ("Adam", "SGD"):
        ns, mm = best_rate(result, f"non-saturating, {optimizer}"), best_rate(result, f"minimax, {optimizer}")
        log_a, log_b = ({seed: float(np.log10(v)) for seed, v in result.values(arm, "start_gradient").items()}
                        for arm in (ns, mm))  # fmt: skip
        claim = f"{optimizer}: non-saturating vs minimax, tuned · log10 gradient at the start"
        pairs[claim], better[claim] = (log_a, log_b), "higher"
        if optimizer == "Adam":
            for metric, label in PLATEAU_OUTCOMES.items():
                claim = f"{optimizer}: non-saturating vs minimax, tuned · {label}"
                pairs[claim] = (result.values(ns, metric), result.values(mm, metric))
                better[claim] = PLATEAU_METRICS[metric]
    return stats.paired_family(pairs, better)


def run_plateau_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``saturation_plateau``: every arm at every step size, each with the head start, trained and
    scored along the way (resumes after ``finished``)."""
    from vaegan_edu.experiments.mode_collapse import train_and_score

    points = config["points"]
    x, modes, std = data_module.toy_2d(points["name"], points["n"], seed=points["seed"])
    table = dict(finished or {})
    for name, settings in config["variants"].items():
        if name in table:
            continue

        def prepare(gan, settings=settings):
            discriminator_head_start(gan, x, settings["d_ahead"], config["batch_size"], seed=seed)
            gradient, d_fake = generator_signal(gan, seed=seed)
            return {"start_gradient": gradient, "start_d_fake": d_fake}

        kwargs = {"loss": settings["loss"], "optimizer": settings["optimizer"], "lr": settings["lr"]}
        row = train_and_score(x, modes, std, kwargs, seed, config["budget"]["steps"], config["eval_every"],
                              config["batch_size"], config["num_samples"], prepare=prepare)  # fmt: skip
        table[name] = row
        say(f"{name}: late high quality {row.get('high_quality_late', float('nan')):.3f}, start gradient "
            f"{row['start_gradient']:.2g}")  # fmt: skip
        if on_variant is not None:
            on_variant(name, row)
    return {name: table[name] for name in config["variants"]}


PLATEAU = register(Protocol(
    name="saturation_plateau",
    title="Saturating against non-saturating loss on the ring at the plateau, each arm's step size tuned",
    config={
        "seeds": 5,
        "points": {"name": "ring8", "n": 20_000, "seed": 0},
        "variants": PLATEAU_VARIANTS,
        "budget": {"steps": 10_000},
        "eval_every": 500,
        "batch_size": 512,
        "num_samples": 2_500,
        "metrics": PLATEAU_METRICS,
    },
    run_seed=run_plateau_seed,
    baseline=plateau_variant(BASELINE, 1e-3),
    quick={"seeds": 2, "points": {"name": "ring8", "n": 2_000, "seed": 0}, "budget": {"steps": 20}, "eval_every": 5,
           "variants": {k: dict(v, d_ahead=5) for k, v in list(PLATEAU_VARIANTS.items())[::3]}, "num_samples": 500},
    taught_in="06_gan_game",
    saves_variants=True,
))  # fmt: skip

"""Mode collapse on the ring and the grid, beside the published tables: the protocol ``mode_collapse``.

The 2-D benchmarks of VEEGAN (Srivastava et al. 2017, arXiv:1705.07761) and PacGAN (Lin et al. 2018,
arXiv:1712.04086) in PacGAN's set-up: 8 Gaussians on a circle of radius 1 (std 0.01) and 25 Gaussians on the grid
:math:`\\{-4, -2, 0, 2, 4\\}^2` (std 0.05), scored on 2,500 generated samples by
:func:`vaegan_edu.metrics.mode_coverage` (modes captured, the share of high-quality samples within 3 std of a mode,
the reverse KL of the mode histogram from uniform). Four variants of chapter 07's 2-D GAN
(:func:`vaegan_edu.models.make_gan_2d`: MLPs of 3 x 128 units, 8-D latent, Adam(1e-3, beta_1 = 0.5), batch 512),
each one change away from the plain GAN: PacGAN2 and PacGAN4 (the discriminator judges 2 or 4 samples at once)
and WGAN-GP with the settings of its authors' toy script (``gan_toy.py`` of igul222/improved_wgan_training: 5
critic steps per generator step, penalty weight 0.1 "for toy tasks", Adam's beta_2 = 0.9), at the book's step
size. Every variant trains from the same seeds for the same number of generator steps; the scores are also
recorded along the way (``modes_captured@500`` ...), so the curve costs no extra runs. The budget, 3,000 steps,
is chapter 07's ring run (``settings().gan_2d_steps``): in a pilot on a seed outside the protocol's, the plain GAN's
high-quality share on the ring was still rising at 2,500 steps and had levelled off (0.85-0.93) from 3,000.

The papers' networks and budgets differ from ours (VEEGAN and PacGAN use larger MLPs and train longer), which is
why their own GAN baselines disagree (1 against 6.3 ring modes): :data:`PUBLISHED` holds their tables so a chapter
can print them beside ours, and the chapter states our architecture and budget.

``mode_collapse_plateau`` asks the same question where the phenomena live (issue 31): the same models and data
trained for 20,000 generator steps, scored every 1,000, and compared on the mean over the last 30 % of training
(:func:`late_window`). In a pilot on seeds 100-101 (outside the protocol's) the plain GAN's high-quality share
reached 0.90-0.95 on both ring and grid by 10,000-12,000 steps (PacGAN's Table 1: 0.95-0.98) but swung to
0.2-0.7 at single checkpoints, hence the window; at 3,000 steps it was 0.06-0.83. Beside the models it scores
:func:`spray`, uniform noise over the data's region, which counts many modes at almost no high quality.

Taught in: 07_mode_collapse
"""

from __future__ import annotations

import numpy as np

from vaegan_edu import data as data_module
from vaegan_edu import metrics, models
from vaegan_edu.experiments.protocol import Protocol, register
from vaegan_edu.training import fit_gan

DATASETS = {  # name -> how the points are drawn and the generator's output scale (the grid spans [-4, 4])
    "ring8": {"n": 20_000, "seed": 0, "data_scale": 1.0},
    "grid25": {"n": 20_000, "seed": 0, "data_scale": 4.0},
}
MODELS = {  # name -> keyword arguments of make_gan_2d
    "GAN": {},
    "PacGAN2": {"pack": 2},
    "PacGAN4": {"pack": 4},
    "WGAN-GP": {"loss": "wasserstein_gp", "d_steps": 5, "gp_weight": 0.1, "beta_2": 0.9},
}
METRICS = {"modes_captured": "higher", "high_quality": "higher", "reverse_kl": "lower", "diverged": "lower"}
SCORED = ("modes_captured", "high_quality", "reverse_kl")
LATE_SHARE = 0.3  # the last 30 % of training: where ``mode_collapse_plateau`` reads its scores
SPRAY = "uniform spray"  # the reference row of ``mode_collapse_plateau``: noise over the data's region, not a model

# Published results in the same set-up (modes captured, % high quality, reverse KL; mean ± standard error where
# the paper gives one). VEEGAN Table 1: average of 5 runs, no reverse KL. PacGAN Table 1: 10 trials.
PUBLISHED = {
    "VEEGAN (Srivastava et al. 2017), Table 1, 5 runs": {
        "GAN": {"ring8": (1.0, 99.3, None), "grid25": (3.3, 0.5, None)},
        "Unrolled GAN": {"ring8": (7.6, 35.6, None), "grid25": (23.6, 16.0, None)},
        "VEEGAN": {"ring8": (8.0, 52.9, None), "grid25": (24.6, 40.0, None)},
    },
    "PacGAN (Lin et al. 2018), Table 1, 10 trials": {
        "GAN": {"ring8": ("6.3±0.5", "98.2±0.2", "0.45±0.09"), "grid25": ("17.3±0.8", "94.8±0.7", "0.70±0.07")},
        "PacGAN2": {"ring8": ("7.9±0.1", "95.6±2.0", "0.07±0.03"), "grid25": ("23.8±0.7", "91.3±0.8", "0.13±0.04")},
        "PacGAN4": {"ring8": ("7.8±0.1", "95.9±1.4", "0.07±0.02"), "grid25": ("24.8±0.2", "93.6±0.6", "0.04±0.01")},
    },
}  # fmt: skip


def variant_name(dataset: str, model: str) -> str:
    """The results file's name for one model on one dataset ("grid25 · PacGAN2")."""
    return f"{dataset} · {model}"


def train_and_score(x, modes, std, kwargs: dict, seed: int, steps: int, eval_every: int, batch_size: int,
                    num_samples: int, prepare=None) -> dict:  # fmt: skip
    """Train one 2-D GAN from ``seed`` for ``steps`` generator steps and score its samples every ``eval_every``.

    ``prepare(gan)`` (optional) runs on the built GAN before training and returns more ``{metric: value}`` for
    the row (``saturation_plateau`` gives the discriminator its head start there and measures the gradient).

    Returns
    -------
    dict: the last checkpoint's scores under plain names, each checkpoint's as ``"<metric>@<step>"``, and
    ``diverged`` (0 or 1: non-finite samples, scored as no mode captured)
    """
    gan = models.make_gan_2d(seed=seed, **kwargs)
    row = {"diverged": 0.0, **(prepare(gan) if prepare is not None else {})}
    z = np.random.default_rng(seed + 10_000).standard_normal((num_samples, gan.latent_dim)).astype("float32")

    def score(step):  # the same z at every checkpoint, drawn apart from the generator's own random state
        samples = gan.generate(z=z)
        if not np.all(np.isfinite(samples)):
            row["diverged"] = 1.0
            values = {"modes_captured": 0.0, "high_quality": 0.0, "reverse_kl": float("nan")}
        else:
            coverage = metrics.mode_coverage(samples, modes, std)
            values = {"modes_captured": float(coverage.modes_captured), "high_quality": float(coverage.high_quality),
                      "reverse_kl": float(coverage.reverse_kl)}  # fmt: skip
        row.update({f"{m}@{step}": v for m, v in values.items()})
        row.update(values)

    # fit_gan scores after every chunk, the last included; a run that diverges is scored, not raised
    fit_gan(gan, x, steps, batch_size=batch_size, eval_every=eval_every, on_eval=score, seed=seed, nan_guard=False)
    row.update(late_window(row, steps))
    return row


def late_window(row: dict, steps: int, share: float = LATE_SHARE) -> dict:
    """Each score averaged over the checkpoints in the last ``share`` of training, and the change of the
    high-quality share from the window before it (a plateau changes little).

    A GAN's scores oscillate from checkpoint to checkpoint (the game does not settle on a point), so one
    checkpoint is a noisy reading of where training got; the mean over the late window is the quantity the
    study compares. ``high_quality_late_gain`` is that mean minus the mean over the equally long window
    before it: near 0 on a plateau, positive while the share still rises.

    Returns
    -------
    dict: ``<metric>_late`` for each scored metric and ``high_quality_late_gain`` (missing checkpoints: none)
    """
    checkpoints = sorted(int(key.split("@")[1]) for key in row if key.startswith("high_quality@"))
    late = [c for c in checkpoints if c > steps * (1 - share)]
    before = [c for c in checkpoints if steps * (1 - 2 * share) < c <= steps * (1 - share)]
    if not late or not before:
        return {}
    out = {}
    for metric in SCORED:
        values = [row[f"{metric}@{c}"] for c in late]
        out[f"{metric}_late"] = float(np.mean(values)) if np.all(np.isfinite(values)) else float("nan")
    earlier = float(np.mean([row[f"high_quality@{c}"] for c in before]))
    out["high_quality_late_gain"] = out["high_quality_late"] - earlier
    return out


def spray(dataset: str, n: int, seed: int) -> np.ndarray:
    """Uniform noise over the region the data occupy: the reference that counting modes must beat.

    ``"grid25"``: uniform over the square [-5, 5]^2 around the 25 modes; ``"ring8"``: uniform angle and a radius
    uniform in [0.8, 1.2], a smear around the circle. Such samples "capture" most modes while almost none is of
    high quality, so a model's mode count means something only beside a high high-quality share.
    """
    rng = np.random.default_rng(seed + 20_000)
    if dataset == "grid25":
        return rng.uniform(-5.0, 5.0, size=(n, 2)).astype("float32")
    angle, radius = rng.uniform(0, 2 * np.pi, n), rng.uniform(0.8, 1.2, n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype("float32")


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``mode_collapse``: every model on every dataset, from ``seed`` (resumes after ``finished``)."""
    table = dict(finished or {})
    for dataset, spec in config["datasets"].items():
        x, modes, std = data_module.toy_2d(dataset, spec["n"], seed=spec["seed"])
        if config.get("spray"):  # the reference row: scored like a model at every metric, nothing trained
            coverage = metrics.mode_coverage(spray(dataset, config["num_samples"], seed), modes, std)
            values = {"modes_captured": float(coverage.modes_captured), "high_quality": float(coverage.high_quality),
                      "reverse_kl": float(coverage.reverse_kl)}  # fmt: skip
            # noise does not train: its late window is its one reading, and it gains nothing
            table[variant_name(dataset, SPRAY)] = {"diverged": 0.0, **values, "high_quality_late_gain": 0.0,
                                                   **{f"{m}_late": v for m, v in values.items()}}  # fmt: skip
        for model, kwargs in config["models"].items():
            name = variant_name(dataset, model)
            if name in table:
                continue
            table[name] = train_and_score(x, modes, std, dict(kwargs, data_scale=spec["data_scale"]), seed,
                                          config["budget"]["steps"], config["eval_every"], config["batch_size"],
                                          config["num_samples"])  # fmt: skip
            row = table[name]
            say(f"{name}: {row['modes_captured']:.0f}/{len(modes)} modes, {100 * row['high_quality']:.1f} % high "
                f"quality, reverse KL {row['reverse_kl']:.2f}")  # fmt: skip
            if on_variant is not None:
                on_variant(name, row)
    rows = [SPRAY] * bool(config.get("spray")) + list(config["models"])
    return {variant_name(d, m): table[variant_name(d, m)] for d in config["datasets"] for m in rows}


# What both protocols share: the data, the models, the batch and the samples scored (and a quick smoke run)
_COMMON = {"datasets": DATASETS, "models": MODELS, "batch_size": 512, "num_samples": 2_500}
_QUICK = {"seeds": 2, "datasets": {k: dict(v, n=2_000) for k, v in DATASETS.items()}, "eval_every": 5,
          "num_samples": 500}  # fmt: skip

PROTOCOL = register(Protocol(
    name="mode_collapse",
    title="GAN, PacGAN2, PacGAN4 and WGAN-GP on the ring of 8 and the grid of 25 Gaussians (PacGAN's set-up)",
    config={**_COMMON, "seeds": 10, "budget": {"steps": 3_000}, "eval_every": 500, "metrics": METRICS},
    run_seed=run_seed,
    baseline=variant_name("ring8", "GAN"),
    quick={**_QUICK, "budget": {"steps": 10}},
    taught_in="07_mode_collapse",
    saves_variants=True,
))  # fmt: skip


PLATEAU_METRICS = {**{f"{m}_late": METRICS[m] for m in SCORED}, "high_quality_late_gain": "higher",
                   **METRICS}  # fmt: skip

PLATEAU = register(Protocol(
    name="mode_collapse_plateau",
    title="GAN, PacGAN2, PacGAN4 and WGAN-GP on the ring and the grid, trained to their plateau (20,000 steps)",
    config={**_COMMON, "seeds": 5, "budget": {"steps": 20_000}, "eval_every": 1_000, "spray": True,
            "metrics": PLATEAU_METRICS},
    run_seed=run_seed,
    baseline=variant_name("ring8", "GAN"),
    quick={**_QUICK, "budget": {"steps": 20}},
    taught_in="",
    saves_variants=True,
))  # fmt: skip

"""Which stability tricks help a DCGAN: chapter 08's protocol ("stability").

Each variant is chapter 06's DCGAN with one knob changed (the loss, the learning rate, spectral
normalisation; :func:`vaegan_edu.models.make_gan_variant`), trained from the same seeds for the same number
of generator steps and scored on the same held-out images (:func:`vaegan_edu.metrics.evaluate_samples`).
A step count, not a time budget, keeps the variants comparable: spectral normalisation makes each step
slower, and stability is about what the updates do.

Taught in: 08_student_questions
"""

from __future__ import annotations

import numpy as np

from vaegan_edu import models
from vaegan_edu.experiments.duel import _cell, summarize
from vaegan_edu.experiments.protocol import Protocol, load_dataset, metric_table, register
from vaegan_edu.metrics import Reference, draw_samples, evaluate_samples, make_reference
from vaegan_edu.training import train_for

BASELINE = "baseline (non-saturating, lr 2e-4)"
VARIANTS = {  # name -> keyword arguments of vaegan_edu.models.make_gan_variant
    BASELINE: {},
    "learning rate x10 (2e-3)": {"learning_rate": 2e-3},
    "minimax (saturating) loss": {"loss": "minimax"},
    "spectral normalisation": {"spectral_norm": True},
}


def stability_sweep(data, variants: dict, seeds, steps: int, num_samples: int, batch_size: int = 128,
                    reference: Reference | None = None, on_progress=None) -> list:  # fmt: skip
    """Train each GAN variant from each seed for the same number of steps and score it: rows of a table.

    ``variants`` maps a name to keyword arguments of :func:`vaegan_edu.models.make_gan_variant` (``loss``,
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
            gan = models.make_gan_variant(data.image_shape, seed=seed, **kwargs)
            run = train_for(gan, data.x_train, steps=steps, batch_size=batch_size, seed=seed,
                            nan_guard=False)  # divergence is scored below  # fmt: skip
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


def run_seed(config: dict, seed: int, say) -> dict:
    """One seed of the ``stability`` protocol: every variant trained from ``seed`` for the step budget, scored."""
    ds = load_dataset(config)
    reference = make_reference(ds.x_test, config["num_samples"])
    rows = stability_sweep(ds, config["variants"], [seed], steps=config["budget"]["steps"],
                           num_samples=config["num_samples"], batch_size=config["batch_size"], reference=reference,
                           on_progress=say)  # fmt: skip
    return metric_table(rows, config)


PROTOCOL = register(Protocol(
    name="stability",
    title="Stability tricks for chapter 06's DCGAN, the same steps from the same seeds",
    config={
        "seeds": 5,
        "data": {"name": "glyphs", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "variants": VARIANTS,
        "budget": {"steps": 120},
        "batch_size": 128,
        "num_samples": 1_000,
        "metrics": {"frechet_distance": "lower", "precision": "higher", "recall": "higher", "class_kl": "lower"},
    },
    run_seed=run_seed,
    baseline=BASELINE,
    quick={"seeds": 2, "data": {"name": "glyphs", "seed": 0, "num_train": 1_000, "num_test": 500},
           "budget": {"steps": 10}, "num_samples": 150},
    taught_in="08_student_questions",
))  # fmt: skip

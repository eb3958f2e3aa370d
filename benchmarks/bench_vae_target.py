"""VAE time to target: how long chapter 03's VAE trains until its test negative ELBO is within 2 % of its final value.

    python benchmarks/bench_vae_target.py            # 50 epochs: the target is 2 % of the 50-epoch value
    python benchmarks/bench_vae_target.py --quick    # 10 epochs: the target is 2 % of the 10-epoch value
    KERAS_BACKEND=jax python benchmarks/bench_vae_target.py   # the same on JAX (results/vae_target_jax.json)

Target on a 2-core CPU (issue 8): the VAE reaches its target in <= 60 s. The model, data and optimizer are
chapter 03's (2 latents, 20,000 glyph digits, batch 128, Adam(ve.weights.VAE_LEARNING_RATE)); after every
epoch the test negative ELBO is measured on the 5,000 test images (``ve.metrics.evaluate_elbo``, one seeded
sample of z per image, the same seed every epoch) with the clock stopped, so the time is training time only
(graph tracing of the first epoch included, as a reader meets it). The target is a fixed point of the run's
own curve: the first epoch whose -ELBO is <= 1.02 x the -ELBO after the last epoch.
"""

from __future__ import annotations

import argparse
import os
import time

import keras
from common import write_result

import vaegan_edu as ve

TARGET_S = 60.0
TOLERANCE = 0.02


def run(epochs: int, seed: int = 0) -> list[dict]:
    """Train for ``epochs`` epochs; per epoch: cumulative training seconds and the test -ELBO."""
    cfg = ve.config.settings(seed=seed, fast=False)
    ds = ve.data.load("glyphs", seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    vae = ve.models.VAE(image_shape=ds.image_shape, latent_dim=2, beta=1.0, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(ve.weights.VAE_LEARNING_RATE))
    curve, trained = [], 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        vae.fit(ds.x_train, epochs=epoch, initial_epoch=epoch - 1, batch_size=cfg.batch_size, verbose=0)
        trained += time.perf_counter() - start
        curve.append({"epoch": epoch, "seconds": trained,
                      "neg_elbo": -ve.metrics.evaluate_elbo(vae, ds.x_test, seed=seed)["elbo"]})  # fmt: skip
    return curve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10 epochs instead of 50 (a weaker target)")
    args = parser.parse_args()
    epochs = 10 if args.quick else 50
    load_start = os.getloadavg()[0]
    curve = run(epochs)
    final = curve[-1]["neg_elbo"]
    threshold = (1 + TOLERANCE) * final
    hit = next(c for c in curve if c["neg_elbo"] <= threshold)  # the last epoch always qualifies
    ok = "yes" if hit["seconds"] <= TARGET_S else "**no**"
    summary = {"title": f"Chapter 03 VAE (2 latents, glyphs, batch 128): time until test -ELBO <= 1.02 x its "
                        f"{epochs}-epoch value",
               "columns": [f"-ELBO after {epochs} epochs", "target (+2 %)", "reached after", "training time",
                           f"<= {TARGET_S:.0f} s", f"time for all {epochs} epochs"],
               "rows": [[f"{final:.2f}", f"{threshold:.2f}", f"epoch {hit['epoch']} ({hit['neg_elbo']:.2f})",
                         f"{hit['seconds']:.1f} s", ok, f"{curve[-1]['seconds']:.1f} s"]]}  # fmt: skip
    shown = sorted({1, 2, 3, 5, 10, 15, 20, 30, 40, 50, hit["epoch"]} & set(range(1, epochs + 1)))
    table = {"title": "The curve: test negative ELBO (nats per image) against cumulative training time",
             "columns": ["epoch", "training time", "test -ELBO"],
             "rows": [[str(e), f"{curve[e - 1]['seconds']:.1f} s", f"{curve[e - 1]['neg_elbo']:.2f}"]
                      for e in shown]}  # fmt: skip
    backend = keras.backend.backend()
    notes = [
        "One run (seed 0); the test -ELBO uses one sample of z per image, so it wobbles by a few tenths of a nat.",
        "Training time excludes the per-epoch evaluation; the first epoch includes graph tracing.",
        f"1-minute load average at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores (other work on the machine slows every timing).",
        ("Quick run: 10 epochs, so the target is 2 % of the 10-epoch value, NOT the issue's 50-epoch target."
         if args.quick else "Full run: 50 epochs, the issue's definition of the target."),
    ]  # fmt: skip
    name = "vae_target" if backend == "tensorflow" else f"vae_target_{backend}"
    path = write_result(name, f"VAE: time to 2 % of the final test ELBO ({backend})", [summary, table], notes)
    print(f"wrote {path}")
    print(" | ".join(summary["rows"][0]))


if __name__ == "__main__":
    main()

"""VAE speed and quality: the full-mode training time of the chapters' main VAEs and the test ELBO they reach.

    python benchmarks/bench_vae.py            # chapter 03's 2-D VAE and chapter 05's beta-VAE, full mode
    python benchmarks/bench_vae.py --quick    # 2 epochs each (checks that the script runs)
    KERAS_BACKEND=jax python benchmarks/bench_vae.py   # the same on another backend

Target on a 2-core CPU (issue 5): chapter 03's main VAE trains in <= 2 minutes in full mode. The time is the
whole ``fit`` call as a reader experiences it (graph tracing included, data loading excluded); the test ELBO is
``ve.metrics.evaluate_elbo`` on the full-mode test set (one seeded sample of z per image), and log p(x) is the
IWAE estimate with K = cfg.iwae_k on cfg.iwae_images test images. The machine's load average is recorded,
because other processes sharing the CPU slow training down.
"""

from __future__ import annotations

import argparse
import os
import time

import vaegan_edu as ve  # first: its environment defaults (oneDNN off) apply when TensorFlow loads
import keras
from common import write_result

TARGET_S = 120.0  # chapter 03's main VAE, full mode, 2-core CPU

MODELS = {  # name: (dataset, VAE keyword arguments), as in the chapters and the weights recipes
    "chapter 03: VAE, 2 latents, glyphs": ("glyphs", dict(latent_dim=2, beta=1.0)),
    "chapter 05: beta-VAE, 8 latents, beta 4, sprites": ("sprites", dict(latent_dim=8, beta=4.0)),
}


def run(dataset: str, vae_kwargs: dict, epochs: int, seed: int = 0) -> dict:
    cfg = ve.config.settings(seed=seed, fast=False)
    ds = ve.data.load(dataset, seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    vae = ve.models.VAE(image_shape=ds.image_shape, seed=seed, **vae_kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(ve.weights.VAE_LEARNING_RATE))
    start = time.perf_counter()
    vae.fit(ds.x_train, epochs=epochs, batch_size=cfg.batch_size, verbose=0, callbacks=[ve.training.NaNGuard()])
    seconds = time.perf_counter() - start
    test = ve.metrics.evaluate_elbo(vae, ds.x_test, seed=seed)
    iwae = ve.metrics.iwae_log_likelihood(vae, ds.x_test[: cfg.iwae_images], k=cfg.iwae_k, seed=seed).mean()
    return {"epochs": epochs, "seconds": seconds, "elbo": test["elbo"], "rec": test["reconstruction"],
            "kl": test["kl"], "iwae": iwae, "k": cfg.iwae_k, "images": cfg.iwae_images}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 epochs per model")
    args = parser.parse_args()
    epochs = 2 if args.quick else ve.config.settings(fast=False).vae_epochs
    load_start = os.getloadavg()[0]
    rows = []
    for name, (dataset, kwargs) in MODELS.items():
        r = run(dataset, kwargs, epochs)
        target = "yes" if r["seconds"] <= TARGET_S else "**no**"
        rows.append([name, str(r["epochs"]), f"{r['seconds']:.1f} s", target if name.startswith("chapter 03") else "-",
                     f"{r['elbo']:.2f} = -({r['rec']:.2f} + {r['kl']:.2f})",
                     f"{r['iwae']:.2f} (K = {r['k']}, {r['images']} images)"])  # fmt: skip
    notes = [f"Load average (1 min) at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}, on "
             f"{os.cpu_count()} cores: other processes shared the CPU when it is above the core count.",
             "Quick run: 2 epochs per model, not the chapters' settings." if args.quick else
             "Full mode: the chapters' settings (ve.config full-mode values)."]  # fmt: skip
    table = {"title": "Training time (fit, tracing included) and test-set quality, nats per image",
             "columns": ["model", "epochs", "training time", f"<= {TARGET_S:.0f} s", "test ELBO = -(rec + KL)",
                         "IWAE log p(x)"],
             "rows": rows}  # fmt: skip
    path = write_result("vae", "VAE: training time and test ELBO", [table], notes)
    print(f"wrote {path}")
    for row in rows:
        print(" | ".join(row))


if __name__ == "__main__":
    main()

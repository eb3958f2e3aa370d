"""Training throughput of every book model on each Keras backend, with ``jit_compile`` on and off.

    python benchmarks/bench_backends.py            # TensorFlow, JAX and PyTorch, the full measurement
    python benchmarks/bench_backends.py --quick    # shorter chunks and fewer repeats (a first look)
    KERAS_BACKEND=jax python benchmarks/bench_backends.py --worker   # one backend (what the runner calls)

The Keras backend is fixed when Keras is imported, so the runner starts one worker process per backend;
each worker trains the four book models (chapter 03's VAE on glyphs, chapter 05's beta-VAE on sprites,
chapter 07's ring-of-8 GAN, chapter 08's DCGAN on glyphs), each twice: compiled with ``jit_compile=False``
and with ``jit_compile=True`` (XLA on TensorFlow and JAX, ``torch.compile`` on PyTorch). Every
configuration trains the same number of steps from the same seed: one untimed warm-up chunk (graph tracing,
compilation), then ``repeats`` timed chunks; throughput = images (points for the ring GAN) per second of one
chunk, median with min and max. The quality reached after those steps is measured beside it (test ELBO,
modes captured, Fréchet distance on the book's digit classifier), because a fast model that learns nothing is
not fast. Models and optimizers are the book's (``ve.weights.VAE_LEARNING_RATE``, ``ve.models.make_gan_2d``,
``ve.models.make_dcgan``, including their ``steps_per_execution``); only ``jit_compile`` changes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("vae_glyphs", "beta_vae_sprites", "ring_gan", "dcgan_glyphs")
TITLES = {
    "vae_glyphs": "chapter 03: VAE, 2 latents, glyphs (batch 128)",
    "beta_vae_sprites": "chapter 05: beta-VAE, 8 latents, beta 4, sprites (batch 128)",
    "ring_gan": "chapter 07: ring-of-8 GAN (make_gan_2d, batch 512 points)",
    "dcgan_glyphs": "chapter 08: DCGAN on glyphs (make_dcgan, batch 128)",
}
# steps per timed chunk and number of timed chunks (after one warm-up chunk), full / quick
PLAN = {
    "full": {"vae_glyphs": (156, 5), "beta_vae_sprites": (156, 5), "ring_gan": (500, 5), "dcgan_glyphs": (100, 4)},
    "quick": {"vae_glyphs": (50, 3), "beta_vae_sprites": (50, 3), "ring_gan": (250, 5), "dcgan_glyphs": (30, 3)},
}
WORKER_TIMEOUT_S = {"full": 1800, "quick": 900}


# --- worker: one backend, every model and jit setting ------------------------------------------------------
def _chunks(fit_chunk, repeats):
    """Warm-up chunk untimed, then ``repeats`` timed chunks; seconds per chunk."""
    fit_chunk(0)
    times = []
    for i in range(1, repeats + 1):
        start = time.perf_counter()
        fit_chunk(i)
        times.append(time.perf_counter() - start)
    return times


def _vae(dataset, vae_kwargs, jit, steps, repeats, quick, seed=0):
    import keras
    import numpy as np

    import vaegan_edu as ve

    cfg = ve.config.settings(seed=seed, fast=False)
    ds = ve.data.load(dataset, seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    vae = ve.models.VAE(image_shape=ds.image_shape, seed=seed, **vae_kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(ve.weights.VAE_LEARNING_RATE), jit_compile=jit)
    n = steps * cfg.batch_size
    rng = np.random.default_rng(seed)

    def fit_chunk(i):
        idx = rng.choice(len(ds.x_train), size=n, replace=False)
        vae.fit(ds.x_train[idx], epochs=1, batch_size=cfg.batch_size, shuffle=False, verbose=0)

    times = _chunks(fit_chunk, repeats)
    x_test = ds.x_test[: 1000 if quick else len(ds.x_test)]
    elbo = ve.metrics.evaluate_elbo(vae, x_test, seed=seed)["elbo"]
    return {"times": times, "items": n, "quality": f"test ELBO {elbo:.2f} nats ({len(x_test)} images)",
            "resolved_jit": str(vae.jit_compile)}  # fmt: skip


def _ring(jit, steps, repeats, quick, seed=0):
    import numpy as np

    import vaegan_edu as ve

    ve.config.set_seed(seed)
    x, modes, std = ve.data.toy_2d("ring8", 20_000, seed=seed)
    gan = ve.models.make_gan_2d(seed=seed, jit_compile=jit)
    batch = ve.models.GAN_2D_BATCH_SIZE

    def fit_chunk(i):
        ve.training.fit_gan(gan, x, steps, batch_size=batch, seed=seed + i)

    times = _chunks(fit_chunk, repeats)
    z = np.random.default_rng(seed).normal(size=(2500, gan.latent_dim)).astype("float32")
    cov = ve.metrics.mode_coverage(gan.generate(z=z), modes, std)
    return {"times": times, "items": steps * batch,
            "quality": f"{cov.modes_captured}/8 modes, {cov.high_quality:.1%} high quality",
            "resolved_jit": str(gan.jit_compile)}  # fmt: skip


def _dcgan(jit, steps, repeats, quick, seed=0):
    import vaegan_edu as ve

    cfg = ve.config.settings(seed=seed, fast=False)
    ds = ve.data.load("glyphs", seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    gan = ve.models.make_dcgan(ds.image_shape, seed=seed, jit_compile=jit)

    def fit_chunk(i):
        ve.training.fit_gan(gan, ds.x_train, steps, batch_size=cfg.batch_size, seed=seed + i)

    times = _chunks(fit_chunk, repeats)
    n = 500 if quick else cfg.num_eval_samples
    real = ve.metrics.digit_features(ds.x_test[:n])
    fd = ve.metrics.frechet_distance(real, ve.metrics.digit_features(gan.generate(n)))
    return {"times": times, "items": steps * cfg.batch_size, "quality": f"FD {fd:.1f} ({n} vs {n} images)",
            "resolved_jit": str(gan.jit_compile)}  # fmt: skip


def worker(quick: bool) -> None:
    """Measure every model and jit setting on the current backend; one ``RESULT {json}`` line per config."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import vaegan_edu  # noqa: F401  (first: its environment defaults, e.g. oneDNN off, apply when TensorFlow loads)
    import keras

    plan = PLAN["quick" if quick else "full"]
    for model in MODELS:
        steps, repeats = plan[model]
        for jit in (False, True):
            start = time.perf_counter()
            record = {"backend": keras.backend.backend(), "model": model, "jit": jit, "steps": steps,
                      "repeats": repeats}  # fmt: skip
            try:
                if model == "vae_glyphs":
                    out = _vae("glyphs", dict(latent_dim=2, beta=1.0), jit, steps, repeats, quick)
                elif model == "beta_vae_sprites":
                    out = _vae("sprites", dict(latent_dim=8, beta=4.0), jit, steps, repeats, quick)
                elif model == "ring_gan":
                    out = _ring(jit, steps, repeats, quick)
                else:
                    out = _dcgan(jit, steps, repeats, quick)
                record.update(out)
            except NotImplementedError as err:
                record["unsupported"] = str(err).split(";")[0]
            except Exception as err:  # a backend/compiler failure is a result to report, not a crash
                record["error"] = f"{type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}"
            record["wall_s"] = time.perf_counter() - start
            print("RESULT " + json.dumps(record), flush=True)


# --- runner: one worker process per backend, then the tables -----------------------------------------------
def run_backend(backend: str, quick: bool, extra_env: dict | None = None) -> tuple[list[dict], str]:
    """Run one worker, echoing each configuration as it finishes; its records and a problem note ('' if none).
    ``extra_env`` adds environment variables (bench_onednn.py sets TF_ENABLE_ONEDNN_OPTS)."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", **(extra_env or {}))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"] + (["--quick"] if quick else [])
    records, note = [], ""
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        timer = threading.Timer(WORKER_TIMEOUT_S["quick" if quick else "full"], proc.kill)
        timer.start()
        for line in proc.stdout:
            if line.startswith("RESULT "):
                r = json.loads(line[7:])
                records.append(r)
                outcome = r.get("quality") or r.get("unsupported") or r.get("error")
                print(f"{backend:10s} {r['model']:16s} jit={r['jit']!s:5s} {outcome} ({r['wall_s']:.0f} s)", flush=True)
        timed_out = not timer.is_alive()
        timer.cancel()
        if proc.wait():
            note = "stopped at the time limit" if timed_out else f"worker exited with status {proc.returncode}"
    return records, note


def throughput(r):
    rates = [r["items"] / t for t in r["times"]]
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter chunks, fewer repeats")
    parser.add_argument("--worker", action="store_true", help="measure the current KERAS_BACKEND only")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args()
    if args.worker:
        worker(args.quick)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import write_result

    load_start = os.getloadavg()[0]
    records, problems = [], []
    for backend in args.backends:
        got, note = run_backend(backend, args.quick)
        records += got
        if note:
            problems.append(f"{backend}: {note} (configurations after the last row shown are missing)")
    tables, fastest = [], []
    for model in MODELS:
        rows, best = [], None
        for r in (r for r in records if r["model"] == model):
            label = "on" if r["jit"] else "off"
            if "times" in r:
                tp = throughput(r)
                per_step = 1000 * statistics.median(r["times"]) / r["steps"]
                rows.append([r["backend"], label, f"{tp['median']:,.0f} ({tp['min']:,.0f}–{tp['max']:,.0f})",
                             f"{per_step:.1f} ms", r["quality"], f"{r['wall_s']:.0f} s"])  # fmt: skip
                if best is None or tp["median"] > best[0]:
                    best = (tp["median"], r["backend"], label, r["quality"])
            else:
                why = f"not supported ({r['unsupported']})" if "unsupported" in r else f"failed: {r['error']}"
                rows.append([r["backend"], label, why, "-", "-", f"{r['wall_s']:.0f} s"])
        if not rows:
            continue
        steps, repeats = PLAN["quick" if args.quick else "full"][model]
        unit = "points/s" if model == "ring_gan" else "images/s"
        tables.append({"title": f"{TITLES[model]}: 1 + {repeats} chunks of {steps} steps",
                       "columns": ["backend", "jit_compile", f"{unit}, median (min–max)", "time per step",
                                   f"quality after {(repeats + 1) * steps} steps", "wall time incl. compile"],
                       "rows": rows})  # fmt: skip
        if best:
            fastest.append(f"{TITLES[model].split(':')[0]}: {best[1]} with jit_compile {best[2]} "
                           f"({best[0]:,.0f} {unit}; {best[3]})")  # fmt: skip
    notes = [
        "Fastest configuration per model on this machine: " + "; ".join(fastest) + ".",
        "jit_compile on means XLA on TensorFlow and JAX and torch.compile on PyTorch; Keras's default ('auto') "
        "resolves to off on a CPU-only TensorFlow, on for JAX and off for PyTorch.",
        "Every configuration trains the same steps from seed 0, so the quality column compares like with like; "
        "one run per configuration, so quality differences of a few percent are within seed noise.",
        "The time per step and the throughput exclude the warm-up chunk; the wall time includes it (tracing and "
        "compilation), data loading and the quality measurement.",
        f"1-minute load average at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores (other work on the machine slows every timing).",
        ("Quick run: short chunks and 3 to 5 repeats; the quality numbers are after very little training."
         if args.quick else "Full run: the step counts in the table titles."),
    ] + problems  # fmt: skip
    path = write_result("backends", "Backends and jit_compile: training throughput with the quality reached",
                        tables, notes)  # fmt: skip
    print(f"wrote {path}")
    for note in notes[:1]:
        print(note)


if __name__ == "__main__":
    main()

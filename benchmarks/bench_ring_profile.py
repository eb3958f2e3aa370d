"""Where the ring GAN's training time goes: per-step compute, per-``fit`` overhead, tracing, the metric.

    python benchmarks/bench_ring_profile.py            # 3 repeats of each measurement
    python benchmarks/bench_ring_profile.py --quick    # 2 repeats

``bench_gan.py`` trains the book's 2-D GAN (``ve.models.make_gan_2d``, batch 512) in chunks of 250 steps,
one ``fit`` call each (``ve.training.fit_gan``), and measures mode coverage after every chunk. This script
splits that time into its parts on the current backend: the cost of one ``fit`` call of ``s`` steps is fitted
as ``a + b s`` (``a``: per-call overhead of Keras's ``fit``, data adapter, callbacks; ``b``: one train step);
the first call's extra time is tracing; ``steps_per_execution`` 1 against the book's setting shows the Python
overhead per step; and the metric (``gan.generate`` of 2,500 points + ``ve.metrics.mode_coverage``) is timed
on its own.
"""

from __future__ import annotations

import argparse
import os
import time

import vaegan_edu as ve  # first: its environment defaults (oneDNN off) apply when TensorFlow loads
import keras
import numpy as np
from common import fmt_time, time_it, write_result

CHUNKS = (10, 50, 250, 1000)


def fresh_gan(steps_per_execution=None, seed=0):
    gan = ve.models.make_gan_2d(seed=seed)
    if steps_per_execution is not None:
        lr, beta_1 = ve.models.GAN_2D_LEARNING_RATE, ve.models.GAN_2D_BETA_1
        gan.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1),
                    g_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1),
                    loss=gan.loss_name, steps_per_execution=steps_per_execution)  # fmt: skip
    return gan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 3")
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    load_start = os.getloadavg()[0]
    ve.config.set_seed(0)
    x, modes, std = ve.data.toy_2d("ring8", 20_000, seed=0)
    batch = ve.models.GAN_2D_BATCH_SIZE
    rows, per_step, parts = [], {}, {}
    for spe in (None, 1):  # the book's setting, then one step per call into the compiled function
        gan = fresh_gan(spe)
        label = f"steps_per_execution={gan.steps_per_execution}" + (" (book)" if spe is None else "")
        start = time.perf_counter()
        ve.training.fit_gan(gan, x, 250, batch_size=batch)
        first = time.perf_counter() - start
        timings = {s: time_it(lambda s=s: ve.training.fit_gan(gan, x, s, batch_size=batch), repeats, warmup=0)
                   for s in CHUNKS}  # fmt: skip
        b, a = np.polyfit(list(CHUNKS), [timings[s]["median"] for s in CHUNKS], 1)
        per_step[label] = b
        tracing = first - (a + 250 * b)
        parts[label] = (a, b, tracing)
        rows += [[label, f"fit_gan, {s} steps", fmt_time(timings[s]),
                  f"{1000 * timings[s]['median'] / s:.2f} ms per step"] for s in CHUNKS]  # fmt: skip
        rows += [[label, "fit: per-call overhead a (fit of a + b s)", f"{1000 * a:.0f} ms", "-"],
                 [label, "one train step b (fit of a + b s)", f"{1000 * b:.2f} ms", f"{batch / b:,.0f} points/s"],
                 [label, "first 250-step call (tracing included)", f"{first:.2f} s",
                  f"tracing ≈ {tracing:.2f} s"]]  # fmt: skip
    z = np.random.default_rng(0).normal(size=(2500, gan.latent_dim)).astype("float32")
    gen = time_it(lambda: gan.generate(z=z), repeats)
    samples = gan.generate(z=z)
    cov = time_it(lambda: ve.metrics.mode_coverage(samples, modes, std), repeats)
    rows += [["-", "gan.generate(z) for 2,500 points", fmt_time(gen, "ms", 1000), "-"],
             ["-", "ve.metrics.mode_coverage on 2,500 points", fmt_time(cov, "ms", 1000), "-"]]  # fmt: skip
    book = next(k for k in per_step if "(book)" in k)
    one = next(k for k in per_step if "(book)" not in k)
    a, b, tracing = parts[book]
    chunk = a + 250 * b + gen["median"] + cov["median"]
    notes = [
        f"One 250-step chunk of bench_gan.py with the book's settings ≈ {chunk:.2f} s: train steps "
        f"{250 * b / chunk:.0%}, fit overhead {a / chunk:.0%}, metric (generate + mode_coverage) "
        f"{(gen['median'] + cov['median']) / chunk:.1%}; tracing ≈ {tracing:.1f} s once per model. At {1000 * b:.1f} "
        f"ms per step, the 30 s target allows ≈ {int((30 - tracing) / (b + a / 250)):,} steps.",
        f"Backend {keras.backend.backend()}. Python overhead per step: {1000 * (per_step[one] - per_step[book]):.2f}"
        f" ms ({one} against {book}).",
        "The fit of a + b s uses the medians of the chunk sizes " + ", ".join(map(str, CHUNKS)) + f"; {repeats} "
        "repeats each, no warm-up (the first 250-step call before them is the warm-up and is reported).",
        f"1-minute load average at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores (other work on the machine slows every timing).",
    ]  # fmt: skip
    table = {"title": "Ring GAN (make_gan_2d, batch 512): the parts of one training chunk",
             "columns": ["compiled with", "what", "time", "derived"], "rows": rows}  # fmt: skip
    path = write_result("ring_profile", "Ring GAN: where the training time goes", [table], notes)
    print(f"wrote {path}")
    for row in rows:
        print(" | ".join(row))
    for note in notes[:1]:
        print(note)


if __name__ == "__main__":
    main()

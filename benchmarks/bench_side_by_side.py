"""Several seeds of the ring GAN trained side by side in one compiled program (``jax.vmap``), or one after another.

    python benchmarks/bench_side_by_side.py            # K = 1, 2, 4, 8, 16 seeds side by side (a few minutes)
    python benchmarks/bench_side_by_side.py --quick    # K = 4 only, short chunks, 2 repeats (under a minute)

The studies train the book's 2-D GAN (``ve.models.make_gan_2d``: MLPs of 3 x 128 units, 8-D latent, batch
``ve.models.GAN_2D_BATCH_SIZE``, Adam(lr, beta_1=0.5), non-saturating loss) for many seeds, one model after
another, each with its own ``ve.training.fit_gan`` calls. Where a network is small, fixed costs (launching each
operation, Python, ``fit``) rather than arithmetic may take a CPU step's time; then K seeds trained at once by
one program whose operations are K times wider could multiply throughput. This script measures the cost of one
*model-step* (one discriminator and one generator update of one seed's model) four ways:

(a) TensorFlow, ``fit_gan`` in chunks of 250 steps (one ``fit`` call each, as the studies run), one model; K
    models one after another cost K times as much, so its time per model-step holds for every K;
(b) JAX, the same ``fit_gan`` (Keras's ``fit`` on the JAX backend), one model;
(c) JAX, the package's own train step (``GAN.train_step(state, data)``, the stateless step Keras's JAX trainer
    calls) looped by ``jax.lax.scan`` over ``scan_steps`` steps inside one ``jax.jit``, one model;
(d) the same compiled loop under ``jax.vmap`` over K seeds' stacked states (weights, Adam's moments, random
    state), each seed with its own data order: K models trained side by side by one program.

(c) and (d) train the same networks with the same loss, optimizers and random draws as ``fit``, since they run
the model's own step, and the script asserts that they really train: the discriminator loss changes, the K
seeds' weights stay apart, and seed 0 trained inside the widest program ends where seed 0 trained alone on the
same batches ends (up to float32 rounding). Timings exclude a warm-up call (tracing, XLA compilation); each
timed repeat is timed both on the wall clock and in the process's CPU time. The machine may be busy with other
work, which stretches wall times unevenly; the CPU time a single-threaded process spends is much less
affected, so the ratios are taken from CPU time and the wall times are shown beside them. The Keras backend is
fixed when Keras is imported: this process measures TensorFlow and starts one worker process for JAX
(``--worker``). Both are limited to one thread, so a multi-core machine, where one wide operation could also
use several cores, may see a different gain.
"""

from __future__ import annotations

import os

# One thread each for TensorFlow and XLA, set before either loads (the JAX worker inherits them).
os.environ.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1",
                  XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")  # fmt: skip

import argparse  # noqa: E402  (after the thread settings)
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

PLAN = {
    # ks: seeds side by side; model_steps: model-steps per timed repeat; repeats: timed repeats (after a warm-up
    # call); fit_chunk: steps per fit_gan call (250: bench_gan.py's chunks, the studies' checkpoints);
    # scan_steps: steps per call into the compiled JAX program (fit's steps_per_execution is 10 on TensorFlow);
    # jax_fit: also time (b).
    "full": {"ks": (1, 2, 4, 8, 16), "model_steps": 400, "repeats": 3, "fit_chunk": 250, "scan_steps": 25,
             "jax_fit": True},
    "quick": {"ks": (4,), "model_steps": 40, "repeats": 2, "fit_chunk": 40, "scan_steps": 10, "jax_fit": False},
}  # fmt: skip
WORKER_TIMEOUT_S = {"full": 420, "quick": 60}
LABELS = {
    "tf_fit": "(a) TensorFlow, fit_gan, one model after another (the studies)",
    "jax_fit": "(b) JAX, fit_gan, one model after another",
    "jax_scan": "(c) JAX, train_step in one jit + scan, one model",
    "jax_vmap": "(d) JAX, (c) under jax.vmap, K seeds side by side",
}


# --- measuring (both backends) ------------------------------------------------------------------------------
def _orders(seeds, steps, n, batch):
    """Each seed's data indices for ``steps`` steps, shape (len(seeds), steps, batch): freshly shuffled passes
    over the data, as ``fit_gan`` draws them for its seed."""
    import numpy as np

    per_pass = n // batch
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        order = np.concatenate([rng.permutation(n)[: per_pass * batch] for _ in range(-(-steps // per_pass))])
        out.append(order[: steps * batch].reshape(steps, batch))
    return np.stack(out).astype("int32")


def _timed(fn, repeats):
    """Wall-clock and CPU seconds of ``fn(i)`` for i = 1..repeats (the caller runs the warm-up)."""
    wall, cpu = [], []
    for i in range(1, repeats + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(i)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"wall": wall, "cpu": cpu}


def _cpu_ticks():
    """CPU time (clock ticks) of every process, by pid, from /proc (empty where there is none)."""
    ticks = {}
    for d in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                ticks[int(d.name)] = int(fields[11]) + int(fields[12])  # utime + stime
            except (OSError, IndexError, ValueError):
                continue
    return ticks


def measure_fit_gan(ve, plan, name):
    """(a) / (b): one ring GAN trained by ``fit_gan`` in chunks of ``fit_chunk`` steps on the current backend
    (``ve``: the caller's ``vaegan_edu``, imported before the backend)."""
    x, _, _ = ve.data.toy_2d("ring8", 20_000, seed=0)
    batch, chunk = ve.models.GAN_2D_BATCH_SIZE, plan["fit_chunk"]
    chunks = max(1, round(plan["model_steps"] / chunk))
    gan = ve.models.make_gan_2d(seed=0)
    start = time.perf_counter()
    first = ve.training.fit_gan(gan, x, chunk, batch_size=batch, seed=0)  # warm-up: tracing, compilation
    warmup = time.perf_counter() - start
    last = {}

    def run(i):
        for c in range(chunks):
            last.update(ve.training.fit_gan(gan, x, chunk, batch_size=batch, seed=chunks * i + c))

    times = _timed(run, plan["repeats"])
    # multiply-adds of the dense layers per example: the size of each kernel
    macs = {net.name: sum(int(w.shape[0] * w.shape[1]) for w in net.trainable_weights if len(w.shape) == 2)
            for net in (gan.generator, gan.discriminator)}  # fmt: skip
    return {"name": name, "k": 1, "model_steps": chunks * chunk, **times, "warmup_s": warmup,
            "steps_trained": chunk * (1 + chunks * plan["repeats"]), "d_loss_first": first["d_loss"][-1],
            "d_loss_last": [last["d_loss"][-1]], "batch": batch, "macs": macs}  # fmt: skip


def measure_tensorflow(plan):
    """(a), in this process."""
    import vaegan_edu as ve  # first: its environment defaults (oneDNN off) apply when TensorFlow loads
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    return measure_fit_gan(ve, plan, "tf_fit")


def jax_worker(plan):
    """(b), (c), (d) and the check that seed 0 trains the same inside the K-wide program; one ``RESULT {json}``
    line each."""
    import vaegan_edu as ve
    import jax
    import jax.numpy as jnp
    import numpy as np

    def emit(record):
        print("RESULT " + json.dumps(record), flush=True)

    if plan["jax_fit"]:
        emit(measure_fit_gan(ve, plan, "jax_fit"))
    x_np, _, _ = ve.data.toy_2d("ring8", 20_000, seed=0)
    x = jnp.asarray(x_np)
    batch, ks, scan_steps = ve.models.GAN_2D_BATCH_SIZE, plan["ks"], plan["scan_steps"]
    gans = [ve.models.make_gan_2d(seed=seed) for seed in range(max(ks))]
    template = gans[0]  # traces the step; every value it computes with comes from the state passed in
    # what Keras's JAX trainer passes to train_step: the values of the model's four groups of variables
    states = [tuple([v.value for v in group] for group in (g.trainable_variables, g.non_trainable_variables,
                                                             g.optimizer.variables, g.metrics_variables))
              for g in gans]  # fmt: skip

    def own(state):
        """A copy of ``state``: the compiled programs take over (donate) the buffers they are given."""
        return jax.tree.map(jnp.copy, state)

    def stacked(k):
        return jax.tree.map(lambda *leaves: jnp.stack(leaves), *states[:k])

    def chunk(state, idx):
        """``scan_steps`` training steps of one model on the batches ``x[idx[s]]``; the trackers restart at zero,
        so the returned discriminator loss is this call's mean (as after one ``fit`` epoch)."""
        trainable, non_trainable, optimizer, metrics = state
        state = (trainable, non_trainable, optimizer, [jnp.zeros_like(m) for m in metrics])

        def step(state, rows):
            logs, state = template.train_step(state, (x[rows],))
            return state, logs["d_loss"]

        state, d_losses = jax.lax.scan(step, state, idx)
        return state, d_losses[-1]

    single = jax.jit(chunk, donate_argnums=0)
    side_by_side = jax.jit(jax.vmap(chunk), donate_argnums=0)

    def measure(name, k, program, state):
        """Warm-up call, then ``repeats`` timed repeats of ``calls`` calls of ``program``; then checks."""
        calls = max(1, -(-plan["model_steps"] // (scan_steps * k)))
        n_calls = 1 + calls * plan["repeats"]
        idx = _orders(range(k), n_calls * scan_steps, len(x_np), batch).reshape(k, n_calls, scan_steps, batch)
        per_call = [jnp.asarray(idx[:, c] if name == "jax_vmap" else idx[0, c]) for c in range(n_calls)]
        held = {"state": state}

        def run(first_call, n):
            for c in range(first_call, first_call + n):
                held["state"], loss = program(held["state"], per_call[c])
            jax.block_until_ready(held["state"])
            return np.atleast_1d(np.asarray(loss))

        start = time.perf_counter()
        loss_first = run(0, 1)
        warmup = time.perf_counter() - start
        last = {}
        times = _timed(lambda i: last.update(loss=run(1 + calls * (i - 1), calls)), plan["repeats"])
        # every seed's weights as one row: (k, ...) under vmap, (...) alone
        flat = np.concatenate([np.asarray(w).reshape(k, -1) for w in held["state"][0]], axis=1)
        apart = min((float(np.abs(flat[a] - flat[b]).max()) for a in range(k) for b in range(a + 1, k)),
                    default=None)  # fmt: skip
        return {"name": name, "k": k, "model_steps": scan_steps * calls * k, **times, "warmup_s": warmup,
                "steps_trained": scan_steps * n_calls, "d_loss_first": float(np.median(loss_first)),
                "d_loss_last": [float(v) for v in last["loss"]], "seeds_apart": apart,
                "finite": bool(np.all(np.isfinite(flat)))}  # fmt: skip

    emit(measure("jax_scan", 1, single, own(states[0])))
    for k in ks:
        emit(measure("jax_vmap", k, side_by_side, stacked(k)))
    # Seed 0 inside the widest program against seed 0 alone, on the same batches (same compiled programs).
    k = max(ks)
    idx = jnp.asarray(_orders(range(k), scan_steps, len(x_np), batch))
    alone, _ = single(own(states[0]), idx[0])
    together, _ = side_by_side(stacked(k), idx)
    gap = max(float(jnp.abs(a - b[0]).max()) for a, b in zip(alone[0], together[0]))
    emit({"name": "vmap_vs_alone", "k": k, "max_abs_gap": gap,
          "max_abs_weight": max(float(jnp.abs(a).max()) for a in alone[0])})  # fmt: skip


def run_jax_worker(quick):
    """The JAX measurements in a worker process; its records (echoed as they come) and a problem note or ''."""
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"] + (["--quick"] if quick else [])
    records, note = [], ""
    with tempfile.TemporaryFile("w+") as err, \
            subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True) as proc:
        timer = threading.Timer(WORKER_TIMEOUT_S["quick" if quick else "full"], proc.kill)
        timer.start()
        for line in proc.stdout:
            if line.startswith("RESULT "):
                records.append(r := json.loads(line[7:]))
                print(f"jax {r['name']:13s} K={r['k']:<3d} " + (f"{per_step_ms(r)[0]:.2f} ms per model-step (CPU)"
                      if "cpu" in r else f"largest weight gap {r['max_abs_gap']:.2g}"), flush=True)  # fmt: skip
        timed_out = not timer.is_alive()
        timer.cancel()
        if proc.wait():
            note = "stopped at the time limit" if timed_out else f"exited with status {proc.returncode}"
            err.seek(0)
            print(err.read()[-3000:], file=sys.stderr)  # the worker's traceback
    return records, note


# --- results --------------------------------------------------------------------------------------------------
def per_step_ms(r, clock="cpu"):
    """Median, min and max milliseconds per model-step over a record's timed repeats."""
    ms = [t * 1000 / r["model_steps"] for t in r[clock]]
    return statistics.median(ms), min(ms), max(ms)


def check(records):
    """Assert that the side-by-side programs really train K different models, each as it would train alone."""
    for r in (r for r in records if "cpu" in r):
        where = f"{r['name']} K={r['k']}"
        assert r["d_loss_first"] != statistics.median(r["d_loss_last"]), f"{where}: the discriminator loss is stuck"
        assert r.get("finite", True), f"{where}: non-finite weights"
        if r["k"] > 1:
            assert r["seeds_apart"] > 1e-3, f"{where}: two seeds ended with the same weights"
            assert len(set(r["d_loss_last"])) == r["k"], f"{where}: two seeds ended with the same loss"
    gap = next(r for r in records if r["name"] == "vmap_vs_alone")
    # float32 rounding differs between the K-wide and the one-model program and grows over the steps; another
    # seed, data order or update rule would differ by the size of the weights themselves
    assert gap["max_abs_gap"] <= 0.01 * gap["max_abs_weight"], (
        f"seed 0 trained inside the {gap['k']}-wide program differs from seed 0 alone by {gap['max_abs_gap']:.3g}")
    return gap


def step_flop(r):
    """Floating-point operations of one model-step in the dense layers' matrix products (biases, activations and
    Adam left out; a backward pass counted as twice its forward): the discriminator step runs G on B latents,
    D forward and backward on 2B points; the generator step runs G forward and backward and D forward and back
    to its input on B points, so 2 x (4 B g + 8 B d) with g, d the networks' multiply-adds per example."""
    return 2 * r["batch"] * (4 * r["macs"]["generator"] + 8 * r["macs"]["discriminator"])


def tables_and_notes(records, plan, quick, wall, others, loads):
    gap = check(records)
    cpu = {(r["name"], r["k"]): per_step_ms(r)[0] for r in records if "cpu" in r}
    wall_ms = {(r["name"], r["k"]): per_step_ms(r, "wall")[0] for r in records if "cpu" in r}
    base, alone = cpu[("tf_fit", 1)], cpu[("jax_scan", 1)]
    flop = step_flop(records[0])
    rate = {key: flop / (ms * 1e6) for key, ms in cpu.items()}  # GFLOP per CPU-second
    rows, check_rows = [], []
    for r in (r for r in records if "cpu" in r):
        med, lo, hi = per_step_ms(r)
        w_med, w_lo, w_hi = per_step_ms(r, "wall")
        rows.append([LABELS[r["name"]], "1 at a time" if r["name"].endswith("_fit") else str(r["k"]),
                     f"{med:.3g} ms ({lo:.3g}–{hi:.3g})", f"{base / med:.2f}x", f"{alone / med:.2f}x",
                     f"{rate[(r['name'], r['k'])]:.0f}", f"{w_med:.3g} ms ({w_lo:.3g}–{w_hi:.3g})",
                     f"{wall_ms[('tf_fit', 1)] / w_med:.2f}x", f"{r['model_steps']:,}", f"{r['warmup_s']:.1f} s"])
        last = r["d_loss_last"]
        check_rows.append([LABELS[r["name"]].split(",")[0], str(r["k"]), f"{r['steps_trained']:,}",
                           f"{r['d_loss_first']:.3f} → {statistics.median(last):.3f}",
                           f"{min(last):.3f}–{max(last):.3f}" if len(last) > 1 else "-",
                           "-" if r.get("seeds_apart") is None else f"{r['seeds_apart']:.3g}"])  # fmt: skip
    vmap = {k: v for (name, k), v in cpu.items() if name == "jax_vmap"}
    best, ks = min(vmap, key=vmap.get), sorted(vmap)
    tables = [
        {"title": "Cost of one model-step (one discriminator + one generator update of one seed's ring GAN), "
                  "one thread per process",
         "columns": ["how the seeds are trained", "K seeds", "CPU time per model-step, median (min–max)",
                     "throughput × (a), CPU", "throughput × (c), CPU", "dense-layer GFLOP per CPU-second",
                     "wall time per model-step", "throughput × (a), wall", "model-steps per timed repeat",
                     "warm-up (tracing, compiling)"],
         "rows": rows},
        {"title": "Does it train? Each configuration's models after all its steps (warm-up and timed)",
         "columns": ["configuration", "K", "steps per seed", "d_loss, warm-up call → last call (median over seeds)",
                     "last call's d_loss, min–max over seeds", "smallest max abs weight difference of two seeds"],
         "rows": check_rows},
    ]  # fmt: skip
    jax_fit = (f"; Keras's fit on JAX (b): {base / cpu[('jax_fit', 1)]:.2f}x"
               if ("jax_fit", 1) in cpu else "")  # fmt: skip
    notes = [
        f"Best side by side: K={best} seeds in one compiled JAX program, {vmap[best]:.3g} ms of CPU per "
        f"model-step: {base / vmap[best]:.2f}x the throughput of the studies' way (a, {base:.3g} ms) and "
        f"{alone / vmap[best]:.2f}x that of the same compiled loop for one model (c, {alone:.3g} ms). The compiled "
        f"JAX loop for one model alone: {base / alone:.2f}x over (a){jax_fit}. On the wall clock, which the other "
        f"work stretches unevenly: {wall_ms[('tf_fit', 1)] / wall_ms[('jax_vmap', best)]:.2f}x over (a) and "
        f"{wall_ms[('jax_scan', 1)] / wall_ms[('jax_vmap', best)]:.2f}x over (c).",
        "CPU time per model-step under vmap by K: " + ", ".join(f"K={k}: {vmap[k]:.3g} ms" for k in ks) + "."
        + (f" Doubling K from {ks[-2]} to {ks[-1]} changes it by {vmap[ks[-1]] / vmap[ks[-2]] - 1:+.0%}."
           if len(ks) > 1 else ""),
        f"One model-step is about {flop / 1e9:.2f} GFLOP of dense-layer arithmetic (batch {records[0]['batch']}; "
        f"matrix products only, backward passes counted as twice the forward). Every configuration ran it at "
        f"{min(rate.values()):.0f}–{max(rate.values()):.0f} GFLOP per CPU-second on one thread. Training side by "
        f"side shares out the fixed costs of a step, not its arithmetic: at best it removed "
        f"{alone - vmap[best]:.2g} ms ({1 - vmap[best] / alone:.0%}) of the one-model loop's {alone:.3g} ms per "
        f"model-step.",
        f"(c) and (d) run the model's own train step (GAN.train_step(state, data), what Keras's JAX trainer "
        f"calls), so the networks, the non-saturating loss, Adam(lr, beta_1=0.5) and the random draws are fit's; "
        f"scan of {plan['scan_steps']} steps per call. Checked (asserted): every configuration's discriminator "
        f"loss changed, the K seeds end with different weights and losses (second table), and seed 0 trained for "
        f"{plan['scan_steps']} steps inside the K={gap['k']} program ends {gap['max_abs_gap']:.2g} from seed 0 "
        f"trained alone on the same batches (largest weight {gap['max_abs_weight']:.2g}; float32 rounding). "
        f"Each seed draws its own data order (freshly shuffled passes, as fit_gan does for its seed).",
        f"Measured beside {others[0]} busy processes (each above a quarter of a core; all other processes together "
        f"used {others[1]:.1f} of the {os.cpu_count()} cores during this run); 1-minute load average "
        f"{loads[0]:.1f} at the start, {loads[1]:.1f} at the end. Ratios, not absolute times, are the result. The "
        f"ratios are taken from CPU time (the process's own, all its threads), which the other work stretches "
        f"far less than the wall clock. Every process ran one thread (TF_NUM_INTRAOP_THREADS=1, XLA without "
        f"multi-threaded Eigen); the studies' TensorFlow runs use every core they get.",
        f"{'Quick' if quick else 'Full'} run: K in {', '.join(map(str, plan['ks']))}; {plan['repeats']} timed "
        f"repeats of about {plan['model_steps']:,} model-steps each after a warm-up call; fit_gan in chunks of "
        f"{plan['fit_chunk']} steps (steps_per_execution as the book compiles it). Not in the per-step times: "
        f"one model after another pays the warm-up (tracing; {records[0]['warmup_s']:.1f} s for (a) with its first "
        f"chunk) once per model, the side-by-side program once per K models. Whole run {wall:.0f} s.",
    ]  # fmt: skip
    return tables, notes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="K = 4 only, short chunks, 2 repeats")
    parser.add_argument("--worker", action="store_true", help="the JAX measurements (the runner starts it)")
    args = parser.parse_args()
    plan = PLAN["quick" if args.quick else "full"]
    if args.worker:
        jax_worker(plan)
        return
    os.environ["KERAS_BACKEND"] = "tensorflow"  # this process: (a), and the machine description
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    load_start, ticks_start, start = os.getloadavg()[0], _cpu_ticks(), time.perf_counter()
    records = [measure_tensorflow(plan)]
    print(f"tensorflow tf_fit K=1   {per_step_ms(records[0])[0]:.2f} ms per model-step (CPU)", flush=True)
    got, note = run_jax_worker(args.quick)
    if note:
        raise SystemExit(f"the JAX worker {note}")
    records += got
    wall = time.perf_counter() - start
    ticks_end, load_end = _cpu_ticks(), os.getloadavg()[0]
    cores_used = [(t - ticks_start[pid]) / os.sysconf("SC_CLK_TCK") / wall for pid, t in ticks_end.items()
                  if pid != os.getpid() and pid in ticks_start]  # other processes, in cores over the run
    others = (sum(c > 0.25 for c in cores_used), sum(cores_used))
    tables, notes = tables_and_notes(records, plan, args.quick, wall, others, (load_start, load_end))
    from common import write_result

    path = write_result("side_by_side", "Ring GAN: several seeds side by side (jax.vmap) against one after another",
                        tables, notes)  # fmt: skip
    print(f"wrote {path}")
    for row in tables[0]["rows"]:
        print(" | ".join(row))
    print(notes[0])


if __name__ == "__main__":
    main()

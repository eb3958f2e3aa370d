"""Does a "looks real" metric have a dose-response, and does it rank a GAN's checkpoints? (issue 31, item 5)

    python benchmarks/metric_dose_response.py            # full: 1,000 images per set, 8 DCGAN checkpoints
    python benchmarks/metric_dose_response.py --quick    # 200 images per set, 3 short checkpoints (seconds)
    python benchmarks/metric_dose_response.py --train-only   # only train the DCGAN and cache its samples

Part 1 scores candidate metrics in two feature spaces on held-out digits damaged at several strengths
(:func:`vaegan_edu.metrics.dose_response`). Part 2 trains one DCGAN as the book does (``make_dcgan(seed=0)``,
glyph digits, batch 128) and keeps 1,000 samples from fixed latent codes at 8 checkpoints; every candidate
scores them, and Spearman's rho says whether it orders them as the classifier-space FD and as training time do.
The samples are cached (``--cache``, default under /tmp) so the training runs once.

Results go to ``benchmarks/results/metric_dose_response.json`` in the benchmarks' format (``tables`` render into
RESULTS.md with ``python benchmarks/run.py --render``), with every number behind them under ``dose_response``
and ``checkpoints`` and the run's provenance; ``--quick`` writes to /tmp. Not ``data/experiments/``: every file
there must belong to a registered protocol (``python -m vaegan_edu.experiments verify``, a test), and this study
is not one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import vaegan_edu as ve  # first: its environment defaults apply when the backend loads
import numpy as np
from common import machine_info

from vaegan_edu.metrics.dose_response import BLUR_SIGMAS, NOISE_SETS, default_spaces

ROOT = Path(__file__).resolve().parents[1]
DATA = dict(name="glyphs", seed=0, num_train=20_000, num_test=5_000)  # chapter 08's full-mode data
CHECKPOINTS = (125, 250, 500, 1000, 1500, 2000, 3000, 4000)  # generator steps; dense early, where change is fast
QUICK_CHECKPOINTS = (20, 40, 80)
GAN_SEED = 0  # the weights and the data order of the one DCGAN
SAMPLE_SEED = 10_001  # the fixed latent codes every checkpoint draws its samples from
NUM_SAMPLES = 1_000
QUICK_NUM = 200  # images per set with --quick (the dose-response needs 5 sets: 1,000 test images)
OUT = ROOT / "benchmarks" / "results" / "metric_dose_response.json"


def load_glyphs(quick: bool):
    """The book's glyph digits (full-mode sizes; --quick keeps fewer training images)."""
    spec = dict(DATA, num_train=2_000) if quick else DATA
    return ve.data.load(spec["name"], seed=spec["seed"], num_train=spec["num_train"], num_test=spec["num_test"])


def train_checkpoints(x_train, steps=CHECKPOINTS, num_samples=NUM_SAMPLES, say=print) -> dict:
    """Train ``make_dcgan(seed=GAN_SEED)`` with ``fit_gan`` (batch 128, as chapter 08) and keep ``num_samples``
    samples from the same latent codes at each step in ``steps``; also the training seconds up to each."""
    gan = ve.models.make_dcgan((28, 28, 1), seed=GAN_SEED)
    samples, seconds, trained, done = [], [], 0.0, 0
    for step in steps:
        start = time.perf_counter()
        ve.training.fit_gan(gan, x_train, step - done, batch_size=128, seed=GAN_SEED + done)
        trained += time.perf_counter() - start
        done = step
        samples.append(ve.metrics.draw_samples(gan, num_samples, seed=SAMPLE_SEED))
        seconds.append(trained)
        say(f"checkpoint {step} steps, {trained:.0f} s of training")
    return {"steps": np.asarray(steps), "seconds": np.asarray(seconds), "samples": np.stack(samples)}


def cached_checkpoints(path: Path, x_train, steps, num_samples, say=print) -> dict:
    """:func:`train_checkpoints`, loaded from ``path`` when a file with the same steps and size is there."""
    if path.exists():
        with np.load(path) as f:
            cached = {k: f[k] for k in f.files}
        if tuple(cached["steps"]) == tuple(steps) and cached["samples"].shape[1] == num_samples:
            say(f"checkpoint samples from {path}")
            return cached
    result = train_checkpoints(x_train, steps, num_samples, say=say)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **result)
    os.replace(tmp, path)
    return result


def _rho(a, b):
    """Spearman's rho, None where it is undefined (a constant series, e.g. a score at 0 at every checkpoint)."""
    from scipy.stats import spearmanr

    if len(set(a)) < 2 or len(set(b)) < 2:
        return None
    return float(spearmanr(a, b)[0])


def _oriented(rho, higher_is_better: bool):
    """Spearman's rho turned so that +1 means "better at every later checkpoint" (or "as the FD orders them")."""
    return None if rho is None else (rho if higher_is_better else -rho)


def score_checkpoints(checkpoints: dict, reference_images, spaces=None, candidates=None) -> dict:
    """Every candidate in every space on each checkpoint's samples, and Spearman's rho of each against the
    classifier-space FD and against the training steps.

    The agreement is rho oriented so that +1 means: orders the checkpoints exactly as the classifier's FD does
    (``agrees_with_fd``), or improves at every later checkpoint (``agrees_with_steps``)."""
    spaces = default_spaces() if spaces is None else spaces
    candidates = ve.metrics.CANDIDATES if candidates is None else candidates
    scores = {}
    for space, features in spaces.items():
        ref = features(reference_images)
        rows = [ve.metrics.score_candidates(ref, features(x), candidates) for x in checkpoints["samples"]]
        scores[space] = {c: [row[c] for row in rows] for c in candidates}
    fd = scores["classifier"]["frechet_distance"]
    steps = [int(v) for v in checkpoints["steps"]]
    agreement = {}
    for space, by_c in scores.items():
        agreement[space] = {}
        for c, values in by_c.items():
            higher = candidates[c][1]
            rho_fd, rho_steps = _rho(values, fd), _rho(values, steps)
            agreement[space][c] = {"rho_fd": rho_fd, "rho_steps": rho_steps,
                                   "agrees_with_fd": _oriented(None if rho_fd is None else -rho_fd, higher),
                                   "agrees_with_steps": _oriented(rho_steps, higher)}  # fmt: skip
    return {"steps": steps, "seconds": [float(v) for v in checkpoints["seconds"]], "scores": scores,
            "agreement": agreement}  # fmt: skip


def _table_dose(result, kind: str) -> dict:
    """One rendered table: strengths down, candidates x spaces across, the graded verdict last."""
    columns = [(space, c) for space, by_c in result.scores.items() for c in by_c]
    rows = []
    for i, strength in enumerate((0.0,) + tuple(result.doses[kind])):
        label = "real" if i == 0 else f"{strength:g}"
        rows.append([label] + [f"{result.scores[s][c][kind][i]:.3g}" for s, c in columns])
    rows.append(["graded"] + ["yes" if result.gradings[s][c][kind].graded else "**no**" for s, c in columns])
    rows.append(["largest step / fall"] + [_share(result.gradings[s][c][kind]) for s, c in columns])
    return {
        "title": f"Dose-response, {kind} ({'share replaced' if kind == 'grey blobs' else 'σ'}), n = "
        f"{result.num} per set",
        "columns": [kind] + [f"{c} ({s})" for s, c in columns],
        "rows": rows,
    }


def _share(grading) -> str:
    """The largest step's share of the fall, or why there is none to speak of."""
    return f"{grading.largest_step:.2f}" if grading.responds else "no response"


def _signed(value) -> str:
    return "undefined (constant)" if value is None else f"{value:+.2f}"


def _table_checkpoints(ckpt: dict) -> dict:
    columns = [(space, c) for space, by_c in ckpt["scores"].items() for c in by_c]
    rows = [[str(step), f"{sec:.0f}"] + [f"{ckpt['scores'][s][c][i]:.3g}" for s, c in columns]
            for i, (step, sec) in enumerate(zip(ckpt["steps"], ckpt["seconds"]))]  # fmt: skip
    for key, label in (
        ("agrees_with_fd", "agreement with FD (classifier)"),
        ("agrees_with_steps", "agreement with steps"),
    ):
        rows.append([label, ""] + [_signed(ckpt["agreement"][s][c][key]) for s, c in columns])
    return {
        "title": "One DCGAN's checkpoints (1,000 samples from fixed codes each); agreement = Spearman's rho, "
        "+1: same order as the classifier's FD / better at every later checkpoint",
        "columns": ["generator steps", "training s"] + [f"{c} ({s})" for s, c in columns],
        "rows": rows,
    }


def _serialise(result) -> dict:
    """The DoseResponse as plain JSON: doses, scores, real-set scores, noise and each grading."""
    gradings = {s: {c: {k: {**vars(g), "graded": g.graded} for k, g in kinds.items()} for c, kinds in by_c.items()}
                for s, by_c in result.gradings.items()}  # fmt: skip
    noise = {s: {c: result.noise(s, c) for c in by_c} for s, by_c in result.scores.items()}
    return {"num": result.num, "doses": {k: list(v) for k, v in result.doses.items()}, "scores": result.scores,
            "real_scores": result.real_scores, "noise_sd": noise, "gradings": gradings,
            "graded_everywhere": result.graded()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 images per set, 3 short checkpoints")
    parser.add_argument("--train-only", action="store_true", help="only train and cache the checkpoints")
    parser.add_argument("--cache", default="/tmp/metric_dose_response_checkpoints.npz")
    parser.add_argument("--out", default=None, help=f"result file (default {OUT.relative_to(ROOT)}; --quick: /tmp)")
    args = parser.parse_args()
    start_all = time.perf_counter()
    ds = load_glyphs(args.quick)
    steps, n = (QUICK_CHECKPOINTS, QUICK_NUM) if args.quick else (CHECKPOINTS, NUM_SAMPLES)
    cache = Path(args.cache)
    if args.quick:
        cache = cache.with_name(cache.stem + ".quick.npz")
    checkpoints = cached_checkpoints(cache, ds.x_train, steps, n)
    if args.train_only:
        return
    t0 = time.perf_counter()
    result = ve.metrics.dose_response(ds.x_test, ds.x_train, num=n, seed=0)
    dose_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    ckpt = score_checkpoints(checkpoints, ds.x_test[:n])
    ckpt_seconds = time.perf_counter() - t0
    graded = result.graded()
    pool = ds.x_test[n : 2 * n]
    change = np.abs(ve.metrics.blur(pool, BLUR_SIGMAS[0]) - pool)
    blur_quarter, blur_quarter_mean = float(change.max()), float(change.mean())
    notes = ["graded under all three damages: " + "; ".join(
        f"{space}: {', '.join(c for c, ok in by_c.items() if ok) or 'none'}" for space, by_c in graded.items()),
        "graded = falls by more than 4 SD of its spread over 4 independent real sets, never rises by more than 2 SD "
        "from one strength to the next, no step takes more than half the whole fall, and the last step still falls "
        "by more than 2 SD (vaegan_edu.metrics.graded_response)",
        f"blur σ = 0.25 changes no pixel by more than {blur_quarter:.4f} (mean {blur_quarter_mean:.1e}): a control "
        "that should move no score"]  # fmt: skip
    payload = {
        "name": "metric_dose_response",
        "title": "A 'looks real' score with a dose-response (issue 31 item 5): candidates x feature spaces",
        "machine": machine_info(),
        "tables": [_table_dose(result, kind) for kind in result.doses] + [_table_checkpoints(ckpt)],
        "notes": notes,
        "config": {"data": {**(dict(DATA, num_train=2_000) if args.quick else DATA), "fingerprint": ds.fingerprint},
                   "num": n, "noise_sets": NOISE_SETS, "doses": result.doses,
                   "candidates": {c: {"higher_is_better": h} for c, (_, h) in ve.metrics.CANDIDATES.items()},
                   "realism_prune_quantile": ve.metrics.REALISM_PRUNE_QUANTILE, "checkpoint_steps": list(steps),
                   "gan": {"factory": "make_dcgan", "seed": GAN_SEED, "batch_size": 128},
                   "sample_seed": SAMPLE_SEED, "noise_seed": 0, "quick": args.quick},  # fmt: skip
        "dose_response": _serialise(result),
        "checkpoints": ckpt,
        "wall_seconds": {"dose_response": dose_seconds, "checkpoint_scoring": ckpt_seconds,
                         "checkpoint_training": float(checkpoints["seconds"][-1]),
                         "this_run": time.perf_counter() - start_all},  # fmt: skip
        "provenance": ve.experiments.runner.provenance(" ".join(["python", "benchmarks/metric_dose_response.py"]
                                                                + sys.argv[1:])),  # fmt: skip
    }
    out = Path(args.out) if args.out else (Path("/tmp/metric_dose_response.quick.json") if args.quick else OUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    for table in payload["tables"]:
        print(table["title"])
        print("| " + " | ".join(table["columns"]) + " |")
        for row in table["rows"]:
            print("| " + " | ".join(row) + " |")
    print("\n".join(notes))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

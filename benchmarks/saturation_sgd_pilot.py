"""How the SGD step sizes of ``saturation_plateau`` were searched: a pilot on seed 100, outside the study's seeds.

The study (issue 31, item 2) asks that each arm's step size be tuned so that the arm trains. At seed 0 of the study
the plain-SGD arms reach no plateau at any of 0.01, 0.05 and 0.2, so before spending the study's budget this pilot
tried the usual remedies on the non-saturating loss (the arm that should train best), with the study's protocol
otherwise unchanged (ring-8, batch 512, discriminator 500 steps ahead, 2,500 samples scored every checkpoint):

- plain SGD at 0.02 (between the grid's 0.01 and 0.05);
- SGD with heavy-ball momentum 0.9 at 0.003 and 0.01 (as Goodfellow et al. 2014 trained the first GANs);
- SGD whose step decays exponentially to 5 % of its start over the run (Robbins-Monro: a constant step keeps
  jittering), starting at 0.02 and 0.05;
- plain SGD at 0.01 for 40,000 steps, four times the study's budget.

    python benchmarks/saturation_sgd_pilot.py          # every run not yet in the file (about 15 min on 2 cores)
    python benchmarks/saturation_sgd_pilot.py --list   # the runs and what is recorded

Writes ``benchmarks/results/saturation_sgd_pilot.json``, one record per run, after each run (an interrupted pilot
resumes). ``high_quality_late`` is the mean share over the last 30 % of the run's checkpoints, as in the study.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from vaegan_edu import data  # before keras: the package sets TensorFlow's numerics (oneDNN off) as the study has them
from vaegan_edu.experiments import saturation
from vaegan_edu.experiments.mode_collapse import train_and_score

import keras  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "saturation_sgd_pilot.json"
SEED = 100  # outside the study's seeds 0-4
RUNS = {  # name -> (optimizer, step size, decay to this share of the start over the run or None, steps, eval every)
    "SGD, lr 0.02": ("sgd", 0.02, None, 10_000, 500),
    "SGD + momentum 0.9, lr 0.003": ("momentum", 0.003, None, 10_000, 500),
    "SGD + momentum 0.9, lr 0.01": ("momentum", 0.01, None, 10_000, 500),
    "SGD, lr 0.02 decaying to 5 %": ("sgd", 0.02, 0.05, 10_000, 500),
    "SGD, lr 0.05 decaying to 5 %": ("sgd", 0.05, 0.05, 10_000, 500),
    "SGD, lr 0.01, 40,000 steps": ("sgd", 0.01, None, 40_000, 2_000),
}


def run(name: str, x, modes, std) -> dict:
    optimizer, lr, decay, steps, eval_every = RUNS[name]

    def prepare(gan):
        if decay is not None:  # the same GAN, both optimizers on a step that decays over the run

            def rule():
                return keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(lr, steps, decay))

            gan.compile(d_optimizer=rule(), g_optimizer=rule(), loss="non_saturating")
        saturation.discriminator_head_start(gan, x, saturation.PLATEAU_HEAD_START, 512, seed=SEED)
        gradient, d_fake = saturation.generator_signal(gan, seed=SEED)
        return {"start_gradient": gradient, "start_d_fake": d_fake}

    start = time.time()
    row = train_and_score(x, modes, std, {"loss": "non_saturating", "optimizer": optimizer, "lr": lr}, SEED, steps,
                          eval_every, 512, 2_500, prepare=prepare)  # fmt: skip
    checkpoints = range(eval_every, steps + 1, eval_every)
    return {"optimizer": optimizer, "lr": lr, "decay_to": decay, "steps": steps, "seconds": round(time.time() - start),
            **{k: row[k] for k in ("high_quality_late", "modes_captured_late", "start_gradient", "diverged")},
            "high_quality_peak": max(row[f"high_quality@{s}"] for s in checkpoints),
            "high_quality_curve": [round(row[f"high_quality@{s}"], 4) for s in checkpoints],
            "modes_curve": [row[f"modes_captured@{s}"] for s in checkpoints]}  # fmt: skip


def table(runs: dict) -> dict:
    """The benchmark table of the recorded runs (RESULTS.md shows it)."""
    rows = [[name, f"{r['high_quality_late']:.3f}", f"{r['high_quality_peak']:.3f}", f"{r['modes_captured_late']:.1f}",
             f"{r['start_gradient']:.2g}", f"{r['diverged']:.0f}", r["seconds"]] for name, r in runs.items()]  # fmt: skip
    return {"title": "Non-saturating ring GAN, seed 100: late high-quality share (last 30 %) and best checkpoint",
            "columns": ["SGD setting", "late high quality", "best checkpoint", "late modes", "start gradient",
                        "diverged", "seconds"], "rows": rows}  # fmt: skip


def main(argv=None) -> None:
    from common import machine_info  # benchmarks/common.py, beside this script

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="show the runs and what is recorded, run nothing")
    args = parser.parse_args(argv)
    runs = json.loads(OUT.read_text())["runs"] if OUT.exists() else {}
    for name in RUNS:
        if args.list:
            print(
                f"{name}: "
                + (f"late high quality {runs[name]['high_quality_late']:.3f}" if name in runs else "not run")
            )
            continue
        if name in runs:
            continue
        x, modes, std = data.toy_2d("ring8", 20_000, seed=0)
        runs[name] = run(name, x, modes, std)
        payload = {"name": "saturation_sgd_pilot", "title": "How the SGD step sizes of saturation_plateau were searched",
                   "machine": machine_info(), "tables": [table(runs)],
                   "notes": [f"seed {SEED} (outside the study's seeds 0-4); ring8 of 20,000 points, batch 512, "
                             f"discriminator {saturation.PLATEAU_HEAD_START} steps ahead, 2,500 samples per checkpoint"],
                   "runs": runs}  # fmt: skip
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(payload, indent=1) + "\n")
        print(f"{name}: late high quality {runs[name]['high_quality_late']:.3f}", flush=True)


if __name__ == "__main__":
    main()

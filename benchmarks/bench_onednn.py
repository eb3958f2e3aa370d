"""TensorFlow with oneDNN custom operations off (the package default) and on: training throughput of the book models.

    python benchmarks/bench_onednn.py            # the full measurement of bench_backends.py, TensorFlow only, twice
    python benchmarks/bench_onednn.py --quick

``import vaegan_edu`` sets ``TF_ENABLE_ONEDNN_OPTS=0`` unless the user has set it (quiet output, bit-for-bit
repeatable results). This measures what that costs or saves: the TensorFlow worker of ``bench_backends.py``
runs once with the variable at 0 and once at 1, same models, steps, seeds and ``jit_compile`` settings.
"""

from __future__ import annotations

import argparse
import os
import statistics

from bench_backends import MODELS, PLAN, TITLES, run_backend, throughput
from common import write_result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter chunks, fewer repeats")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    runs, problems = {}, []
    for flag in ("0", "1"):
        records, note = run_backend("tensorflow", args.quick, {"TF_ENABLE_ONEDNN_OPTS": flag})
        runs[flag] = {(r["model"], r["jit"]): r for r in records}
        if note:
            problems.append(f"oneDNN {'on' if flag == '1' else 'off'}: {note}")
    rows = []
    for model in MODELS:
        for jit in (False, True):
            off, on = runs["0"].get((model, jit)), runs["1"].get((model, jit))
            if not (off and on and "times" in off and "times" in on):
                continue
            a, b = throughput(off), throughput(on)
            unit = "points/s" if model == "ring_gan" else "images/s"
            rows.append([TITLES[model].split(":")[0] + f" ({unit})", "on" if jit else "off",
                         f"{a['median']:,.0f} ({a['min']:,.0f}–{a['max']:,.0f})",
                         f"{b['median']:,.0f} ({b['min']:,.0f}–{b['max']:,.0f})", f"{b['median'] / a['median']:.2f}x",
                         off["quality"], on["quality"]])  # fmt: skip
    speedups = [float(r[4][:-1]) for r in rows]
    plan = PLAN["quick" if args.quick else "full"]
    notes = [
        f"Median speed-up from turning oneDNN on: {statistics.median(speedups):.2f}x over {len(rows)} configurations "
        f"(range {min(speedups):.2f}x to {max(speedups):.2f}x)." if rows else "No configuration ran.",
        "Models, steps and chunks as in bench_backends.py: " + ", ".join(
            f"{m} {plan[m][1]} x {plan[m][0]} steps" for m in MODELS) + " after one warm-up chunk.",
        "oneDNN's custom operations change the order of floating-point sums, so the two columns of quality differ "
        "by rounding, not by method.",
        f"1-minute load average at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores (other work on the machine slows every timing).",
    ] + problems  # fmt: skip
    path = write_result("onednn", "TensorFlow: oneDNN custom operations off (package default) and on", [
        {"title": "Training throughput, median (min–max)",
         "columns": ["model", "jit_compile", "oneDNN off", "oneDNN on", "on / off", "quality, off", "quality, on"],
         "rows": rows}], notes)  # fmt: skip
    print(f"wrote {path}")
    print(notes[0])


if __name__ == "__main__":
    main()

"""Wall time of every chapter run the way a reader runs it: a fresh kernel, top to bottom.

    python benchmarks/bench_chapters.py            # fast and full mode (full mode takes a while)
    python benchmarks/bench_chapters.py --quick    # fast mode only
    python benchmarks/bench_chapters.py --chapters 03 05
    KERAS_BACKEND=jax JAX_ENABLE_X64=1 python benchmarks/bench_chapters.py   # kernels inherit both (chapters_jax.json)
    VAEGAN_EDU_JIT_COMPILE=1 python benchmarks/bench_chapters.py   # every model XLA-compiled (chapters_jit_1.json)

On JAX, chapters 01-02 need JAX_ENABLE_X64=1: they check identities to 1e-6 in float64.

Targets on a 2-core CPU (issue 8): each chapter <= 3 minutes in full mode, the whole book <= 15 minutes.
"""

from __future__ import annotations

import argparse
import os
import time

from common import ROOT, write_result

from vaegan_edu import book, config

FULL_TARGET_S = 180
BOOK_TARGET_S = 15 * 60


def wall_time(path, fast: bool) -> float | str:
    start = time.perf_counter()
    try:
        book.execute(path, fast=fast)
    except Exception as exc:  # a failing chapter is reported in the table, the others still run
        return f"failed ({getattr(exc, 'ename', type(exc).__name__)})"
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fast mode only")
    parser.add_argument("--chapters", nargs="*", help="chapter prefixes (default: all)")
    args = parser.parse_args()
    modes = [True] if args.quick else [True, False]
    rows, totals, times_by_chapter = [], {True: 0.0, False: 0.0}, {True: [], False: []}
    for path in book.find_notebooks(ROOT / "notebooks", args.chapters):
        times = {fast: wall_time(path, fast) for fast in modes}
        for fast, t in times.items():
            totals[fast] += t if isinstance(t, float) else 0.0  # a failed chapter adds nothing; the row says so
            times_by_chapter[fast].append(t)
        full = times.get(False)
        verdict = "" if full is None else ("yes" if isinstance(full, float) and full <= FULL_TARGET_S else "**no**")
        rows.append([path.stem] + [f"{t:.0f} s" if isinstance(t, float) else t for t in times.values()]
                    + ([verdict] if full is not None else []))  # fmt: skip
    ran = {fast: sum(isinstance(r, float) for r in times_by_chapter[fast]) for fast in modes}
    rows.append([f"**whole book** ({', '.join(f'{ran[f]} of {len(times_by_chapter[f])}' for f in modes)} ran)"]
                + [f"{totals[f]:.0f} s" for f in modes]
                + ([("yes" if totals[False] <= BOOK_TARGET_S and ran[False] == len(times_by_chapter[False])
                     else "**no**") + " (≤ 15 min)"] if False in modes else []))  # fmt: skip
    columns = ["chapter", "fast mode"] + (["full mode", "full ≤ 3 min"] if False in modes else [])
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    jit = os.environ.get(config.JIT_ENV_VAR)  # the kernels inherit it
    name = "chapters" + ("" if backend == "tensorflow" else f"_{backend}") + ("" if jit is None else f"_jit_{jit}")
    write_result(
        name,
        f"Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND={backend}"
        + ("" if jit is None else f", {config.JIT_ENV_VAR}={jit}") + ")",
        [{"title": "Seconds per chapter, one run each", "columns": columns, "rows": rows}],
        notes=["One run per chapter and mode (a full-mode run is minutes long); the kernel start is included.",
               "Fast mode is VAEGAN_EDU_FAST=1, what the test suite executes."]
        + ([f"JAX_ENABLE_X64={os.environ.get('JAX_ENABLE_X64', 'unset')}."] if backend == "jax" else []),
    )


if __name__ == "__main__":
    main()

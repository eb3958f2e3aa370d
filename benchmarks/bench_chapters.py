"""Wall time of every chapter run the way a reader runs it: a fresh kernel, top to bottom.

    python benchmarks/bench_chapters.py            # fast and full mode (full mode takes a while)
    python benchmarks/bench_chapters.py --quick    # fast mode only
    python benchmarks/bench_chapters.py --chapters 03 05
    python benchmarks/bench_chapters.py --one-core # every kernel single-threaded: its CPU seconds bound a quiet run
    KERAS_BACKEND=jax JAX_ENABLE_X64=1 python benchmarks/bench_chapters.py   # kernels inherit both (chapters_jax.json)
    VAEGAN_EDU_JIT_COMPILE=1 python benchmarks/bench_chapters.py   # every model XLA-compiled (chapters_jit_1.json)

On JAX, chapters 01-02 need JAX_ENABLE_X64=1: they check identities to 1e-6 in float64.

Targets on a 2-core CPU (issue 8): each chapter <= 3 minutes in full mode, the whole book <= 15 minutes.

Besides the wall time, each full-mode run records the CPU seconds (user + system) of its kernel and the 1-minute
load average when it started. On a machine that other jobs share, the wall time overstates a quiet run; the
kernel's CPU seconds do not depend on the load, and a chapter that computes on one core at a time (most do: small
models) takes about that long on a quiet machine. The verdict reads the wall time when the load was below
QUIET_LOAD, the CPU seconds otherwise, and says which. With ``--one-core`` every kernel computes on one thread
(TensorFlow's and the BLAS libraries' thread pools set to 1): its CPU seconds are then the wall time of a quiet
single-core run, an upper bound on a quiet 2-core run, whatever else the machine is doing; the verdict reads them.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from common import ROOT, write_result

from vaegan_edu import book, config

FULL_TARGET_S = 180
BOOK_TARGET_S = 15 * 60
QUIET_LOAD = 1.5  # 1-minute load average below which the machine counts as quiet (2 cores)
ONE_CORE_ENV = {name: "1" for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                                       "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}  # fmt: skip
CPU = {}  # (chapter, fast) -> (kernel CPU seconds, load average at the start), filled by wall_time


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished (reaped) child processes: the kernels
    return usage.ru_utime + usage.ru_stime


def wall_time(path, fast: bool) -> float | str:
    load, cpu, start = os.getloadavg()[0], _children_cpu(), time.perf_counter()
    try:
        book.execute(path, fast=fast)
    except Exception as exc:  # a failing chapter is reported in the table, the others still run
        return f"failed ({getattr(exc, 'ename', type(exc).__name__)})"
    wall = time.perf_counter() - start
    CPU[(path.stem, fast)] = (_children_cpu() - cpu, load)
    return wall


def full_verdict(chapter: str, wall, one_core: bool = False) -> str:
    """``yes``/``**no**`` against FULL_TARGET_S, on the wall time when the machine was quiet, else (and always with
    ``one_core``) on the kernel's CPU seconds (named in the cell)."""
    if not isinstance(wall, float):
        return "**no**"
    cpu, load = CPU.get((chapter, False), (wall, 0.0))
    seconds, basis = (wall, "wall") if load < QUIET_LOAD and not one_core else (cpu, "CPU")
    return f"{'yes' if seconds <= FULL_TARGET_S else '**no**'} ({basis})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fast mode only")
    parser.add_argument("--chapters", nargs="*", help="chapter prefixes (default: all)")
    parser.add_argument("--one-core", action="store_true", help="single-threaded kernels (chapters_one_core.json)")
    args = parser.parse_args()
    if args.one_core:
        os.environ.update(ONE_CORE_ENV)  # the kernels inherit it
    modes = [True] if args.quick else [True, False]
    rows, totals, times_by_chapter = [], {True: 0.0, False: 0.0}, {True: [], False: []}
    for path in book.find_notebooks(ROOT / "notebooks", args.chapters):
        times = {fast: wall_time(path, fast) for fast in modes}
        for fast, t in times.items():
            totals[fast] += t if isinstance(t, float) else 0.0  # a failed chapter adds nothing; the row says so
            times_by_chapter[fast].append(t)
        full = times.get(False)
        extra = []
        if full is not None:
            cpu, load = CPU.get((path.stem, False), (float("nan"), float("nan")))
            extra = [f"{cpu:.0f} s", f"{load:.1f}", full_verdict(path.stem, full, args.one_core)]
        rows.append([path.stem] + [f"{t:.0f} s" if isinstance(t, float) else t for t in times.values()] + extra)
    ran = {fast: sum(isinstance(r, float) for r in times_by_chapter[fast]) for fast in modes}
    rows.append([f"**whole book** ({', '.join(f'{ran[f]} of {len(times_by_chapter[f])}' for f in modes)} ran)"]
                + [f"{totals[f]:.0f} s" for f in modes]
                + ([f"{sum(c for (_, fast), (c, _) in CPU.items() if not fast):.0f} s", ""] if False in modes else [])
                + ([("yes" if totals[False] <= BOOK_TARGET_S and ran[False] == len(times_by_chapter[False])
                     else "**no**") + " (≤ 15 min)"] if False in modes else []))  # fmt: skip
    columns = ["chapter", "fast mode"] + (["full mode", "full mode, kernel CPU", "load at start", "full ≤ 3 min"]
                                          if False in modes else [])  # fmt: skip
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    jit = os.environ.get(config.JIT_ENV_VAR)  # the kernels inherit it
    name = "chapters" + ("" if backend == "tensorflow" else f"_{backend}") + ("" if jit is None else f"_jit_{jit}")
    name += "_one_core" if args.one_core else ""
    write_result(
        name,
        f"Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND={backend}"
        + ("" if jit is None else f", {config.JIT_ENV_VAR}={jit}") + ("; one thread" if args.one_core else "") + ")",
        [{"title": "Seconds per chapter, one run each", "columns": columns, "rows": rows}],
        notes=["One run per chapter and mode (a full-mode run is minutes long); the kernel start is included.",
               f"The verdict reads the wall time when the 1-minute load average at the start was below {QUIET_LOAD}, "
               "else the kernel's CPU seconds (user + system), which the load does not inflate.",
               "Fast mode is VAEGAN_EDU_FAST=1, what the test suite executes."]
        + ([f"JAX_ENABLE_X64={os.environ.get('JAX_ENABLE_X64', 'unset')}."] if backend == "jax" else []),
    )


if __name__ == "__main__":
    main()

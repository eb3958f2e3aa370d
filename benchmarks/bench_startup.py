"""How long until something happens: importing vaegan_edu, and a fresh kernel's first plot in chapter 00.

    python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import ROOT, fmt_time, time_it, write_result


def import_time(statement: str) -> float:
    """Wall time of a fresh Python process running ``statement`` (interpreter start included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
    return time.perf_counter() - start


def first_plot_seconds() -> tuple[float, float]:
    """Execute chapter 00 in a fresh kernel (fast mode); seconds to its first figure and to the end."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "00_tour.ipynb", as_version=4)
    start, first = time.perf_counter(), []

    def on_cell_executed(cell, **_):
        if not first and any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            first.append(time.perf_counter() - start)

    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})  # fmt: skip
    client.on_cell_executed = on_cell_executed
    import os

    client.execute(env=dict(os.environ, VAEGAN_EDU_FAST="1"))
    return first[0], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    repeats = 3 if parser.parse_args().quick else 7
    rows = []
    for label, stmt in [
        ("`python -c pass` (the interpreter alone)", "pass"),
        ("`import vaegan_edu`", "import vaegan_edu"),
        ("`import vaegan_edu` + `settings()` (imports Keras and its backend)",
         "import vaegan_edu as ve; ve.config.settings()"),
        ("… + `ve.data`, `ve.plots` and matplotlib", "import vaegan_edu as ve; ve.config.settings(); ve.data; "
         "ve.plots; import matplotlib.pyplot"),
    ]:  # fmt: skip
        t = time_it(lambda s=stmt: import_time(s), repeats=repeats)
        rows.append([label, fmt_time(t)])
    kernel_runs = [first_plot_seconds() for _ in range(max(2, repeats // 2))]
    firsts = sorted(k[0] for k in kernel_runs)
    totals = sorted(k[1] for k in kernel_runs)
    median = lambda v: v[len(v) // 2]  # noqa: E731
    rows.append(["fresh kernel → first figure of 00_tour (fast mode)",
                 f"{median(firsts):.3g} s ({firsts[0]:.3g}–{firsts[-1]:.3g})"])  # fmt: skip
    rows.append(["fresh kernel → end of 00_tour (fast mode)",
                 f"{median(totals):.3g} s ({totals[0]:.3g}–{totals[-1]:.3g})"])  # fmt: skip
    write_result(
        "startup",
        "Start-up: import time and first plot",
        [{"title": "Wall time of a fresh process or kernel", "columns": ["what", "time"], "rows": rows}],
        notes=[f"{repeats} repeats of each process after one warm-up (the OS file cache is warm); "
               f"{len(kernel_runs)} kernel runs, no warm-up."],  # fmt: skip
    )


if __name__ == "__main__":
    main()

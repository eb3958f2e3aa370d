"""Shared helpers of the benchmark scripts: timing, machine description, result files.

Every ``bench_*.py`` script measures something and calls :func:`write_result` with one or more tables;
``python benchmarks/run.py`` runs them all and rewrites ``benchmarks/RESULTS.md`` from the result files.
Timings exclude a warm-up run (graph tracing, XLA compilation, caches) and report the median of several
repeats with the minimum and maximum beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def time_it(fn, repeats: int = 5, warmup: int = 1) -> dict:
    """Run ``fn()`` ``warmup`` times untimed, then ``repeats`` times timed; seconds as median/min/max."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "repeats": repeats}


def fmt_time(t: dict, unit: str = "s", scale: float = 1.0) -> str:
    """'1.23 s (1.20–1.31)' from a :func:`time_it` result."""
    return f"{t['median'] * scale:.3g} {unit} ({t['min'] * scale:.3g}–{t['max'] * scale:.3g})"


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _gpus() -> list[str]:
    """GPUs the current Keras backend can see (empty on a CPU-only machine)."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "jax":
            import jax

            return [str(d) for d in jax.devices() if d.platform == "gpu"]
        if backend == "torch":
            import torch

            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # a backend without GPU support installed: report none rather than fail the run
        return []
    return []


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT).stdout
    return (out.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty.strip() else "")


def machine_info() -> dict:
    """CPU model and vector instruction sets, cores, memory, GPUs; Python, Keras, backend and NumPy versions; date
    and commit."""
    import keras
    import numpy as np

    from vaegan_edu.experiments.runner import cpu_features, cpu_name  # the package's one definition

    memory = _memory_gib()
    return {
        "cpu": cpu_name(),
        "cpu_features": cpu_features(),
        "cores": os.cpu_count(),
        "memory_gib": None if memory is None else round(memory, 1),
        "gpus": _gpus(),
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
    }


def write_result(name: str, title: str, tables: list[dict], notes: list[str] | None = None) -> Path:
    """Save one benchmark's tables as ``results/<name>.json``; ``tables`` = [{title, columns, rows}]."""
    for table in tables:
        if any(len(row) != len(table["columns"]) for row in table["rows"]):
            raise ValueError(f"table {table['title']!r}: every row needs {len(table['columns'])} cells")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"name": name, "title": title, "machine": machine_info(), "tables": tables, "notes": notes or []}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path

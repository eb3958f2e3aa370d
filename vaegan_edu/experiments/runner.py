"""Running protocols: seed by seed, resumable, with progress and provenance; and verifying shipped results.

:func:`run` writes the results file atomically after every seed, so an interrupted run loses at most the
seed in progress and the next call with the same configuration resumes where it stopped (finished seeds are
not rerun). A protocol whose seeds take long (``Protocol.saves_variants``) also saves each finished variant
under the file's ``"partial"`` key, so a resumed run starts at the next variant of the unfinished seed. :func:`verify` checks every shipped file against its protocol's current configuration and the
data fingerprint of the reader's package.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from vaegan_edu.config import JIT_ENV_VAR
from vaegan_edu.experiments.protocol import config_hash, get, names
from vaegan_edu.files import FileLock
from vaegan_edu.experiments.results import (
    Result, ResultsError, clean_variants, experiments_dir, read, results_path, run_command,
)  # fmt: skip
from vaegan_edu.validation import _is_integer, check_bool, check_callable, check_positive_int, check_seed_list
from vaegan_edu.weights import write_json_atomic


def _cpuinfo(field: str) -> str | None:
    """The value of the first ``field`` line of Linux's /proc/cpuinfo, or None (no such line, or not Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_name() -> str:
    """The processor's model name (Linux /proc/cpuinfo, macOS sysctl), else what platform knows."""
    name = _cpuinfo("model name")
    if name:
        return name
    if sys.platform == "darwin":
        out = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return platform.processor() or platform.machine()


SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile")


def cpu_features() -> list:
    """The vector instruction sets of :data:`SIMD_FLAGS` the processor reports (Linux /proc/cpuinfo; empty
    elsewhere). The math libraries pick their kernels by them, so two machines that differ here may round
    differently, and a GAN's training amplifies the difference: a rebuild repeats a run bit for bit only on a
    processor with the same features."""
    present = set((_cpuinfo("flags") or "").split())
    return [flag for flag in SIMD_FLAGS if flag in present]


def _device() -> str:
    """The accelerator Keras trains on, or "cpu"."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return f"gpu x{len(gpus)}" if gpus else "cpu"
        if backend == "jax":
            import jax

            return jax.devices()[0].platform
        if backend == "torch":
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception as err:  # a broken accelerator set-up is reported, not fatal to the record
        return f"unknown ({type(err).__name__})"
    return "unknown"


def _commit() -> str | None:
    """The repository's commit (with "+dirty" for uncommitted changes), or None outside a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()  # fmt: skip
        return sha.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


# Settings that change a run's floating-point results on the same machine (how many threads share a sum) or the
# backend: recorded with every run, so that a rebuild can repeat them
NUMERIC_ENV = ("KERAS_BACKEND", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
               "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS", "JAX_ENABLE_X64", JIT_ENV_VAR)  # fmt: skip


def provenance(command: str | None = None) -> dict:
    """Where and with what a run happens: machine and its vector instruction sets, device, backend, versions,
    commit, date, command, and the :data:`NUMERIC_ENV` variables that were set (``environment``; empty: every
    default)."""
    import keras
    import numpy as np

    versions = {"python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__}
    backend = keras.backend.backend()
    try:
        versions[backend] = __import__(backend).__version__
    except ImportError:
        pass
    return {
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, {platform.system()}",
        "cpu_features": cpu_features(),
        "device": _device(),
        "backend": backend,
        "versions": versions,
        "commit": _commit(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command or " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
        "environment": {name: os.environ[name] for name in NUMERIC_ENV if name in os.environ},
    }


def data_record(config: dict) -> dict | None:
    """``{"name", "kwargs", "fingerprint"}`` of the dataset a configuration names under ``"data"``."""
    from vaegan_edu import data

    spec = config.get("data")
    if not spec:
        return None
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    return {"name": spec["name"], "kwargs": kwargs, "fingerprint": data.fingerprint(spec["name"], **kwargs)}


def _seed_list(seeds, cfg) -> list:
    """``seeds`` of :func:`run` as a list: None (the configured number), a count N (seeds 0..N-1) or a list."""
    if seeds is None:
        return list(range(cfg["seeds"]))
    if _is_integer(seeds):
        return list(range(check_positive_int("seeds", seeds, 5)))
    return check_seed_list(seeds)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def run(name: str, seeds=None, quick: bool = False, directory=None, store: bool = True, restart: bool = False,
        say=None, **overrides) -> Result:  # fmt: skip
    """Run protocol ``name`` seed by seed and return its :class:`~vaegan_edu.experiments.results.Result`.

    Parameters
    ----------
    name : a registered protocol (``python -m vaegan_edu.experiments list``)
    seeds : None (the configuration's number), an int N (seeds 0..N-1) or a list of seeds
    quick : bool
        Use the protocol's smoke-test overrides. Quick results are written as ``<name>.quick.json`` and are
        never read as shipped results.
    directory : where the results file goes (default: the shipped ``data/experiments``)
    store : bool
        False keeps everything in memory (a chapter's live replicate): nothing is read or written.
    restart : bool
        Discard an existing file computed for another configuration instead of refusing to overwrite it.
    say : callable(str) or None
        Receives progress lines (default: print); every line names the seed, the seeds left and an estimate
        of the time left.
    **overrides
        Configuration keys to change (e.g. ``budget={"seconds": 20}`` for a chapter's live budget).

    Raises
    ------
    ResultsError
        An existing file holds results of another configuration (and ``restart`` is False).
    """
    protocol = get(name)
    quick, store, restart = check_bool("quick", quick), check_bool("store", store), check_bool("restart", restart)
    say = check_callable("say", say, "print") or (lambda text: print(text, flush=True))
    cfg = protocol.configured(quick=quick, **overrides)
    seed_list = _seed_list(seeds, cfg)
    path = (Path(directory or experiments_dir()) / f"{name}{'.quick' if quick else ''}.json") if store else None
    command = run_command(name) + (" --quick" if quick else "") + (f" --seeds {int(seeds)}" if _is_integer(seeds) else "")
    fresh = {"protocol": name, "title": protocol.title, "config": cfg, "config_hash": config_hash(cfg),
             "data": data_record(cfg), "seeds": {}, "provenance": provenance(command)}  # fmt: skip
    payload = fresh
    if path is not None:
        with FileLock(path):
            payload = _existing(path, name, fresh, restart, say)
    todo = [s for s in seed_list if str(s) not in payload["seeds"]]
    done_before = len(seed_list) - len(todo)
    if done_before:
        say(f"[{name}] {done_before} of {len(seed_list)} seeds already done in {path}; running {len(todo)}")
    spent = []
    for i, seed in enumerate(todo):
        start = time.perf_counter()

        def report(text, seed=seed, i=i):
            eta = (sum(spent) / len(spent)) * (len(todo) - i) if spent else float("nan")
            left = f", about {_clock(eta)} left" if spent else ""
            say(f"[{name}] seed {seed} ({i + 1}/{len(todo)}{left}): {text}")

        if path is not None:  # another run into this folder may have finished it meanwhile
            payload = _save(path, payload)
            if str(seed) in payload["seeds"]:
                report("finished by another run into this folder; skipped")
                continue
        report("starting")
        extra, earlier = {}, 0.0
        if protocol.saves_variants:
            partial = payload.setdefault("partial", {}).setdefault(str(seed), {"variants": {}, "wall_seconds": 0.0})
            earlier = partial["wall_seconds"]
            if partial["variants"]:
                report(f"{len(partial['variants'])} variant(s) already done: {', '.join(partial['variants'])}")

            def on_variant(variant, row, seed=seed, start=start, earlier=earlier):
                nonlocal payload
                cleaned = clean_variants({variant: row}, f"{name}.run_seed(seed={seed})")[variant]
                mine = payload.setdefault("partial", {}).setdefault(str(seed), {"variants": {}, "wall_seconds": 0.0})
                mine["variants"][variant] = cleaned
                mine["wall_seconds"] = round(earlier + time.perf_counter() - start, 2)
                if path is not None:
                    payload = _save(path, payload)

            extra = {"finished": dict(partial["variants"]), "on_variant": on_variant}
        variants = clean_variants(protocol.run_seed(cfg, seed, report, **extra), f"{name}.run_seed(seed={seed})")
        spent.append(time.perf_counter() - start)
        payload = finish_seed(payload, seed, variants, earlier + spent[-1])
        if path is not None:
            payload = _save(path, payload)
        report(f"done in {spent[-1]:.1f} s")
    say(f"[{name}] finished: {len(payload['seeds'])} seed(s)" + (f" in {path}" if path else ""))
    return Result(payload)


def finish_seed(payload: dict, seed, variants: dict, wall_seconds: float) -> dict:
    """``payload`` with seed ``seed``'s table added and its partial record (if any) removed."""
    payload["seeds"][str(seed)] = {
        "variants": variants,
        "wall_seconds": round(wall_seconds, 2),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    payload.get("partial", {}).pop(str(seed), None)
    if "partial" in payload and not payload["partial"]:
        del payload["partial"]
    return payload


def _existing(path: Path, name: str, fresh: dict, restart: bool, say) -> dict:
    """The payload to continue: the file's when it holds this configuration and data, else ``fresh``.

    Never discards work silently: a file that cannot be read, or that holds another configuration, stops the run
    with an error naming it, unless ``restart``, which first moves it aside to a backup the message names.
    """
    if not path.exists():
        return fresh
    try:
        old = read(path)
        problem = None
        if old["config_hash"] != fresh["config_hash"] or old.get("data") != fresh["data"]:
            problem = "holds results of another configuration or dataset"
    except ResultsError as err:
        old, problem = None, f"cannot be read as results ({err})"
    if problem is None:
        old["provenance"].setdefault("resumed", []).append(fresh["provenance"]["started"])
        return old
    if not restart:
        raise ResultsError(
            f"{path} {problem} of {name!r}; nothing was run and the file is untouched. Repair it, choose another "
            f"directory, or pass restart=True (`{run_command(name)} --restart`), which moves it aside to a backup "
            f"and starts over."
        )
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.{stamp}.bak")
    os.replace(path, backup)
    say(f"[{name}] {path.name} {problem.split(' (')[0]}: moved aside to {backup}; starting over")
    return fresh


def _save(path: Path, payload: dict) -> dict:
    """Merge ``payload`` with the file as it is now and write the union, under the folder's lock.

    Two runs into one folder (or the workers of one run) each add their seeds and finished variants; neither
    overwrites the other's. The file on disk must hold the same configuration; a finished seed is never
    replaced. Returns the merged payload, which the caller continues with.
    """
    with FileLock(path):
        merged = payload
        if path.exists():
            on_disk = read(path)  # a damaged file stops the run here, naming it; nothing is overwritten
            if on_disk["config_hash"] != payload["config_hash"]:
                raise ResultsError(f"{path} was rewritten for another configuration while this run was going "
                                   f"(hash {on_disk['config_hash']}, this run's {payload['config_hash']}); this "
                                   f"run's last results were not written.")  # fmt: skip
            merged = dict(payload, seeds={**payload["seeds"], **on_disk["seeds"]})
            partial = {}
            for source in (payload.get("partial", {}), on_disk.get("partial", {})):
                for seed, record in source.items():
                    mine = partial.setdefault(seed, {"variants": {}, "wall_seconds": 0.0})
                    mine["variants"].update(record["variants"])
                    mine["wall_seconds"] = max(mine["wall_seconds"], record.get("wall_seconds", 0.0))
            partial = {seed: record for seed, record in partial.items() if seed not in merged["seeds"]}
            merged.pop("partial", None)
            if partial:
                merged["partial"] = partial
        write_json_atomic(path, merged, sort_keys=False)
        return merged


def verify(directory=None, check_data: bool = True) -> list:
    """Problems with the shipped results, as sentences (an empty list: all good).

    Every registered protocol must have a file; every file must belong to a registered protocol, have been
    computed with the protocol's current configuration, hold at least the configured number of seeds, and
    (``check_data``) name the data fingerprint the reader's package generates. Each problem names the command
    that fixes it.
    """
    directory = Path(directory or experiments_dir())
    problems = []
    for name in names():
        protocol, path = get(name), results_path(name, directory)
        fix, restart = f"run `{run_command(name)}`", f"run `{run_command(name)} --restart`"
        if not path.exists():
            problems.append(f"{name}: no shipped results at {path}; {fix}.")
            continue
        try:
            payload = read(path)
        except ResultsError as err:
            problems.append(f"{name}: {err}; {restart}.")
            continue
        if payload["config_hash"] != config_hash(protocol.config) or payload["config"] != protocol.config:
            problems.append(f"{name}: {path.name} was computed for another configuration (hash "
                            f"{payload['config_hash']}, now {config_hash(protocol.config)}); {restart}.")  # fmt: skip
            continue
        if len(payload["seeds"]) < protocol.config["seeds"]:
            problems.append(f"{name}: {len(payload['seeds'])} of {protocol.config['seeds']} seeds finished; {fix} "
                            f"(it resumes).")  # fmt: skip
        if check_data and payload.get("data"):
            current = data_record(protocol.config)
            if current["fingerprint"] != payload["data"]["fingerprint"]:
                problems.append(f"{name}: computed on data with fingerprint {payload['data']['fingerprint']}, but "
                                f"this package generates {current['fingerprint']} for {current['name']} "
                                f"{current['kwargs']}; {restart}.")  # fmt: skip
    for path in sorted(directory.glob("*.json")):
        if path.name.endswith(".quick.json"):  # smoke runs live beside the shipped files and are never read
            continue
        if path.stem not in names():
            problems.append(f"{path.name}: no registered protocol is called {path.stem!r}; remove the file or "
                            f"register the protocol.")  # fmt: skip
    return problems

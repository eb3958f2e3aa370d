"""Running a protocol's seeds in parallel on Dask distributed: a LocalCluster, a lab's machines or Slurm.

:func:`run_distributed` is :func:`vaegan_edu.experiments.run` with the seeds handed to Dask workers, one task
per seed, and their tables merged into the results file as each task finishes, under the same lock and with the
same merge as a serial run (:func:`vaegan_edu.experiments.runner._save`). A seed computes the same numbers on a
worker as in a serial run (the protocols seed every random number from the seed), so the file is the serial
run's, whatever the order the tasks finish in; ``tests/test_experiments_distributed.py`` checks that on a small
protocol.

- ``workers=N``: a :class:`distributed.LocalCluster` of N single-threaded worker processes on this machine. On a
  2-core laptop this gives no speed-up over a serial run (each seed already uses both cores); it pays on a
  workstation with many cores.
- ``scheduler="tcp://host:8786"``: an existing cluster, e.g. ``dask scheduler`` and ``dask worker`` on a lab's
  machines, or Slurm through dask-jobqueue (``SLURMCluster(...).scale(jobs=10)``, then pass its
  ``scheduler_address``). Every worker needs this package installed (``pip install vaegan_edu[tensorflow]``) and
  writes nothing: results travel back to this process, which alone writes the file.

A task that fails stops the run with the seed named; seeds finished before are already in the file, so the next
call resumes. Unlike a serial run, a seed's finished variants are not saved before the seed ends.

Needs ``distributed`` (``pip install "vaegan_edu[cluster]"``).

Taught in: 10_student_questions
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from vaegan_edu.experiments.protocol import config_hash, get
from vaegan_edu.experiments.results import Result, clean_variants, experiments_dir, run_command
from vaegan_edu.experiments.runner import _existing, _save, _seed_list, data_record, finish_seed, provenance
from vaegan_edu.files import FileLock
from vaegan_edu.validation import check_bool, check_callable, check_positive_int


def run_seed_task(name: str, config: dict, seed: int, finished: dict, isolate: bool = True) -> tuple[dict, float]:
    """One seed of protocol ``name`` on a worker: ``(its variants, wall seconds)``; nothing is written there.

    ``isolate`` runs the seed in a fresh Python process started by the worker (the default for process workers):
    a Dask worker's own threads draw from Python's global ``random`` while the task runs, and Keras draws the
    seeds of initialisers given none from it, so a model built inside the worker would depend on the worker's
    timing. A fresh process sees only the seed, as a serial run does, at a cost of a few seconds per seed.
    """
    start = time.perf_counter()
    if isolate:
        import json
        import subprocess
        import sys

        job = json.dumps({"name": name, "config": config, "seed": seed, "finished": finished})
        done = subprocess.run([sys.executable, "-m", "vaegan_edu.experiments.distributed"], input=job,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"seed {seed} of {name!r} failed in its process:\n{done.stderr[-3000:]}")
        variants = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        protocol = get(name)
        extra = {"finished": finished, "on_variant": None} if protocol.saves_variants else {}
        variants = protocol.run_seed(config, seed, lambda text: None, **extra)
    return clean_variants(variants, f"{name}.run_seed(seed={seed})"), time.perf_counter() - start


def run_distributed(name: str, seeds=None, quick: bool = False, directory=None, restart: bool = False,
                    workers: int | None = None, scheduler: str | None = None, processes: bool = True, say=None,
                    **overrides) -> Result:  # fmt: skip
    """Run protocol ``name`` with its seeds as Dask tasks; returns the :class:`Result` a serial run would.

    Parameters
    ----------
    name, seeds, quick, directory, restart, **overrides
        As for :func:`vaegan_edu.experiments.run`.
    workers : int >= 1 or None
        Worker processes of a new LocalCluster on this machine (default 2 when no ``scheduler`` is given).
    scheduler : str or None
        The address of an existing Dask scheduler instead (``workers`` must then be None).
    processes : bool
        LocalCluster workers as processes, each seed in a fresh Python process (True: real parallelism, and the
        numbers of a serial run), or threads running seeds inline (False: for protocols defined on the fly).
    say : callable(str) or None
        Progress lines, one as each task finishes (default: print).

    Raises
    ------
    ImportError
        ``distributed`` is not installed (the message says what to install).
    ValueError
        Both ``workers`` and ``scheduler``, or a bad value of either.
    ResultsError
        As for :func:`vaegan_edu.experiments.run`.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError('Running seeds on Dask needs the `distributed` package: pip install "vaegan_edu[cluster]" '
                          "(or pip install distributed).") from None  # fmt: skip
    if workers is not None and scheduler is not None:
        raise ValueError("Pass either `workers` (a LocalCluster on this machine) or `scheduler` (an existing "
                         f"cluster), not both; received workers={workers!r}, scheduler={scheduler!r}.")  # fmt: skip
    if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
        raise ValueError(f"`scheduler` must be a Dask scheduler's address such as 'tcp://10.0.0.5:8786'; received "
                         f"{scheduler!r}.")  # fmt: skip
    workers = check_positive_int("workers", 2 if workers is None else workers, 2)
    protocol = get(name)
    quick, restart, processes = (check_bool(k, v) for k, v in
                                 (("quick", quick), ("restart", restart), ("processes", processes)))  # fmt: skip
    say = check_callable("say", say, "print") or (lambda text: print(text, flush=True))
    cfg = protocol.configured(quick=quick, **overrides)
    seed_list = _seed_list(seeds, cfg)
    path = Path(directory or experiments_dir()) / f"{name}{'.quick' if quick else ''}.json"
    where = scheduler or f"a LocalCluster of {workers} worker {'processes' if processes else 'threads'}"
    command = run_command(name) + (" --quick" if quick else "") + f" ({where})"
    fresh = {"protocol": name, "title": protocol.title, "config": cfg, "config_hash": config_hash(cfg),
             "data": data_record(cfg), "seeds": {}, "provenance": provenance(command)}  # fmt: skip
    with FileLock(path):
        payload = _existing(path, name, fresh, restart, say)
    todo = [s for s in seed_list if str(s) not in payload["seeds"]]
    say(f"[{name}] {len(seed_list) - len(todo)} of {len(seed_list)} seeds already done; {len(todo)} task(s) on "
        f"{where}")  # fmt: skip
    if todo:
        environ = dict(os.environ)  # LocalCluster sets OMP_NUM_THREADS=1 & co. in this process too: put them back
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                                      dashboard_address=None)  # fmt: skip
        try:
            with Client(scheduler or cluster) as client:
                partial = payload.get("partial", {})
                futures = {client.submit(run_seed_task, name, cfg, seed,
                                         dict(partial.get(str(seed), {}).get("variants", {})), processes,
                                         key=f"{name}-seed-{seed}", pure=False): seed for seed in todo}  # fmt: skip
                start = time.perf_counter()
                for done, future in enumerate(as_completed(futures), 1):
                    seed = futures[future]
                    variants, seconds = future.result()  # a failed task raises here, naming its seed below
                    payload = _save(path, finish_seed(payload, seed, variants, seconds))
                    elapsed = time.perf_counter() - start
                    left = elapsed / done * (len(todo) - done)
                    say(f"[{name}] seed {seed} done on a worker in {seconds:.1f} s ({done}/{len(todo)} tasks, "
                        f"about {left:.0f} s left)")  # fmt: skip
        finally:
            if cluster is not None:
                cluster.close()
            os.environ.clear()
            os.environ.update(environ)
    say(f"[{name}] finished: {len(payload['seeds'])} seed(s) in {path}")
    return Result(payload)


def _main() -> int:
    """Run one seed given as JSON on stdin (``run_seed_task``'s fresh process); print its variants as JSON."""
    import json
    import sys

    # `python -m vaegan_edu.experiments.distributed` imported the package vaegan_edu.experiments first, which
    # registered the book's protocols
    job = json.loads(sys.stdin.read())
    protocol = get(job["name"])
    extra = {"finished": job["finished"], "on_variant": None} if protocol.saves_variants else {}
    variants = protocol.run_seed(job["config"], job["seed"], lambda text: None, **extra)
    print(json.dumps(clean_variants(variants, f"{job['name']}.run_seed(seed={job['seed']})")))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

"""Training on another Keras backend, each time in a fresh process (chapter 08).

The backend is fixed when Keras is first imported, so running on another backend needs another process. This
module's command line is that process; both functions below run it with ``KERAS_BACKEND`` set and read the JSON
line it prints:

* :func:`backend_steps_per_second`: how fast the duel's models train (``speed``)::

      KERAS_BACKEND=jax python -m vaegan_edu.experiments.backends speed --model GAN --steps 50 --batch-size 128

* :func:`run_in_backend`: call one of the package's functions with JSON keyword arguments (read from standard
  input) and print its JSON-serialisable value (``call``); the protocol ``speed`` measures a model's time to a
  quality target this way (:func:`vaegan_edu.experiments.speed.measure_variant`)::

      echo '{"seed": 0}' | KERAS_BACKEND=jax python -m vaegan_edu.experiments.backends call MODULE:FUNCTION

Taught in: 08_student_questions
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys

from vaegan_edu.experiments.duel import MODELS

BACKENDS = ("tensorflow", "jax", "torch")
PACKAGE_PREFIX = "vaegan_edu."  # `call` runs only the package's own functions


def _check_backend(backend) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"Unknown Keras backend {backend!r}; choose one of {BACKENDS}.")
    return backend


def _run_fresh(backend: str, arguments: list, timeout: float, stdin: str | None = None) -> tuple:
    """Run ``python -m vaegan_edu.experiments.backends ARGUMENTS`` with ``KERAS_BACKEND=backend``; return
    ``(payload, None)`` with the last JSON line it printed, or ``(None, error)`` with why there is none (the last
    line of its error output, or the timeout)."""
    command = [sys.executable, "-m", "vaegan_edu.experiments.backends", *arguments]
    env = dict(os.environ, KERAS_BACKEND=backend)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, input=stdin)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        return None, (done.stderr.strip().splitlines() or ["no output"])[-1]
    return json.loads(lines[-1]), None

def backend_steps_per_second(backend: str, steps: int = 50, batch_size: int = 128, num_train: int = 2_000,
                             timeout: float = 300.0, model: str = "VAE") -> dict:  # fmt: skip
    """Time the duel's VAE (or GAN) training on another Keras backend, in a fresh Python process.

    The backend is fixed when Keras is first imported, so each backend needs its own process: this runs
    ``python -m vaegan_edu.experiments.backends speed`` with ``KERAS_BACKEND`` set and reads the JSON line it prints.

    Returns
    -------
    dict with ``backend``, ``model``, ``steps_per_second`` (NaN when the backend could not run) and ``error``
    (None, or the last line of the process's error output, e.g. when PyTorch is not installed)

    Raises
    ------
    ValueError
        For an unknown backend or model name.

    Taught in: 08_student_questions
    """
    _check_backend(backend)
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {MODELS}.")
    arguments = ["speed", "--steps", str(int(steps)), "--batch-size", str(int(batch_size)), "--num-train",
                 str(int(num_train)), "--model", model]  # fmt: skip
    payload, error = _run_fresh(backend, arguments, timeout)
    if error is not None:
        return {"backend": backend, "model": model, "steps_per_second": float("nan"), "error": error}
    return {**payload, "error": None}


def run_in_backend(backend: str, function: str, kwargs: dict | None = None, timeout: float = 600.0) -> dict:
    """Call one of the package's functions on another Keras backend, in a fresh Python process.

    Runs ``python -m vaegan_edu.experiments.backends call FUNCTION`` with ``KERAS_BACKEND=backend``, gives it
    ``kwargs`` as JSON on standard input and reads the JSON line it prints. A fresh process for each call also
    means nothing a previous model left behind (traced graphs, memory, a busy kernel) weighs on the one timed.

    Parameters
    ----------
    backend : one of ``BACKENDS``
    function : str, ``"vaegan_edu.MODULE:NAME"``, e.g. ``"vaegan_edu.experiments.speed:measure_variant"``
    kwargs : dict of JSON-serialisable keyword arguments (None: none)
    timeout : float > 0, seconds

    Returns
    -------
    dict with ``backend`` (the one the process ran), ``value`` (what the function returned, through JSON; None when
    it failed) and ``error`` (None, or why there is no value: the last line of the process's error output, or the
    timeout)

    Raises
    ------
    ValueError
        For an unknown backend or a function outside the package.

    Taught in: 08_student_questions
    """
    _check_backend(backend)
    if not isinstance(function, str) or not function.startswith(PACKAGE_PREFIX) or function.count(":") != 1:
        raise ValueError(f"`function` must name one of the package's functions as 'vaegan_edu.MODULE:NAME', e.g. "
                         f"'vaegan_edu.experiments.speed:measure_variant'; received {function!r}.")  # fmt: skip
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"`kwargs` must be a dict of keyword arguments (or None); received {type(kwargs).__name__}.")
    payload, error = _run_fresh(backend, ["call", function], timeout, stdin=json.dumps(kwargs or {}))
    if error is not None:
        return {"backend": backend, "value": None, "error": error}
    return {"backend": payload["backend"], "value": payload["value"], "error": None}


def _speed_main(args) -> dict:
    """Steps per second of the duel's VAE or GAN on glyph digits, on whatever backend Keras was started with."""
    import keras

    from vaegan_edu import data
    from vaegan_edu.experiments.duel import build_contenders
    from vaegan_edu.training import steps_per_second

    ds = data.load("glyphs", seed=0, num_train=args.num_train, num_test=100)
    contenders = build_contenders(ds.image_shape, seed=0)
    model = contenders.vae if args.model == "VAE" else contenders.gan
    rate = steps_per_second(model, ds.x_train, batch_size=args.batch_size, steps=args.steps)
    return {"backend": keras.backend.backend(), "model": args.model, "steps_per_second": rate,
            "batch_size": args.batch_size}  # fmt: skip


def _call_main(args, stdin) -> dict:
    """Call ``args.function`` ("vaegan_edu.MODULE:NAME") with the JSON keyword arguments read from ``stdin``."""
    import keras

    module, _, name = args.function.partition(":")
    if not module.startswith(PACKAGE_PREFIX) or not name:
        raise SystemExit(f"call: expected 'vaegan_edu.MODULE:NAME'; received {args.function!r}")
    text = stdin.read().strip()
    kwargs = json.loads(text) if text else {}
    value = getattr(importlib.import_module(module), name)(**kwargs)
    return {"backend": keras.backend.backend(), "function": args.function, "value": value}


def _json_line(payload) -> str:
    """One JSON line. NaN (a run that never reached its target) is written as ``NaN``, which is not strict JSON
    but what :func:`json.loads` reads back."""
    return json.dumps(payload, allow_nan=True) + "\n"


def main(argv=None, stdin=None) -> int:
    """``python -m vaegan_edu.experiments.backends speed [--model VAE|GAN] [--steps N] [--batch-size B] [--num-train M]``
    or ``... call vaegan_edu.MODULE:NAME`` (keyword arguments as JSON on standard input): one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.experiments.backends", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("speed", help="time the duel's VAE or GAN training on the current KERAS_BACKEND")
    speed.add_argument("--model", choices=MODELS, default="VAE")
    speed.add_argument("--steps", type=int, default=50)
    speed.add_argument("--batch-size", type=int, default=128)
    speed.add_argument("--num-train", type=int, default=2_000)
    call = sub.add_parser("call", help="call a package function (JSON keyword arguments on stdin) on the current "
                                       "KERAS_BACKEND")  # fmt: skip
    call.add_argument("function", help="vaegan_edu.MODULE:NAME")
    args = parser.parse_args(argv)
    if args.command == "call":
        sys.stdout.write(_json_line(_call_main(args, stdin or sys.stdin)))
        return 0
    sys.stdout.write(_json_line(_speed_main(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

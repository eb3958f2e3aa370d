"""Calling the package on another Keras backend, each time in a fresh process (chapter 10).

The backend is fixed when Keras is first imported, so running on another backend needs another process. This
module's command line is that process: :func:`run_in_backend` runs it with ``KERAS_BACKEND`` set, gives it JSON
keyword arguments on standard input, and reads the JSON line with the called function's value that it prints (the
protocol ``speed`` measures a model's time to a quality target this way,
:func:`vaegan_edu.experiments.speed.measure_variant`)::

      echo '{"seed": 0}' | KERAS_BACKEND=jax python -m vaegan_edu.experiments.backends call MODULE:FUNCTION

Taught in: 10_student_questions
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys

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

    Taught in: 10_student_questions
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
    """``python -m vaegan_edu.experiments.backends call vaegan_edu.MODULE:NAME`` (keyword arguments as JSON on
    standard input): one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.experiments.backends", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    call = sub.add_parser("call", help="call a package function (JSON keyword arguments on stdin) on the current "
                                       "KERAS_BACKEND")  # fmt: skip
    call.add_argument("function", help="vaegan_edu.MODULE:NAME")
    args = parser.parse_args(argv)
    sys.stdout.write(_json_line(_call_main(args, stdin or sys.stdin)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast the duel's models train on each Keras backend, each in a fresh process (chapter 08).

The backend is fixed when Keras is first imported, so timing another backend needs another process:
:func:`backend_steps_per_second` runs this module's command line with ``KERAS_BACKEND`` set and reads the
JSON line it prints::

    KERAS_BACKEND=jax python -m vaegan_edu.experiments.backends speed --model GAN --steps 50 --batch-size 128

Taught in: 08_student_questions
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from vaegan_edu.experiments.duel import MODELS

BACKENDS = ("tensorflow", "jax", "torch")



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
    if backend not in BACKENDS:
        raise ValueError(f"Unknown Keras backend {backend!r}; choose one of {BACKENDS}.")
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {MODELS}.")
    command = [sys.executable, "-m", "vaegan_edu.experiments.backends", "speed", "--steps", str(int(steps)),
               "--batch-size", str(int(batch_size)), "--num-train", str(int(num_train)), "--model", model]  # fmt: skip
    env = dict(os.environ, KERAS_BACKEND=backend)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "model": model, "steps_per_second": float("nan"),
                "error": f"timed out after {timeout:.0f} s"}  # fmt: skip
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"backend": backend, "model": model, "steps_per_second": float("nan"), "error": tail}
    return {**json.loads(lines[-1]), "error": None}


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


def main(argv=None) -> int:
    """``python -m vaegan_edu.experiments.backends speed [--model VAE|GAN] [--steps N] [--batch-size B] [--num-train M]``:
    one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.experiments.backends", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("speed", help="time the duel's VAE or GAN training on the current KERAS_BACKEND")
    speed.add_argument("--model", choices=MODELS, default="VAE")
    speed.add_argument("--steps", type=int, default=50)
    speed.add_argument("--batch-size", type=int, default=128)
    speed.add_argument("--num-train", type=int, default=2_000)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(_speed_main(args)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

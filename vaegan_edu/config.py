"""Fast mode, seeds and the default sizes every chapter reads.

One switch, the environment variable ``VAEGAN_EDU_FAST``, decides whether the book runs in *full* mode
(results worth showing in class) or *fast* mode (tiny budgets so the whole test suite stays quick).
Notebooks never read the variable themselves: they call :func:`settings` once and read the sizes from
the frozen :class:`Settings` it returns (``cfg.vae_epochs``, ``cfg.num_train`` ...).

Taught in: 00_tour
"""

from __future__ import annotations

import dataclasses
import os
import random

import numpy as np

FAST_ENV_VAR = "VAEGAN_EDU_FAST"
JIT_ENV_VAR = "VAEGAN_EDU_JIT_COMPILE"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every size a chapter may shrink in fast mode, and the seed.

    Fields are grouped by what they control; each comment gives the full-mode value's purpose.
    Use :func:`settings` to get the instance for the current mode; never build one by hand in a chapter.
    """

    fast: bool  # True when VAEGAN_EDU_FAST is set: tiny budgets for tests
    seed: int  # the one seed that fixes every random number of a chapter

    # --- data -------------------------------------------------------------------------------------
    num_train: int  # training images taken from an image dataset
    num_test: int  # test images taken from an image dataset
    num_points: int  # points drawn from a 2-D toy distribution

    # --- Monte Carlo and plotting ------------------------------------------------------------------
    num_mc_samples: int  # samples for Monte Carlo estimates (KL, ELBO, gradients)
    grid_size: int  # points per axis of a density / decision-surface grid
    image_grid: int  # images per side of a sample or manifold grid
    num_seeds: int  # seeds for an experiment repeated to show its spread

    # --- optimisation ------------------------------------------------------------------------------
    batch_size: int  # minibatch size for image models
    fit_steps: int  # gradient steps for small optimisations inside a chapter (e.g. fitting q)

    # --- VAE (chapters 03, 04, 05, 09) -------------------------------------------------------------
    vae_epochs: int  # epochs for the chapter's main VAE
    sweep_epochs: int  # epochs for each model of a sweep (beta, seeds)
    iwae_k: int  # importance samples for the IWAE log-likelihood estimate
    iwae_images: int  # test images on which the IWAE estimate is computed (cost grows as iwae_k x images)
    collapse_epochs: int  # epochs on the 8x8 digits for the posterior-collapse study (small data, long training)
    num_betas: int  # beta values in the rate-distortion sweep (geometrically spaced; one VAE each)
    num_betas_mig: int  # beta values in the disentanglement (MIG) study, each trained num_seeds times

    # --- GAN (chapters 06, 07, 08, 09) -------------------------------------------------------------
    gan_2d_steps: int  # generator steps for a GAN on 2-D toy data
    gan_steps: int  # generator steps of chapter 08's live DCGAN on digits
    num_eval_samples: int  # generated samples used by a quality metric (FD, precision/recall)

    # --- VAE against GAN, and the students' questions (chapters 09-10) ------------------------------
    duel_seconds: float  # wall-clock training budget of each model (and seed) in the head-to-head
    stability_steps: int  # generator steps of chapter 10's live replicate of the tricks study (2 variants)

    def replace(self, **changes) -> "Settings":
        """Return a copy with some fields changed (``cfg.replace(seed=1)``)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {sorted(unknown)}. Known settings: "
                f"{[f.name for f in dataclasses.fields(self)]}."
            )
        return dataclasses.replace(self, **_check_fields(changes))


def _check_fields(values: dict) -> dict:
    """Validate setting values: ``fast`` a bool, ``seed`` a seed, sizes positive integers, seconds positive."""
    from vaegan_edu.validation import check_bool, check_positive_int, check_positive_number

    checked = {}
    for name, value in values.items():
        if name == "fast":
            checked[name] = check_bool(name, value)
        elif name == "seed":
            checked[name] = check_seed(value)
        elif name == "duel_seconds":
            checked[name] = float(check_positive_number(name, value, 20.0))
        else:
            checked[name] = check_positive_int(name, value, _FULL[name])
    return checked


# Full mode: what a lecturer shows in class. Fast mode: enough to execute every cell in seconds.
_FULL = dict(
    num_train=20_000,
    num_test=5_000,
    num_points=2_500,
    num_mc_samples=10_000,
    grid_size=200,
    image_grid=15,
    num_seeds=3,
    batch_size=128,
    fit_steps=2_000,
    vae_epochs=15,
    sweep_epochs=5,
    iwae_k=1_000,
    iwae_images=300,
    collapse_epochs=60,
    num_betas=4,
    num_betas_mig=3,
    gan_2d_steps=3_000,
    gan_steps=500,
    num_eval_samples=2_000,
    # chapter 09: one live pair of twins; each stops at the first checkpoint (50, 100, 200, ..., 1,600 steps)
    # whose training time reaches 30 s: the VAE at step 800 for 38-75 ms a step, the GAN at step 400 for
    # 75-150 ms (52 and 103 ms measured: duel_step_cost)
    duel_seconds=30.0,
    stability_steps=500,  # chapter 10: 2 tricks variants x 1 seed, a checkpoint of the shipped study
)
_FAST = dict(
    num_train=1_000,
    num_test=500,
    num_points=1_000,
    num_mc_samples=1_000,
    grid_size=40,
    image_grid=5,
    num_seeds=1,
    batch_size=128,
    fit_steps=100,
    vae_epochs=1,
    sweep_epochs=1,
    iwae_k=20,
    iwae_images=20,
    collapse_epochs=2,
    num_betas=2,
    num_betas_mig=2,
    gan_2d_steps=100,
    gan_steps=8,
    num_eval_samples=300,
    duel_seconds=2.0,  # chapter 09
    stability_steps=10,  # chapter 10
)


def fast_mode() -> bool:
    """Whether ``VAEGAN_EDU_FAST`` asks for fast mode (``1``/``true``/``yes``/``on``)."""
    raw = os.environ.get(FAST_ENV_VAR, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(
        f"Invalid value for the environment variable {FAST_ENV_VAR}: {raw!r}. "
        f"Use 1 for fast mode or 0 (or leave it unset) for full mode."
    )


def steps_per_execution_default():
    """The ``steps_per_execution`` that the package's models are compiled with when a caller does not pass one.

    Ten train steps per call into the compiled graph on TensorFlow: the book's models are small, so Python
    overhead between steps dominates a 2-core CPU (``benchmarks/bench_vae_target.py --spe 1 10``: the same
    test -ELBO over seeds, reached sooner; numbers in ``benchmarks/RESULTS.md``). PyTorch's trainer accepts
    only 1, and JAX's runs several steps as a Python loop of single compiled steps, so more than 1 gains
    nothing there. Callbacks then see every tenth batch; the package's callbacks allow for it. Read by
    :meth:`vaegan_edu.models.VAE.compile` and :meth:`vaegan_edu.models.GAN.compile`.

    Returns
    -------
    int: 10 on TensorFlow, 1 on JAX and PyTorch
    """
    import keras

    return 10 if keras.backend.backend() == "tensorflow" else 1


def jit_compile_default():
    """The ``jit_compile`` that the package's models are compiled with when a caller does not pass one.

    ``VAEGAN_EDU_JIT_COMPILE`` decides: ``1`` compiles every train step with XLA (``torch.compile`` on
    PyTorch), ``0`` never, ``auto`` leaves it to Keras (XLA on JAX; not on a CPU-only TensorFlow, nor on
    PyTorch). Unset, it is ``auto``: XLA makes a TensorFlow step up to 1.3x faster on a 2-core CPU, but
    compiling every new model costs more than that saves in the chapters, which build many small models
    (``VAEGAN_EDU_JIT_COMPILE=1 python benchmarks/bench_chapters.py``; numbers in ``benchmarks/RESULTS.md``).
    Read by :meth:`vaegan_edu.models.VAE.compile`, :meth:`vaegan_edu.models.GAN.compile` and the ``make_*``
    builders.

    Returns
    -------
    True, False or "auto"
    """
    raw = os.environ.get(JIT_ENV_VAR, "").strip().lower()
    if raw in ("", "auto"):
        return "auto"
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(
        f"Invalid value for the environment variable {JIT_ENV_VAR}: {raw!r}. Use 1 (XLA on), 0 (off) or auto "
        f"(Keras decides), or leave it unset."
    )


def check_seed(seed, name: str = "seed") -> int:
    """Validate a seed: a non-negative Python or NumPy integer below 2**32 (see :mod:`vaegan_edu.validation`)."""
    from vaegan_edu.validation import check_seed as check

    return check(seed, name)


def set_seed(seed: int) -> None:
    """Fix Python's, NumPy's and Keras's global random numbers with one seed.

    Calls :func:`keras.utils.set_random_seed`, which seeds ``random``, NumPy and the backend
    (TensorFlow, JAX or PyTorch). Layers that sample still own their ``keras.random.SeedGenerator``.

    Taught in: 00_tour
    """
    import keras

    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def settings(seed: int = 0, fast: bool | None = None) -> Settings:
    """The chapter's settings for the current mode, after seeding every random number generator.

    Also makes the book's figure style matplotlib's default (:func:`vaegan_edu.style.apply`: 100 dpi, fonts of
    at least 12 pt, colour-blind-safe colours), so every chapter's figures are ready for a projector.

    Parameters
    ----------
    seed : int >= 0
        Seed passed to :func:`set_seed`.
    fast : bool or None
        Force fast (True) or full (False) mode; None reads ``VAEGAN_EDU_FAST``.

    Examples
    --------
    >>> cfg = settings(seed=0, fast=True)
    >>> cfg.fast, cfg.vae_epochs
    (True, 1)

    Taught in: 00_tour
    """
    from vaegan_edu.validation import check_bool

    fast = fast_mode() if fast is None else check_bool("fast", fast)  # settings(fast='no') must not mean fast
    seed = check_seed(seed)
    set_seed(seed)
    from vaegan_edu import style

    style.apply()
    return Settings(fast=fast, seed=seed, **(_FAST if fast else _FULL))

r"""Datasets of the book: all offline, deterministic by seed, images as float32 in [0, 1].

Image datasets come back as a :class:`Dataset` with ``x_train``/``x_test`` of shape (n, height, width, 1):

``"digits8"``
    The real handwritten 8x8 digits that ship with scikit-learn (1,797 images, UCI "Optical Recognition of
    Handwritten Digits"), pixel counts 0..16 divided by 16, with a fixed stratified 1,437 / 360 split.
``"glyphs"``
    The book's default: MNIST-sized 28x28 digits 0-9 rendered from the 21 TrueType faces that ship with
    matplotlib (DejaVu Sans, Sans Mono and Serif, STIX, Computer Modern; regular, bold and slanted cuts),
    with random rotation, scale, shear, stroke width and an elastic distortion, then centred by their mass in
    a 28x28 frame as MNIST is. The generating factors come back with the images.
``"sprites"``
    A dSprites-style set (Matthey et al. 2017): a white square, ellipse or heart on a black 32x32 canvas,
    with known factors shape, scale, rotation, x and y on a grid of 3 x 6 x 20 x 16 x 16 values; train and
    test are disjoint sets of factor combinations.
``"mnist"``, ``"fashion_mnist"``
    Through :mod:`keras.datasets`, for readers who are online (Colab); cached by Keras after the first
    download. Offline they fail fast with :class:`DatasetOfflineError`.

:func:`toy_2d` gives the 2-D mixtures of the mode-collapse literature and two classic shapes.

Rendering works from a signed-distance field (SDF) of every base shape: each image samples the SDF through
its own affine map and displacement field, and turns distance into ink with a one-pixel anti-aliasing ramp.
Stroke width is then just an offset on the distance, and 25,000 glyphs take a few seconds in NumPy.

Data identity. Every :class:`Dataset` carries a ``fingerprint``, a short SHA-256 of its arrays, so "the same
data" is a checkable fact: the shipped weights record the fingerprint of the data they were trained on
(:mod:`vaegan_edu.weights` refuses a file whose data this package no longer generates), and
:data:`BOOK_DATASETS` records the fingerprints of the book's own ``load`` calls, which a test regenerates.
Generated datasets are cached under a key that hashes the generator's code and parameters (see
``_generator_identity``), never a version number someone must remember to bump. The renderer uses only
arithmetic that IEEE-754 fixes to the bit (no ``np.sin``, whose last bits depend on the CPU), so a
fingerprint is the same on every machine with the same library versions.

Taught in: 00_tour
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import dis
import hashlib
import importlib.metadata
import inspect
import math
import os
import socket
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from vaegan_edu.config import check_seed

IMAGE_DATASETS = ("digits8", "glyphs", "sprites", "mnist", "fashion_mnist")
OFFLINE_DATASETS = ("digits8", "glyphs", "sprites")
TOY_2D = ("ring8", "grid25", "moons", "swiss_roll")

CACHE_ENV_VAR = "VAEGAN_EDU_CACHE"
FINGERPRINT_HEX_DIGITS = 16  # 64 bits of SHA-256: names a dataset unambiguously, short enough to read

# Default split sizes of the generated datasets (the MNIST test set has 10,000; 5,000 keeps CPUs happy).
_DEFAULT_SIZES = {"glyphs": (20_000, 5_000), "sprites": (20_000, 5_000)}
MAX_GENERATED_IMAGES = 200_000  # per split: 630 MB of 28x28 float32 and about a minute of rendering on 2 cores


@dataclasses.dataclass(eq=False)
class Dataset:
    """An image dataset split into train and test.

    Attributes
    ----------
    name : str
    x_train, x_test : float32 arrays of shape (n, height, width, 1), values in [0, 1]
    y_train, y_test : int64 arrays of shape (n,) with class labels, or None
    factors_train, factors_test : float32 arrays of shape (n, num_factors), or None
        The generating factors, one column per name in ``factor_names``.
    factor_names : tuple of str, or None
    fingerprint : str
        Short hex SHA-256 of the arrays (dtype, shape and bytes of each) and factor names, computed when the
        dataset is made (about 0.1 s per 100 MB): equal fingerprints mean bit-identical data. It describes the
        arrays as made; changing them in place afterwards does not update it, assigning a new array
        (``ds.x_train = ds.x_train[:100]``, ``ds.x_train *= 2``) does.
    """

    name: str
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray | None = None
    y_test: np.ndarray | None = None
    factors_train: np.ndarray | None = None
    factors_test: np.ndarray | None = None
    factor_names: tuple[str, ...] | None = None
    fingerprint: str = dataclasses.field(init=False)

    def __post_init__(self):
        # init=False: dataclasses.replace (used to take subsets) recomputes it, so it never goes stale
        object.__setattr__(self, "fingerprint", _fingerprint_arrays(self))

    def __setattr__(self, name, value):
        if name == "fingerprint" and "fingerprint" in self.__dict__:
            raise AttributeError("`fingerprint` is computed from the arrays; assign the arrays instead.")
        object.__setattr__(self, name, value)
        if name in _ARRAYS and "fingerprint" in self.__dict__:  # a new array: the fingerprint follows it
            object.__setattr__(self, "fingerprint", _fingerprint_arrays(self))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of one image."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        factors = f", factors={list(self.factor_names)}" if self.factor_names else ""
        labels = "" if self.y_train is None else f", classes={int(self.y_train.max()) + 1}"
        return (
            f"Dataset({self.name!r}, train={len(self.x_train)}, test={len(self.x_test)}, "
            f"image_shape={self.image_shape}{labels}{factors})"
        )


class DatasetOfflineError(ConnectionError):
    """An online dataset was asked for, but its server cannot be reached."""


# --------------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------------


def load(
    name: str,
    seed: int = 0,
    num_train: int | None = None,
    num_test: int | None = None,
    cache: bool = True,
) -> Dataset:
    """Load one of the book's image datasets.

    Parameters
    ----------
    name : {"digits8", "glyphs", "sprites", "mnist", "fashion_mnist"}
    seed : int >= 0
        Seed of the generated datasets (``"glyphs"``, ``"sprites"``): the same seed gives the same images.
        The real datasets have a fixed split and ignore it.
    num_train, num_test : int > 0 or None
        Keep only the first images of each split (None: all of them). For the generated datasets the first
        ``n`` images do not depend on how many are asked for, up to the default sizes (20,000 / 5,000),
        and only the images asked for are rendered.
    cache : bool
        Keep generated datasets in a cache folder (``$VAEGAN_EDU_CACHE``, default
        ``~/.cache/vaegan_edu``) so later loads are instant. A file is keyed by every generation parameter
        and by the generator's code (a changed generator never reuses old images), written atomically, and
        stored with the dataset's fingerprint; a file whose arrays no longer match it is regenerated.

    Returns
    -------
    Dataset, with its ``fingerprint``

    Raises
    ------
    ValueError
        Unknown name, non-positive or too large sizes, invalid seed.
    DatasetOfflineError
        ``"mnist"`` or ``"fashion_mnist"`` requested on a machine that cannot reach the download server.

    Examples
    --------
    >>> ds = load("digits8")
    >>> ds.x_train.shape, ds.x_test.shape
    ((1437, 8, 8, 1), (360, 8, 8, 1))

    Taught in: 00_tour
    """
    if name not in IMAGE_DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}. Accepted names: {list(IMAGE_DATASETS)} "
            f"(offline: {list(OFFLINE_DATASETS)}; for 2-D toy data use toy_2d({list(TOY_2D)}))."
        )
    seed = check_seed(seed)
    num_train = _check_size("num_train", num_train)
    num_test = _check_size("num_test", num_test)
    if name in _DEFAULT_SIZES:
        for argument, value in (("num_train", num_train), ("num_test", num_test)):
            if value is not None and value > MAX_GENERATED_IMAGES:
                raise ValueError(
                    f"`{argument}`={value:,} is too many {name}: at most {MAX_GENERATED_IMAGES:,} per split are "
                    f"generated (more would render for minutes and need gigabytes of memory). Fix: use e.g. "
                    f"{argument}={_DEFAULT_SIZES[name][0 if argument == 'num_train' else 1]:,}."
                )
    if name == "digits8":
        ds = _writable_copy(_subset(_load_digits8(), num_train, num_test))
    elif name in ("mnist", "fashion_mnist"):
        ds = _subset(_load_online(name), num_train, num_test)
    else:
        ds = _generate_cached(name, seed, *_generated_sizes(name, num_train, num_test), cache)
    records = _LOAD_RECORDS.get()
    if records is not None:
        record = {"name": name, "kwargs": dict(seed=seed, num_train=num_train, num_test=num_test),
                  "fingerprint": ds.fingerprint}  # fmt: skip
        if record not in records:
            records.append(record)
    return ds


def fingerprint(name: str, **load_kwargs) -> str:
    """The fingerprint of ``load(name, **load_kwargs)``: what identifies the data a model was trained on.

    Cheap on a warm cache: for a generated dataset already in the cache it reads the fingerprint stored
    beside the arrays (milliseconds, no arrays read). That value is trustworthy because the file's name holds
    the identity of the generator's code, so it was computed from what this package generates; a full
    :func:`load` re-checks the arrays against it. On a cold cache it costs one :func:`load`: generating the
    dataset (about 7 s for the 20,000 + 5,000 default glyphs and 2 s for the sprites on 2 cores), which then
    stays cached. ``"digits8"`` costs about 0.1 s; the online datasets a download when not yet on disk.

    Parameters
    ----------
    name : str
        As for :func:`load`.
    **load_kwargs
        ``seed``, ``num_train``, ``num_test``, ``cache``, as for :func:`load`.

    Returns
    -------
    str, ``FINGERPRINT_HEX_DIGITS`` hex digits

    Examples
    --------
    >>> fingerprint("digits8") == load("digits8").fingerprint
    True

    Taught in: 03_vae (met through the check of the shipped weights)
    """
    stored = _stored_fingerprint(name, **load_kwargs)
    return stored if stored is not None else load(name, **load_kwargs).fingerprint


@contextlib.contextmanager
def record_loads():
    """Within the block, collect every dataset that :func:`load` returns, with its arguments and fingerprint.

    :func:`vaegan_edu.weights.build` uses it to record the data a builder actually trained on, whatever
    module the builder lives in. Yields a list of ``{"name", "kwargs", "fingerprint"}`` dicts, one per
    distinct call. Blocks nest; each thread and async task has its own recorder (a context variable).

    Taught in: 03_vae (met through the shipped weights' manifest)
    """
    records: list[dict] = []
    token = _LOAD_RECORDS.set(records)
    try:
        yield records
    finally:
        _LOAD_RECORDS.reset(token)


_LOAD_RECORDS: contextvars.ContextVar[list | None] = contextvars.ContextVar("vaegan_edu_load_records", default=None)


class BookDataset(NamedTuple):
    """One ``load`` call the book makes, and the fingerprint of the data it gives today."""

    name: str
    kwargs: dict
    fingerprint: str


# The book's own load calls: what the shipped weights were trained on (full-mode sizes; the digit classifier's
# call, load("glyphs", seed=0, num_train=20_000), gives the same arrays as "glyphs-full"), what the chapters
# load in full mode (config.settings(fast=False)) and in fast mode (VAEGAN_EDU_FAST=1, the test suite and CI).
# tests/test_data.py regenerates each from an empty cache and compares. A failure means a generator (or a
# library it uses) now makes other data: update the fingerprint here, then rebuild what was made from the old
# data (data/README.md, "Data identity", lists what).
BOOK_DATASETS: dict[str, BookDataset] = {
    "glyphs-full": BookDataset("glyphs", dict(seed=0, num_train=20_000, num_test=5_000), "ec439feb6c00fb41"),
    "glyphs-fast": BookDataset("glyphs", dict(seed=0, num_train=1_000, num_test=500), "8f4de34ab85c473f"),
    "sprites-full": BookDataset("sprites", dict(seed=0, num_train=20_000, num_test=5_000), "66f19e6e341bc31e"),
    "sprites-fast": BookDataset("sprites", dict(seed=0, num_train=1_000, num_test=500), "b4dff767f7d6d8e9"),
    "digits8": BookDataset("digits8", dict(seed=0), "94ae5dd362e922e4"),
}


def binarize(images, seed: int = 0) -> np.ndarray:
    r"""A random binarisation of grey-level images: each pixel becomes 1 with probability its value.

    .. math:: b_i \sim \mathrm{Bernoulli}(x_i), \qquad \mathbb E[b_i] = x_i

    A Bernoulli likelihood is a normalised distribution over *binary* images, so its ELBO and IWAE bound are
    bounds on a true log-probability only on binary data. Burda et al. (arXiv:1509.00519) binarise MNIST this
    way: a fresh draw of every training image each epoch ("dynamic binarisation",
    :class:`vaegan_edu.training.BinarizedImages`) and one fixed draw of the test images (this function).

    Parameters
    ----------
    images : array of values in [0, 1]
    seed : int
        Fixes the draw: the same seed gives the same binary images.

    Returns
    -------
    np.ndarray of float32 zeros and ones, the shape of ``images``.

    Raises
    ------
    ValueError
        If ``images`` holds values outside [0, 1] or NaN.

    Taught in: 04_measuring_the_vae
    """
    from vaegan_edu.validation import as_float_array

    x = as_float_array("images", images)
    if x.size and not (np.all(np.isfinite(x)) and x.min() >= 0.0 and x.max() <= 1.0):
        finite = x[np.isfinite(x)]
        found = f"values in [{finite.min():.3g}, {finite.max():.3g}]" if finite.size else "no finite values"
        raise ValueError(
            "`images` must hold probabilities in [0, 1] (grey levels) to be binarised; received "
            f"{found}{' and NaN or infinity' if finite.size < x.size else ''}. "
            "Fix: rescale, e.g. `images / 255.0` for 8-bit images."
        )
    rng = np.random.default_rng(check_seed(seed))
    return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)


def downsample(images, factor: int = 2) -> np.ndarray:
    r"""Images shrunk by ``factor`` on each side, each pixel the mean of a ``factor`` x ``factor`` block.

    .. math:: y_{ij} = \frac{1}{f^2} \sum_{a=0}^{f-1} \sum_{b=0}^{f-1} x_{fi + a,\, fj + b}

    Mean pooling keeps the total ink (up to the factor :math:`f^2`) and the values in [0, 1]: 28x28 glyphs
    become 14x14 digits that still read as digits, a smaller problem for studies that must train many models
    for long (:mod:`vaegan_edu.experiments.stability`).

    Parameters
    ----------
    images : array of shape (n, height, width, channels), height and width divisible by ``factor``
    factor : int >= 1

    Returns
    -------
    np.ndarray of float32, shape (n, height / factor, width / factor, channels)

    Examples
    --------
    >>> downsample(np.arange(16, dtype="float32").reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)

    Taught in: (not yet in a chapter: the data of the ``stability`` study, :mod:`vaegan_edu.experiments.stability`)
    """
    from vaegan_edu.validation import as_float_array, check_positive_int

    factor = check_positive_int("factor", factor, 2)
    x = as_float_array("images", images)
    if x.ndim != 4 or x.shape[1] % factor or x.shape[2] % factor:
        raise ValueError(f"`images` must have shape (n, height, width, channels) with height and width divisible "
                         f"by factor={factor}; received shape {x.shape}. Fix: pass a batch such as ds.x_train "
                         f"(28x28 with factor 2 or 4).")  # fmt: skip
    n, height, width, channels = x.shape
    blocks = x.reshape(n, height // factor, factor, width // factor, factor, channels)
    return blocks.mean(axis=(2, 4), dtype=np.float32)  # (n, height / factor, width / factor, channels)


MAX_TOY_POINTS = 10_000_000  # 80 MB of float32 points


def toy_2d(name: str, n: int, seed: int = 0):
    r"""Points from a 2-D toy distribution, for watching a GAN learn.

    ``"ring8"``: a mixture of 8 Gaussians with equal weights, means on a circle of radius 1, standard
    deviation 0.01; ``"grid25"``: 25 Gaussians with means on the grid :math:`\{-4,-2,0,2,4\}^2`, standard
    deviation 0.05. Both are the set-up of PacGAN (Lin et al., NeurIPS 2018, arXiv:1712.04086, section 5),
    whose mode-coverage metric (after VEEGAN, Srivastava et al. 2017) the book uses: a sample is *high
    quality* within 3 standard deviations of its nearest mode. ``"moons"`` (two interleaved half circles,
    noise 0.05) and ``"swiss_roll"`` (a 2-D spiral scaled to about [-1, 1], noise 0.05) have no modes.

    Parameters
    ----------
    name : {"ring8", "grid25", "moons", "swiss_roll"}
    n : int > 0
        Number of points.
    seed : int >= 0

    Returns
    -------
    x : float32 array (n, 2)
    modes : float32 array (num_modes, 2), or None
    std : float, or None
        Standard deviation of each mixture component.

    Taught in: 06_gan_game
    """
    if name not in TOY_2D:
        raise ValueError(f"Unknown 2-D toy dataset {name!r}. Accepted names: {list(TOY_2D)}.")
    n = _check_size("n", n)
    if n is None:
        raise ValueError("`n` must be a positive integer (the number of points); received None.")
    if n > MAX_TOY_POINTS:  # refused before drawing: 10**10 points would ask for 268 GiB
        raise ValueError(f"`n`={n:,} points is more than the {MAX_TOY_POINTS:,} a 2-D toy dataset offers; a GAN on "
                         f"it needs a few thousand (the book uses 20,000). Fix: n=20_000.")  # fmt: skip
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    if name in ("ring8", "grid25"):
        if name == "ring8":
            angles = 2 * np.pi * np.arange(8) / 8
            modes, std = np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01
        else:
            ticks = np.arange(-4.0, 5.0, 2.0)
            modes, std = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2), 0.05
        which = rng.integers(len(modes), size=n)
        x = modes[which] + std * rng.standard_normal((n, 2))
        return x.astype(np.float32), modes.astype(np.float32), std
    from sklearn import datasets as skd

    if name == "moons":
        x, _ = skd.make_moons(n, noise=0.05, random_state=seed)
        x = (x - [0.5, 0.25]) / [1.0, 0.5]  # centre on the origin, about unit spread
    else:
        x3, _ = skd.make_swiss_roll(n, noise=0.5, random_state=seed)
        x = x3[:, [0, 2]] / 10.0  # the spiral lives in the (x, z) plane; noise 0.05 after scaling
    return x.astype(np.float32), None, None


# --------------------------------------------------------------------------------------------------
# Validation and caching
# --------------------------------------------------------------------------------------------------


def _check_size(argument: str, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"`{argument}` must be a positive integer or None; received {value!r}. "
            f"Ask for at least one example, e.g. {argument}=1000."
        )
    return int(value)


def _subset(ds: Dataset, num_train: int | None, num_test: int | None) -> Dataset:
    for argument, wanted, have in (
        ("num_train", num_train, len(ds.x_train)),
        ("num_test", num_test, len(ds.x_test)),
    ):
        if wanted is not None and wanted > have:
            raise ValueError(
                f"`{argument}`={wanted} is more than the {have} examples of {ds.name!r}; "
                f"use {argument}<={have} or None for all of them."
            )
    if num_train is None and num_test is None:
        return ds  # the whole set: no copy, and no second fingerprint of a large download

    def cut(a, k):
        return a if a is None or k is None else a[:k]

    return dataclasses.replace(
        ds,
        x_train=cut(ds.x_train, num_train),
        x_test=cut(ds.x_test, num_test),
        y_train=cut(ds.y_train, num_train),
        y_test=cut(ds.y_test, num_test),
        factors_train=cut(ds.factors_train, num_train),
        factors_test=cut(ds.factors_test, num_test),
    )


def _writable_copy(ds: Dataset) -> Dataset:
    """A copy of a dataset whose arrays the caller may change in place (``ds.x_train *= 2``) without touching the
    cached original, which stays read-only (so nothing can change it for later loads)."""
    return dataclasses.replace(ds, **{k: None if getattr(ds, k) is None else np.array(getattr(ds, k))
                                      for k in _ARRAYS})  # fmt: skip


def cache_dir() -> Path:
    """Folder for generated datasets: ``$VAEGAN_EDU_CACHE`` or ``~/.cache/vaegan_edu``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "vaegan_edu")


_ARRAYS = ("x_train", "x_test", "y_train", "y_test", "factors_train", "factors_test")


def _fingerprint_arrays(ds: Dataset) -> str:
    """Short hex SHA-256 of every array's name, dtype, shape and bytes (None marked as such) and the factor names."""
    digest = hashlib.sha256()
    for key in _ARRAYS:
        a = getattr(ds, key)
        header = f"{key}:none" if a is None else f"{key}:{a.dtype.str}:{a.shape}"
        digest.update(header.encode() + b"\0")
        if a is not None:
            digest.update(np.ascontiguousarray(a).data)
    digest.update(repr(ds.factor_names).encode())
    return digest.hexdigest()[:FINGERPRINT_HEX_DIGITS]


def _generator(name: str):
    """The function that makes generated dataset ``name``, looked up when called (so a changed one counts)."""
    return {"glyphs": _make_glyphs, "sprites": _make_sprites}[name]


def _generated_sizes(name: str, num_train: int | None, num_test: int | None) -> tuple[int, int]:
    default_train, default_test = _DEFAULT_SIZES[name]
    return num_train or default_train, num_test or default_test


# Libraries whose results feed the generated images: numpy (random streams, arithmetic), scipy (the distance
# transform), matplotlib (font files, TrueType outlines through its FreeType, the Agg rasteriser).
_GENERATOR_LIBRARIES = ("numpy", "scipy", "matplotlib")


def _generator_identity(generator) -> str:
    """Hex SHA-256 of what makes a generated dataset: code, constants and library versions.

    It hashes the source text (:func:`inspect.getsource`) of ``generator`` and, transitively, of every
    function and class it reads by global name that is not from the standard library or
    :data:`_GENERATOR_LIBRARIES` (nested functions and lambdas included), the value of every other global it
    reads (``_GLYPH_RANGES``, ``GLYPH_FONTS``, ``_DEFAULT_SIZES`` ...), and the installed versions of
    :data:`_GENERATOR_LIBRARIES`. So any edit to the generating code, a constant or a library version gives
    a new cache key, with no number to bump.

    Limits: it errs towards new keys (an edited comment or docstring also regenerates, a few seconds); it
    does not see library code beyond the version number (a locally patched numpy), data files changed
    without a version change (matplotlib's fonts edited in place), a function reached other than by global
    name (an attribute of an object, ``getattr``), or a global that is reassigned while a generator runs. The
    fingerprint of the arrays, checked by the tests and by the weights, catches what the key misses.
    """
    parts: dict[str, bytes] = {}
    _collect_code(generator, parts)
    for library in _GENERATOR_LIBRARIES:
        parts[f"version of {library}"] = importlib.metadata.version(library).encode()
    digest = hashlib.sha256()
    for key in sorted(parts):
        digest.update(f"{key}:{len(parts[key])}:".encode() + parts[key])
    return digest.hexdigest()


def _is_library(value) -> bool:
    root = (getattr(value, "__module__", None) or "").split(".")[0]
    return root in sys.stdlib_module_names or root in _GENERATOR_LIBRARIES or root == "builtins"


def _collect_code(function, parts: dict[str, bytes]) -> None:
    """Add the source of ``function`` to ``parts`` and, recursively, what it reads by global name."""
    function = inspect.unwrap(function)  # lru_cache and friends wrap the function whose code counts
    key = f"{function.__module__}.{function.__qualname__}"
    if key in parts:
        return
    parts[key] = inspect.getsource(function).encode()
    if not inspect.isfunction(function):  # a class: its source is all there is to it
        return
    namespace = function.__globals__
    for name in sorted(_global_names(function.__code__)):
        if name not in namespace:  # a builtin
            continue
        value = namespace[name]
        if inspect.ismodule(value) or (_is_library(value) and callable(value)):
            continue  # library code: identified by the library versions
        if inspect.isfunction(inspect.unwrap(value)) or inspect.isclass(value):
            _collect_code(value, parts)
        else:
            parts[f"{function.__module__}.{name}"] = _stable_bytes(name, value)


def _global_names(code) -> set[str]:
    """Names that ``code`` and the functions and lambdas nested in it read as globals."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _global_names(const)
    return names


def _stable_bytes(name: str, value) -> bytes:
    """Bytes that identify a constant a generator reads, equal in every process (no ids, no addresses)."""
    if isinstance(value, np.ndarray):
        return f"array:{value.dtype.str}:{value.shape}:".encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, dict):  # insertion order kept: it can matter (the order random factors are drawn in)
        items = (_stable_bytes(name, k) + b":" + _stable_bytes(name, v) for k, v in value.items())
        return b"dict(" + b",".join(items) + b")"
    if isinstance(value, (tuple, list)):
        return type(value).__name__.encode() + b"(" + b",".join(_stable_bytes(name, v) for v in value) + b")"
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return repr(value).encode()
    raise TypeError(
        f"A dataset generator reads the global `{name}`, a {type(value).__name__}, which the cache key cannot "
        f"identify (its repr may hold a memory address). Make it a number, string, tuple, dict or NumPy array, "
        f"or teach vaegan_edu.data._stable_bytes to identify it."
    )


def _cache_path(name: str, seed: int, n_train: int, n_test: int) -> Path:
    identity = _generator_identity(_generator(name))[:FINGERPRINT_HEX_DIGITS]
    return cache_dir() / f"{name}-seed{seed}-train{n_train}-test{n_test}-{identity}.npz"


def _check_cached(ds: Dataset, stored: str, n_train: int, n_test: int) -> str | None:
    """What is wrong with a dataset read from the cache, or None: the checksum recorded when it was written
    (the fingerprint), and its content (counts, image shape, dtype, finite values in [0, 1], labels), so a file
    rewritten consistently with bad pixels or too few images is not used either."""
    if ds.fingerprint != stored:
        return f"checksum {ds.fingerprint} differs from the recorded {stored}"
    for key, n in (("x_train", n_train), ("x_test", n_test)):
        x = getattr(ds, key)
        if x.dtype != np.float32 or x.ndim != 4 or len(x) != n or x.shape[-1] != 1:
            return f"{key} has dtype {x.dtype} and shape {x.shape}, expected float32 ({n}, height, width, 1)"
        if not np.all(np.isfinite(x)) or x.min() < 0.0 or x.max() > 1.0:
            return f"{key} holds values outside [0, 1] or non-finite ones"
    for key, n in (("y_train", n_train), ("y_test", n_test), ("factors_train", n_train), ("factors_test", n_test)):
        a = getattr(ds, key)
        if a is not None and len(a) != n:
            return f"{key} has {len(a)} rows, expected {n}"
    if ds.x_train.shape[1:] != ds.x_test.shape[1:]:
        return "train and test images differ in shape"
    return None


_WARNED_CACHE_DIRS: set = set()


def _generate_cached(name, seed, n_train, n_test, cache) -> Dataset:
    if not cache:
        return _generator(name)(seed, n_train, n_test)
    path = _cache_path(name, seed, n_train, n_test)
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in _ARRAYS}
                names = tuple(str(s) for s in f["factor_names"])
                stored = str(f["fingerprint"])
            ds = Dataset(name, factor_names=names, **arrays)
            if _check_cached(ds, stored, n_train, n_test) is None:
                return ds
        except Exception:  # a damaged or foreign file: regenerate and overwrite it below
            pass
    ds = _generator(name)(seed, n_train, n_test)
    try:
        _atomic_savez(path, factor_names=np.array(ds.factor_names), fingerprint=np.array(ds.fingerprint),
                      **{k: getattr(ds, k) for k in _ARRAYS})  # fmt: skip
    except OSError as exc:  # a read-only or missing cache folder: the data is still good, only not kept
        if str(path.parent) not in _WARNED_CACHE_DIRS:
            _WARNED_CACHE_DIRS.add(str(path.parent))
            import warnings

            warnings.warn(
                f"Cannot write the dataset cache in {path.parent} ({type(exc).__name__}: {exc}); generating "
                f"without caching (each load regenerates). Fix: set ${CACHE_ENV_VAR} to a writable folder.",
                RuntimeWarning, stacklevel=3,
            )  # fmt: skip
    return ds


def _stored_fingerprint(name, seed=0, num_train=None, num_test=None, cache=True) -> str | None:
    """The fingerprint stored in the cache file of a generated dataset, or None when there is none to read."""
    if name not in _DEFAULT_SIZES or not cache:
        return None
    seed = check_seed(seed)
    sizes = _generated_sizes(name, _check_size("num_train", num_train), _check_size("num_test", num_test))
    try:
        with np.load(_cache_path(name, seed, *sizes), allow_pickle=False) as f:
            return str(f["fingerprint"])
    except Exception:  # no file yet, or a damaged one: load() makes (or remakes) it
        return None


def _atomic_savez(path: Path, **arrays) -> None:
    """Write an .npz next to ``path`` and rename it into place: a crash never leaves half a file there, and a
    temporary file left by a process killed mid-write (``kill -9``) is removed by the next write."""
    from vaegan_edu.files import remove_dead_temporaries, temporary_path

    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path, ".npz")
    tmp = temporary_path(path, ".npz", unique=True)  # unique: threads of one process may fill the cache at once
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------------
# digits8: the real 8x8 digits of scikit-learn
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _load_digits8() -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]  # (1797, 8, 8, 1), counts 0..16 -> [0, 1]
    y = digits.target.astype(np.int64)
    # The split is part of the dataset, like MNIST's: fixed, stratified by class, 20 % test.
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=360, stratify=y, random_state=0)
    for a in (x_train, x_test, y_train, y_test):
        a.flags.writeable = False
    return Dataset("digits8", x_train, x_test, y_train, y_test)


# --------------------------------------------------------------------------------------------------
# Rendering from signed-distance fields (shared by glyphs and sprites)
# --------------------------------------------------------------------------------------------------

_BANK_RES = 96  # pixels per side of each base shape's distance field
_BANK_EXTENT = 1.6  # the field covers [-0.8, 0.8]^2 in shape units (a shape spans at most [-0.5, 0.5])


def _sdf_from_path(path, transform) -> np.ndarray:
    """Signed distance (shape units, negative inside) of a filled matplotlib Path on the bank grid."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.transforms import Affine2D
    from scipy.ndimage import distance_transform_edt

    px_per_unit = _BANK_RES / _BANK_EXTENT
    to_pixels = transform + Affine2D().scale(px_per_unit).translate(_BANK_RES / 2, _BANK_RES / 2)
    renderer = RendererAgg(_BANK_RES, _BANK_RES, 72)
    renderer.draw_path(renderer.new_gc(), path, to_pixels, rgbFace=(0, 0, 0))
    inside = np.asarray(renderer.buffer_rgba())[::-1, :, 3] > 127  # Agg rows run top to bottom
    sdf = distance_transform_edt(~inside) - distance_transform_edt(inside)
    return (sdf / px_per_unit).astype(np.float32)


def _sample_bank(bank, ids, u, v):
    """Bilinear lookup of ``bank[ids]`` at shape coordinates (u right, v up); far outside is +inf-ish."""
    scale = _BANK_RES / _BANK_EXTENT
    col = u * scale + _BANK_RES / 2 - 0.5
    row = v * scale + _BANK_RES / 2 - 0.5
    col = np.clip(col, 0, _BANK_RES - 1.001)
    row = np.clip(row, 0, _BANK_RES - 1.001)
    c0, r0 = np.floor(col).astype(np.int32), np.floor(row).astype(np.int32)
    fc, fr = col - c0, row - r0
    g = ids.reshape((-1,) + (1,) * (u.ndim - 1))
    top = bank[g, r0, c0] * (1 - fc) + bank[g, r0, c0 + 1] * fc
    bottom = bank[g, r0 + 1, c0] * (1 - fc) + bank[g, r0 + 1, c0 + 1] * fc
    return top * (1 - fr) + bottom * fr


def _render(bank, ids, inverse, offset, size, size_px, ink_offset=None, displacement=None):
    """Render ``len(ids)`` images of ``size`` x ``size`` pixels.

    Pixel centre p (pixels, y up, relative to the image centre) maps to shape coordinates
    ``inverse @ (q + displacement(q)) / size_px`` with ``q = p - offset``; ink = clip(0.5 - (d - ink_offset), 0, 1) where d is the signed
    distance in pixels, a one-pixel anti-aliased edge.
    """
    centres = (np.arange(size) - (size - 1) / 2.0).astype(np.float32)
    px = centres[None, None, :] - offset[:, 0, None, None]  # (n, 1, size): x depends on the column only
    py = -centres[None, :, None] - offset[:, 1, None, None]  # (n, size, 1): y on the row only
    if displacement is not None:  # a field that moves with the shape, so it does not shift its centre
        dx, dy = displacement(px, py)
        px, py = px + dx, py + dy  # (n, size, size)
    scale = size_px[:, None, None]
    u = (inverse[:, 0, 0, None, None] * px + inverse[:, 0, 1, None, None] * py) / scale  # (n, size, size)
    v = (inverse[:, 1, 0, None, None] * px + inverse[:, 1, 1, None, None] * py) / scale
    distance_px = _sample_bank(bank, ids, u, v) * scale
    if ink_offset is not None:
        distance_px = distance_px - ink_offset[:, None, None]
    return np.clip(0.5 - distance_px, 0.0, 1.0).astype(np.float32)


# Cody-Waite split of pi/2 (fdlibm's pio2_1, pio2_1t): the high part has 33 significant bits, so k * high is
# exact for |k| < 2**20 and the reduction loses nothing.
_HALF_PI_HIGH = 1.57079632673412561417e00
_HALF_PI_LOW = 6.07710050650619224932e-11
_SIN_TAYLOR = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(1, 9))  # r^3/3! ... r^17/17!
_COS_TAYLOR = tuple((-1) ** k / math.factorial(2 * k) for k in range(2, 9))  # r^4/4! ... r^16/16!


def _sincos(x):
    """sin(x) and cos(x) in float64, computed from +, -, * and rounding alone, so every machine gets the same bits.

    ``np.sin`` and ``np.cos`` pick an implementation per CPU (SIMD with or without fused multiply-add), and
    their last bits differ: with numpy 2.4, images rendered on an x86 CPU without AVX2 differed from those
    made with it (by up to 3e-6, enough to change every fingerprint). IEEE-754 rounds +, -, * to the bit on
    every machine and NumPy never fuses separate operations, so this polynomial is portable. Reduction to
    |r| <= pi/4 by quadrant, then Taylor series to r^17: error about 2e-16 (measured for |x| < 1e3; the
    renderer's arguments stay below 20).
    """
    x = np.asarray(x, dtype=np.float64)
    k = np.round(x / (np.pi / 2))
    r = x - k * _HALF_PI_HIGH - k * _HALF_PI_LOW
    r2 = r * r
    sin_poly = np.full_like(r2, _SIN_TAYLOR[-1])
    for c in _SIN_TAYLOR[-2::-1]:
        sin_poly = sin_poly * r2 + c
    cos_poly = np.full_like(r2, _COS_TAYLOR[-1])
    for c in _COS_TAYLOR[-2::-1]:
        cos_poly = cos_poly * r2 + c
    sin_r = r + r * r2 * sin_poly
    cos_r = 1.0 - 0.5 * r2 + r2 * r2 * cos_poly
    quadrant = k.astype(np.int64) & 3  # x = r + k pi/2: rotate (cos r, sin r) by k quarter turns
    sin = np.choose(quadrant, [sin_r, cos_r, -sin_r, -cos_r])
    cos = np.choose(quadrant, [cos_r, -sin_r, -cos_r, sin_r])
    return sin, cos


def _affine_inverse(rotation, shear):
    """Inverse of the 2x2 map rotation @ [[1, shear], [0, 1]] for each image, shape (n, 2, 2), float32.

    Written out, [[1, -shear], [0, 1]] @ rotation(-angle), rather than np.linalg.inv: the same bits everywhere.
    """
    sin, cos = _sincos(rotation)
    shear = np.asarray(shear, dtype=np.float64)
    inverse = np.stack([np.stack([cos + shear * sin, sin - shear * cos], -1), np.stack([-sin, cos], -1)], -2)
    return inverse.astype(np.float32)


def _in_chunks(n, chunk, fn):
    return np.concatenate([fn(slice(i, min(i + chunk, n))) for i in range(0, n, chunk)])


# --------------------------------------------------------------------------------------------------
# glyphs: 28x28 digits rendered from matplotlib's fonts
# --------------------------------------------------------------------------------------------------

# The faces every supported matplotlib (>= 3.8) ships, and cmti10, which matplotlib ships only from 3.11: the
# package carries its own copy (vaegan_edu/fonts/, with its licence), so the digits are the same everywhere.

GLYPH_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmti10.ttf",
)  # fmt: skip
GLYPH_FACTORS = ("digit", "font", "rotation", "scale", "shear", "thickness", "elastic", "aspect")

# Ranges of the random factors (uniform). Angles in radians; scale multiplies the 20-pixel box MNIST fits
# digits into; thickness is added to the stroke's half width in pixels; elastic is the amplitude in pixels of
# a smooth random displacement field; aspect stretches the width.
_GLYPH_RANGES = {
    "rotation": (-np.deg2rad(15), np.deg2rad(15)),
    "scale": (0.72, 0.98),
    "shear": (-0.3, 0.3),
    "thickness": (-0.3, 0.9),
    "elastic": (0.0, 1.5),
    "aspect": (0.8, 1.2),
}
_GLYPH_BOX_PX = 20.0  # MNIST fits each digit's larger side into 20 pixels, then centres it by mass in 28


@lru_cache(maxsize=1)
def _glyph_bank() -> np.ndarray:
    """Distance fields of digits 0-9 in every font, shape (num_fonts * 10, res, res); index font * 10 + d."""
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font_dirs = (Path(__file__).with_name("fonts"), Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    fields = []
    for font in GLYPH_FONTS:  # a face the package ships (see fonts/LICENSE_BAKOMA) wins over matplotlib's
        path = next((d / font for d in font_dirs if (d / font).is_file()), font_dirs[-1] / font)
        prop = FontProperties(fname=str(path))
        for digit in range(10):
            path = TextPath((0, 0), str(digit), size=1.0, prop=prop)
            lo, hi = path.vertices.min(0), path.vertices.max(0)
            centre, extent = (lo + hi) / 2, (hi - lo).max()
            fields.append(_sdf_from_path(path, Affine2D().translate(*-centre).scale(1.0 / extent)))
    bank = np.stack(fields)
    bank.flags.writeable = False
    return bank


def _glyph_factors(rng, n):
    digit = rng.integers(10, size=n)
    font = rng.integers(len(GLYPH_FONTS), size=n)
    cont = {k: rng.uniform(lo, hi, size=n).astype(np.float32) for k, (lo, hi) in _GLYPH_RANGES.items()}
    # Three random low-frequency waves per axis make a smooth displacement field (Simard et al. 2003 blur
    # white noise instead; waves give the same gentle wobble and are cheap to evaluate).
    waves = (
        (rng.standard_normal((n, 2, 3, 2)) * 0.25).astype(np.float32),
        rng.uniform(0, 2 * np.pi, size=(n, 2, 3)).astype(np.float32),
    )
    return digit, font, cont, waves


def _elastic_field(freq, phase, amplitude):
    """A displacement function (px, py) -> (dx, dy): per image, 3 random plane waves per axis.

    Each wave is sin(a + b) with a = fx * px (per column) and b = fy * py + phase (per row), expanded as
    sin a cos b + cos a sin b: the portable :func:`_sincos` then runs on size values per image instead of
    size^2.
    """

    def displacement(px, py):  # px: (m, 1, size), py: (m, size, 1)
        sin_a, cos_a = _sincos(freq[..., 0, None, None] * px[:, None, None])  # (m, 2 axes, 3 waves, 1, size)
        sin_b, cos_b = _sincos(freq[..., 1, None, None] * py[:, None, None] + phase[..., None, None])  # (.., size, 1)
        sin_a, cos_a, sin_b, cos_b = (t.astype(np.float32) for t in (sin_a, cos_a, sin_b, cos_b))
        waves = sin_a * cos_b + cos_a * sin_b  # (m, 2, 3, size, size), float32 like the rest of the image
        field = waves.sum(axis=2) / np.sqrt(3.0)  # (m, 2, size, size), unit-ish variance
        return field[:, 0] * amplitude[:, None, None], field[:, 1] * amplitude[:, None, None]

    return displacement


def _render_glyphs(rng, n, n_draw, size=28):
    """Draw the random factors of ``n_draw`` glyphs (so prefixes agree across sizes), render the first n."""
    bank = _glyph_bank()
    digit, font, f, waves = _glyph_factors(rng, max(n, n_draw))
    digit, font = digit[:n], font[:n]
    f = {k: v[:n] for k, v in f.items()}
    waves = (waves[0][:n], waves[1][:n])
    ids = font * 10 + digit
    inverse = _affine_inverse(f["rotation"], f["shear"])
    inverse[:, :, 0] /= f["aspect"][:, None]  # stretch the width: divide u by the aspect ratio
    size_px = (_GLYPH_BOX_PX * f["scale"]).astype(np.float32)

    def draw(sl, offset):
        return _render(
            bank, ids[sl], inverse[sl], offset, size, size_px[sl], f["thickness"][sl],
            _elastic_field(waves[0][sl], waves[1][sl], f["elastic"][sl]),
        )  # fmt: skip

    # Pass 1 at the frame centre, to measure each digit's centre of mass; pass 2 moves it to the centre.
    zero = np.zeros((n, 2), np.float32)
    first = _in_chunks(n, 4096, lambda sl: draw(sl, zero[sl]))
    c = np.arange(size) - (size - 1) / 2.0
    mass = first.sum(axis=(1, 2)) + 1e-6
    com = np.stack([(first.sum(1) * c).sum(1) / mass, (first.sum(2) * -c).sum(1) / mass], axis=1)
    images = _in_chunks(n, 4096, lambda sl: draw(sl, -com[sl]))
    factors = np.stack([digit, font] + [f[k] for k in GLYPH_FACTORS[2:]], axis=1).astype(np.float32)
    return images[..., None], digit.astype(np.int64), factors


def _make_glyphs(seed, n_train, n_test) -> Dataset:
    train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    default_train, default_test = _DEFAULT_SIZES["glyphs"]
    x_train, y_train, f_train = _render_glyphs(train_rng, n_train, default_train)
    x_test, y_test, f_test = _render_glyphs(test_rng, n_test, default_test)
    return Dataset("glyphs", x_train, x_test, y_train, y_test, f_train, f_test, GLYPH_FACTORS)


# --------------------------------------------------------------------------------------------------
# sprites: dSprites-style shapes with known factors
# --------------------------------------------------------------------------------------------------

SPRITE_SHAPES = ("square", "ellipse", "heart")
SPRITE_FACTORS = ("shape", "scale", "rotation", "x", "y")
SPRITE_SIZE = 32
# The factor grid: dSprites has 6 scales in [0.5, 1], 40 rotations and 32 positions per axis on 64x64;
# on a 32x32 canvas we keep 6 scales, 20 rotations and 16 positions per axis.
SPRITE_GRID = {
    "shape": np.arange(3, dtype=np.float32),
    "scale": np.linspace(0.5, 1.0, 6, dtype=np.float32),
    "rotation": np.linspace(0, 2 * np.pi, 20, endpoint=False, dtype=np.float32),
    "x": np.linspace(0, 1, 16, dtype=np.float32),
    "y": np.linspace(0, 1, 16, dtype=np.float32),
}
_SPRITE_PX = 13.0  # side of a shape at scale 1, in pixels
_SPRITE_MARGIN = 8.0  # positions x, y in [0, 1] map to centres in [margin, size - margin] pixels


@lru_cache(maxsize=1)
def _sprite_bank() -> np.ndarray:
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Affine2D

    square = MplPath.unit_rectangle()  # [0, 1]^2
    ellipse = MplPath.unit_circle()  # radius 1
    t = np.linspace(0, 2 * np.pi, 200)
    (sin_t, cos_t), (_, cos_2t), (_, cos_3t), (_, cos_4t) = (_sincos(k * t) for k in (1, 2, 3, 4))
    heart_xy = np.stack(
        [16 * sin_t * sin_t * sin_t, 13 * cos_t - 5 * cos_2t - 2 * cos_3t - cos_4t], 1
    )  # the classic heart curve, about 32 x 29 units (products, not ** 3: pow() is libm's, not IEEE-exact)
    heart = MplPath(heart_xy, closed=True)
    lo, hi = heart_xy.min(0), heart_xy.max(0)
    shapes = [
        (square, Affine2D().translate(-0.5, -0.5).scale(0.8)),  # a square a bit smaller than the box
        (ellipse, Affine2D().scale(0.5, 0.25)),  # 2:1 ellipse spanning the box
        (heart, Affine2D().translate(*-(lo + hi) / 2).scale(1.0 / (hi - lo).max())),
    ]
    bank = np.stack([_sdf_from_path(p, tr) for p, tr in shapes])
    bank.flags.writeable = False
    return bank


def _render_sprites(factors: np.ndarray) -> np.ndarray:
    shape, scale, rotation, x, y = factors.T
    n = len(factors)
    inverse = _affine_inverse(rotation, np.zeros(n))
    span = SPRITE_SIZE - 2 * _SPRITE_MARGIN
    offset = np.stack([x * span + _SPRITE_MARGIN, (1 - y) * span + _SPRITE_MARGIN], 1) - SPRITE_SIZE / 2
    # y grows downwards like dSprites' posY; our pixel coordinates grow upwards, hence 1 - y.
    images = _in_chunks(
        n, 4096,
        lambda sl: _render(_sprite_bank(), shape[sl].astype(np.int64), inverse[sl], offset[sl].astype(np.float32),
                           SPRITE_SIZE, (_SPRITE_PX * scale[sl]).astype(np.float32)),
    )  # fmt: skip
    return images[..., None]


def _make_sprites(seed, n_train, n_test) -> Dataset:
    sizes = [len(v) for v in SPRITE_GRID.values()]
    total = int(np.prod(sizes))
    if max(n_train, _DEFAULT_SIZES["sprites"][0]) + max(n_test, _DEFAULT_SIZES["sprites"][1]) > total:
        raise ValueError(
            f"The sprite grid has {total} factor combinations; num_train + num_test = {n_train + n_test} "
            f"is too many. Ask for at most {total} images in all."
        )
    # Draw the default number of combinations (so prefixes agree across sizes), disjoint train and test.
    default_train, default_test = _DEFAULT_SIZES["sprites"]
    draw_train, draw_test = max(n_train, default_train), max(n_test, default_test)
    combos = np.random.default_rng(seed).choice(total, size=draw_train + draw_test, replace=False)
    combos = np.concatenate([combos[:n_train], combos[draw_train : draw_train + n_test]])
    index = np.stack(np.unravel_index(combos, sizes), axis=1)
    factors = np.stack([grid[index[:, j]] for j, grid in enumerate(SPRITE_GRID.values())], axis=1)
    images = _render_sprites(factors)
    labels = factors[:, 0].astype(np.int64)
    return Dataset(
        "sprites", images[:n_train], images[n_train:], labels[:n_train], labels[n_train:],
        factors[:n_train], factors[n_train:], SPRITE_FACTORS,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Online datasets through keras.datasets
# --------------------------------------------------------------------------------------------------

_ONLINE_HOST = ("storage.googleapis.com", 443)  # where keras.datasets downloads MNIST and Fashion-MNIST
_ONLINE_FILES = {"mnist": ("mnist.npz",), "fashion_mnist": (
    "fashion-mnist/train-labels-idx1-ubyte.gz", "fashion-mnist/train-images-idx3-ubyte.gz",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz", "fashion-mnist/t10k-images-idx3-ubyte.gz")}  # fmt: skip
NETWORK_TIMEOUT_S = 5.0


def _keras_datasets_dir() -> Path:
    from keras.src.backend.config import keras_home

    return Path(keras_home()) / "datasets"


def _can_reach(host: str, port: int, timeout: float) -> bool:
    """True when a TCP connection to host:port opens within ``timeout`` seconds (DNS included)."""
    result = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)  # getaddrinfo has no timeout of its own
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def _load_data_or_offline(module, name: str, cached: bool):
    """``module.load_data()``, but never a hang: when the cached files are damaged Keras downloads them again, and
    on a machine whose DNS hangs that download would block for minutes. The call runs in a worker thread; if it has
    not returned within ``NETWORK_TIMEOUT_S`` and the download host cannot be reached within that time either,
    this raises :class:`DatasetOfflineError` (the worker is left to time out on its own, as a daemon thread)."""
    box = {}

    def work():
        try:
            box["value"] = module.load_data()
        except Exception as exc:  # handed to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(NETWORK_TIMEOUT_S)
    if worker.is_alive() and not _can_reach(*_ONLINE_HOST, NETWORK_TIMEOUT_S):
        state = "its cached files could not be read and" if cached else "the download stalled and"
        raise DatasetOfflineError(
            f"Cannot load {name!r}: {state} this machine is offline (no connection to {_ONLINE_HOST[0]} within "
            f"{NETWORK_TIMEOUT_S:.0f} s). Use an offline dataset instead: {list(OFFLINE_DATASETS)}, e.g. "
            f"ve.data.load('glyphs') for MNIST-sized digits; delete {_keras_datasets_dir()} to download afresh."
        )
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _load_online(name: str) -> Dataset:
    import keras

    folder = _keras_datasets_dir()
    cached = all((folder / f).exists() for f in _ONLINE_FILES[name])
    if not cached and not _can_reach(*_ONLINE_HOST, NETWORK_TIMEOUT_S):
        raise DatasetOfflineError(
            f"Cannot download {name!r}: this machine is offline (no connection to {_ONLINE_HOST[0]} within "
            f"{NETWORK_TIMEOUT_S:.0f} s). Use an offline dataset instead: {list(OFFLINE_DATASETS)}, "
            f"e.g. ve.data.load('glyphs') for MNIST-sized digits."
        )
    module = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = _load_data_or_offline(module, name, cached)
    except DatasetOfflineError:
        raise
    except Exception as exc:  # a failed or damaged download: remove what it left so the next try is clean
        for f in _ONLINE_FILES[name]:
            (folder / f).unlink(missing_ok=True)
        raise DatasetOfflineError(
            f"Downloading {name!r} failed ({type(exc).__name__}: {exc}); the partial files were removed. "
            f"Try again when online, or use an offline dataset: {list(OFFLINE_DATASETS)}."
        ) from exc

    def images(a):
        return (a.astype(np.float32) / 255.0)[..., None]

    return Dataset(name, images(x_train), images(x_test), y_train.astype(np.int64), y_test.astype(np.int64))

"""Where the files that ship with the package live: pretrained weights, experiment results and the chapters.

There is one copy of each file, the repository's ``data/`` folder:

- **In a checkout** (``pip install -e .``, or the repository on ``PYTHONPATH``) the package reads
  ``data/weights`` and ``data/experiments`` beside it, and whatever writes them (``python -m vaegan_edu.weights
  build``, ``python -m vaegan_edu.experiments run``) writes there, into the files git tracks.
- **In an installed wheel** (``pip install .``, ``pip install "vaegan_edu @ git+..."`` as on Colab) the same
  files are package data: ``pyproject.toml`` maps ``data/`` to the package folder ``vaegan_edu/_shipped/`` when
  the wheel is built, and :func:`shipped_dir` finds it with :mod:`importlib.resources`.

The chapters ship the same way: ``notebooks/`` is the package folder ``vaegan_edu/_chapters/`` in a wheel
(:func:`chapters_dir`), so ``python -m vaegan_edu.book chapters DIR`` gives a pip user the book.

The environment variables ``$VAEGAN_EDU_WEIGHTS`` and ``$VAEGAN_EDU_EXPERIMENTS`` still override both; the modules
that read the files check them first.

Taught in: 03_vae
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

PACKAGE_CHAPTERS = "_chapters"  # the folder of the installed package that holds notebooks/ (pyproject.toml maps it)
PACKAGE_DATA = "_shipped"  # the folder of the installed package that holds data/ (pyproject.toml maps it)
KINDS = ("weights", "experiments")  # the subfolders of data/ that the package reads at run time


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files: package data in an installed wheel, else the checkout's ``data/kind``.

    Parameters
    ----------
    kind : {"weights", "experiments"}

    Returns
    -------
    Path of the folder (it may not exist: a checkout without ``data/`` has none; the readers say so)

    Raises
    ------
    ValueError
        ``kind`` is not one of :data:`KINDS`.

    Examples
    --------
    >>> shipped_dir("weights").name
    'weights'

    Taught in: 03_vae
    """
    if kind not in KINDS:
        raise ValueError(f"Invalid value received for argument `kind`. Expected one of {KINDS}. Received: kind={kind!r}.")
    installed = importlib.resources.files("vaegan_edu").joinpath(PACKAGE_DATA, kind)
    # A wheel installed by pip is unpacked on disk, so this is a real folder that Keras and hashlib can open; a
    # checkout has no _shipped/ (git does not track one) and falls through to data/ beside the package.
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[1] / "data" / kind


def chapters_dir() -> Path:
    """The folder of the chapter notebooks: the checkout's ``notebooks/``, else the installed package's copy.

    Returns
    -------
    Path of the folder (it may not exist in a checkout without notebooks/; the readers say so)

    Examples
    --------
    >>> sorted(chapters_dir().glob("00_*.ipynb"))[0].name
    '00_tour.ipynb'

    Taught in: 00_tour
    """
    checkout = Path(__file__).resolve().parents[1] / "notebooks"
    if checkout.is_dir():
        return checkout
    installed = importlib.resources.files("vaegan_edu").joinpath(PACKAGE_CHAPTERS)
    return installed if isinstance(installed, Path) else checkout


def in_checkout() -> bool:
    """Whether the package runs from a checkout of the book (``pyproject.toml`` beside it), not from a wheel."""
    return (Path(__file__).resolve().parents[1] / "pyproject.toml").is_file()

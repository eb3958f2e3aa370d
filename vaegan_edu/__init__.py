"""vaegan_edu: the helper package of the VAE and GAN book.

Importing the package only makes its modules reachable (``ve.data``, ``ve.config`` ...); each module is
imported the first time it is used, so ``import vaegan_edu`` is quick and has no side effects beyond
setting two TensorFlow environment defaults (see below) that only matter when TensorFlow is imported later.
"""

import importlib
import os

# TensorFlow prints C++ logging to stderr, and Jupyter shows that stderr in the cell's output.
# TF_CPP_MIN_LOG_LEVEL=3 quiets it, including the grappler "remapper failed" notices that some compiled GAN
# steps print at error level (Python exceptions are unaffected). The oneDNN notice ("custom operations are
# on ... slightly different numerical results") only goes away with oneDNN's custom operations off, which also
# keeps results bit-for-bit repeatable. A user who sets either variable keeps their own choice. Whether oneDNN
# is faster for the book's small models is measured in benchmarks/.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"

_SUBMODULES = (  # what a chapter or a lecturer reaches as ve.NAME; files, repository, resources and validation
    "book",  # are the package's own plumbing, imported by name where needed
    "callbacks",
    "chapter_stats",
    "claims",
    "config",
    "data",
    "diagrams",
    "exercises",
    "experiments",
    "grading",
    "instructor_guide",
    "losses",
    "metrics",
    "models",
    "plots",
    "probability",
    "slides",
    "style",
    "training",
    "weights",
    "widgets",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))

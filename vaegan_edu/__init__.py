"""vaegan_edu: the helper package of the VAE and GAN book.

Importing the package only makes its modules reachable (``ve.data``, ``ve.config`` ...); each module is
imported the first time it is used, so ``import vaegan_edu`` is quick and has no side effects beyond
asking TensorFlow, if it is the Keras backend, to keep its C++ start-up log quiet.
"""

import importlib
import os

# TensorFlow prints several lines of C++ start-up logging to stderr on import; keep the classroom
# screen clean unless the user asked for something else.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_SUBMODULES = (
    "book",
    "config",
    "data",
    "exercises",
    "losses",
    "metrics",
    "models",
    "plots",
    "probability",
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

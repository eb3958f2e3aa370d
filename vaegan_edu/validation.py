"""Argument checks shared across the package: positive numbers and integers, batches of images.

Each check returns the value it accepted (converted where that is safe) and otherwise raises a ValueError that
names the argument, says what was expected and received, and how to fix it. Seeds are checked by
:func:`vaegan_edu.config.check_seed`, beside the seeding they serve.
"""

from __future__ import annotations

import numpy as np


def check_positive_number(name: str, value, example):
    """Validate a positive real number (not a bool) passed as argument ``name``; return it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number such as {example}; received {name}={value!r}.")
    return value


def check_positive_int(name: str, value, example) -> int:
    """Validate a positive integer (Python or NumPy, not a bool) passed as argument ``name``; return it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer such as {example}; received {name}={value!r}.")
    return int(value)



def check_image_batch(name: str, x, image_shape=None) -> np.ndarray:
    """Validate a non-empty batch of images (n, height, width, channels), of ``image_shape`` when given.

    Returns the batch as float32 NumPy.
    """
    x = np.asarray(x, dtype="float32")
    if x.ndim != 4 or (image_shape is not None and tuple(x.shape[1:]) != tuple(image_shape)):
        expected = f"(n, {', '.join(map(str, image_shape))})" if image_shape else "(n, height, width, channels)"
        raise ValueError(
            f"`{name}` must be a batch of images of shape {expected}; received shape {x.shape}. Fix: pass "
            f"`data.x_train` / `data.x_test` of a dataset from `ve.data.load`, or add the channel axis with "
            f"`{name}[..., None]`."
        )
    if len(x) == 0:
        raise ValueError(f"`{name}` is empty; pass at least one image.")
    return x

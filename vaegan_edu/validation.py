"""Argument checks shared across the package, in one place, so every public entry says the same thing the same
way: the argument's name, what it received, what it expects, and how to fix it (scikit-learn's
``check_array`` is the model).

Each check returns the value it accepted (converted where that is safe) and otherwise raises a ValueError (a
wrong value) or TypeError (a wrong kind of thing). Backend tensors (TensorFlow, JAX, PyTorch) are checked like
NumPy arrays: their values are read when they are concrete (:func:`concrete_array`), so a check can never be
bypassed by converting data to a tensor first; symbolic tensors inside a compiled step are not read (their
shapes still are), so the compiled path costs nothing.

Sizes have upper bounds (:data:`MAX_ELEMENTS`): a typo such as ``num_train=10**7`` must fail in microseconds,
not render for minutes or exhaust memory.
"""

from __future__ import annotations

import sys

import numpy as np

MAX_ELEMENTS = 2**31  # float32 numbers one call may allocate (8 GiB): more is surely a typo on a teaching machine
UNIT_RANGE_SLACK = 1e-5  # float32 rounding of a blur or a mean of [0, 1] images may step this far outside
MAX_SEED = 2**32  # seeds are unsigned 32-bit integers, as NumPy's and Keras's generators accept


class UnknownNameError(KeyError, ValueError):
    """A name that is not among the known ones (a protocol, a variant, a metric). It is a KeyError, as a failed
    look-up has always been, and a ValueError, as every other wrong value of the package is; its message is
    printed as written (a plain KeyError would print it in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# --- numbers ----------------------------------------------------------------------------------------------------


def _is_integer(value) -> bool:
    """A Python or NumPy integer, or a 0-d integer array; never a bool."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.dtype.kind in "iu"
    return isinstance(value, (int, np.integer))


def _is_real(value) -> bool:
    """A Python or NumPy real number, or a 0-d real array; never a bool."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.dtype.kind in "iuf"
    return isinstance(value, (int, float, np.integer, np.floating))


def check_positive_number(name: str, value, example):
    """Validate a positive, finite real number (Python or NumPy, not a bool) passed as ``name``; return it."""
    if not _is_real(value) or not np.isfinite(value) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number such as {example}; received {name}={value!r}.")
    return value.item() if isinstance(value, (np.ndarray, np.generic)) else value


def check_nonnegative_number(name: str, value, example) -> float:
    """Validate a finite real number >= 0 (Python or NumPy, not a bool) passed as ``name``; return a float."""
    if not _is_real(value) or not np.isfinite(value) or not value >= 0:
        raise ValueError(f"`{name}` must be a number >= 0 such as {example}; received {name}={value!r}.")
    return float(value)


def check_positive_int(name: str, value, example, maximum: int | None = None) -> int:
    """Validate a positive integer (Python or NumPy, not a bool) passed as ``name``, at most ``maximum``."""
    if not _is_integer(value) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer such as {example}; received {name}={value!r}.")
    if maximum is not None and value > maximum:
        raise ValueError(
            f"`{name}`={value} is too large (at most {maximum:,}: more would take minutes or exhaust memory). "
            f"Fix: use a smaller value such as {example}."
        )
    return int(value)


def check_size(name: str, value, example, per_item: int = 1) -> int:
    """A positive integer count of items of ``per_item`` float32 numbers each, below :data:`MAX_ELEMENTS`."""
    return check_positive_int(name, value, example, maximum=max(1, MAX_ELEMENTS // max(1, int(per_item))))


def check_bool(name: str, value) -> bool:
    """Validate a bool (Python or NumPy): a string such as 'no' is truthy, so it is refused, not guessed."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; received {name}={value!r} ({type(value).__name__}).")
    return bool(value)


def check_seed(seed, name: str = "seed") -> int:
    """Validate a seed: a non-negative Python or NumPy integer below 2**32; return it as an int."""
    if not _is_integer(seed):
        raise ValueError(
            f"`{name}` must be a non-negative integer such as 0 or 42; received {seed!r} of type "
            f"{type(seed).__name__}."
        )
    if not 0 <= int(seed) < MAX_SEED:
        raise ValueError(f"`{name}` must be between 0 and 2**32 - 1; received {name}={int(seed)}. Fix: use e.g. {name}=0.")
    return int(seed)


def check_optional_seed(seed, name: str = "seed"):
    """None (a fresh draw) or a valid seed."""
    return None if seed is None else check_seed(seed, name)


def check_seed_list(seeds, name: str = "seeds") -> list:
    """Validate a non-empty sequence of seeds (a list, tuple, range or 1-D integer array); return a list of ints.

    A single integer is refused with the fix, since ``seeds=3`` may mean three seeds or seed 3.
    """
    if _is_integer(seeds):
        raise TypeError(
            f"`{name}` must be a list of seeds such as [0, 1, 2]; received the single integer {name}={seeds!r}. "
            f"Fix: {name}=range({int(seeds)}) for {int(seeds)} seeds, or {name}=[{int(seeds)}] for seed {int(seeds)} "
            f"alone."
        )
    if isinstance(seeds, (str, bytes, dict, set)) or not isinstance(seeds, (list, tuple, range, np.ndarray)):
        raise TypeError(f"`{name}` must be a list of seeds such as [0, 1, 2] or range(5); received {name}={seeds!r} "
                        f"({type(seeds).__name__}).")  # fmt: skip
    items = list(np.asarray(seeds).ravel()) if isinstance(seeds, np.ndarray) else list(seeds)
    if not items:
        raise ValueError(f"`{name}` is empty; pass at least one seed, e.g. {name}=[0] or {name}=range(5).")
    bad = [s for s in items if not _is_integer(s) or not 0 <= int(s) < MAX_SEED]
    if bad:
        raise ValueError(f"`{name}` must hold non-negative integers below 2**32 such as [0, 1, 2]; received "
                         f"{name}={seeds!r}, with {bad[:3]} not a valid seed.")  # fmt: skip
    return [int(s) for s in items]


def check_callable(name: str, value, example: str, optional: bool = True):
    """Validate a function argument (a callback such as ``say=print``); None passes when ``optional``."""
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"`{name}` must be a function such as {example}; received {name}={value!r} "
                        f"({type(value).__name__}). Fix: pass the function itself, without quotes or ().")  # fmt: skip
    return value


def check_positive_numbers(name: str, values, example) -> tuple:
    """Validate a non-empty sequence (or 1-D array) of positive, finite numbers, e.g. time budgets; return floats.

    A single number is refused with the fix (wrap it in a tuple)."""
    if _is_real(values):
        raise TypeError(f"`{name}` must be a sequence of positive numbers such as {example}; received the single "
                        f"number {name}={values!r}. Fix: wrap it in a tuple, {name}=({values!r},).")  # fmt: skip
    if isinstance(values, (str, bytes, dict, set)) or not isinstance(values, (list, tuple, range, np.ndarray)):
        raise TypeError(f"`{name}` must be a sequence of positive numbers such as {example}; received {name}="
                        f"{values!r} ({type(values).__name__}).")  # fmt: skip
    items = list(np.asarray(values).ravel()) if isinstance(values, np.ndarray) else list(values)
    if not items or not all(_is_real(v) and np.isfinite(v) and v > 0 for v in items):
        raise ValueError(f"`{name}` must be a non-empty sequence of positive numbers such as {example}; received "
                         f"{name}={values!r}.")  # fmt: skip
    return tuple(float(v) for v in items)


def check_int_tuple(name: str, value, example, length: int | None = None) -> tuple:
    """Validate a tuple (or list) of positive integers, e.g. layer sizes; an int alone says how to wrap it."""
    if _is_integer(value) or isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)):
        raise TypeError(
            f"`{name}` must be a tuple of positive integers such as {example}; received {name}={value!r}. "
            + (f"Fix: wrap a single size in a tuple, {name}=({value},)." if _is_integer(value) and length in (None, 1)
               else f"Fix: e.g. {name}={example}.")
        )
    items = tuple(value)
    if not items or not all(_is_integer(v) and v >= 1 for v in items) or (length is not None and len(items) != length):
        count = f"{length} " if length is not None else ""
        raise ValueError(f"`{name}` must be a tuple of {count}positive integers such as {example}; received {name}={value!r}.")
    return tuple(int(v) for v in items)


# --- arrays and tensors -----------------------------------------------------------------------------------------


def _symbolic(x) -> bool:
    """True for a tensor whose values cannot be read now: traced by tf.function, jax.jit or torch.compile."""
    module = type(x).__module__ or ""
    if module.startswith("keras"):
        return type(x).__name__ == "KerasTensor"
    if "tensorflow" in module:
        tf = sys.modules.get("tensorflow")
        return tf is not None and (not tf.executing_eagerly() or not hasattr(x, "numpy"))
    if module.startswith("jax"):
        jax = sys.modules.get("jax")
        return jax is not None and isinstance(x, jax.core.Tracer)
    if module.startswith("torch"):
        # PyTorch runs train steps eagerly: a tensor that carries a gradient graph is taken to be inside one
        # (a heuristic), so the step is not slowed by copying values to NumPy for a check.
        torch = sys.modules.get("torch")
        compiler = getattr(torch, "compiler", None)
        in_graph = bool(getattr(x, "requires_grad", False) or getattr(x, "grad_fn", None) is not None)
        return in_graph or bool(compiler is not None and compiler.is_compiling())
    return False


def is_tensor(x) -> bool:
    """A backend tensor (or Keras variable) rather than NumPy, a list or a number."""
    module = type(x).__module__ or ""
    return any(module.startswith(p) for p in ("tensorflow", "jax", "jaxlib", "torch", "keras"))


def concrete_array(x):
    """The values of ``x`` as NumPy when they can be read now, else None (a symbolic tensor in a compiled step).

    NumPy arrays and numbers come back as they are; eager backend tensors are converted.
    """
    if isinstance(x, np.ndarray):
        return x
    if is_tensor(x):
        if _symbolic(x):
            return None
        import keras

        return np.asarray(keras.ops.convert_to_numpy(x))
    return np.asarray(x)


def as_float_array(name: str, x, dtype="float32") -> np.ndarray:
    """``x`` (NumPy, list, number or backend tensor) as a float NumPy array, or a TypeError that says why not."""
    if x is None:
        raise TypeError(f"`{name}` is None; pass an array of numbers (a NumPy array, a list or a tensor).")
    if isinstance(x, (dict, str, bytes, set)) or callable(x) and not hasattr(x, "shape"):
        raise TypeError(
            f"`{name}` must be an array of numbers (NumPy array, list or tensor); received a {type(x).__name__}."
        )
    if is_tensor(x):
        values = concrete_array(x)
        if values is None:
            raise TypeError(f"`{name}` is a symbolic tensor; call this function eagerly, outside a compiled step.")
        x = values
    try:
        raw = np.asarray(x)
    except ValueError as exc:  # a ragged list
        raise ValueError(f"`{name}` must be a rectangular array of numbers; received a ragged {type(x).__name__} ({exc}).") from None
    if raw.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must hold real numbers; received dtype {raw.dtype} ({type(x).__name__}). Fix: convert it "
            f"with np.asarray(..., dtype='float32')."
        )
    return raw.astype(dtype, copy=False)


def check_finite(name: str, x) -> None:
    """Raise when the NumPy array ``x`` holds NaN or infinity."""
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or infinite values; clean the data (or the model that made it) first.")


def check_unit_range(name: str, x, raw_dtype=None) -> None:
    """Raise unless every value of the NumPy array ``x`` is in [0, 1] (the book's image convention)."""
    if x.size and (x.min() < -UNIT_RANGE_SLACK or x.max() > 1.0 + UNIT_RANGE_SLACK):
        hint = f"`{name} / 255.0` for 8-bit images" if x.max() > 1.0 else f"`({name} + 1) / 2` for images in [-1, 1]"
        raise ValueError(
            f"`{name}` must hold pixel values in [0, 1] (the book's images are float32 in [0, 1]); received values in "
            f"[{x.min():.4g}, {x.max():.4g}]" + (f" of dtype {raw_dtype}" if raw_dtype is not None else "")
            + f". Fix: rescale, e.g. {hint}."
        )


def check_image_batch(name: str, x, image_shape=None, unit_range: bool = True) -> np.ndarray:
    """Validate a non-empty batch of images (n, height, width, channels), of ``image_shape`` when given, finite
    and (``unit_range``) in [0, 1]. Accepts NumPy arrays, lists and backend tensors.

    Returns the batch as float32 NumPy.
    """
    raw_dtype = getattr(x, "dtype", None)
    x = as_float_array(name, x)
    if x.ndim != 4 or (image_shape is not None and tuple(x.shape[1:]) != tuple(image_shape)):
        expected = f"(n, {', '.join(map(str, image_shape))})" if image_shape else "(n, height, width, channels)"
        if image_shape is not None and tuple(x.shape) == tuple(image_shape):
            hint = f"add a batch axis with `{name}[None, ...]`"
        elif image_shape is not None and x.ndim == 3 and tuple(x.shape[1:]) == tuple(image_shape[:2]):
            hint = f"add the channel axis with `{name}[..., None]`"
        else:
            hint = (f"pass `data.x_train` / `data.x_test` of a dataset from `ve.data.load`, or add the channel axis "
                    f"with `{name}[..., None]`")  # fmt: skip
        raise ValueError(f"`{name}` must be a batch of images of shape {expected}; received shape {x.shape}. Fix: {hint}.")
    if len(x) == 0:
        raise ValueError(f"`{name}` is empty (shape {x.shape}); pass at least one image.")
    check_finite(name, x)
    if unit_range:
        check_unit_range(name, x, raw_dtype)
    return x


def check_labels(name: str, labels, n: int, num_classes: int) -> np.ndarray:
    """Validate class labels: integers in [0, num_classes), one per example (a scalar is broadcast to all n).

    Returns int32 NumPy of shape (n,).
    """
    values = as_float_array(name, labels, dtype=None) if labels is not None else None
    if values is None:
        raise ValueError(f"`{name}` is required: this model is conditional on {num_classes} classes. Fix: pass `{name}`, "
                         f"integer labels of shape ({n},), e.g. np.full({n}, 3).")  # fmt: skip
    if values.dtype.kind == "f" and not np.all(values == np.round(values)):
        raise ValueError(f"`{name}` must hold integer class labels; received non-integer values such as "
                         f"{values[values != np.round(values)].ravel()[:3]}.")  # fmt: skip
    if values.ndim == 0:
        values = np.broadcast_to(values, (n,))
    if values.shape != (n,):
        raise ValueError(
            f"`{name}` must have shape ({n},), one label per example; received shape {values.shape}. "
            f"Fix: pass as many labels as examples (or one label for all)."
        )
    if n and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"`{name}` must be class indices in [0, {num_classes - 1}] (num_classes={num_classes}); received values "
            f"in [{values.min():g}, {values.max():g}]. Fix: use labels 0 to {num_classes - 1}."
        )
    return values.astype("int32")


# --- figures ----------------------------------------------------------------------------------------------------


def check_axes(ax, name: str = "ax"):
    """Validate a matplotlib Axes passed as ``name``: the usual slips (None, a Figure, the array of Axes that
    ``plt.subplots(1, n)`` returns, data in the Axes' place) each get their fix. Returns ``ax``."""
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if isinstance(ax, Axes):
        return ax
    if isinstance(ax, FigureBase):
        fix = "draw into one of its Axes: `fig.axes[0]`, or `fig, ax = plt.subplots()`"
    elif isinstance(ax, np.ndarray) and ax.dtype == object and ax.size and isinstance(ax.flat[0], Axes):
        fix = f"plt.subplots(...) returned {ax.size} Axes in an array of shape {ax.shape}: pick one, e.g. `axes[0]`"
    elif ax is None:
        fix = "create one with `fig, ax = plt.subplots()` and pass `ax`"
    else:
        fix = "pass the Axes first, e.g. `fig, ax = plt.subplots()` then `f(ax, ...)` (arguments in the wrong order?)"
    raise TypeError(f"`{name}` must be a matplotlib Axes; received {type(ax).__name__}. Fix: {fix}.")

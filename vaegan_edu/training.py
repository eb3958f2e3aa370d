"""What trains any of the book's models: loops for a number of steps or a wall-clock budget, and callbacks.

* :func:`fit_gan` trains a GAN for exactly N generator steps with evaluations along the way;
  :func:`train_for` trains any compiled model for a time budget or a step count, in chunks;
  :func:`steps_per_second` times training; :func:`train_dcgan` is the recipe of the shipped DCGANs.
* Callbacks for ``fit()``: :class:`LiveProgress` (a progress line that redraws in place), :class:`NaNGuard`
  (stops at the first non-finite loss), :class:`AtomicCheckpoint` (saves without ever leaving a half-written
  file), :class:`KLWarmup` (anneals a VAE's KL weight).

The GAN's own train step (gradients on every backend) lives with the model, in
:mod:`vaegan_edu.models.gan_steps`; models are built by :mod:`vaegan_edu.models` (factories included).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import logging
import math
import time
from typing import Callable

import keras
import numpy as np

from vaegan_edu import style
from vaegan_edu.callbacks import NaNGuard, TrainingDiverged  # noqa: F401  (ve.training.TrainingDiverged)
from vaegan_edu.validation import (
    check_bool, check_image_batch, check_positive_int, check_positive_number, check_seed,
)  # fmt: skip



class _RetracingFilter(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning and nothing else."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _without_retracing_warning():
    """A chapter that trains several small GANs one after another traces each model's train step once, as it
    must; TensorFlow counts those traces together and warns about "retracing". The warning is noise there."""
    logger, quiet = logging.getLogger("tensorflow"), _RetracingFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def fit_gan(gan, x, num_steps, batch_size=256, labels=None, eval_every=None, on_eval=None, seed=0, nan_guard=True):
    """Train a compiled GAN for exactly ``num_steps`` generator steps, calling ``on_eval`` along the way.

    The real data is streamed in freshly shuffled passes (seeded), cut into chunks of ``eval_every``
    steps; each chunk is one ``gan.fit`` call, after which ``on_eval(step)`` may measure the model
    (modes captured, samples for a figure ...).

    Parameters
    ----------
    gan : vaegan_edu.models.GAN, compiled
    x : array of shape (n, *data_shape)
    num_steps, batch_size : int >= 1
    labels : int array of shape (n,) or None
        Required for a conditional GAN.
    eval_every : int >= 1 or None
        Steps between evaluations (None: once at the end).
    on_eval : callable(step) -> dict or None
        Its returned values are appended to the history under their keys.
    seed : int
        Seed of the data order.
    nan_guard : bool
        Stop at the first non-finite loss with :class:`TrainingDiverged` (default); False trains on.

    Returns
    -------
    dict of lists: ``step``, ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` (means over each chunk) and
    the keys returned by ``on_eval``.

    Taught in: 06_gan_game
    """
    if not hasattr(gan, "check_data") or not hasattr(gan, "d_optimizer"):
        raise TypeError(f"`gan` must be a compiled vaegan_edu.models.GAN (e.g. from make_gan_2d()); received "
                        f"{type(gan).__name__}. Fix: call gan.compile(...) first.")  # fmt: skip
    num_steps = check_positive_int("num_steps", num_steps, 1000, maximum=10**7)
    batch_size = check_positive_int("batch_size", batch_size, 256)
    eval_every = num_steps if eval_every is None else check_positive_int("eval_every", eval_every, 100)
    seed = check_seed(seed)
    if on_eval is not None and not callable(on_eval):
        raise TypeError(f"`on_eval` must be a function of the step (or None); received {type(on_eval).__name__}.")
    nan_guard = check_bool("nan_guard", nan_guard)
    x, labels = gan.check_data(x, labels)
    if len(x) < batch_size:
        raise ValueError(f"`x` has {len(x)} examples, fewer than batch_size={batch_size}. Fix: lower batch_size.")
    rng = np.random.default_rng(seed)
    per_pass = len(x) // batch_size
    passes = -(-num_steps // per_pass)
    order = np.concatenate([rng.permutation(len(x))[: per_pass * batch_size] for _ in range(passes)])
    history = {"step": []}
    done = 0
    while done < num_steps:
        steps = min(eval_every, num_steps - done)
        idx = order[done * batch_size:(done + steps) * batch_size]
        data = (x[idx], labels[idx]) if gan.num_classes else (x[idx],)
        # One guard per chunk, counting generator steps from the start of this fit_gan call.
        callbacks = [NaNGuard(step_offset=done)] if nan_guard else []
        with _without_retracing_warning():
            logs = gan.fit(*data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=callbacks,
                           nan_guard=False).history  # fmt: skip
        done += steps
        history["step"].append(done)
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            history.setdefault(key, []).append(float(logs[key][-1]))
        measured = on_eval(done) if on_eval else None
        if measured is not None and not isinstance(measured, dict):
            raise TypeError(f"`on_eval` must return a dict of measurements (or None); at step {done} it returned "
                            f"{type(measured).__name__} {measured!r}. Fix: return e.g. {{'fd': value}}.")  # fmt: skip
        for key, value in (measured or {}).items():
            history.setdefault(key, []).append(value)
    return history

# --- training for a budget: steps or seconds ---------------------------------------------------------------

MAX_CHUNK_FRACTION = 0.1  # a training chunk is planned to last at most this fraction of the time budget



@dataclasses.dataclass(frozen=True)
class TrainingRun:
    """What :func:`train_for` did.

    Attributes
    ----------
    steps : int
        Optimisation steps taken (generator steps for a GAN).
    seconds : float
        Wall-clock seconds spent inside ``fit``, first-call tracing included.
    budget_seconds : float or None
        The time budget (None when a step count was given).
    chunk_ends : tuple of float
        Elapsed seconds at the end of each chunk of steps; training stops at the first chunk end that
        reaches the budget.
    """

    steps: int
    seconds: float
    budget_seconds: float | None
    chunk_ends: tuple

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")



def _batches(num_examples, batch_size, rng):
    """Endless minibatch indices: freshly shuffled passes over the data, each cut into whole batches."""
    per_pass = num_examples // batch_size
    while True:
        order = rng.permutation(num_examples)
        for i in range(per_pass):
            yield order[i * batch_size:(i + 1) * batch_size]



def train_for(model, x, seconds: float | None = None, steps: int | None = None, batch_size: int = 128,
              seed: int = 0, max_chunk_steps: int = 200, first_chunk_steps: int = 10,
              clock: Callable[[], float] = time.perf_counter, on_chunk=None,
              nan_guard: bool = True) -> TrainingRun:  # fmt: skip
    r"""Train a compiled model with ``fit`` for a wall-clock budget (``seconds``) or a number of ``steps``.

    Training runs in chunks, one ``fit`` call each on freshly shuffled minibatches (seeded). With a time
    budget :math:`T`, each chunk is sized from the time per step :math:`\tau` measured so far so that it
    ends near the budget:

    .. math:: n_\text{next} = \mathrm{clip}\Big(\min\big(\mathrm{round}((T - t)/\tau),
              \lfloor T / (10\tau) \rfloor\big),\ 1,\ \text{max\_chunk\_steps}\Big)

    and training stops at the first chunk end where :math:`t \ge T`: every budget is used in full, and
    overshot by less than the last chunk. No chunk is planned longer than a tenth of the budget, so a
    machine that slows down mid-chunk (another job starts) overshoots the budget by little. The clock runs
    only inside ``fit`` (tracing and compilation of the first call included: they are part of what
    training costs). With a time budget, chunks are rounded up to multiples of the model's
    ``steps_per_execution``; with ``steps``, exactly that many steps are taken.

    Parameters
    ----------
    model : compiled keras.Model whose ``fit(x)`` takes unlabeled images (a VAE or an unconditional GAN)
    x : array of shape (n, height, width, channels), n >= batch_size
    seconds : float > 0 or None
    steps : int >= 1 or None
        Exactly one of ``seconds`` and ``steps``.
    batch_size, max_chunk_steps, first_chunk_steps : int >= 1
    seed : int
        Seed of the data order.
    clock : callable returning seconds
    on_chunk : callable(TrainingRun) or None
        Called after every chunk (e.g. to refresh a progress line).
    nan_guard : bool
        Stop at the first non-finite loss with :class:`TrainingDiverged` (default); False trains on.

    Returns
    -------
    TrainingRun

    Raises
    ------
    ValueError
        Both or neither of ``seconds``/``steps``, non-positive sizes, or fewer images than one batch.

    Taught in: 09_vae_vs_gan, 10_student_questions
    """
    if (seconds is None) == (steps is None):
        raise ValueError(
            f"Pass exactly one of `seconds` (a wall-clock budget such as 30.0) and `steps` (a step count such "
            f"as 500); received seconds={seconds!r}, steps={steps!r}."
        )
    if seconds is not None:
        check_positive_number("seconds", seconds, 30.0)
    else:
        steps = check_positive_int("steps", steps, 500)
    batch_size = check_positive_int("batch_size", batch_size, 128)
    max_chunk_steps = check_positive_int("max_chunk_steps", max_chunk_steps, 200)
    first_chunk_steps = check_positive_int("first_chunk_steps", first_chunk_steps, 10)
    seed = check_seed(seed)
    nan_guard = check_bool("nan_guard", nan_guard)
    if not hasattr(model, "fit") or getattr(model, "optimizer", None) is None:
        raise TypeError(f"`model` must be a compiled Keras model (a VAE or an unconditional GAN); received "
                        f"{type(model).__name__}. Fix: call model.compile(...) first.")  # fmt: skip
    if on_chunk is not None and not callable(on_chunk):
        raise TypeError(f"`on_chunk` must be a function of the TrainingRun (or None); received {type(on_chunk).__name__}.")
    if hasattr(model, "check_data"):  # a GAN: its own data shape (and no labels: train_for has none to give)
        x, _ = model.check_data(x)
    elif hasattr(model, "image_shape") and hasattr(model, "likelihood"):  # a VAE: its image shape and likelihood
        from vaegan_edu.models.vae import check_images

        x = check_images(x, model.image_shape, model.likelihood)
    else:
        x = check_image_batch("x", x, unit_range=False)
    if len(x) < batch_size:
        raise ValueError(f"`x` has {len(x)} images, fewer than batch_size={batch_size}. Fix: lower batch_size.")
    # the book's models add their own guard to fit() unless told not to; this loop's guard counts across chunks
    own_guard_off = {"nan_guard": False} if "nan_guard" in inspect.signature(model.fit).parameters else {}
    granularity = int(getattr(model, "steps_per_execution", 1) or 1)
    batches = _batches(len(x), batch_size, np.random.default_rng(seed))
    done, elapsed, chunk_ends, step_time = 0, 0.0, [], None
    while True:
        if steps is not None:
            n = min(max_chunk_steps, steps - done)
        else:
            remaining = seconds - elapsed
            if remaining <= 0:
                break
            if step_time is None:
                n = first_chunk_steps
            else:
                n = min(round(remaining / step_time), math.floor(MAX_CHUNK_FRACTION * seconds / step_time))
            n = int(np.clip(n, 1, max_chunk_steps))
        if n <= 0:
            break
        if seconds is not None:  # whole executions, so a chunk never needs a partial one
            n = -(-n // granularity) * granularity
        idx = np.concatenate([next(batches) for _ in range(n)])
        start = clock()
        callbacks = [NaNGuard(step_offset=done)] if nan_guard else []
        model.fit(x[idx], batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=callbacks,
                  **own_guard_off)  # fmt: skip
        spent = clock() - start
        elapsed += spent
        done += n
        step_time = spent / n
        chunk_ends.append(elapsed)
        run = TrainingRun(done, elapsed, seconds, tuple(chunk_ends))
        if on_chunk is not None:
            on_chunk(run)
    return TrainingRun(done, elapsed, seconds, tuple(chunk_ends))



def steps_per_second(model, x, batch_size: int = 128, steps: int = 50, warmup_steps: int = 5, seed: int = 0,
                     clock: Callable[[], float] = time.perf_counter) -> float:  # fmt: skip
    """Training steps per second of a compiled model, after a warm-up ``fit`` that traces and compiles.

    Taught in: 10_student_questions
    """
    seed = check_seed(seed)
    steps = check_positive_int("steps", steps, 50)
    train_for(model, x, steps=check_positive_int("warmup_steps", warmup_steps, 5), batch_size=batch_size, seed=seed,
              clock=clock)  # fmt: skip
    run = train_for(model, x, steps=check_positive_int("steps", steps, 50), batch_size=batch_size, seed=seed + 1,
                    max_chunk_steps=steps, clock=clock)  # fmt: skip
    return run.steps_per_second




def train_dcgan(seed=0, conditional=False, learning_rate=None, steps=None):
    """Train the book's (conditional) DCGAN on glyph digits with full-mode data: a weight builder.

    The network is :func:`vaegan_edu.models.make_gan_variant`'s (chapter 08's DCGAN) with Adam(``learning_rate``,
    beta_1 = 0.5) for both networks (None: the DCGAN paper's 2e-4), batch 128, trained for ``steps`` generator
    steps (None: the full-mode setting ``gan_steps``, chapter 08's live run) by :func:`fit_gan` from ``seed``: the
    ``tricks`` protocol's training, so a variant of that study is rebuilt exactly.

    Returns
    -------
    vaegan_edu.models.GAN, trained

    Taught in: 08_gan
    """
    from vaegan_edu import config, data
    from vaegan_edu.models.factories import DCGAN_LEARNING_RATE, make_gan_variant

    cfg = config.settings(seed=seed, fast=False)
    ds = data.load("glyphs", seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    learning_rate = DCGAN_LEARNING_RATE if learning_rate is None else learning_rate
    gan = make_gan_variant(ds.image_shape, seed=seed, learning_rate=learning_rate,
                           num_classes=10 if conditional else None)  # fmt: skip
    steps = cfg.gan_steps if steps is None else steps
    fit_gan(gan, ds.x_train, steps, batch_size=cfg.batch_size, labels=ds.y_train if conditional else None,
            seed=seed)  # fmt: skip
    return gan


# === VAE (chapters 03-05) ===


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where IPython display handles redraw in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class LiveProgress(keras.callbacks.Callback):
    """Live training progress for a notebook: one text line and one figure, both redrawn in place.

    The text line (epoch, batch, a bar and the latest loss) is refreshed every ``update_every`` batches;
    the figure (one panel per logged quantity, training and validation curves) after every epoch. When
    training ends the figure stays and the text line becomes a one-line summary, so the saved notebook
    holds two outputs instead of hundreds of log lines. Use it with ``fit(..., verbose=0)``.

    Parameters
    ----------
    metrics : tuple of str
        Logged quantities to plot (``val_`` curves are added when present).
    update_every : int >= 1
        Batches between refreshes of the text line.
    show : bool or None
        Draw at all; None: only inside a Jupyter kernel (tests and scripts stay silent).
    figsize : (float, float) or None

    Attributes
    ----------
    history : dict of lists, per epoch
    summary : str, the final one-line summary
    figure : matplotlib Figure or None

    Taught in: 03_vae
    """

    def __init__(self, metrics=("reconstruction", "kl", "elbo"), update_every=25, show=None, figsize=None):
        super().__init__()
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"`metrics` must be a non-empty tuple of logged names; received {metrics!r}.")
        self.metrics_to_plot = tuple(metrics)
        self.update_every = check_positive_int("update_every", update_every, 25)
        self.show = _in_notebook() if show is None else bool(show)
        self.figsize = figsize or (4.2 * len(self.metrics_to_plot), 3.0)  # room for the book's 12-pt text
        self.history = {}
        self.summary = ""
        self.figure = None

    def on_train_begin(self, logs=None):
        import time

        import matplotlib.pyplot as plt

        self._start = time.perf_counter()
        self.history = {}
        self._text_handle = self._figure_handle = None
        with plt.ioff():  # do not let the inline backend show the empty figure a second time
            self.figure, self._axes = plt.subplots(1, len(self.metrics_to_plot), figsize=self.figsize,
                                                   squeeze=False)  # fmt: skip
        if self.show:
            from IPython.display import display

            self._text_handle = display(self._status_html("starting ..."), display_id=True)

    def _status_html(self, text):
        from IPython.display import HTML

        return HTML(f"<pre style='margin:0'>{text}</pre>")

    def on_train_batch_end(self, batch, logs=None):
        # with steps_per_execution > 1 Keras reports only every n-th batch, so count batches, not calls
        if not self.show or batch + 1 - self._shown < self.update_every:
            return
        self._shown = batch + 1
        steps = self.params.get("steps") or 0
        done = (batch + 1) / steps if steps else 0.0
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        loss = float((logs or {}).get("loss", float("nan")))
        self._text_handle.update(self._status_html(
            f"epoch {self._epoch + 1}/{self.params.get('epochs')} [{bar}] batch {batch + 1}/{steps}  loss {loss:.2f}"
        ))  # fmt: skip

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._shown = epoch, 0

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self._redraw()
        if self.show:
            from IPython.display import display

            if self._figure_handle is None:
                self._figure_handle = display(self.figure, display_id=True)
            else:
                self._figure_handle.update(self.figure)

    def _redraw(self):
        epochs = np.arange(1, len(next(iter(self.history.values()), [])) + 1)
        for ax, key in zip(self._axes[0], self.metrics_to_plot):
            ax.clear()
            for prefix, line in (("", "-"), ("val_", "--")):
                if prefix + key in self.history:
                    label = "validation" if prefix else "training"
                    ax.plot(epochs, self.history[prefix + key], line, marker=".", label=label)
            # the book's text size (style.FONT_SIZE), so the curves read as well as every other figure
            ax.set_title(f"{key} (nats / image)", fontsize=style.FONT_SIZE)
            ax.set_xlabel("epoch", fontsize=style.FONT_SIZE)
            ax.tick_params(labelsize=style.FONT_SIZE)
        self._axes[0][0].legend(fontsize=style.FONT_SIZE)
        self.figure.tight_layout()

    def on_train_end(self, logs=None):
        import time

        import matplotlib.pyplot as plt

        seconds = time.perf_counter() - self._start
        last = ", ".join(f"{k} {v[-1]:.2f}" for k, v in self.history.items() if k != "loss")
        self.summary = f"trained {len(self.history.get('loss', []))} epochs in {seconds:.1f} s; last epoch: {last}"
        if self.show:
            self._text_handle.update(self._status_html(self.summary))
        plt.close(self.figure)


def save_atomic(model, path) -> None:
    """Save ``model`` to ``path`` (``.keras``, or ``.weights.h5`` for weights only) without ever
    leaving a half-written file there.

    The model is written to a temporary file ``.<name>.tmp<pid><suffix>`` in the same folder, flushed to
    disk, then moved over ``path`` with :func:`os.replace`, which is atomic on POSIX and Windows, and the
    folder is flushed too, so the rename itself survives a power cut. If saving fails (a full disk, an
    interrupted kernel) the previous file at ``path`` is untouched and the temporary file is removed; a
    temporary file left by a process that was killed outright (``kill -9``) is removed by the next save.

    Raises
    ------
    ValueError
        For a path that ends in neither ``.keras`` nor ``.weights.h5``.

    Taught in: 03_vae
    """
    import os
    from pathlib import Path

    from vaegan_edu.files import fsync_folder, remove_dead_temporaries, temporary_path

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file path (str or pathlib.Path); received {type(path).__name__}.")
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model; received {type(model).__name__}.")
    path = Path(path)
    suffix = ".weights.h5" if path.name.endswith(".weights.h5") else path.suffix
    if suffix not in (".keras", ".weights.h5") or path.name == suffix:
        raise ValueError(f"`path` must end in '.keras' (whole model) or '.weights.h5' (weights only); "
                         f"received {str(path)!r}.")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path, suffix)
    tmp = temporary_path(path, suffix)
    try:
        if suffix == ".keras":
            model.save(tmp)
        else:
            model.save_weights(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_folder(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


class AtomicCheckpoint(keras.callbacks.Callback):
    """Save the model at the end of every ``every``-th epoch with :func:`save_atomic`.

    An interrupted or failed save never destroys the last good checkpoint. ``self.saved_epochs`` lists
    the epochs (1-based) that were written.

    Taught in: 03_vae
    """

    def __init__(self, path, every=1):
        super().__init__()
        import os

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"`path` must be a file path (str or pathlib.Path); received {type(path).__name__}.")
        if not (str(path).endswith(".keras") or str(path).endswith(".weights.h5")):
            raise ValueError(f"`path` must end in '.keras' (whole model) or '.weights.h5' (weights only); "
                             f"received {str(path)!r}.")  # fmt: skip
        self.path = path
        self.every = check_positive_int("every", every, 1)
        self.saved_epochs = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            save_atomic(self.model, self.path)
            self.saved_epochs.append(epoch + 1)


class BinarizedImages(keras.utils.PyDataset):
    r"""Training images in batches, freshly binarised and shuffled every epoch (dynamic binarisation).

    Each epoch draws :math:`b \sim \mathrm{Bernoulli}(x)` for every image anew (Burda et al.,
    arXiv:1509.00519), so over many epochs a Bernoulli VAE sees the grey levels as probabilities, and its
    likelihood is a normalised distribution over the binary images it models. Pass it to ``fit`` in place of
    the array: ``vae.fit(BinarizedImages(x_train, batch_size=128, seed=0), epochs=20)``. The draw of epoch
    ``e``, batch ``i`` depends only on ``(seed, e, i)``: same seed, same training.

    Parameters
    ----------
    images : array of values in [0, 1], shape (n, height, width, channels)
    batch_size : int >= 1
    seed : int

    Taught in: 04_measuring_the_vae
    """

    def __init__(self, images, batch_size: int = 128, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.images = check_image_batch("images", images)  # finite, in [0, 1]: refused now, not at a batch
        self.batch_size = check_positive_int("batch_size", batch_size, 128)
        self.seed = check_seed(seed)
        self.epoch = 0
        self._order = np.random.default_rng([self.seed, 0]).permutation(len(self.images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        batch = self.images[rows]
        return (rng.random(batch.shape, dtype=np.float32) < batch).astype(np.float32)

    def on_epoch_end(self):
        self.epoch += 1
        self._order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))


class KLWarmup(keras.callbacks.Callback):
    r"""KL warm-up ("KL annealing"): raise the VAE's β linearly from 0 to its target over the first epochs.

    .. math::
        \beta_e = \beta \cdot \min\!\big(1, \tfrac{e}{E_\text{warm-up}}\big), \qquad e = 0, 1, 2, \ldots

    Early in training the KL term, at full weight, can push latents to the prior before the decoder has
    learned to use them (posterior collapse); letting the reconstruction term lead first keeps more
    latents active (Bowman et al., arXiv:1511.06349; Sønderby et al., arXiv:1602.02282). β changes between
    epochs (a per-epoch schedule works the same on every Keras backend). At the end of training β is set
    back to its target, so the saved model's config states the objective it was trained for.

    Parameters
    ----------
    warmup_epochs : int >= 1
    target_beta : float >= 0 or None
        Default: the model's β when training starts.

    Attributes
    ----------
    betas : list of float, β used in each epoch

    Taught in: 04_measuring_the_vae
    """

    def __init__(self, warmup_epochs, target_beta=None):
        super().__init__()
        if isinstance(warmup_epochs, bool) or not isinstance(warmup_epochs, (int, np.integer)) or warmup_epochs < 1:
            raise ValueError(f"`warmup_epochs` must be an integer >= 1; received {warmup_epochs!r}.")
        self.warmup_epochs = int(warmup_epochs)
        if target_beta is not None:
            from vaegan_edu.validation import check_nonnegative_number

            target_beta = check_nonnegative_number("target_beta", target_beta, 4.0)
        self.target_beta = target_beta
        self.betas = []

    def on_train_begin(self, logs=None):
        if not hasattr(self.model, "beta_weight"):
            raise TypeError(f"KLWarmup needs a vaegan_edu.models.VAE (a model with a `beta`); "
                            f"received {type(self.model).__name__}.")  # fmt: skip
        self._target = self.model.beta if self.target_beta is None else float(self.target_beta)
        self.betas = []

    def on_epoch_begin(self, epoch, logs=None):
        beta = self._target * min(1.0, epoch / self.warmup_epochs)
        self.model.beta = beta
        self.betas.append(beta)

    def on_train_end(self, logs=None):
        self.model.beta = self._target

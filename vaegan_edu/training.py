"""Training helpers: callbacks for ``fit()`` and the custom train steps that need the backend's autodiff.

Models whose loss ``fit()`` can differentiate on its own (the VAE) need nothing backend-specific. A GAN
updates two networks with two optimizers, so its train step takes gradients itself; that part is written
once per backend here, following keras-io's guides ``custom_train_step_in_tensorflow.py``,
``custom_train_step_in_torch.py`` and ``custom_train_step_in_jax.py``. Each engineer's helpers live in their
own section below.
"""

from __future__ import annotations

import contextlib
import logging

import keras
import numpy as np
from keras import ops

# === GAN (chapters 05-06) ===


def _backend():
    return keras.backend.backend()


def _steps_per_execution():
    """Ten train steps per call into the compiled graph on TensorFlow (tiny models: Python overhead dominates);
    PyTorch's trainer accepts only 1, and JAX's runs several steps as a Python loop of single compiled steps, so
    more than 1 gains nothing there."""
    return 10 if _backend() == "tensorflow" else 1


def _unsupported_backend(what):
    return NotImplementedError(
        f"{what} is implemented for the TensorFlow, JAX and PyTorch backends; the current Keras backend is "
        f"{_backend()!r}. Fix: set the environment variable KERAS_BACKEND=jax (or tensorflow, torch) before "
        "importing keras."
    )


def input_gradient(fn, x):
    r"""The gradient of :math:`\sum_i f(x)_i` with respect to the input ``x``, differentiable again.

    .. math:: g_i = \nabla_{x_i} \sum_j f(x)_j

    Used for the WGAN-GP penalty (inside a train step, so the result keeps its graph for the second
    derivative) and for drawing the generator's gradient on its samples in chapter 05.

    Parameters
    ----------
    fn : callable mapping a tensor of shape (batch, ...) to a tensor
    x : tensor or array of shape (batch, ...)

    Returns
    -------
    tensor of shape (batch, ...)

    Taught in: 05_gan_game
    """
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x, dtype="float32")
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = ops.sum(fn(x))
        return tape.gradient(y, x)
    if backend == "torch":
        import torch

        x = ops.convert_to_tensor(x, dtype="float32")
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            y = ops.sum(fn(x))
            (grad,) = torch.autograd.grad(y, x, create_graph=torch.is_grad_enabled())
        return grad
    if backend == "jax":
        import jax

        return jax.grad(lambda t: ops.sum(fn(t)))(ops.convert_to_tensor(x, dtype="float32"))
    raise _unsupported_backend("input_gradient")


def gan_train_step(model, data, state=None):
    """One GAN training step for :class:`vaegan_edu.models.GAN` on the current backend.

    The maths (losses, packing, penalty) is the model's (``discriminator_objective``,
    ``generator_objective``); this function only takes gradients and applies them, in the order stated in
    the :class:`~vaegan_edu.models.GAN` docstring, once per backend: TensorFlow (``GradientTape``), PyTorch
    (``backward``) and JAX (stateless: ``state`` in, ``(logs, state)`` out, see :func:`_jax_gan_step`).

    Taught in: 05_gan_game
    """
    from vaegan_edu.models.gan import _unpack

    real, labels = _unpack(data)
    if model.num_classes and labels is None:
        raise ValueError(
            f"This GAN is conditional on {model.num_classes} classes: call fit(x, labels) with integer labels."
        )
    if model.loss_name is None:
        raise ValueError("Call gan.compile(loss=...) before fit().")
    backend = _backend()
    if backend == "tensorflow":
        return _tf_gan_step(model, real, labels)
    if backend == "torch":
        return _torch_gan_step(model, real, labels)
    if backend == "jax":
        return _jax_gan_step(model, state, real, labels)
    raise _unsupported_backend("GAN training")


def _tf_gan_step(model, real, labels):
    import tensorflow as tf

    d_vars = model.discriminator.trainable_variables
    g_vars = model.generator.trainable_variables
    # 1. Discriminator steps: minimise L_D (ascend V) with G fixed.
    for _ in range(model.d_steps):
        with tf.GradientTape() as tape:
            d_loss, d_real, d_fake = model.discriminator_objective(real, labels, input_gradient)
        model.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
    # 2. Generator step on fresh z, with D fixed.
    with tf.GradientTape() as tape:
        g_loss = model.generator_objective(ops.shape(real)[0], labels)
    model.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
    # 3. Trackers.
    return model.update_trackers(d_loss, g_loss, d_real, d_fake)


def _torch_gan_step(model, real, labels):
    import torch

    d_vars = model.discriminator.trainable_variables
    g_vars = model.generator.trainable_variables
    # 1. Discriminator steps: minimise L_D (ascend V) with G fixed.
    for _ in range(model.d_steps):
        model.zero_grad()
        d_loss, d_real, d_fake = model.discriminator_objective(real, labels, input_gradient)
        d_loss.backward()
        with torch.no_grad():
            model.d_optimizer.apply([v.value.grad for v in d_vars], d_vars)
    # 2. Generator step on fresh z, with D fixed (its gradients are computed but discarded).
    model.zero_grad()
    g_loss = model.generator_objective(ops.shape(real)[0], labels)
    g_loss.backward()
    with torch.no_grad():
        model.g_optimizer.apply([v.value.grad for v in g_vars], g_vars)
    # 3. Trackers.
    return model.update_trackers(d_loss.detach(), g_loss.detach(), d_real.detach(), d_fake.detach())


class _DifferentiatedScope(keras.StatelessScope):
    """A :class:`keras.StatelessScope` in which assigning to a weight that is being differentiated (``free``,
    a set of variable ids) behaves as on TensorFlow: later reads see the new value, and the gradient is taken at
    it rather than through how it was computed."""

    def __init__(self, state_mapping, free):
        super().__init__(state_mapping=state_mapping)
        self.free = free

    def add_update(self, update):
        import jax

        variable, value = update
        if id(variable) in self.free:
            old = self.state_mapping[id(variable)]
            value = old + jax.lax.stop_gradient(ops.convert_to_tensor(value, old.dtype) - old)
        super().add_update((variable, value))


def _jax_gan_step(model, state, real, labels):
    """The same step on JAX, where a train step is a pure function ``state -> (logs, new state)``.

    ``state`` is what Keras's JAX trainer passes: the values of the model's trainable, non-trainable
    (seed generator, batch-norm statistics, spectral-norm vectors), optimizer and metric variables, in the
    order of ``model.trainable_variables``, ``model.non_trainable_variables``, ``model.optimizer.variables``
    (both optimizers' variables, see :class:`vaegan_edu.models.gan.GANOptimizers`) and
    ``model.metrics_variables``. Each network's loss runs inside a :class:`keras.StatelessScope` that maps
    every variable to its current value (the approach the Keras maintainers suggest for several gradient
    computations in one JAX step, keras-team/keras#18881); assignments made there (the seed generator
    advancing, batch-norm statistics) are read back out, and ``optimizer.stateless_apply`` returns the new
    weights and optimizer state.

    A layer may assign to a weight that is being differentiated (Keras's ``SpectralNormalization`` writes
    the normalised kernel into its layer during the forward pass). TensorFlow and PyTorch then use the new
    value and take the gradient at it, without differentiating through how it was computed;
    :class:`_DifferentiatedScope` does the same (value ``w + stop_gradient(new - w)``), so the three backends
    make the same update.
    """
    import jax

    groups = (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
              model.metrics_variables)  # fmt: skip
    values = {id(v): value for group, group_values in zip(groups, state) for v, value in zip(group, group_values)}
    every_variable = [v for group in groups for v in group]

    def run(objective, free_variables, free_values):
        """``objective()`` with the free variables set to ``free_values`` and every other one to ``values``;
        returns its output and every variable's value after it (changed where it assigned)."""
        free = {id(v) for v in free_variables}
        mapping = [(v, values[id(v)]) for v in every_variable if id(v) not in free]
        with _DifferentiatedScope(mapping + list(zip(free_variables, free_values)), free) as scope:
            out = objective()
        return out, {id(v): scope.get_current_value(v) for v in every_variable}

    def update(network, optimizer, objective):
        """One gradient step of ``network`` on ``objective() -> (loss, aux)``; returns ``(loss, aux)``."""
        weights = network.trainable_variables

        def loss(weight_values):
            (value, aux), changed = run(objective, weights, weight_values)
            return value, (aux, changed)

        (value, (aux, changed)), grads = jax.value_and_grad(loss, has_aux=True)(
            [values[id(v)] for v in weights]
        )
        values.update(changed)  # including weights the forward pass assigned to
        new_weights, new_slots = optimizer.stateless_apply(
            [values[id(v)] for v in optimizer.variables], grads, [values[id(v)] for v in weights]
        )
        values.update(zip(map(id, weights), new_weights))
        values.update(zip(map(id, optimizer.variables), new_slots))
        return value, aux

    def d_objective():
        d_loss, d_real, d_fake = model.discriminator_objective(real, labels, input_gradient)
        return d_loss, (d_real, d_fake)

    def g_objective():
        return model.generator_objective(ops.shape(real)[0], labels), ()

    # 1. Discriminator steps: minimise L_D (ascend V) with G fixed.
    for _ in range(model.d_steps):
        d_loss, (d_real, d_fake) = update(model.discriminator, model.d_optimizer, d_objective)
    # 2. Generator step on fresh z, with D fixed.
    g_loss, _ = update(model.generator, model.g_optimizer, g_objective)
    # 3. Trackers.
    logs, changed = run(lambda: model.update_trackers(d_loss, g_loss, d_real, d_fake), [], [])
    values.update(changed)
    return logs, tuple([values[id(v)] for v in group] for group in groups)


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


def fit_gan(gan, x, num_steps, batch_size=256, labels=None, eval_every=None, on_eval=None, seed=0):
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

    Returns
    -------
    dict of lists: ``step``, ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` (means over each chunk) and
    the keys returned by ``on_eval``.

    Taught in: 05_gan_game
    """
    for name, value in (("num_steps", num_steps), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer; received {name}={value!r}.")
    x = np.asarray(x, dtype="float32")
    if x.shape[1:] != gan.data_shape:
        raise ValueError(
            f"`x` must have shape (n, {', '.join(map(str, gan.data_shape))}) for this GAN "
            f"(data_shape={gan.data_shape}); received shape {x.shape}."
        )
    if len(x) < batch_size:
        raise ValueError(f"`x` has {len(x)} examples, fewer than batch_size={batch_size}. Fix: lower batch_size.")
    if gan.num_classes and labels is None:
        raise ValueError(f"This GAN is conditional on {gan.num_classes} classes: pass `labels` of shape ({len(x)},).")
    eval_every = int(eval_every or num_steps)
    rng = np.random.default_rng(seed)
    per_pass = len(x) // batch_size
    passes = -(-num_steps // per_pass)
    order = np.concatenate([rng.permutation(len(x))[: per_pass * batch_size] for _ in range(passes)])
    history = {"step": []}
    done = 0
    while done < num_steps:
        steps = min(eval_every, num_steps - done)
        idx = order[done * batch_size:(done + steps) * batch_size]
        data = (x[idx], np.asarray(labels)[idx].astype("int32")) if gan.num_classes else (x[idx],)
        with _without_retracing_warning():
            logs = gan.fit(*data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0).history
        done += steps
        history["step"].append(done)
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            history.setdefault(key, []).append(float(logs[key][-1]))
        for key, value in (on_eval(done) or {}).items() if on_eval else ():
            history.setdefault(key, []).append(value)
    return history


def generator_sample_gradients(gan, z):
    r"""Where the generator's loss pushes each of its samples: :math:`-\nabla_{x} L_G` at :math:`x = G(z)`.

    .. math:: v_i = -\frac{\partial}{\partial x_i} \sum_j \ell_G(D(x_j)), \qquad x_i = G(z_i)

    The generator's parameters move so that its samples follow these arrows (chain rule through
    :math:`G`), which is what chapter 05's live view draws.

    Parameters
    ----------
    gan : compiled vaegan_edu.models.GAN (unconditional)
    z : array (n, latent_dim)

    Returns
    -------
    (x, v) : NumPy arrays (n, *data_shape): the samples and the descent directions

    Taught in: 05_gan_game
    """
    from vaegan_edu import losses
    from vaegan_edu.models.gan import pack_samples

    x = gan.generate(z=z)
    n = len(x)

    def total_loss(t):
        logits = gan.discriminator(pack_samples(t, gan.pack), training=False)
        return losses.gan_generator_loss(logits, gan.loss_name) * (n // gan.pack)

    grad = ops.convert_to_numpy(input_gradient(total_loss, x))
    return x, -grad


DCGAN_LATENT_DIM = 64  # latent size of the book's DCGANs
DCGAN_WIDTH = 32  # filters of the first discriminator layer / last generator layer
DCGAN_LEARNING_RATE = 2e-4  # Adam's step size for both networks (Radford et al. 2015)
DCGAN_BETA_1 = 0.5  # Adam's first-moment decay for GANs (Radford et al. 2015)


def make_dcgan(image_shape=(28, 28, 1), conditional=False, loss="non_saturating", seed=None,
               learning_rate=DCGAN_LEARNING_RATE, jit_compile=None, **gan_kwargs):  # fmt: skip
    """The book's DCGAN on digits, compiled with Adam(learning_rate, beta_1=0.5) for both networks.

    The default learning rate, 2e-4, is the DCGAN paper's (Radford et al. 2015) and suits minutes of training.
    ``jit_compile`` goes to :meth:`vaegan_edu.models.GAN.compile` (None: the package's default).

    ``gan_kwargs`` (``label_smoothing``, ``spectral_norm``, ``d_steps`` ...) go to
    :class:`vaegan_edu.models.GAN`, so a stability trick is one keyword away.

    Taught in: 06_gan
    """
    from vaegan_edu.models import GAN

    gan = GAN(latent_dim=DCGAN_LATENT_DIM, data_shape=image_shape, width=DCGAN_WIDTH,
              num_classes=10 if conditional else None, seed=seed, **gan_kwargs)  # fmt: skip
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=DCGAN_BETA_1),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=DCGAN_BETA_1),
                loss=loss, steps_per_execution=_steps_per_execution(), jit_compile=jit_compile)  # fmt: skip
    return gan


def train_dcgan(seed=0, conditional=False, epochs_setting="gan_epochs"):
    """Train the book's (conditional) DCGAN on glyph digits with full-mode settings: a weight builder.

    Returns
    -------
    vaegan_edu.models.GAN, trained

    Taught in: 06_gan
    """
    from vaegan_edu import config, data

    cfg = config.settings(seed=seed, fast=False)
    ds = data.load("glyphs", seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    gan = make_dcgan(ds.image_shape, conditional=conditional, seed=seed)
    num_steps = getattr(cfg, epochs_setting) * (len(ds.x_train) // cfg.batch_size)
    fit_gan(gan, ds.x_train, num_steps, batch_size=cfg.batch_size, labels=ds.y_train if conditional else None,
            seed=seed)  # fmt: skip
    return gan


GAN_2D_LEARNING_RATE = 1e-3  # Adam's step size for the small 2-D GANs of chapter 05 (measured in bench_gan.py)
GAN_2D_BETA_1 = 0.5  # Adam's first-moment decay, as for the DCGAN
GAN_2D_BATCH_SIZE = 512  # large batches: cheap for 2-D MLPs and steadier mode coverage


def make_gan_2d(loss="non_saturating", lr=GAN_2D_LEARNING_RATE, data_scale=1.0, seed=None, jit_compile=None,
                **gan_kwargs):  # fmt: skip
    """The book's GAN on 2-D points: MLPs of 3 x 128 units, 8-D latent, Adam(lr, beta_1=0.5) for both.

    ``gan_kwargs`` (``pack``, ``d_steps``, ``spectral_norm`` ...) go to :class:`vaegan_edu.models.GAN`.
    On TensorFlow it is compiled with ``steps_per_execution=10`` (ten steps per call into the compiled graph:
    the networks are so small that Python overhead would otherwise dominate). ``jit_compile`` goes to
    :meth:`vaegan_edu.models.GAN.compile` (None: the package's default).

    Taught in: 05_gan_game
    """
    from vaegan_edu.models import GAN

    gan = GAN(latent_dim=8, data_shape=(2,), hidden_units=128, num_hidden=3, data_scale=data_scale, seed=seed,
              **gan_kwargs)  # fmt: skip
    gan.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=GAN_2D_BETA_1),
                g_optimizer=keras.optimizers.Adam(lr, beta_1=GAN_2D_BETA_1),
                loss=loss, steps_per_execution=_steps_per_execution(), jit_compile=jit_compile)  # fmt: skip
    return gan


# === VAE (chapters 03-04) ===


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
        self.update_every = int(update_every)
        self.show = _in_notebook() if show is None else bool(show)
        self.figsize = figsize or (3.2 * len(self.metrics_to_plot), 2.4)
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
        if not self.show or (batch + 1) % self.update_every:
            return
        steps = self.params.get("steps") or 0
        done = (batch + 1) / steps if steps else 0.0
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        loss = float((logs or {}).get("loss", float("nan")))
        self._text_handle.update(self._status_html(
            f"epoch {self._epoch + 1}/{self.params.get('epochs')} [{bar}] batch {batch + 1}/{steps}  loss {loss:.2f}"
        ))  # fmt: skip

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

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
            for prefix, style in (("", "-"), ("val_", "--")):
                if prefix + key in self.history:
                    label = "validation" if prefix else "training"
                    ax.plot(epochs, self.history[prefix + key], style, marker=".", label=label)
            ax.set_title(f"{key} (nats / image)", fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.tick_params(labelsize=7)
        self._axes[0][0].legend(fontsize=7)
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


class TrainingDiverged(FloatingPointError):
    """Raised by :class:`NaNGuard` when a logged quantity became NaN or infinite."""


class NaNGuard(keras.callbacks.Callback):
    """Stop training as soon as a logged quantity (loss, reconstruction, KL ...) is NaN or infinite.

    Unlike :class:`keras.callbacks.TerminateOnNaN` it says *which* quantity diverged, when, what the last
    finite values were, and what to try; with ``raise_error=True`` (default) ``fit`` then raises
    :class:`TrainingDiverged` so a notebook cell cannot silently continue with a broken model.

    Parameters
    ----------
    raise_error : bool
        Raise :class:`TrainingDiverged` at the end of ``fit``; False only stops and keeps the message in
        ``self.message``.

    Taught in: 03_vae
    """

    _ADVICE = {
        "kl": "the encoder's log_var or mu exploded: lower the learning rate (e.g. 1e-4), clip gradients "
              "with `keras.optimizers.Adam(1e-3, clipnorm=1.0)`, or warm the KL term up with `KLWarmup`",
        "reconstruction": "the decoder's logits exploded or the data holds bad values: check the images are "
                          "finite and in [0, 1], lower the learning rate or clip gradients (`clipnorm=1.0`)",
    }

    def __init__(self, raise_error=True):
        super().__init__()
        self.raise_error = bool(raise_error)
        self.message = None
        self._last_finite = {}

    def on_train_begin(self, logs=None):
        self.message, self._last_finite, self._epoch = None, {}, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        values = {k: float(v) for k, v in (logs or {}).items()}
        bad = [k for k, v in values.items() if not np.isfinite(v)]
        if not bad:
            self._last_finite = values
            return
        first = next((k for k in ("kl", "reconstruction") if k in bad), bad[0])
        advice = self._ADVICE.get(first, "lower the learning rate or clip gradients (`clipnorm=1.0`)")
        last = ", ".join(f"{k}={v:.4g}" for k, v in self._last_finite.items()) or "none (the first batch)"
        self.message = (
            f"Training diverged at epoch {self._epoch + 1}, batch {batch + 1}: {', '.join(bad)} became "
            f"{values[first]}. Last finite values: {last}. What to try: {advice}."
        )
        self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.message and self.raise_error:
            raise TrainingDiverged(self.message)


def save_atomic(model, path) -> None:
    """Save ``model`` to ``path`` (``.keras``, or ``.weights.h5`` for weights only) without ever
    leaving a half-written file there.

    The model is written to a temporary file in the same folder, flushed to disk, then moved over
    ``path`` with :func:`os.replace`, which is atomic on POSIX and Windows. If saving fails (a full disk,
    an interrupted kernel) the previous file at ``path`` is untouched and the temporary file is removed.

    Raises
    ------
    ValueError
        For a path that ends in neither ``.keras`` nor ``.weights.h5``.

    Taught in: 03_vae
    """
    import os
    from pathlib import Path

    path = Path(path)
    suffix = ".weights.h5" if path.name.endswith(".weights.h5") else path.suffix
    if suffix not in (".keras", ".weights.h5"):
        raise ValueError(f"`path` must end in '.keras' (whole model) or '.weights.h5' (weights only); "
                         f"received {str(path)!r}.")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name[: -len(suffix)]}.tmp{os.getpid()}{suffix}")
    try:
        if suffix == ".keras":
            model.save(tmp)
        else:
            model.save_weights(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
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
        self.path = path
        self.every = int(every)
        self.saved_epochs = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            save_atomic(self.model, self.path)
            self.saved_epochs.append(epoch + 1)


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

    Taught in: 03_vae
    """

    def __init__(self, warmup_epochs, target_beta=None):
        super().__init__()
        if isinstance(warmup_epochs, bool) or not isinstance(warmup_epochs, (int, np.integer)) or warmup_epochs < 1:
            raise ValueError(f"`warmup_epochs` must be an integer >= 1; received {warmup_epochs!r}.")
        self.warmup_epochs = int(warmup_epochs)
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

"""Training helpers: callbacks for ``fit()`` and the custom train steps that need the backend's autodiff.

Models whose loss ``fit()`` can differentiate on its own (the VAE) need nothing backend-specific. A GAN
updates two networks with two optimizers, so its train step takes gradients itself; that part is written
once per backend here, following keras-io's guides ``custom_train_step_in_tensorflow.py`` and
``custom_train_step_in_torch.py``. Each engineer's helpers live in their own section below.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

# === GAN (chapters 05-06) ===


def _backend():
    return keras.backend.backend()


def _unsupported_backend(what):
    return NotImplementedError(
        f"{what} is implemented for the TensorFlow and PyTorch backends; the current Keras backend is "
        f"{_backend()!r}. Fix: set the environment variable KERAS_BACKEND=tensorflow (or torch) before "
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

    Raises
    ------
    NotImplementedError
        On the JAX backend.

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
    raise _unsupported_backend("input_gradient")


def gan_train_step(model, data):
    """One GAN training step for :class:`vaegan_edu.models.GAN` on the current backend.

    The maths (losses, packing, penalty) is the model's (``discriminator_objective``,
    ``generator_objective``); this function only takes gradients and applies them, in the order stated in
    the :class:`~vaegan_edu.models.GAN` docstring. Works on TensorFlow and PyTorch; JAX would need the
    stateless API of keras-io's ``custom_train_step_in_jax.py`` for two optimizers and is not written yet.

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
        logs = gan.fit(*data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0).history
        done += steps
        history["step"].append(done)
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            history.setdefault(key, []).append(float(logs[key][-1]))
        for key, value in (on_eval(done) or {}).items() if on_eval else ():
            history.setdefault(key, []).append(value)
    return history

"""The GAN's train step on every backend, and gradients with respect to inputs.

A GAN updates two networks with two optimizers, so its train step takes gradients itself. The maths of the
step (losses, packing, gradient penalty) is the model's (:class:`vaegan_edu.models.GAN`, written once with
``keras.ops``); this module only takes gradients and applies them, once per backend, following keras-io's
guides ``custom_train_step_in_tensorflow.py``, ``custom_train_step_in_torch.py`` and
``custom_train_step_in_jax.py``. Only :mod:`vaegan_edu.models.gan` imports it (plus :func:`input_gradient`'s
users), and it imports no model, so the GAN and its steps form no import circle.

Taught in: 06_gan_game, 08_gan
"""

from __future__ import annotations

import keras
from keras import ops


def unpack(data):
    """(x, None) or (x, labels) from what ``fit()`` passes to a train step."""
    if isinstance(data, (tuple, list)):
        return data[0], (data[1] if len(data) > 1 else None)
    return data, None


def _backend():
    return keras.backend.backend()


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
    derivative) and for drawing the generator's gradient on its samples in chapter 07.

    Parameters
    ----------
    fn : callable mapping a tensor of shape (batch, ...) to a tensor
    x : tensor or array of shape (batch, ...)

    Returns
    -------
    tensor of shape (batch, ...)

    Taught in: 06_gan_game
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

    Taught in: 06_gan_game
    """
    real, labels = unpack(data)
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

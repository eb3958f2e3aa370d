"""The divergence guard that every training entry of the package adds by default.

:class:`NaNGuard` stops ``fit`` at the first non-finite logged loss and says which quantity diverged, when and what
to try; :class:`TrainingDiverged` is what it raises. It lives apart from :mod:`vaegan_edu.training` because the
models' own ``fit`` methods add it too (:mod:`vaegan_edu.models` imports it, and :mod:`vaegan_edu.training`
imports the models): this module imports neither, so there is no import circle. The chapters reach both names
as ``ve.training.NaNGuard`` and ``ve.training.TrainingDiverged``.

Taught in: 03_vae
"""

from __future__ import annotations

import keras
import numpy as np

from vaegan_edu.validation import check_bool


class TrainingDiverged(FloatingPointError):
    """Raised by :class:`NaNGuard` when a logged quantity became NaN or infinite."""


class NaNGuard(keras.callbacks.Callback):
    """Stop training as soon as a logged quantity (loss, reconstruction, KL, d_loss ...) is NaN or infinite.

    Unlike :class:`keras.callbacks.TerminateOnNaN` it says *which* quantity diverged, when, what the last
    finite values were, and what to try; with ``raise_error=True`` (default) ``fit`` then raises
    :class:`TrainingDiverged` so a notebook cell cannot silently continue with a broken model.
    :meth:`vaegan_edu.models.VAE.fit`, :meth:`vaegan_edu.models.GAN.fit`, :func:`fit_gan` and
    :func:`train_for` add one by default (``nan_guard=False`` opts out).

    Keras reports losses to callbacks once per execution of ``steps_per_execution`` steps (10 on TensorFlow
    by default), so the guard sees every such execution and says how many steps lie between its checks.

    Parameters
    ----------
    raise_error : bool
        Raise :class:`TrainingDiverged` at the end of ``fit``; False only stops and keeps the message in
        ``self.message``.
    step_offset : int >= 0
        Steps already taken before this ``fit`` call (a loop that trains in chunks, such as :func:`fit_gan`),
        so the message counts steps from the start of the loop.

    Taught in: 03_vae
    """

    _ADVICE = {
        "kl": "the encoder's log_var or mu exploded: lower the learning rate (e.g. 1e-4), clip gradients "
              "with `keras.optimizers.Adam(1e-3, clipnorm=1.0)`, or warm the KL term up with `KLWarmup`",
        "reconstruction": "the decoder's logits exploded or the data holds bad values: check the images are "
                          "finite and in [0, 1], lower the learning rate or clip gradients (`clipnorm=1.0`)",
        "d_loss": "the discriminator's logits exploded: lower both learning rates (the book uses Adam(2e-4, "
                  "beta_1=0.5) for images, 1e-3 for 2-D points), or stabilise it with spectral_norm=True or "
                  "loss='wasserstein_gp'",
        "g_loss": "the generator's loss exploded: lower both learning rates (e.g. 2e-4 with beta_1=0.5), or "
                  "stabilise the discriminator with spectral_norm=True",
    }
    _ORDER = ("kl", "reconstruction", "d_loss", "g_loss")

    def __init__(self, raise_error=True, step_offset=0):
        super().__init__()
        self.raise_error = check_bool("raise_error", raise_error)
        if isinstance(step_offset, bool) or not isinstance(step_offset, (int, np.integer)) or step_offset < 0:
            raise ValueError(f"`step_offset` must be an integer >= 0; received step_offset={step_offset!r}.")
        self.step_offset = int(step_offset)
        self.message = None
        self._last_finite = {}

    def on_train_begin(self, logs=None):
        self.message, self._last_finite, self._last_step, self._epoch = None, {}, None, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        values = {k: float(v) for k, v in (logs or {}).items() if np.ndim(v) == 0}
        bad = [k for k, v in values.items() if not np.isfinite(v)]
        steps_per_epoch = self.params.get("steps") or 0
        step = self.step_offset + self._epoch * steps_per_epoch + batch + 1  # steps since training began
        if not bad:
            self._last_finite, self._last_step = values, step
            return
        first = next((k for k in self._ORDER if k in bad), bad[0])
        advice = self._ADVICE.get(first, "lower the learning rate or clip gradients (`clipnorm=1.0`)")
        gan = hasattr(self.model, "d_optimizer")
        unit = "generator step" if gan else "step"
        every = int(getattr(self.model, "steps_per_execution", 1) or 1)
        if self._last_step is not None:
            last = ", ".join(f"{k}={v:.4g}" for k, v in self._last_finite.items())
            last = f"Last finite values (after {unit} {self._last_step}): {last}"
        elif self.step_offset == 0:
            last = (f"No finite values were logged: the first check (after {unit} {step}) already saw non-finite "
                    f"ones, so the model, its learning rate or the data was broken from the start")  # fmt: skip
        else:
            last = f"The losses were finite up to {unit} {self.step_offset}, the end of the previous chunk"
        when = f"{unit} {step}" if every == 1 else f"{unit} {max(step - every + 1, 1)}-{step} (losses are checked every {every} steps)"
        where = f"epoch {self._epoch + 1}, " if not self.step_offset and self.params.get("epochs", 1) > 1 else ""
        self.message = (
            f"Training diverged at {where}{when}: {', '.join(bad)} became {values[first]}. {last}. "
            f"What to try: {advice}. (Pass nan_guard=False to let training run on.)"
        )
        self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.message and self.raise_error:
            raise TrainingDiverged(self.message)

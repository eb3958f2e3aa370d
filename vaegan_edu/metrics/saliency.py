"""What a GAN's discriminator looks at: input-gradient saliency maps.

Taught in: 08_student_questions
"""

from __future__ import annotations

import keras
import numpy as np

from vaegan_edu.models.gan_steps import input_gradient

def discriminator_saliency(gan, x) -> np.ndarray:
    r"""Input-gradient saliency of a GAN's discriminator: how strongly each pixel moves its logit.

    .. math:: S_i(x) = \left|\frac{\partial\, \ell_D(x)}{\partial x_i}\right|

    where :math:`\ell_D(x)` is the discriminator's logit (its score before the sigmoid). Bright pixels are
    those where a small change of ink would change the verdict most: what the discriminator "looks at".
    A gradient map shows sensitivity, not reasons: it is a first look, not an explanation. A packed
    discriminator judges each image packed with copies of itself, as
    :meth:`vaegan_edu.models.GAN.discriminate` does. Uses :func:`vaegan_edu.models.input_gradient`, so
    it runs on the TensorFlow and PyTorch backends.

    Parameters
    ----------
    gan : vaegan_edu.models.GAN (unconditional) on images
    x : array (n, height, width, channels), the images to explain

    Returns
    -------
    float32 array (n, height, width, channels), non-negative

    Raises
    ------
    ValueError
        Images of the wrong shape, or a conditional GAN.

    Taught in: 08_student_questions
    """
    x = np.asarray(x, dtype="float32")
    if x.ndim != 4 or x.shape[1:] != tuple(gan.data_shape):
        raise ValueError(
            f"`x` must have shape (n, {', '.join(map(str, gan.data_shape))}) for this GAN's discriminator; "
            f"received shape {x.shape}. Fix: add a batch axis with x[None] or a channel axis with x[..., None]."
        )
    if gan.num_classes:
        raise ValueError("discriminator_saliency explains unconditional GANs; this one is conditional on labels.")

    def logits(images):
        packed = keras.ops.concatenate([images] * gan.pack, axis=-1) if gan.pack > 1 else images
        return gan.discriminator(packed, training=False)  # (n, 1)

    grads = input_gradient(logits, x)
    return np.abs(keras.ops.convert_to_numpy(grads)).astype("float32")

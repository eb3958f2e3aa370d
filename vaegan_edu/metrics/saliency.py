"""What a GAN's discriminator looks at: input-gradient saliency maps.

Taught in: 10_student_questions
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

    Taught in: 10_student_questions
    """
    if not all(hasattr(gan, a) for a in ("discriminator", "data_shape", "check_data")):
        raise TypeError(f"`gan` must be a vaegan_edu.models.GAN (it has a discriminator); received {type(gan).__name__}.")
    if len(gan.data_shape) != 3:
        raise ValueError(f"discriminator_saliency explains GANs on images; this one has data_shape={gan.data_shape}.")
    if gan.num_classes:
        raise ValueError("discriminator_saliency explains unconditional GANs; this one is conditional on labels.")
    x, _ = gan.check_data(x)  # shape (n, *data_shape), finite, pixels in [0, 1]

    def logits(images):
        packed = keras.ops.concatenate([images] * gan.pack, axis=-1) if gan.pack > 1 else images
        return gan.discriminator(packed, training=False)  # (n, 1)

    grads = input_gradient(logits, x)
    return np.abs(keras.ops.convert_to_numpy(grads)).astype("float32")

"""Drawing images from the book's generative models, the same way for both: a VAE's decoder mean image or a
GAN's generator output at seeded standard-normal codes; and how long drawing takes.

Taught in: 09_vae_vs_gan, 10_student_questions
"""

from __future__ import annotations

import time
from typing import Callable

import keras
import numpy as np

from vaegan_edu.validation import check_positive_int, check_seed

SAMPLE_TIMING_COUNT = 1_000  # images drawn when timing sampling


def draw_samples(model, num_samples: int, seed: int = 0) -> np.ndarray:
    """Images from a VAE (its decoder's mean image at :math:`z \\sim N(0, I)`) or from a GAN's generator.

    Both draw their latent codes from a NumPy generator seeded with ``seed``, so the same seed gives the
    same images.

    Returns
    -------
    float32 array (num_samples, height, width, channels) in [0, 1]

    Taught in: 09_vae_vs_gan, 10_student_questions
    """
    num_samples = check_positive_int("num_samples", num_samples, 1000, maximum=10**7)
    z = np.random.default_rng(check_seed(seed)).standard_normal((num_samples, model_latent_dim(model))).astype("float32")
    if hasattr(model, "decode"):
        return model.decode(z)
    # Direct calls of the generator (not ``predict``): a protocol builds many models in a loop, and a
    # ``predict`` function traced per model makes TensorFlow warn about retracing.
    return np.concatenate([keras.ops.convert_to_numpy(model.generator(z[i:i + 1000], training=False))
                           for i in range(0, num_samples, 1000)]).astype("float32")  # fmt: skip


def model_latent_dim(model) -> int:
    """The latent size of a VAE or GAN of the book."""
    if not hasattr(model, "latent_dim"):
        raise TypeError(
            f"Expected a vaegan_edu.models.VAE or GAN (a model with `latent_dim`); received {type(model).__name__}."
        )
    return int(model.latent_dim)


def sampling_network(model):
    """The network that turns noise into an image: a VAE's decoder, a GAN's generator."""
    model_latent_dim(model)
    return model.decoder if hasattr(model, "decode") else model.generator


def sample_seconds(model, num_samples: int = SAMPLE_TIMING_COUNT, repeats: int = 3, seed: int = 0,
                   clock: Callable[[], float] = time.perf_counter) -> float:  # fmt: skip
    """Median wall-clock seconds for the sampling network to turn ``num_samples`` latent codes into images.

    Both models are timed the same way: one call of the network on the whole batch (plus the sigmoid
    for the VAE's logits), after one warm-up call that is not counted.

    Taught in: 09_vae_vs_gan
    """
    num_samples = check_positive_int("num_samples", num_samples, 1000, maximum=10**7)
    repeats = check_positive_int("repeats", repeats, 3, maximum=1000)
    network = sampling_network(model)
    z = np.random.default_rng(check_seed(seed)).standard_normal((num_samples, model_latent_dim(model))).astype("float32")
    is_vae = hasattr(model, "decode")

    def once():
        out = network(z, training=False)
        return keras.ops.convert_to_numpy(keras.ops.sigmoid(out) if is_vae else out)

    once()  # warm-up: first-call overheads are not sampling
    times = []
    for _ in range(repeats):
        start = clock()
        once()
        times.append(clock() - start)
    return float(np.median(times))

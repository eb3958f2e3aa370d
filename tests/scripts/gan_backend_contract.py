"""Run the GAN contract on the backend chosen by KERAS_BACKEND; write arrays to OUT/<backend>.npz and print one
JSON line (used by tests/test_models_gan.py).

    KERAS_BACKEND=jax python gan_backend_contract.py OUT

Two parts:

1. Same update on every backend. Three small GANs that between them use every path of a train step (packing,
   two discriminator steps, the WGAN-GP penalty's second derivative, spectral normalisation's power
   iteration, batch normalisation's statistics, class conditioning, label smoothing) start from the weights
   in OUT/init_<name>.npz (written by the first backend that runs) and train 5 steps on fixed data with every
   random draw replaced by a constant, so the backends' different random streams drop out. Every weight,
   including the non-trainable ones, and the last logs are saved for the test to compare.
2. Real training on this backend: the book's ring GAN (PacGAN2) for 1,500 steps (modes captured before and
   after), then a save / load round trip.
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np
from keras import ops

import vaegan_edu as ve
from vaegan_edu.models import GAN

out = Path(sys.argv[1])
backend = keras.backend.backend()

# --- 1. the same update on every backend ---
_Z = np.random.default_rng(1).normal(size=(64, 4)).astype("float32")
_EPS = np.linspace(0.1, 0.9, 64).astype("float32")
_real_sample_latent, _real_uniform = GAN.sample_latent, keras.random.uniform
GAN.sample_latent = lambda self, n: ops.convert_to_tensor(_Z[:n])
keras.random.uniform = lambda shape, **kwargs: ops.convert_to_tensor(_EPS[: shape[0]])  # WGAN-GP's epsilon

rng = np.random.default_rng(0)
points = rng.normal(size=(320, 2)).astype("float32")
images = rng.uniform(size=(320, 8, 8, 1)).astype("float32")
classes = rng.integers(0, 3, size=320)
# Adam for the plain MLP (its state travels through JAX's stateless step); SGD where some weight gradients vanish
# up to rounding, which Adam's division by sqrt(v) would blow up to full steps: the DCGAN's batch norm, and the
# WGAN-GP critic under spectral normalisation (one kernel entry of 256 once differed by 2e-3 after 5 Adam steps).
variants = {
    "packed_two_d_steps": (dict(data_shape=(2,), pack=2, d_steps=2), "non_saturating", points, None, "adam"),
    "wgan_gp_spectral": (dict(data_shape=(2,), spectral_norm=True), "wasserstein_gp", points, None, "sgd"),
    "conditional_dcgan": (dict(data_shape=(8, 8, 1), num_classes=3, width=4, label_smoothing=0.1), "minimax",
                          images, classes, "sgd"),
}
optimizers = {"adam": lambda: keras.optimizers.Adam(1e-2, beta_1=0.5),
              "sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.5)}
arrays, logs = {}, {}
for name, (kwargs, loss, x, labels, optimizer) in variants.items():
    ve.config.set_seed(0)  # the same starting weights in every run, so a rounding case cannot come and go
    gan = GAN(latent_dim=4, hidden_units=16, num_hidden=2, **kwargs)
    # one step per call on every backend (TF's default is 10): the contract compares the arithmetic of single
    # steps, and five steps inside one TF loop round differently enough for Adam to amplify (seen once in CI)
    gan.compile(d_optimizer=optimizers[optimizer](), g_optimizer=optimizers[optimizer](), loss=loss,
                steps_per_execution=1)
    init = out / f"init_{name}.npz"
    if init.exists():
        stored = np.load(init)
        gan.set_weights([stored[f"w{i}"] for i in range(len(stored.files))])
    else:
        np.savez(init, **{f"w{i}": w for i, w in enumerate(gan.get_weights())})
    history = ve.training.fit_gan(gan, x, num_steps=5, batch_size=64, labels=labels, seed=0)
    arrays.update({f"{name}_w{i}": w for i, w in enumerate(gan.get_weights())})
    logs[name] = {key: history[key][-1] for key in ("d_loss", "g_loss", "d_real", "d_fake")}
    logs[name]["iterations"] = [int(ops.convert_to_numpy(gan.d_optimizer.iterations)),
                                int(ops.convert_to_numpy(gan.g_optimizer.iterations))]  # fmt: skip
np.savez(out / f"{backend}.npz", **arrays)
GAN.sample_latent, keras.random.uniform = _real_sample_latent, _real_uniform

# --- 2. real training on this backend ---
ve.config.set_seed(0)
x, modes, std = ve.data.toy_2d("ring8", 20_000, seed=0)
gan = ve.models.make_gan_2d(seed=0, pack=2)  # PacGAN2, chapter 07's fix: 8/8 modes within 750 steps
z = np.random.default_rng(0).normal(size=(2_000, gan.latent_dim)).astype("float32")
before = ve.metrics.mode_coverage(gan.generate(z=z), modes, std).modes_captured
ve.training.fit_gan(gan, x, num_steps=1_500, batch_size=ve.models.GAN_2D_BATCH_SIZE, seed=0)
after = ve.metrics.mode_coverage(gan.generate(z=z), modes, std).modes_captured
path = out / f"ring_{backend}.keras"
ve.training.save_atomic(gan, path)
loaded = keras.saving.load_model(path, safe_mode=True)
print(json.dumps({
    "backend": backend,
    "logs": logs,
    "modes_before": before,
    "modes_after": after,
    "max_abs_diff_after_load": float(np.abs(loaded.generate(z=z[:50]) - gan.generate(z=z[:50])).max()),
}))

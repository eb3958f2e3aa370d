"""Run the VAE contract on the backend chosen by KERAS_BACKEND; print one JSON line (used by the tests)."""

import json
import sys
from pathlib import Path

import keras
import numpy as np

import vaegan_edu as ve

x = ve.data.load("digits8").x_train
ve.config.set_seed(0)
vae = ve.models.VAE(image_shape=(8, 8, 1), latent_dim=4, seed=0)
vae.compile(optimizer=keras.optimizers.Adam(1e-3))
before = -ve.metrics.evaluate_elbo(vae, x, seed=0)["elbo"]
warmup = ve.training.KLWarmup(2)
history = vae.fit(x, epochs=5, batch_size=64, verbose=0, callbacks=[warmup, ve.training.NaNGuard()]).history
after = -ve.metrics.evaluate_elbo(vae, x, seed=0)["elbo"]
path = Path(sys.argv[1]) / "vae.keras"
ve.training.save_atomic(vae, path)
loaded = keras.saving.load_model(path, safe_mode=True)
z = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
print(json.dumps({
    "backend": keras.backend.backend(),
    "before": before,
    "after": after,
    "max_abs_diff_after_load": float(np.abs(loaded.decode(z) - vae.decode(z)).max()),
    # in the first warm-up epoch beta = 0, so the loss is the reconstruction term alone
    "warmup_loss_equals_reconstruction": bool(np.isclose(history["loss"][0], history["reconstruction"][0])),
}))

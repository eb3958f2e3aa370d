"""VAE building blocks and model: contracts (shapes, config, save/load), training, errors, other backends."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

import vaegan_edu as ve
from vaegan_edu.models import VAE, Sampling, build_decoder, build_encoder


@pytest.fixture(scope="module")
def digits():
    return ve.data.load("digits8").x_train


def test_sampling_moments_and_seed():
    n = 20_000
    mu = np.full((n, 2), [1.0, -2.0], dtype="float32")
    log_var = np.full((n, 2), [np.log(4.0), 0.0], dtype="float32")
    z = ops.convert_to_numpy(Sampling(seed=1)((mu, log_var)))
    assert z.shape == (n, 2)
    se_mean = np.sqrt(np.array([4.0, 1.0]) / n)
    assert np.all(np.abs(z.mean(0) - [1.0, -2.0]) < 4 * se_mean)
    np.testing.assert_allclose(z.var(0), [4.0, 1.0], rtol=0.05)
    # a seeded layer repeats its sequence; it owns exactly one seed generator (its state is one variable)
    again = ops.convert_to_numpy(Sampling(seed=1)((mu, log_var)))
    np.testing.assert_array_equal(z, again)
    layer = Sampling(seed=1)
    assert len(layer.non_trainable_variables) == 1 and not layer.trainable_variables
    assert Sampling.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("image_shape", [(8, 8, 1), (28, 28, 1), (32, 32, 1)])
@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_builders_shapes(image_shape, architecture):
    encoder = build_encoder(image_shape, latent_dim=3, architecture=architecture)
    decoder = build_decoder(image_shape, latent_dim=3, architecture=architecture)
    x = np.zeros((2, *image_shape), dtype="float32")
    mu, log_var = encoder(x)
    assert tuple(mu.shape) == (2, 3) and tuple(log_var.shape) == (2, 3)
    assert tuple(decoder(mu).shape) == (2, *image_shape)


def test_vae_call_config_round_trip_and_save_load(tmp_path, digits):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=3, beta=2.0, architecture="conv", seed=4)
    out = vae(digits[:5])
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "mu": (5, 3), "log_var": (5, 3), "z": (5, 3), "logits": (5, 8, 8, 1)}  # fmt: skip
    config = vae.get_config()
    clone = VAE.from_config(json.loads(json.dumps(config)))
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=3)
    vae.fit(digits[:64], epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, VAE) and loaded.beta == 2.0 and loaded.latent_dim == 3
    assert loaded.compiled and int(loaded.optimizer.iterations) == int(vae.optimizer.iterations) == 2
    # how steps run is the loading backend's default, not the saved 3 (PyTorch accepts only 1)
    assert loaded.steps_per_execution == ve.config.steps_per_execution_default()
    np.testing.assert_array_equal(*(keras.ops.convert_to_numpy(m.optimizer.variables[-1]) for m in (loaded, vae)))
    z = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.decode(z), vae.decode(z))
    np.testing.assert_array_equal(loaded.encode(digits[:7])[0], vae.encode(digits[:7])[0])


def test_compile_defaults_to_ten_steps_per_call_on_tensorflow_only():
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    expected = 10 if keras.backend.backend() == "tensorflow" else 1
    assert vae.steps_per_execution == ve.config.steps_per_execution_default() == expected
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=1)
    assert vae.steps_per_execution == 1


def test_logged_terms_are_consistent(digits):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, beta=0.0, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    logs = vae.evaluate(digits[:256], batch_size=256, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["elbo"], -(logs["reconstruction"] + logs["kl"]), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], logs["reconstruction"], rtol=1e-5)  # beta = 0: no KL in the loss
    assert logs["kl"] > 0


def test_three_hundred_steps_lower_the_negative_elbo(digits):
    ve.config.set_seed(0)
    vae = VAE(image_shape=(8, 8, 1), latent_dim=4, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = -ve.metrics.evaluate_elbo(vae, digits, seed=0)["elbo"]
    vae.fit(digits, epochs=13, batch_size=64, verbose=0)  # 13 x 23 = 299 steps
    after = -ve.metrics.evaluate_elbo(vae, digits, seed=0)["elbo"]
    # about 44 nats per 8x8 image untrained; a working VAE gets below 30 within these steps
    assert after < 0.7 * before, (before, after)


def test_discretized_logistic_vae_learns_its_scale_and_bounds_a_true_log_probability(tmp_path, digits):
    x = np.round(digits * 255) / 255  # 8-bit images
    ve.config.set_seed(0)
    vae = VAE(image_shape=(8, 8, 1), latent_dim=4, likelihood="discretized_logistic", seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    start_scale = keras.ops.convert_to_numpy(vae.log_scale).copy()
    before = ve.metrics.evaluate_elbo(vae, x[:200], seed=0)["elbo"]
    vae.fit(x, epochs=8, batch_size=64, verbose=0)
    after = ve.metrics.evaluate_elbo(vae, x[:200], seed=0)["elbo"]
    assert not np.allclose(keras.ops.convert_to_numpy(vae.log_scale), start_scale)  # the scale is learnt
    assert after > before
    # a log-probability of 64 pixel values: at most 0 nats, and the IWAE bound lies above the ELBO on average
    iwae = ve.metrics.iwae_log_likelihood(vae, x[:200], k=50, seed=0)
    assert np.all(iwae <= 0) and iwae.mean() >= after - 0.5
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.log_scale), keras.ops.convert_to_numpy(vae.log_scale)
    )
    np.testing.assert_allclose(ve.metrics.evaluate_elbo(loaded, x[:200], seed=0)["elbo"], after, rtol=1e-6)


def test_sample_is_seeded_and_in_range():
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    a, b = vae.sample(6, seed=3), vae.sample(6, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 8, 8, 1) and a.min() >= 0 and a.max() <= 1
    assert not np.array_equal(a, vae.sample(6, seed=4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 0}, "latent_dim.*integer >= 1"),
        ({"latent_dim": -2}, "latent_dim"),
        ({"latent_dim": 2.5}, "latent_dim"),
        ({"beta": -1.0}, "beta.*>= 0"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"image_shape": (28, 28)}, "height, width, channels"),
        ({"image_shape": (30, 30, 1), "architecture": "conv"}, "multiples of 4"),
        ({"architecture": "resnet"}, "architecture"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VAE(**{"image_shape": (8, 8, 1), **kwargs})


def test_input_errors_say_what_to_do(digits):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2)
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"shape \(batch, 8, 8, 1\).*Add a batch axis"):
        vae.fit(digits[0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"Add the channel axis"):
        vae.encode(digits[..., 0])
    with pytest.raises(ValueError, match=r"\[0, 1\].*/ 255"):
        vae.fit(digits * 16.0, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(batch, 2\).*Add a batch axis"):
        vae.decode(np.zeros(2))
    gaussian = VAE(image_shape=(8, 8, 1), latent_dim=2, likelihood="gaussian")
    assert gaussian.encode(digits[:3] * 2.0)[0].shape == (3, 2)  # no [0, 1] rule for a Gaussian


_OTHER_BACKEND_SCRIPT = Path(__file__).parent / "scripts" / "vae_backend_contract.py"


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_vae_contract_on_another_backend(backend, tmp_path):
    """The backend is fixed when keras is imported, so run the contract in a fresh interpreter."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, str(_OTHER_BACKEND_SCRIPT), str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend
    assert report["after"] < 0.8 * report["before"]
    assert report["max_abs_diff_after_load"] == 0.0
    assert report["warmup_loss_equals_reconstruction"]


def test_calibrated_gaussian_vae_learns_one_scale_near_the_mse_and_saves_it(tmp_path, digits):
    ve.config.set_seed(0)
    vae = VAE(image_shape=(8, 8, 1), latent_dim=4, likelihood="calibrated_gaussian", obs_std=0.5, seed=0)
    assert tuple(vae.log_scale.shape) == ()  # one standard deviation shared by all pixels (the σ-VAE)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(digits, epochs=20, batch_size=64, verbose=0)
    s2 = float(np.exp(2 * keras.ops.convert_to_numpy(vae.log_scale)))
    x_hat = keras.ops.convert_to_numpy(keras.ops.sigmoid(vae(digits)["logits"]))  # decoded from sampled codes
    mse = float(np.mean((x_hat - digits) ** 2))
    assert s2 < 0.25 * 0.5**2  # learnt: far below its start
    np.testing.assert_allclose(s2, mse, rtol=0.25)
    path = tmp_path / "sigma_vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.likelihood == "calibrated_gaussian"
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.log_scale), keras.ops.convert_to_numpy(vae.log_scale)
    )

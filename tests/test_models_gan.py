"""The GAN model: networks, packing, config and saving, a short training run, and its errors."""

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
from vaegan_edu import metrics
from vaegan_edu.models import GAN, dcgan_discriminator, dcgan_generator, pack_samples


def _ring(n, std, seed=0):
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(8) / 8
    modes = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (modes[rng.integers(8, size=n)] + std * rng.standard_normal((n, 2))).astype("float32"), modes


def test_pack_samples_vectors_and_images():
    x = np.arange(12, dtype="float32").reshape(6, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(pack_samples(x, 2)), x.reshape(3, 4))
    # A batch that is not a multiple of pack loses its tail.
    assert tuple(pack_samples(x[:5], 2).shape) == (2, 4)
    img = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    packed = ops.convert_to_numpy(pack_samples(img, 2))
    assert packed.shape == (2, 8, 8, 2)
    np.testing.assert_array_equal(packed[1, ..., 0], img[2, ..., 0])
    np.testing.assert_array_equal(packed[1, ..., 1], img[3, ..., 0])


@pytest.mark.parametrize("num_classes", [None, 10])
def test_dcgan_shapes(num_classes):
    g = dcgan_generator(latent_dim=16, image_shape=(28, 28, 1), width=8, num_classes=num_classes)
    d = dcgan_discriminator(image_shape=(28, 28, 1), width=8, num_classes=num_classes, spectral_norm=True)
    z = np.zeros((3, 16), "float32")
    y = np.array([0, 4, 9])
    x = ops.convert_to_numpy(g([z, y] if num_classes else z))
    assert tuple(x.shape) == (3, 28, 28, 1)
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert tuple(d([x, y] if num_classes else x).shape) == (3, 1)


def test_mlp_gan_shapes_with_packing():
    gan = GAN(latent_dim=4, data_shape=(2,), pack=4, hidden_units=16, num_hidden=2)
    assert gan.discriminator.input_shape == (None, 8)
    gan.compile()
    assert gan.generate(5).shape == (5, 2)
    assert gan.discriminate(np.zeros((7, 2))).shape == (7,)


def test_get_config_round_trip():
    gan = GAN(latent_dim=3, data_shape=(2,), d_steps=2, pack=2, label_smoothing=0.1, hidden_units=8,
              num_hidden=1, spectral_norm=True, data_scale=4.0, seed=3)
    config = gan.get_config()
    clone = GAN.from_config(config)
    assert clone.get_config() == config
    z = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    assert clone.generate(z=z).shape == (4, 2)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in gan.get_weights()]
    assert (clone.d_steps, clone.pack, clone.label_smoothing, clone.data_scale) == (2, 2, 0.1, 4.0)


def test_save_and_load(tmp_path):
    ve.config.set_seed(0)
    x, _ = _ring(512, 0.05)
    gan = GAN(latent_dim=4, data_shape=(2,), hidden_units=16, num_hidden=2, num_classes=None)
    gan.compile(loss="hinge")
    ve.training.fit_gan(gan, x, num_steps=3, batch_size=128)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    z = np.random.default_rng(1).normal(size=(10, 4)).astype("float32")
    np.testing.assert_allclose(loaded.generate(z=z), gan.generate(z=z), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loaded.discriminate(x[:10]), gan.discriminate(x[:10]), rtol=1e-5, atol=1e-6)
    assert loaded.loss_name == "hinge"


def test_training_on_the_ring_captures_more_modes():
    ve.config.set_seed(0)
    std = 0.05
    x, modes = _ring(20_000, std)
    gan = GAN(latent_dim=8, data_shape=(2,), hidden_units=64, num_hidden=2)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))  # the package's steps_per_execution
    before = metrics.mode_coverage(gan.generate(1000), modes, std).modes_captured
    history = ve.training.fit_gan(gan, x, num_steps=400, batch_size=256, eval_every=200)
    after = metrics.mode_coverage(gan.generate(1000), modes, std).modes_captured
    assert after >= before + 2, (before, after)
    assert history["step"] == [200, 400]
    assert all(np.isfinite(history["d_loss"])) and 0.0 < history["d_real"][-1] < 1.0


@pytest.mark.parametrize(
    "kwargs, loss",
    [({"d_steps": 2}, "wasserstein_gp"), ({"spectral_norm": True}, "hinge"), ({"label_smoothing": 0.1}, "minimax"),
     ({"spectral_norm": True, "pack": 2}, "wasserstein_gp")],
)
def test_variants_train_without_nan(kwargs, loss):
    ve.config.set_seed(0)
    x, _ = _ring(1024, 0.05)
    gan = GAN(latent_dim=4, data_shape=(2,), hidden_units=16, num_hidden=2, **kwargs)
    gan.compile(loss=loss)
    before = [w.copy() for w in gan.generator.get_weights()]
    history = ve.training.fit_gan(gan, x, num_steps=5, batch_size=128)
    assert np.all(np.isfinite([history[k][-1] for k in ("d_loss", "g_loss", "d_real", "d_fake")]))
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.generator.get_weights()))


def test_conditional_gan_trains_and_generates_per_class():
    ve.config.set_seed(0)
    x, _ = _ring(1024, 0.05)
    labels = (np.arctan2(x[:, 1], x[:, 0]) > 0).astype("int32")  # upper / lower half
    gan = GAN(latent_dim=4, data_shape=(2,), num_classes=2, hidden_units=16, num_hidden=2)
    gan.compile()
    ve.training.fit_gan(gan, x, num_steps=5, batch_size=128, labels=labels)
    z = np.zeros((3, 4), "float32")
    a, b = gan.generate(z=z, labels=0), gan.generate(z=z, labels=1)
    assert a.shape == (3, 2) and not np.allclose(a, b)


def test_wasserstein_critic_scores_are_raw():
    gan = GAN(latent_dim=2, data_shape=(2,), hidden_units=8, num_hidden=1)
    gan.compile(loss="wasserstein_gp")
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32") * 50
    scores = gan.discriminate(x)
    np.testing.assert_allclose(scores, ops.convert_to_numpy(gan.discriminator(x))[:, 0], rtol=1e-5)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: GAN(pack=2, num_classes=10), ValueError, "cannot be combined"),
        (lambda: GAN(d_steps=0), ValueError, "d_steps"),
        (lambda: GAN(data_shape=(28, 28)), ValueError, "data_shape"),
        (lambda: GAN(label_smoothing=0.6), ValueError, "label_smoothing"),
        (lambda: GAN(num_classes=1), ValueError, "num_classes"),
        (lambda: dcgan_generator(image_shape=(30, 30, 1)), ValueError, "divisible by 4"),
        (lambda: GAN(latent_dim=2).compile(loss="wgan"), ValueError, "Expected one of"),
        (lambda: GAN(label_smoothing=0.1).compile(loss="hinge"), ValueError, "cross-entropy"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_data():
    gan = GAN(latent_dim=2, data_shape=(2,), hidden_units=8, num_hidden=1)
    gan.compile()
    with pytest.raises(ValueError, match=r"shape \(n, latent_dim\)"):
        gan.generate(z=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="data_shape"):
        ve.training.fit_gan(gan, np.zeros((500, 3)), num_steps=1)
    with pytest.raises(ValueError, match="fewer than batch_size"):
        ve.training.fit_gan(gan, np.zeros((10, 2)), num_steps=1, batch_size=64)
    cond = GAN(latent_dim=2, data_shape=(2,), num_classes=3, hidden_units=8, num_hidden=1)
    cond.compile()
    with pytest.raises(ValueError, match="pass `labels`"):
        cond.generate(4)


_CONTRACT = Path(__file__).parent / "scripts" / "gan_backend_contract.py"


def _run_contract(backend, out):
    """The backend is fixed when keras is imported, so each backend runs the contract in a fresh interpreter."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, str(_CONTRACT), str(out)], env=env, capture_output=True, text=True,
                            timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tensorflow_contract(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan_contract")
    return out, _run_contract("tensorflow", out)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_gan_train_step_is_the_same_on_every_backend(backend, tensorflow_contract):
    """JAX's stateless step and PyTorch's step make the same updates as TensorFlow's (every random draw fixed),
    and the book's ring GAN trains, saves and loads there."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    out, reference = tensorflow_contract
    report = _run_contract(backend, out)
    assert report["backend"] == backend
    expected, got = np.load(out / "tensorflow.npz"), np.load(out / f"{backend}.npz")
    assert sorted(got.files) == sorted(expected.files)
    # Five Adam steps of size 1e-2 turn rounding differences in tiny gradients into differences of ~1e-4 at most;
    # a real difference in the update (a missed assignment, a gradient through the wrong path) moves weights by
    # about one step, 1e-2.
    for key in expected.files:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-3, atol=1e-3, err_msg=key)
    for name, logs in reference["logs"].items():
        assert report["logs"][name]["iterations"] == logs["iterations"]
        np.testing.assert_allclose([report["logs"][name][k] for k in ("d_loss", "g_loss", "d_real", "d_fake")],
                                   [logs[k] for k in ("d_loss", "g_loss", "d_real", "d_fake")], rtol=1e-3,
                                   atol=1e-3, err_msg=name)  # fmt: skip
    for run in (reference, report):
        assert run["modes_after"] >= 6 and run["modes_after"] > run["modes_before"], run
    assert report["max_abs_diff_after_load"] == 0.0

def test_the_2d_gan_builder_gives_the_same_weights_for_the_same_seed_in_any_state():
    first = ve.models.make_gan_2d(seed=3).get_weights()
    keras.random.normal((5,))  # consume the global random state, as earlier cells or variants do
    np.random.default_rng().normal()
    again = ve.models.make_gan_2d(seed=3).get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(ve.models.make_gan_2d(seed=4).get_weights()[0], first[0])


def test_the_dcgan_builder_gives_the_same_weights_for_the_same_seed_in_any_state():
    first = ve.models.make_dcgan(seed=3).get_weights()
    keras.random.normal((5,))  # consume the global random state, as earlier cells of chapter 08 do
    again = ve.models.make_dcgan(seed=3).get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    variant = ve.models.make_gan_variant(seed=3).get_weights()  # the tricks baseline: the same model
    for a, b in zip(first, variant):
        np.testing.assert_array_equal(a, b)


def test_the_shipped_conditional_dcgan_draws_the_digit_it_is_asked_for():
    # issue 14 item 8: every class read back by the book's classifier at least 90 % of the time
    import vaegan_edu as ve

    cgan = ve.weights.load_pretrained("cgan_glyphs")
    per_class = 500
    asked = np.repeat(np.arange(10), per_class)
    z = np.random.default_rng(1).normal(size=(len(asked), cgan.latent_dim)).astype("float32")
    read = ve.metrics.classify_digits(cgan.generate(z=z, labels=asked)).argmax(axis=1)
    accuracy = {c: float(np.mean(read[asked == c] == c)) for c in range(10)}
    assert min(accuracy.values()) >= 0.9, accuracy


def test_gan_variants_change_one_knob():
    gan = ve.models.make_gan_variant((28, 28, 1), seed=0, loss="minimax", learning_rate=2e-3, spectral_norm=True)
    assert gan.loss_name == "minimax" and gan.spectral_norm
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-3)
    assert any("spectral" in type(layer).__name__.lower() for layer in gan.discriminator.layers)
    base = ve.models.make_gan_variant((28, 28, 1), seed=0)
    assert float(base.g_optimizer.learning_rate) == pytest.approx(ve.models.DCGAN_LEARNING_RATE)


# --- 14x14 images (the stability study): one stride-2 layer each way -----------------------------------------


@pytest.mark.parametrize("width", [8, 12])
def test_a_14x14_dcgan_has_the_counted_parameters_and_shapes(width):
    gan = ve.models.make_gan_variant((14, 14, 1), seed=0, width=width)
    # generator: dense 64 -> 7*7*2w (no bias) + its batch norm (4 numbers per unit), a 4x4 stride-1 transposed
    # convolution 2w -> w (no bias) + batch norm, a 4x4 stride-2 one w -> 1 with a bias
    dense, first, last = 64 * 49 * 2 * width + 4 * 98 * width, 16 * 2 * width**2 + 4 * width, 16 * width + 1
    assert gan.generator.count_params() == dense + first + last
    # discriminator: 4x4 stride-2 convolution 1 -> w, 4x4 stride-1 convolution w -> 2w (both with biases), a logit
    assert gan.discriminator.count_params() == 17 * width + 32 * width**2 + 2 * width + 98 * width + 1
    assert tuple(gan.discriminator.get_layer("conv_1").output.shape) == (None, 7, 7, 2 * width)
    assert gan.generate(3).shape == (3, 14, 14, 1) and gan.discriminate(np.zeros((2, 14, 14, 1))).shape == (2,)
    sn = ve.models.make_gan_variant((14, 14, 1), seed=0, width=width, spectral_norm=True, loss="hinge")
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in sn.discriminator.layers)


def test_the_28x28_dcgan_is_unchanged_by_the_strides_option():
    gan = ve.models.make_gan_variant((28, 28, 1), seed=0)
    assert (gan.generator.count_params(), gan.discriminator.count_params()) == (246_657, 36_513)
    assert tuple(gan.discriminator.get_layer("conv_1").output.shape) == (None, 7, 7, 64)


@pytest.mark.parametrize("call, match", [
    (lambda: dcgan_generator(image_shape=(14, 14, 1)), r"divisible by 4 \(the product of strides=\(2, 2\)\) \(or "
                                                       r"strides=\(1, 2\) for sides divisible by 2 only"),
    (lambda: dcgan_discriminator(image_shape=(15, 15, 1), strides=(2, 1)), "divisible by 2"),
    (lambda: dcgan_generator(image_shape=(14, 14, 1), strides=(3, 1)), r"`strides`. Expected two strides, each 1 or 2"),
    (lambda: dcgan_discriminator(strides=2), r"`strides`.*Received: strides=2"),
    (lambda: ve.models.make_gan_variant((14, 14, 1), width=0), "`width` must be a positive integer"),
])  # fmt: skip
def test_strides_and_width_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()

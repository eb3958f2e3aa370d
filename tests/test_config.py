import dataclasses
import random

import keras
import numpy as np
import pytest

from vaegan_edu import config


def test_fast_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("VAEGAN_EDU_FAST", "1")
    assert config.fast_mode() is True
    assert config.settings().fast is True
    monkeypatch.setenv("VAEGAN_EDU_FAST", "0")
    assert config.fast_mode() is False
    monkeypatch.delenv("VAEGAN_EDU_FAST")
    assert config.settings().fast is False


def test_fast_settings_are_smaller_than_full_ones():
    fast, full = config.settings(fast=True), config.settings(fast=False)
    sizes = [f.name for f in dataclasses.fields(config.Settings) if f.name not in ("fast", "seed")]
    assert sizes, "Settings has no size fields"
    for name in sizes:
        assert 0 < getattr(fast, name) <= getattr(full, name), name
    assert fast.num_train < full.num_train and fast.vae_epochs < full.vae_epochs


def test_every_size_has_a_fast_and_a_full_value():
    sizes = {f.name for f in dataclasses.fields(config.Settings)} - {"fast", "seed"}
    assert set(config._FAST) == sizes == set(config._FULL)


def test_settings_are_frozen_and_replace_validates():
    cfg = config.settings(seed=3, fast=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.seed = 4
    assert cfg.replace(seed=5).seed == 5
    with pytest.raises(ValueError, match="Unknown setting"):
        cfg.replace(num_epochz=2)


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_invalid_fast_value_says_what_to_use(monkeypatch, value):
    monkeypatch.setenv("VAEGAN_EDU_FAST", value)
    with pytest.raises(ValueError, match="Use 1 for fast mode"):
        config.fast_mode()


@pytest.mark.parametrize("value, expected", [("1", True), ("on", True), ("0", False), ("off", False), ("auto", "auto")])
def test_jit_compile_follows_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(config.JIT_ENV_VAR, value)
    assert config.jit_compile_default() == expected


def test_jit_compile_is_left_to_keras_by_default(monkeypatch):
    monkeypatch.delenv(config.JIT_ENV_VAR, raising=False)
    assert config.jit_compile_default() == "auto"  # XLA on JAX, off on a CPU-only TensorFlow (bench_chapters)


def test_invalid_jit_compile_value_says_what_to_use(monkeypatch):
    monkeypatch.setenv(config.JIT_ENV_VAR, "fast")
    with pytest.raises(ValueError, match="Use 1 .XLA on., 0 .off. or auto"):
        config.jit_compile_default()


@pytest.mark.parametrize("value", ["1", "0"])
def test_the_models_compile_with_the_package_default_unless_told(monkeypatch, value):
    from vaegan_edu import models
    from vaegan_edu.models import VAE

    monkeypatch.setenv(config.JIT_ENV_VAR, value)
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2)
    vae.compile(optimizer="adam")
    gan = models.make_gan_2d(seed=0)
    assert vae.jit_compile is gan.jit_compile is (value == "1")
    vae.compile(optimizer="adam", jit_compile=value != "1")  # an explicit choice wins
    assert vae.jit_compile is (value != "1")


def _draw_everything():
    """One number from each generator the seed must fix: Python, NumPy, keras.random, layer initialisers."""
    layer = keras.layers.Dense(2)
    layer.build((None, 2))
    return (
        random.random(),
        np.random.rand(3),
        keras.ops.convert_to_numpy(keras.random.normal((3,))),
        keras.ops.convert_to_numpy(layer.kernel),
    )


def test_same_seed_same_numbers_different_seed_different_numbers():
    config.set_seed(7)
    a = _draw_everything()
    config.set_seed(7)
    b = _draw_everything()
    config.set_seed(8)
    c = _draw_everything()
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "0", None, True])
def test_bad_seed_is_rejected_with_an_example(seed):
    with pytest.raises(ValueError, match="seed"):
        config.settings(seed=seed)


def test_import_does_no_work(tmp_path):
    """Importing the package imports no data, model or plotting module and prints nothing."""
    import subprocess
    import sys

    code = (
        "import sys, vaegan_edu\n"
        "heavy = [m for m in ('vaegan_edu.data', 'vaegan_edu.models', 'matplotlib', 'keras', 'sklearn')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert vaegan_edu.config.Settings\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""

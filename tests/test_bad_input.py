"""Bad input gets a clear error, never a wrong number (issue 18, review ``reliability.md``).

A table of realistic bad calls across the public API, each with the error it must raise and a pattern that
names the argument; and a table of valid-but-unusual calls (NumPy scalars, lists, a batch of one, backend
tensors) that must work. Each of the review's ten worst cases has a row (``worst-N`` in its label).

``python tests/test_bad_input.py`` prints, per module, how many bad calls give a clear error, an obscure one,
or silently return a result (the review's three columns).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

import keras
import matplotlib

matplotlib.use("Agg")  # headless: the plot and widget rows draw into figures nobody shows

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vaegan_edu as ve  # noqa: E402
from vaegan_edu import (  # noqa: E402
    config, data, diagrams, exercises, experiments, losses, metrics, models, plots, probability, style, training,
    weights, widgets,
)  # fmt: skip
from vaegan_edu.experiments import duel_curves, stats  # noqa: E402
from vaegan_edu.experiments import protocol as protocol_module  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Bad:
    """A bad call: it must raise ``error`` with a message matching ``match`` (which names the argument)."""

    module: str
    label: str
    call: Callable
    match: str
    error: type = ValueError


@dataclasses.dataclass(frozen=True)
class Good:
    """A valid but unusual call: it must work, and ``check`` (if given) must hold on its result."""

    module: str
    label: str
    call: Callable
    check: Callable | None = None


# --- small shared objects (built once, tiny) ---------------------------------------------------------------


@functools.cache
def digits():
    return data.load("digits8").x_train[:64]


@functools.cache
def vae():
    model = models.VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    model.compile("adam")
    return model


@functools.cache
def gan2d():
    return models.make_gan_2d(seed=0)


@functools.cache
def cgan():
    gan = models.GAN(latent_dim=4, data_shape=(2,), num_classes=5, hidden_units=16, num_hidden=1, seed=0)
    gan.compile()
    return gan


@functools.cache
def ring():
    return data.toy_2d("ring8", 256)[0]


@functools.cache
def image_gan():
    return models.GAN(latent_dim=4, data_shape=(8, 8, 1), width=4, seed=0)


@functools.cache
def linear_gaussian():
    return probability.LinearGaussian(W=np.ones((2, 1)), b=np.zeros(2), noise_std=0.5)


def _ax():
    """A fresh Axes of a figure that pyplot does not keep."""
    from matplotlib.figure import Figure

    return Figure().subplots()


def _interval(estimate):
    return stats.mean_interval([estimate - 1.0, estimate, estimate + 1.0])


GRID = np.linspace(-5.0, 5.0, 201)
LOG_P = -0.5 * GRID**2 - 0.5 * np.log(2 * np.pi)


@functools.cache
def curves():
    """A small duel_curves result: 3 seeds, VAE and GAN, checkpoints at steps 10 and 20."""
    rows = []
    for seed in range(3):
        for model, shift in (("VAE", 0.0), ("GAN", 5.0)):
            row = {"model": model, "seed": seed, "frechet_distance": 30.0 + shift + seed}
            for step, seconds in ((10, 5.0), (20, 50.0)):
                row[f"train_seconds@{step}"] = seconds
                row[f"frechet_distance@{step}"] = 30.0 + shift + seed
            rows.append(row)
    return experiments.Result.from_rows("duel_curves", rows)


TOY = "bad_input_toy"


@contextlib.contextmanager
def _toy_protocol():
    """A protocol that trains nothing, registered only for the duration of one call."""
    experiments.register(experiments.Protocol(
        name=TOY, title="toy", config={"seeds": 2, "effect": 1.0, "budget": {"seconds": 1}, "metrics": {"loss": "lower"}},
        run_seed=lambda config, seed, say: {"a": {"loss": 1.0 + seed}, "b": {"loss": 1.0 + seed - config["effect"]}},
        baseline="a"))  # fmt: skip
    try:
        yield
    finally:
        protocol_module._REGISTRY.pop(TOY, None)


def _run_toy(**kwargs):
    """``experiments.run`` of the toy protocol; a private folder, so that even a `store` taken wrongly as True
    never writes into the shipped results."""
    kwargs.setdefault("store", False)
    kwargs.setdefault("say", lambda text: None)
    with _toy_protocol(), tempfile.TemporaryDirectory() as tmp:
        return experiments.run(TOY, directory=tmp, **kwargs)


def _load_text(text, name="tricks"):
    """``experiments.load(name)`` from a folder whose results file holds ``text``."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{name}.json").write_text(text)
        return experiments.load(name, tmp)


def _tf(x):
    return keras.ops.convert_to_tensor(x)


def _logits():
    return np.zeros((8, 8, 8, 1), "float32")


X255 = lambda: (digits() * 255).astype("uint8")  # noqa: E731  (0-255 pixels, the commonest slip)
INT = "positive integer"


def _load_damaged(damage, name="vae_glyphs_2d"):
    """``weights.load_pretrained(name)`` from a private copy of the shipped weights after ``damage(folder)``."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(weights.weights_dir(), Path(tmp) / "weights"))
        damage(folder)
        return weights.load_pretrained(name, folder)


def _write_manifest(text):
    """A damage: the manifest replaced by ``text``."""
    return lambda folder: (folder / weights.MANIFEST_NAME).write_text(text)


def _edit_entry(name="vae_glyphs_2d", **changes):
    """A damage: fields of ``name``'s manifest entry changed."""

    def damage(folder):
        manifest = json.loads((folder / weights.MANIFEST_NAME).read_text())
        manifest["files"][name].update(changes)
        (folder / weights.MANIFEST_NAME).write_text(json.dumps(manifest))

    return damage


def _append_byte(folder):
    """A damage: vae_glyphs_2d.keras one byte longer than its manifest says."""
    with open(folder / "vae_glyphs_2d.keras", "ab") as f:
        f.write(b"\0")


def _swap_in(impostor, name="vae_glyphs_2d"):
    """A damage: another model's file under ``name``, with its size and checksum copied into the manifest."""

    def damage(folder):
        entries = weights.read_manifest(folder)
        shutil.copy(folder / entries[impostor]["file"], folder / entries[name]["file"])
        _edit_entry(name, sha256=entries[impostor]["sha256"], bytes=entries[impostor]["bytes"])(folder)

    return damage


BAD = [
    # --- config ------------------------------------------------------------------------------------------------
    Bad("config", "settings(fast='no') (pattern)", lambda: config.settings(fast="no"), r"`fast`", TypeError),
    Bad("config", "settings(seed=-1)", lambda: config.settings(seed=-1), r"`seed`"),
    Bad("config", "settings(seed=1.5)", lambda: config.settings(seed=1.5), r"`seed`"),
    Bad("config", "settings(seed=2**40)", lambda: config.settings(seed=2**40), r"`seed`"),
    Bad("config", "cfg.replace(seed=-1) (pattern)", lambda: config.settings(fast=True).replace(seed=-1), r"`seed`"),
    Bad("config", "cfg.replace(num_train=0)", lambda: config.settings(fast=True).replace(num_train=0), r"`num_train`"),
    Bad("config", "cfg.replace(batch_size=12.5)", lambda: config.settings(fast=True).replace(batch_size=12.5),
        r"`batch_size`"),  # fmt: skip
    Bad("config", "cfg.replace(fast='yes')", lambda: config.settings(fast=True).replace(fast="yes"), r"`fast`",
        TypeError),  # fmt: skip
    Bad("config", "cfg.replace(unknown=1)", lambda: config.settings(fast=True).replace(epochs=1), r"Unknown setting"),
    Bad("config", "set_seed(None)", lambda: config.set_seed(None), r"`seed`"),
    # --- data --------------------------------------------------------------------------------------------------
    Bad("data", "load('glyphs', num_train=10**7) (worst-8)", lambda: data.load("glyphs", num_train=10**7),
        r"`num_train`.*too many"),  # fmt: skip
    Bad("data", "load('sprites', num_test=10**6)", lambda: data.load("sprites", num_test=10**6), r"`num_test`"),
    Bad("data", "load('digits8', num_train=0)", lambda: data.load("digits8", num_train=0), r"`num_train`"),
    Bad("data", "load('digits8', num_train=1.5)", lambda: data.load("digits8", num_train=1.5), r"`num_train`"),
    Bad("data", "load('digits8', num_train=10**5)", lambda: data.load("digits8", num_train=10**5), r"`num_train`"),
    Bad("data", "load('digits', ...)", lambda: data.load("digits"), r"Unknown dataset"),
    Bad("data", "load(seed=-1)", lambda: data.load("glyphs", seed=-1, num_train=10), r"`seed`"),
    Bad("data", "toy_2d(n=0)", lambda: data.toy_2d("ring8", 0), r"`n`"),
    Bad("data", "toy_2d(n=None)", lambda: data.toy_2d("ring8", None), r"`n`"),
    Bad("data", "toy_2d('ring')", lambda: data.toy_2d("ring", 10), r"Unknown 2-D toy"),
    # --- probability -------------------------------------------------------------------------------------------
    Bad("probability", "log_normal(NaN)", lambda: probability.log_normal(np.array([np.nan])), r"`x`"),
    Bad("probability", "log_normal(tensor NaN)", lambda: probability.log_normal(_tf(np.array([np.nan]))), r"`x`"),
    Bad("probability", "log_normal(shapes)", lambda: probability.log_normal(np.zeros((4, 3)), np.zeros((4, 2))),
        r"`mu` has shape"),  # fmt: skip
    Bad("probability", "log_normal('abc')", lambda: probability.log_normal("abc"), r"`x`", TypeError),
    Bad("probability", "log_bernoulli(0-255) (worst-5)", lambda: probability.log_bernoulli(X255()[..., 0], 0.0),
        r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("probability", "log_bernoulli(tensor 0-255)", lambda: probability.log_bernoulli(_tf(digits() * 255), 0.0),
        r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("probability", "kl_normal(inf)", lambda: probability.kl_normal(np.array([np.inf]), 0.0), r"`mu_q`"),
    Bad("probability", "sample_normal(seed=-1)", lambda: probability.sample_normal(0.0, 0.0, 3, seed=-1), r"`seed`"),
    Bad("probability", "sample_normal(num_samples=0)", lambda: probability.sample_normal(0.0, 0.0, 0),
        r"`num_samples`"),  # fmt: skip
    Bad("probability", "fit elbo learning_rate=1e6 (worst-10)", lambda: probability.LinearGaussian.fit(
        np.random.default_rng(0).normal(size=(64, 3)), 1, method="elbo", learning_rate=1e6, steps=20),
        r"diverged.*learning_rate", training.TrainingDiverged),  # fmt: skip
    Bad("probability", "fit elbo steps=0 (worst-10)", lambda: probability.LinearGaussian.fit(
        np.zeros((8, 3)), 1, method="elbo", steps=0), r"`steps`"),  # fmt: skip
    Bad("probability", "fit elbo seed=-1", lambda: probability.LinearGaussian.fit(
        np.zeros((8, 3)), 1, method="elbo", seed=-1), r"`seed`"),  # fmt: skip
    Bad("probability", "fit latent_dim=3 of 3", lambda: probability.LinearGaussian.fit(np.zeros((8, 3)), 3),
        r"`latent_dim`"),  # fmt: skip
    # --- losses ------------------------------------------------------------------------------------------------
    Bad("losses", "reconstruction without channel axis (worst-4)", lambda: losses.reconstruction_log_likelihood(
        digits()[:8, ..., 0], _logits()), r"`x` and `logits`.*channel axis"),  # fmt: skip
    Bad("losses", "reconstruction batch of one without batch axis (worst-4)",
        lambda: losses.reconstruction_log_likelihood(digits()[0], _logits()[:1]), r"`x` and `logits`"),
    Bad("losses", "reconstruction 0-255 (worst-5)", lambda: losses.reconstruction_log_likelihood(
        X255()[:8], _logits()), r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("losses", "reconstruction tensor 0-255", lambda: losses.reconstruction_log_likelihood(
        _tf(digits()[:8] * 255), _logits()), r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("losses", "reconstruction NaN logits", lambda: losses.reconstruction_log_likelihood(
        digits()[:8], np.full((8, 8, 8, 1), np.nan)), r"`logits`"),  # fmt: skip
    Bad("losses", "reconstruction obs_std=0", lambda: losses.reconstruction_log_likelihood(
        digits()[:8], _logits(), "gaussian", 0.0), r"`obs_std`"),  # fmt: skip
    Bad("losses", "reconstruction likelihood='normal'", lambda: losses.reconstruction_log_likelihood(
        digits()[:8], _logits(), "normal"), r"`likelihood`"),  # fmt: skip
    Bad("losses", "kl_per_latent shapes", lambda: losses.kl_per_latent(np.zeros((4, 2)), np.zeros((4, 3))),
        r"`mu` and `log_var`"),  # fmt: skip
    Bad("losses", "kl_per_latent 1-D", lambda: losses.kl_per_latent(np.zeros(2), np.zeros(2)), r"`mu`"),
    Bad("losses", "vae_loss_terms 0-255", lambda: losses.vae_loss_terms(
        X255()[:8], _logits(), np.zeros((8, 2)), np.zeros((8, 2))), r"`x`"),  # fmt: skip
    Bad("losses", "beta_vae_objective beta=-1", lambda: losses.beta_vae_objective(
        np.zeros(4), np.zeros((4, 2)), beta=-1.0), r"`beta`"),  # fmt: skip
    Bad("losses", "beta_vae_objective swapped", lambda: losses.beta_vae_objective(np.zeros((4, 2)), np.zeros(4)),
        r"`reconstruction`|`kl_dims`"),  # fmt: skip
    Bad("losses", "gan_discriminator_loss NaN", lambda: losses.gan_discriminator_loss(np.array([np.nan]),
        np.zeros(1)), r"`real_logits`"),  # fmt: skip
    Bad("losses", "gan_discriminator_loss smoothing='a'", lambda: losses.gan_discriminator_loss(
        np.zeros(2), np.zeros(2), label_smoothing="a"), r"`label_smoothing`"),  # fmt: skip
    Bad("losses", "gan_generator_loss loss='wgan'", lambda: losses.gan_generator_loss(np.zeros(2), "wgan"),
        r"`loss`"),  # fmt: skip
    Bad("losses", "gan_generator_loss 'abc'", lambda: losses.gan_generator_loss("abc"), r"`fake_logits`", TypeError),
    Bad("losses", "interpolate shapes", lambda: losses.interpolate(np.zeros((4, 2)), np.zeros((4, 3)), np.zeros(4)),
        r"`real` and `fake`"),  # fmt: skip
    Bad("losses", "interpolate epsilon=2", lambda: losses.interpolate(np.zeros((4, 2)), np.zeros((4, 2)),
        np.full(4, 2.0)), r"`epsilon`"),  # fmt: skip
    Bad("losses", "gradient_penalty 1-D", lambda: losses.gradient_penalty_from_gradients(np.zeros(3)),
        r"`gradients`"),  # fmt: skip
    Bad("losses", "discretized_logistic 0-255", lambda: losses.discretized_logistic_log_likelihood(
        X255()[:8], digits()[:8], -3.0), r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("losses", "discretized_logistic shapes", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8, ..., 0], digits()[:8], -3.0), r"`x` and `mean`"),  # fmt: skip
    Bad("losses", "discretized_logistic levels=1", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8], digits()[:8], -3.0, levels=1), r"`levels`"),  # fmt: skip
    Bad("losses", "discretized_logistic NaN log_scale", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8], digits()[:8], np.nan), r"`log_scale`"),  # fmt: skip
    Bad("losses", "discretized_logistic log_scale=None", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8], digits()[:8], None), r"`log_scale`", TypeError),  # fmt: skip
    Bad("losses", "discretized_logistic log_scale (3,)", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8], digits()[:8], np.zeros(3)), r"`log_scale`"),  # fmt: skip
    Bad("losses", "discretized_logistic mean = logits", lambda: losses.discretized_logistic_log_likelihood(
        digits()[:8], np.full((8, 8, 8, 1), -6.0), -3.0), r"`mean`.*sigmoid"),  # fmt: skip
    # --- models ------------------------------------------------------------------------------------------------
    Bad("models", "VAE(latent_dim=0)", lambda: models.VAE(image_shape=(8, 8, 1), latent_dim=0), r"`latent_dim`"),
    Bad("models", "VAE(latent_dim=2.0)", lambda: models.VAE(image_shape=(8, 8, 1), latent_dim=2.0), r"`latent_dim`"),
    Bad("models", "VAE(beta=-1)", lambda: models.VAE(image_shape=(8, 8, 1), beta=-1.0), r"`beta`"),
    Bad("models", "VAE(beta='1')", lambda: models.VAE(image_shape=(8, 8, 1), beta="1"), r"`beta`"),
    Bad("models", "VAE(obs_std=0)", lambda: models.VAE(image_shape=(8, 8, 1), obs_std=0), r"`obs_std`"),
    Bad("models", "VAE(seed=-1) (pattern)", lambda: models.VAE(image_shape=(8, 8, 1), seed=-1), r"`seed`"),
    Bad("models", "VAE(image_shape=28)", lambda: models.VAE(image_shape=28), r"`image_shape`"),
    Bad("models", "VAE(image_shape='28x28')", lambda: models.VAE(image_shape="28x28"), r"`image_shape`"),
    Bad("models", "VAE(likelihood='mse')", lambda: models.VAE(image_shape=(8, 8, 1), likelihood="mse"),
        r"`likelihood`"),  # fmt: skip
    Bad("models", "build_encoder(hidden_units=256) (pattern)", lambda: models.build_encoder((8, 8, 1), 2,
        hidden_units=256), r"`hidden_units`.*\(256,\)", TypeError),  # fmt: skip
    Bad("models", "build_decoder(hidden_units=(0,))", lambda: models.build_decoder((8, 8, 1), 2, hidden_units=(0,)),
        r"`hidden_units`"),  # fmt: skip
    Bad("models", "vae.fit(tensor 0-255) (worst-3)", lambda: vae().fit(_tf(digits() * 255), epochs=1, verbose=0),
        r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("models", "vae.fit(uint8)", lambda: vae().fit(X255(), epochs=1, verbose=0), r"`x`.*\[0, 1\]"),
    Bad("models", "vae.fit(no channel axis)", lambda: vae().fit(digits()[..., 0], epochs=1, verbose=0),
        r"`x`.*channel axis"),  # fmt: skip
    Bad("models", "vae.fit(NaN)", lambda: vae().fit(np.full((4, 8, 8, 1), np.nan), epochs=1, verbose=0),
        r"`x`.*NaN"),  # fmt: skip
    Bad("models", "vae.fit('abc')", lambda: vae().fit("abc", verbose=0), r"`x`", TypeError),
    Bad("models", "vae.fit(batch_size=0) (pattern)", lambda: vae().fit(digits(), batch_size=0, verbose=0),
        r"`batch_size`"),  # fmt: skip
    Bad("models", "vae.fit(epochs=-1)", lambda: vae().fit(digits(), epochs=-1, verbose=0), r"`epochs`"),
    Bad("models", "vae.fit(x, y)", lambda: vae().fit(digits(), digits(), verbose=0), r"without targets `y`"),
    Bad("models", "vae.encode(wrong size)", lambda: vae().encode(np.zeros((2, 28, 28, 1))), r"`x`"),
    Bad("models", "vae.encode(batch_size=0)", lambda: vae().encode(digits(), batch_size=0), r"`batch_size`"),
    Bad("models", "vae.decode(z 1-D)", lambda: vae().decode(np.zeros(2)), r"`z`.*batch axis"),
    Bad("models", "vae.decode(z NaN)", lambda: vae().decode(np.full((1, 2), np.nan)), r"`z`"),
    Bad("models", "vae.sample(0)", lambda: vae().sample(0), r"`num_samples`"),
    Bad("models", "vae.sample(seed=-1) (pattern)", lambda: vae().sample(3, seed=-1), r"`seed`"),
    Bad("models", "vae.beta = -1", lambda: setattr(vae(), "beta", -1.0), r"`beta`"),
    Bad("models", "GAN(data_shape=2) (pattern)", lambda: models.GAN(data_shape=2), r"`data_shape`.*\(2,\)",
        TypeError),  # fmt: skip
    Bad("models", "GAN(data_shape=(2, 2))", lambda: models.GAN(data_shape=(2, 2)), r"`data_shape`"),
    Bad("models", "GAN(seed=-1) (pattern)", lambda: models.GAN(seed=-1), r"`seed`"),
    Bad("models", "GAN(latent_dim=0)", lambda: models.GAN(latent_dim=0), r"`latent_dim`"),
    Bad("models", "GAN(num_classes=1)", lambda: models.GAN(num_classes=1), r"`num_classes`"),
    Bad("models", "GAN(label_smoothing=0.7)", lambda: models.GAN(label_smoothing=0.7), r"`label_smoothing`"),
    Bad("models", "GAN(gp_weight='10')", lambda: models.GAN(gp_weight="10"), r"`gp_weight`"),
    Bad("models", "GAN(hidden_units=(128,))", lambda: models.GAN(hidden_units=(128,)), r"`hidden_units`"),
    Bad("models", "GAN(data_scale=0)", lambda: models.GAN(data_scale=0), r"`data_scale`"),
    Bad("models", "gan.compile(loss='wgan')", lambda: models.GAN(hidden_units=8, num_hidden=1).compile(loss="wgan"),
        r"`loss`"),  # fmt: skip
    Bad("models", "cgan.generate(labels=7) (worst-7)", lambda: cgan().generate(5, labels=7), r"`labels`.*\[0, 4\]"),
    Bad("models", "cgan.generate(labels=-1) (worst-7)", lambda: cgan().generate(5, labels=-1), r"`labels`"),
    Bad("models", "cgan.generate(labels=1.5)", lambda: cgan().generate(5, labels=1.5), r"`labels`"),
    Bad("models", "cgan.generate(labels=None)", lambda: cgan().generate(5), r"`labels`"),
    Bad("models", "cgan.generate(labels of 3 for 5)", lambda: cgan().generate(5, labels=[0, 1, 2]), r"`labels`"),
    Bad("models", "gan.generate(0)", lambda: gan2d().generate(0), r"`num_samples`"),
    Bad("models", "gan.generate(z wrong)", lambda: gan2d().generate(z=np.zeros((3, 2))), r"`z`"),
    Bad("models", "gan.generate(labels) unconditional", lambda: gan2d().generate(3, labels=1),
        r"unconditional.*`labels`"),  # fmt: skip
    Bad("models", "gan.discriminate(x wrong)", lambda: gan2d().discriminate(np.zeros((3, 3))), r"`x`"),
    Bad("models", "gan.discriminate(NaN)", lambda: gan2d().discriminate(np.full((3, 2), np.nan)), r"`x`"),
    Bad("models", "gan.fit(wrong shape)", lambda: gan2d().fit(np.zeros((8, 3)), verbose=0), r"`x`"),
    Bad("models", "gan.fit(labels) unconditional", lambda: gan2d().fit(ring(), np.zeros(256), verbose=0),
        r"unconditional.*`labels`"),  # fmt: skip
    Bad("models", "cgan.fit(labels 100 for 256) (worst-7)", lambda: cgan().fit(ring(), np.zeros(100), verbose=0),
        r"`labels`.*\(256,\)"),  # fmt: skip
    Bad("models", "pack_samples(pack=0)", lambda: models.pack_samples(np.zeros((4, 2)), 0), r"`pack`"),
    Bad("models", "pack_samples(1-D)", lambda: models.pack_samples(np.zeros(4), 2), r"`x`"),
    Bad("models", "decision_surface(grid_size=0)", lambda: models.decision_surface(gan2d(), grid_size=0),
        r"`grid_size`"),  # fmt: skip
    Bad("models", "decision_surface(lim=-1)", lambda: models.decision_surface(gan2d(), lim=-1.0), r"`lim`"),
    Bad("models", "make_gan_2d(lr=0)", lambda: models.make_gan_2d(lr=0), r"`lr`"),
    Bad("models", "make_gan_2d(seed=-1)", lambda: models.make_gan_2d(seed=-1), r"`seed`"),
    # --- training ----------------------------------------------------------------------------------------------
    Bad("training", "fit_gan(labels 100 for 256) (worst-7)", lambda: training.fit_gan(cgan(), ring(), 1,
        batch_size=64, labels=np.zeros(100)), r"`labels`.*\(256,\)"),  # fmt: skip
    Bad("training", "fit_gan(labels=9 of 5)", lambda: training.fit_gan(cgan(), ring(), 1, batch_size=64,
        labels=np.full(256, 9)), r"`labels`"),  # fmt: skip
    Bad("training", "fit_gan(no labels, conditional)", lambda: training.fit_gan(cgan(), ring(), 1, batch_size=64),
        r"`labels`"),  # fmt: skip
    Bad("training", "fit_gan(seed=-1) (pattern)", lambda: training.fit_gan(gan2d(), ring(), 1, batch_size=64,
        seed=-1), r"`seed`"),  # fmt: skip
    Bad("training", "fit_gan(batch_size=0) (pattern)", lambda: training.fit_gan(gan2d(), ring(), 1, batch_size=0),
        r"`batch_size`"),  # fmt: skip
    Bad("training", "fit_gan(num_steps=0)", lambda: training.fit_gan(gan2d(), ring(), 0), r"`num_steps`"),
    Bad("training", "fit_gan(eval_every=0)", lambda: training.fit_gan(gan2d(), ring(), 1, batch_size=64,
        eval_every=0), r"`eval_every`"),  # fmt: skip
    Bad("training", "fit_gan(x wrong)", lambda: training.fit_gan(gan2d(), np.zeros((64, 3)), 1, batch_size=64),
        r"`x`"),  # fmt: skip
    Bad("training", "fit_gan(batch > n)", lambda: training.fit_gan(gan2d(), ring(), 1, batch_size=1024),
        r"batch_size"),  # fmt: skip
    Bad("training", "fit_gan(uncompiled)", lambda: training.fit_gan(models.GAN(hidden_units=8, num_hidden=1),
        ring(), 1), r"`gan`.*compile", TypeError),  # fmt: skip
    Bad("training", "fit_gan(lr=1e6) diverges", lambda: training.fit_gan(models.make_gan_2d(lr=1e6, seed=0), ring(),
        20, batch_size=64), r"diverged at generator step", training.TrainingDiverged),  # fmt: skip
    Bad("training", "train_for(seed=-1) (pattern)", lambda: training.train_for(vae(), digits(), steps=1,
        batch_size=8, seed=-1), r"`seed`"),  # fmt: skip
    Bad("training", "train_for(uint8 images)", lambda: training.train_for(vae(), X255(), steps=1, batch_size=8),
        r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("training", "train_for(both budgets)", lambda: training.train_for(vae(), digits(), seconds=1.0, steps=1),
        r"`seconds`.*`steps`"),  # fmt: skip
    Bad("training", "train_for(steps=0)", lambda: training.train_for(vae(), digits(), steps=0), r"`steps`"),
    Bad("training", "train_for(batch_size=0) (pattern)", lambda: training.train_for(vae(), digits(), steps=1,
        batch_size=0), r"`batch_size`"),  # fmt: skip
    Bad("training", "train_for(uncompiled)", lambda: training.train_for(
        models.VAE(image_shape=(8, 8, 1)), digits(), steps=1, batch_size=8), r"`model`.*compile", TypeError),
    Bad("training", "NaNGuard(step_offset=-1)", lambda: training.NaNGuard(step_offset=-1), r"`step_offset`"),
    Bad("training", "NaNGuard(raise_error='no')", lambda: training.NaNGuard(raise_error="no"), r"`raise_error`",
        TypeError),  # fmt: skip
    Bad("training", "AtomicCheckpoint(every=0)", lambda: training.AtomicCheckpoint("m.keras", every=0), r"`every`"),
    Bad("training", "AtomicCheckpoint('m.h5')", lambda: training.AtomicCheckpoint("m.h5"), r"`path`"),
    Bad("training", "save_atomic(path=3)", lambda: training.save_atomic(vae(), 3), r"`path`", TypeError),
    Bad("training", "KLWarmup(0)", lambda: training.KLWarmup(0), r"`warmup_epochs`"),
    Bad("training", "KLWarmup(target_beta=-1)", lambda: training.KLWarmup(2, target_beta=-1.0), r"`target_beta`"),
    Bad("training", "LiveProgress(update_every=0)", lambda: training.LiveProgress(update_every=0), r"`update_every`"),
    # --- metrics -----------------------------------------------------------------------------------------------
    Bad("metrics", "iwae batch_size=-1 (worst-1)", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=10,
        batch_size=-1), r"`batch_size`"),  # fmt: skip
    Bad("metrics", "iwae k=10**8 (worst-8)", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=10**8),
        r"`k`.*too large"),  # fmt: skip
    Bad("metrics", "iwae k=0", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=0), r"`k`"),
    Bad("metrics", "iwae seed=-1 (pattern)", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=2, seed=-1),
        r"`seed`"),  # fmt: skip
    Bad("metrics", "iwae 0-255", lambda: metrics.iwae_log_likelihood(vae(), X255()[:4], k=2), r"`x`"),
    Bad("metrics", "evaluate_elbo seed=-1 (pattern)", lambda: metrics.evaluate_elbo(vae(), digits(), seed=-1),
        r"`seed`"),  # fmt: skip
    Bad("metrics", "evaluate_elbo batch_size=0 (pattern)", lambda: metrics.evaluate_elbo(vae(), digits(),
        batch_size=0), r"`batch_size`"),  # fmt: skip
    Bad("metrics", "evaluate_elbo(gan)", lambda: metrics.evaluate_elbo(gan2d(), digits()), r"`model`", TypeError),
    Bad("metrics", "draw_samples seed=-1 (pattern)", lambda: metrics.draw_samples(vae(), 3, seed=-1), r"`seed`"),
    Bad("metrics", "draw_samples num_samples=0", lambda: metrics.draw_samples(vae(), 0), r"`num_samples`"),
    Bad("metrics", "sample_seconds seed=-1", lambda: metrics.sample_seconds(vae(), 2, seed=-1), r"`seed`"),
    Bad("metrics", "digit_frechet_distance uint8 (worst-6)", lambda: metrics.digit_frechet_distance(
        (data.load("glyphs", num_train=16, num_test=16).x_test * 255).astype("uint8"),
        data.load("glyphs", num_train=16, num_test=16).x_test), r"`images_a`.*\[0, 1\]"),  # fmt: skip
    Bad("metrics", "classify_digits uint8 (worst-6)", lambda: metrics.classify_digits(
        (data.load("glyphs", num_train=16, num_test=16).x_test * 255).astype("uint8")), r"`images`.*\[0, 1\]"),
    Bad("metrics", "evaluate_samples 0-255 (worst-6)", lambda: metrics.evaluate_samples(
        data.load("glyphs", num_train=16, num_test=16).x_test * 255,
        metrics.Reference(np.zeros((1, 28, 28, 1), "float32"), None, None, None)), r"`samples`.*\[0, 1\]"),
    Bad("metrics", "perceptual_features 0-255", lambda: metrics.perceptual_features(digits() * 255),
        r"`images`.*\[0, 1\]"),  # fmt: skip
    Bad("metrics", "mode_coverage std=0", lambda: metrics.mode_coverage(ring(), ring()[:8], std=0), r"`std`"),
    Bad("metrics", "mode_coverage threshold=-1", lambda: metrics.mode_coverage(ring(), ring()[:8], 0.01, -1),
        r"`threshold`"),  # fmt: skip
    Bad("metrics", "mode_coverage NaN samples", lambda: metrics.mode_coverage(np.full((3, 2), np.nan), ring(), 0.01),
        r"`samples`"),  # fmt: skip
    Bad("metrics", "frechet_distance dims", lambda: metrics.frechet_distance(np.zeros((5, 2)), np.zeros((5, 3))),
        r"`features_a` and `features_b`"),  # fmt: skip
    Bad("metrics", "precision_recall k=0", lambda: metrics.precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), 0),
        r"`k`"),  # fmt: skip
    Bad("metrics", "blur 0-255", lambda: metrics.blur(digits() * 255, 1.0), r"`images`.*\[0, 1\]"),
    Bad("metrics", "add_noise sigma=0", lambda: metrics.add_noise(digits(), 0.0), r"`sigma`"),
    Bad("metrics", "grey_fraction 0-255", lambda: metrics.grey_fraction(X255()), r"`images`.*\[0, 1\]"),
    Bad("metrics", "grey_fraction no channel axis", lambda: metrics.grey_fraction(digits()[..., 0]), r"`images`"),
    Bad("metrics", "grey_fraction band=(0.9, 0.1)", lambda: metrics.grey_fraction(digits(), band=(0.9, 0.1)),
        r"`band`"),  # fmt: skip
    Bad("metrics", "bits_per_dim of -log p (positive)", lambda: metrics.bits_per_dim(np.array([300.0, 310.0]),
        (8, 8, 1)), r"`log_likelihood`.*<= 0"),  # fmt: skip
    Bad("metrics", "bits_per_dim('abc')", lambda: metrics.bits_per_dim("abc", (8, 8, 1)), r"`log_likelihood`",
        TypeError),  # fmt: skip
    Bad("metrics", "bits_per_dim(image_shape=784)", lambda: metrics.bits_per_dim(-300.0, 784), r"`image_shape`.*\(784,\)",
        TypeError),  # fmt: skip
    Bad("metrics", "iwae k=2.5", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=2.5), r"`k`"),
    Bad("metrics", "iwae max_rows=0", lambda: metrics.iwae_log_likelihood(vae(), digits()[:4], k=2, max_rows=0),
        r"`max_rows`"),  # fmt: skip
    Bad("metrics", "iwae(gan)", lambda: metrics.iwae_log_likelihood(gan2d(), ring()[:4], k=2), r"`model`", TypeError),
    Bad("metrics", "mutual_information_gap(NaN)", lambda: metrics.mutual_information_gap(
        np.full((50, 2), np.nan), np.zeros((50, 1))), r"`latents`.*NaN"),  # fmt: skip
    Bad("metrics", "mutual_information_gap(num_bins=1)", lambda: metrics.mutual_information_gap(
        np.random.default_rng(0).normal(size=(50, 2)), np.arange(50)[:, None] % 3, num_bins=1), r"`num_bins`"),
    Bad("metrics", "mutual_information_gap(encode tuple)", lambda: metrics.mutual_information_gap(
        (np.zeros((50, 2)), np.zeros((50, 2))), np.zeros((50, 1))), r"`latents`"),  # fmt: skip
    Bad("metrics", "mutual_information_gap(lengths)", lambda: metrics.mutual_information_gap(
        np.zeros((50, 2)), np.zeros((40, 1))), r"`latents`.*`factors`"),  # fmt: skip
    Bad("metrics", "mutual_information_gap(factors 1-D)", lambda: metrics.mutual_information_gap(
        np.zeros((50, 2)), np.zeros(50)), r"`factors`"),  # fmt: skip
    Bad("metrics", "discriminator_saliency(vae)", lambda: metrics.discriminator_saliency(vae(), digits()[:2]),
        r"`gan`", TypeError),  # fmt: skip
    Bad("metrics", "discriminator_saliency 0-255", lambda: metrics.discriminator_saliency(image_gan(), X255()[:2]),
        r"`x`.*\[0, 1\]"),  # fmt: skip
    Bad("metrics", "discriminator_saliency no channel axis", lambda: metrics.discriminator_saliency(
        image_gan(), digits()[:2, ..., 0]), r"`x`"),  # fmt: skip
    Bad("metrics", "precision_recall k=1.5", lambda: metrics.precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), 1.5),
        r"`k`"),  # fmt: skip
    Bad("metrics", "precision_recall k >= n", lambda: metrics.precision_recall(np.zeros((3, 2)), np.zeros((5, 2)), 3),
        r"`k`"),  # fmt: skip
    Bad("metrics", "precision_recall dims", lambda: metrics.precision_recall(np.zeros((5, 2)), np.zeros((5, 3))),
        r"`real_features` and `fake_features`"),  # fmt: skip
    Bad("metrics", "precision_recall images", lambda: metrics.precision_recall(digits()[:5], digits()[:5]),
        r"`real_features`.*reshape"),  # fmt: skip
    Bad("metrics", "frechet_distance one sample", lambda: metrics.frechet_distance(np.zeros((1, 2)), np.zeros((5, 2))),
        r"`features_a`"),  # fmt: skip
    Bad("metrics", "frechet_distance NaN", lambda: metrics.frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2))),
        r"`features_a`"),  # fmt: skip
    Bad("metrics", "frechet_distance 1-D", lambda: metrics.frechet_distance(np.zeros(5), np.zeros(5)),
        r"`features_a`"),  # fmt: skip
    Bad("metrics", "frechet_distance 'abc'", lambda: metrics.frechet_distance("abc", np.zeros((5, 2))),
        r"`features_a`", TypeError),  # fmt: skip
    # --- exercises ---------------------------------------------------------------------------------------------
    Bad("exercises", "check returns 'abc' (worst-9)", lambda: _feedback("gaussian_kl", lambda **k: "abc"),
        r"not numbers.*str", AssertionError),  # fmt: skip
    Bad("exercises", "check returns dict (worst-9)", lambda: _feedback("gaussian_kl", lambda **k: {"a": 1}),
        r"not numbers.*dict", AssertionError),  # fmt: skip
    Bad("exercises", "check returns generator (worst-9)", lambda: _feedback("gaussian_kl",
        lambda **k: (i for i in range(3))), r"not numbers.*generator", AssertionError),  # fmt: skip
    Bad("exercises", "check returns complex (worst-9)", lambda: _feedback("gaussian_kl",
        lambda **k: np.ones(3) * 1j), r"complex", AssertionError),  # fmt: skip
    Bad("exercises", "check(name, 3.0)", lambda: exercises.check("gaussian_kl", 3.0), r"`answer_fn`", TypeError),
    Bad("exercises", "check(unknown name)", lambda: exercises.check("gausian_kl", lambda **k: 0.0), r"gausian_kl"),
    # --- plots -------------------------------------------------------------------------------------------------
    Bad("plots", "image_grid(ncols=0)", lambda: plots.image_grid(digits()[:4], ncols=0), r"`ncols`"),
    # (issue 18 closing rows: every public function of plots, diagrams, style, widgets, experiments)
    Bad("plots", "image_grid(NaN)", lambda: plots.image_grid(np.full((2, 8, 8), np.nan)), r"`images`.*NaN"),
    Bad("plots", "image_grid(RGB)", lambda: plots.image_grid(np.zeros((2, 8, 8, 3))), r"`images`"),
    Bad("plots", "image_grid(one image)", lambda: plots.image_grid(digits()[0, ..., 0]), r"`images`.*image\[None\]"),
    Bad("plots", "image_grid([])", lambda: plots.image_grid([]), r"`images`"),
    Bad("plots", "image_grid('abc')", lambda: plots.image_grid("abc"), r"`images`", TypeError),
    Bad("plots", "image_grid(pad=-1)", lambda: plots.image_grid(digits()[:4], pad=-1), r"`pad`"),
    Bad("plots", "show_images(ax, 0-255)", lambda: plots.show_images(_ax(), X255()[:4]), r"`images`.*\[0, 1\]"),
    Bad("plots", "show_images(None, x)", lambda: plots.show_images(None, digits()[:4]), r"`ax`", TypeError),
    Bad("plots", "show_images(x, ax) swapped", lambda: plots.show_images(digits()[:4], _ax()), r"`ax`", TypeError),
    Bad("plots", "show_images(axes array)", lambda: plots.show_images(np.array([_ax(), _ax()]), digits()[:4]),
        r"`ax`.*axes\[0\]", TypeError),  # fmt: skip
    Bad("plots", "show_images(figure)", lambda: plots.show_images(_ax().figure, digits()[:4]), r"`ax`.*Figure",
        TypeError),  # fmt: skip
    Bad("plots", "show_images(ncols=0)", lambda: plots.show_images(_ax(), digits()[:4], ncols=0), r"`ncols`"),
    Bad("plots", "show_images(titles of 3 for 4)", lambda: plots.show_images(_ax(), digits()[:4], titles=[1, 2, 3]),
        r"`titles`"),  # fmt: skip
    Bad("plots", "show_images(titles='0123')", lambda: plots.show_images(_ax(), digits()[:4], titles="0123"),
        r"`titles`", TypeError),  # fmt: skip
    Bad("plots", "show_images(empty)", lambda: plots.show_images(_ax(), digits()[:0]), r"`images`"),
    Bad("plots", "show_latent_grid(not square)", lambda: plots.show_latent_grid(_ax(), digits()[:5]), r"`images`"),
    Bad("plots", "show_latent_grid(span=0)", lambda: plots.show_latent_grid(_ax(), digits()[:4], span=0), r"`span`"),
    Bad("plots", "latent_grid_z(span='2')", lambda: plots.latent_grid_z(3, span="2"), r"`span`"),
    Bad("plots", "latent_grid_z(n=10**6)", lambda: plots.latent_grid_z(10**6), r"`n`.*too large"),
    Bad("plots", "latent_grid_z(dims=(0, 2)) of 2", lambda: plots.latent_grid_z(3, dims=(0, 2)), r"`dims`"),
    Bad("plots", "traversal_z(mu[:1])", lambda: plots.traversal_z(np.zeros((1, 2)), [0.0, 1.0]), r"`z0`"),
    Bad("plots", "traversal_z(NaN)", lambda: plots.traversal_z(np.array([np.nan, 0.0]), [0.0, 1.0]), r"`z0`"),
    Bad("plots", "interpolation_z(num_steps=1)", lambda: plots.interpolation_z(np.zeros(2), np.ones(2), 1),
        r"`num_steps`"),  # fmt: skip
    Bad("plots", "interpolation_z(num_steps=10**10)", lambda: plots.interpolation_z(np.zeros(2), np.ones(2), 10**10),
        r"`num_steps`.*too large"),  # fmt: skip
    Bad("plots", "plot_latent_scatter(z of 3)", lambda: plots.plot_latent_scatter(_ax(), np.zeros((5, 3))), r"`z`"),
    Bad("plots", "plot_latent_scatter(labels 3 for 5)", lambda: plots.plot_latent_scatter(
        _ax(), np.zeros((5, 2)), labels=[0, 1, 2]), r"`labels`"),  # fmt: skip
    Bad("plots", "plot_latent_scatter(max_points=0)", lambda: plots.plot_latent_scatter(
        _ax(), np.zeros((5, 2)), max_points=0), r"`max_points`"),  # fmt: skip
    Bad("plots", "plot_rate_distortion(lengths)", lambda: plots.plot_rate_distortion(
        _ax(), [1.0, 2.0], [3.0, 4.0], [1.0, 2.0, 4.0]), r"`rate`, `distortion` and `betas`"),  # fmt: skip
    Bad("plots", "plot_kl_per_dimension(per image)", lambda: plots.plot_kl_per_dimension(_ax(), np.ones((5, 2))),
        r"`kl`.*mean\(axis=0\)"),  # fmt: skip
    Bad("plots", "plot_kl_per_dimension(empty)", lambda: plots.plot_kl_per_dimension(_ax(), []), r"`kl`"),
    Bad("plots", "plot_mutual_information(names)", lambda: plots.plot_mutual_information(
        _ax(), np.ones((2, 3)), np.ones(3), ["a", "b"]), r"`factor_names`"),  # fmt: skip
    Bad("plots", "plot_mutual_information(entropy 0)", lambda: plots.plot_mutual_information(
        _ax(), np.ones((2, 2)), np.zeros(2), ["a", "b"]), r"`entropy`"),  # fmt: skip
    Bad("plots", "plot_gan_2d(fake 1-D)", lambda: plots.plot_gan_2d(_ax(), ring(), np.zeros(5)), r"`fake`"),
    Bad("plots", "plot_gan_2d(lim=0)", lambda: plots.plot_gan_2d(_ax(), ring(), ring(), lim=0), r"`lim`"),
    Bad("plots", "plot_history(keys='d_loss')", lambda: plots.plot_history(
        _ax(), {"step": [1, 2], "d_loss": [0.5, 0.4]}, "d_loss"), r"`keys`.*\['d_loss'\]", TypeError),  # fmt: skip
    Bad("plots", "plot_history(Keras History)", lambda: plots.plot_history(
        _ax(), keras.callbacks.History(), ["loss"]), r"`history`.*\.history", TypeError),  # fmt: skip
    Bad("plots", "plot_history(lengths)", lambda: plots.plot_history(
        _ax(), {"step": [1, 2], "d_loss": [0.5]}, ["d_loss"]), r"`history`.*'d_loss'"),  # fmt: skip
    Bad("plots", "plot_density_curves(list)", lambda: plots.plot_density_curves(_ax(), GRID, [LOG_P]), r"`curves`",
        TypeError),  # fmt: skip
    Bad("plots", "plot_density_curves({})", lambda: plots.plot_density_curves(_ax(), GRID, {}), r"`curves`"),
    Bad("plots", "plot_estimates(lengths)", lambda: plots.plot_estimates(_ax(), [10, 100], [1.0], [0.1, 0.1]),
        r"`sizes`, `estimates` and `standard_errors`"),  # fmt: skip
    Bad("plots", "plot_estimates(empty)", lambda: plots.plot_estimates(_ax(), [], [], []), r"`sizes`"),
    Bad("plots", "plot_elbo_gap(swapped)", lambda: plots.plot_elbo_gap(_ax(), -10.0, -5.0), r"`elbo`"),
    Bad("plots", "plot_elbo_gap(NaN)", lambda: plots.plot_elbo_gap(_ax(), np.nan, -5.0), r"`log_evidence`"),
    Bad("plots", "plot_elbo_gap(per image)", lambda: plots.plot_elbo_gap(_ax(), np.zeros(3) - 1, np.zeros(3) - 2),
        r"`log_evidence`.*mean\(\)", TypeError),  # fmt: skip
    Bad("plots", "show_saliency(0-255)", lambda: plots.show_saliency(_ax(), X255()[:2], digits()[:2]),
        r"`images`.*\[0, 1\]"),  # fmt: skip
    Bad("plots", "show_saliency(shapes)", lambda: plots.show_saliency(_ax(), digits()[:2], digits()[:3]),
        r"`images` and `saliency`"),  # fmt: skip
    Bad("plots", "interval_bars(list)", lambda: plots.interval_bars([_interval(1.0)], ax=_ax()), r"`intervals`",
        TypeError),  # fmt: skip
    Bad("plots", "interval_bars(floats)", lambda: plots.interval_bars({"a": 1.0}, ax=_ax()), r"`intervals`",
        TypeError),  # fmt: skip
    Bad("plots", "interval_bars(better='smaller')", lambda: plots.interval_bars({"a": _interval(1.0)}, ax=_ax(),
        better="smaller"), r"`better`"),  # fmt: skip
    Bad("plots", "interval_curves(lengths)", lambda: plots.interval_curves([1, 2], {"a": [_interval(1.0)]}, ax=_ax()),
        r"`x`"),  # fmt: skip
    Bad("plots", "interval_curves(list)", lambda: plots.interval_curves([1], [[_interval(1.0)]], ax=_ax()),
        r"`curves`", TypeError),  # fmt: skip
    # --- diagrams (each draws its own figure: an Axes passed in is Python's own clear TypeError) -------------
    Bad("diagrams", "vae_architecture(ax)", lambda: diagrams.vae_architecture(_ax()),
        r"vae_architecture\(\) takes 0 positional arguments", TypeError),  # fmt: skip
    Bad("diagrams", "gan_players(ax=ax)", lambda: diagrams.gan_players(ax=_ax()), r"unexpected keyword argument 'ax'",
        TypeError),  # fmt: skip
    # --- style ---------------------------------------------------------------------------------------------------
    Bad("style", "class_colormap(11)", lambda: style.class_colormap(11), r"`num_classes`"),
    Bad("style", "class_colormap(3.0)", lambda: style.class_colormap(3.0), r"`num_classes`"),
    Bad("style", "colorbar(ax, None)", lambda: style.colorbar(_ax(), None), r"`mappable`", TypeError),
    Bad("style", "colorbar(None, image)", lambda: style.colorbar(None, _ax().imshow(np.zeros((2, 2)))), r"`ax`",
        TypeError),  # fmt: skip
    Bad("style", "fit_image_scale(scale=0)", lambda: style.fit_image_scale(_ax(), (28, 28), 0), r"`scale`"),
    Bad("style", "fit_image_scale(grid (0, 28))", lambda: style.fit_image_scale(_ax(), (0, 28), 2.0), r"`grid_shape`"),
    Bad("style", "image_scale(grid (28,))", lambda: style.image_scale(_ax(), (28,)), r"`grid_shape`"),
    Bad("style", "number('abc')", lambda: style.number("abc"), r"`value`", TypeError),
    Bad("style", "label_band(scale=0)", lambda: style.label_band(0), r"`scale`"),
    Bad("style", "text_width_px(fontsize=-12)", lambda: style.text_width_px("a", fontsize=-12), r"`fontsize`"),
    # --- widgets (constructors: models of the wrong kind, bad sizes and steps) ---------------------------------
    Bad("widgets", "LatentExplorer(gan)", lambda: widgets.LatentExplorer(gan2d()), r"`model`.*VAE", TypeError),
    Bad("widgets", "LatentExplorer(span='3')", lambda: widgets.LatentExplorer(vae(), span="3"), r"`span`"),
    Bad("widgets", "LatentExplorer(max_sliders=0)", lambda: widgets.LatentExplorer(vae(), max_sliders=0),
        r"`max_sliders`"),  # fmt: skip
    Bad("widgets", "LatentExplorer(max_sliders=2.5)", lambda: widgets.LatentExplorer(vae(), max_sliders=2.5),
        r"`max_sliders`"),  # fmt: skip
    Bad("widgets", "LatentExplorer(x without channel axis)", lambda: widgets.LatentExplorer(vae(), x=digits()[..., 0]),
        r"`x`.*channel axis"),  # fmt: skip
    Bad("widgets", "LatentExplorer(labels 5 for 64)", lambda: widgets.LatentExplorer(vae(), x=digits(),
        labels=np.zeros(5)), r"`labels`"),  # fmt: skip
    Bad("widgets", "TraversalExplorer(gan)", lambda: widgets.TraversalExplorer(gan2d(), ring()), r"`model`.*VAE",
        TypeError),  # fmt: skip
    Bad("widgets", "TraversalExplorer(one image)", lambda: widgets.TraversalExplorer(vae(), digits()[0]),
        r"`x`.*batch axis"),  # fmt: skip
    Bad("widgets", "TraversalExplorer(span=0)", lambda: widgets.TraversalExplorer(vae(), digits(), span=0), r"`span`"),
    Bad("widgets", "GANLab(dataset='ring')", lambda: widgets.GANLab(dataset="ring"), r"`dataset`"),
    Bad("widgets", "GANLab(loss='wgan')", lambda: widgets.GANLab(loss="wgan"), r"`loss`"),
    Bad("widgets", "GANLab(d_lr=1.0) beyond the slider", lambda: widgets.GANLab(d_lr=1.0), r"`d_lr`"),
    Bad("widgets", "GANLab(g_lr=0)", lambda: widgets.GANLab(g_lr=0.0), r"`g_lr`"),
    Bad("widgets", "GANLab(steps_per_frame=0)", lambda: widgets.GANLab(steps_per_frame=0), r"`steps_per_frame`"),
    Bad("widgets", "GANLab(steps_per_frame=1000)", lambda: widgets.GANLab(steps_per_frame=1000),
        r"`steps_per_frame`"),  # fmt: skip
    Bad("widgets", "GANLab(num_points=10)", lambda: widgets.GANLab(num_points=10), r"`num_points`"),
    Bad("widgets", "GANLab(num_points=2.5)", lambda: widgets.GANLab(num_points=2.5), r"`num_points`"),
    Bad("widgets", "GANLab(grid_size=1)", lambda: widgets.GANLab(grid_size=1), r"`grid_size`"),
    Bad("widgets", "GANLab(seed=1.5)", lambda: widgets.GANLab(seed=1.5), r"`seed`"),
    Bad("widgets", "GANLab(seed=-1)", lambda: widgets.GANLab(seed=-1), r"`seed`"),
    Bad("widgets", "KLExplorer(log_p shorter)", lambda: widgets.KLExplorer(GRID, LOG_P[:-1]), r"`log_p`"),
    Bad("widgets", "KLExplorer(grid descending)", lambda: widgets.KLExplorer(GRID[::-1], LOG_P), r"`grid`"),
    Bad("widgets", "KLExplorer(sigma=0)", lambda: widgets.KLExplorer(GRID, LOG_P, sigma=0.0), r"`sigma`"),
    Bad("widgets", "kl_explorer_values(sigma=-1)", lambda: widgets.kl_explorer_values(0.0, -1.0, LOG_P, GRID),
        r"`sigma`"),  # fmt: skip
    Bad("widgets", "ELBOExplorer(vae)", lambda: widgets.ELBOExplorer(vae(), np.zeros((1, 2))), r"`model`.*LinearGaussian",
        TypeError),  # fmt: skip
    Bad("widgets", "ELBOExplorer(x without batch axis)", lambda: widgets.ELBOExplorer(linear_gaussian(),
        np.zeros(2)), r"`x`"),  # fmt: skip
    # --- experiments -----------------------------------------------------------------------------------------
    Bad("experiments", "mean_interval([])", lambda: stats.mean_interval([]), r"`values`"),
    Bad("experiments", "mean_interval(table)", lambda: stats.mean_interval([[1.0, 2.0], [3.0, 4.0]]), r"`values`"),
    Bad("experiments", "mean_interval('abc')", lambda: stats.mean_interval("abc"), r"`values`", TypeError),
    Bad("experiments", "mean_interval(NaN)", lambda: stats.mean_interval([1.0, np.nan]), r"`values`.*nan_policy"),
    Bad("experiments", "mean_interval(confidence=95)", lambda: stats.mean_interval([1.0, 2.0], confidence=95),
        r"`confidence`"),  # fmt: skip
    Bad("experiments", "mean_interval(nan_policy='drop')", lambda: stats.mean_interval([1.0], nan_policy="drop"),
        r"`nan_policy`"),  # fmt: skip
    Bad("experiments", "paired_difference(lengths)", lambda: stats.paired_difference([1.0, 2.0], [1.0, 2.0, 3.0]),
        r"`a` and `b`"),  # fmt: skip
    Bad("experiments", "paired_difference(dict, list)", lambda: stats.paired_difference({0: 1.0}, [1.0]),
        r"`a` and `b`", TypeError),  # fmt: skip
    Bad("experiments", "paired_difference(other seeds)", lambda: stats.paired_difference({0: 1.0}, {1: 1.0}),
        r"`a` and `b`.*seeds"),  # fmt: skip
    Bad("experiments", "verdict(no claim)", lambda: stats.verdict([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]), r"`claim`"),
    Bad("experiments", "verdict(better='smaller')", lambda: stats.verdict("c", [1.0, 2.0], [3.0, 4.0],
        better="smaller"), r"`better`"),  # fmt: skip
    Bad("experiments", "verdict(paired='yes')", lambda: stats.verdict("c", [1.0, 2.0], [3.0, 4.0], paired="yes"),
        r"`paired`"),  # fmt: skip
    Bad("experiments", "verdict(margin=-1)", lambda: stats.verdict("c", [1.0, 2.0], [3.0, 4.0], margin=-1.0),
        r"`margin`"),  # fmt: skip
    Bad("experiments", "Result.values(unknown variant)", lambda: curves().values("vae", "frechet_distance"),
        r"'vae'.*`variant`.*variants"),  # fmt: skip
    Bad("experiments", "Result.interval(unknown metric)", lambda: curves().interval("VAE", "fid"),
        r"'fid'.*`metric`"),  # fmt: skip
    Bad("experiments", "Result.verdict(unknown metric)", lambda: curves().verdict("VAE", "fid"), r"'fid'.*`metric`"),
    Bad("experiments", "Result.verdict(unknown against)", lambda: curves().verdict("VAE", "frechet_distance",
        against="gan"), r"'gan'.*`against`"),  # fmt: skip
    Bad("experiments", "Result.table_markdown(metrics='frechet_distance')", lambda: curves().table_markdown(
        metrics="frechet_distance"), r"`metrics`.*\['frechet_distance'\]", TypeError),  # fmt: skip
    Bad("experiments", "Result.agreement(dict)", lambda: curves().agreement({"VAE": [1.0]}, "frechet_distance"),
        r"`live`", TypeError),  # fmt: skip
    Bad("experiments", "Result.checkpoints(unknown)", lambda: curves().checkpoints("fid"), r"'fid'.*`metric`"),
    Bad("experiments", "run('dule')", lambda: experiments.run("dule"), r"`name`.*'dule'.*Known protocols"),
    Bad("experiments", "run(seeds=-1) (pattern)", lambda: _run_toy(seeds=-1), r"`seeds`"),
    Bad("experiments", "run(seeds=0)", lambda: _run_toy(seeds=0), r"`seeds`"),
    Bad("experiments", "run(seeds=2.0)", lambda: _run_toy(seeds=2.0), r"`seeds`", TypeError),
    Bad("experiments", "run(seeds=[0, -1])", lambda: _run_toy(seeds=[0, -1]), r"`seeds`"),
    Bad("experiments", "run(seeds='01')", lambda: _run_toy(seeds="01"), r"`seeds`", TypeError),
    Bad("experiments", "run(quick='yes')", lambda: _run_toy(quick="yes"), r"`quick`", TypeError),
    Bad("experiments", "run(store='no')", lambda: _run_toy(store="no"), r"`store`", TypeError),
    Bad("experiments", "run(unknown override)", lambda: _run_toy(budjet={"seconds": 1}), r"Unknown configuration key"),
    Bad("experiments", "run(budget=20) for {'seconds': 20}", lambda: _run_toy(budget=20), r"`budget`.*dict",
        TypeError),  # fmt: skip
    Bad("experiments", "run(effect='2')", lambda: _run_toy(effect="2"), r"`effect`.*number", TypeError),
    Bad("experiments", "run(say='print')", lambda: _run_toy(say="print"), r"`say`", TypeError),
    Bad("experiments", "load('dule')", lambda: experiments.load("dule"), r"`name`.*'dule'"),
    Bad("experiments", "load(missing file)", lambda: experiments.load("tricks", tempfile.gettempdir() + "/no-such-folder"),
        r"No shipped results.*python -m vaegan_edu.experiments run tricks", FileNotFoundError),  # fmt: skip
    Bad("experiments", "load(the file, not its folder)", lambda: experiments.load(
        "tricks", experiments.experiments_dir() / "tricks.json"), r"`directory`.*folder"),  # fmt: skip
    Bad("experiments", "load(not JSON)", lambda: _load_text("{seeds: "), r"cannot be read", experiments.ResultsError),
    Bad("experiments", "load(seeds a list)", lambda: _load_text(json.dumps({"protocol": "tricks", "config": {},
        "config_hash": "", "seeds": [], "provenance": {}})), r"`seeds`", experiments.ResultsError),  # fmt: skip
    Bad("experiments", "load(a number)", lambda: _load_text("3"), r"not a results file", experiments.ResultsError),
    Bad("experiments", "checkpoint_steps(0)", lambda: duel_curves.checkpoint_steps(0), r"`limit`"),
    Bad("experiments", "checkpoint_steps(every=0)", lambda: duel_curves.checkpoint_steps(100, every=0), r"`every`"),
    Bad("experiments", "checkpoint_steps(first=2.5)", lambda: duel_curves.checkpoint_steps(100, first=2.5), r"`first`"),
    Bad("experiments", "checkpoint_steps(10**12, every=1)", lambda: duel_curves.checkpoint_steps(10**12, every=1),
        r"`limit`.*too large"),  # fmt: skip
    Bad("experiments", "values_at_budget(unknown variant)", lambda: duel_curves.values_at_budget(
        curves(), "vae", "frechet_distance", 60), r"'vae'.*`variant`"),  # fmt: skip
    Bad("experiments", "values_at_budget(seconds=0)", lambda: duel_curves.values_at_budget(
        curves(), "VAE", "frechet_distance", 0), r"`seconds`"),  # fmt: skip
    Bad("experiments", "values_at_budget(a payload)", lambda: duel_curves.values_at_budget(
        curves().payload, "VAE", "frechet_distance", 60), r"`result`.*Result", TypeError),  # fmt: skip
    Bad("experiments", "budget_verdicts(unknown metric)", lambda: duel_curves.budget_verdicts(curves(), "fid"),
        r"'fid'.*`metric`"),  # fmt: skip
    Bad("experiments", "budget_verdicts(budgets=60)", lambda: duel_curves.budget_verdicts(
        curves(), "frechet_distance", budgets=60), r"`budgets`.*\(60,\)", TypeError),  # fmt: skip
    Bad("experiments", "budget_verdicts(budgets=[0])", lambda: duel_curves.budget_verdicts(
        curves(), "frechet_distance", budgets=[0]), r"`budgets`"),  # fmt: skip
    Bad("experiments", "budget_intervals(budgets=60)", lambda: duel_curves.budget_intervals(
        curves(), "frechet_distance", budgets=60), r"`budgets`", TypeError),  # fmt: skip
    Bad("experiments", "guide_markdown(questions list)", lambda: duel_curves.guide_markdown(
        curves(), ["frechet_distance"]), r"`questions`.*dict", TypeError),  # fmt: skip
    # --- weights (a damaged private copy of the shipped folder; the pattern names the manifest field) -------------
    Bad("weights", "load_pretrained(['vae'])", lambda: weights.load_pretrained(["vae"]), r"`name`", TypeError),
    Bad("weights", "load_pretrained('vae_mnist')", lambda: weights.load_pretrained("vae_mnist"),
        r"'vae_mnist'.*Available", weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest file '../...'", lambda: _load_damaged(_edit_entry(file="../vae_glyphs_2d.keras")),
        r'"file": .*climbs out of the folder', weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest file absolute", lambda: _load_damaged(_edit_entry(file="/etc/hostname")),
        r'"file": .*absolute path', weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest not JSON", lambda: _load_damaged(_write_manifest("{files: ")), r"not valid JSON",
        weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest without files", lambda: _load_damaged(_write_manifest('{"weights": {}}')),
        r"without `files`", weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest bytes=-1", lambda: _load_damaged(_edit_entry(bytes=-1)), r"`bytes` must be",
        weights.WeightsError),  # fmt: skip
    Bad("weights", "manifest sha256 not hex", lambda: _load_damaged(_edit_entry(sha256="x" * 64)),
        r"`sha256` must be", weights.WeightsError),  # fmt: skip
    Bad("weights", "file one byte longer", lambda: _load_damaged(_append_byte),
        r"wrong size: expected \d+ bytes, found \d+", weights.WeightsError),  # fmt: skip
    Bad("weights", "consistent swap of one VAE for another", lambda: _load_damaged(_swap_in("betavae_sprites_beta8")),
        r"image_shape \[32, 32, 1\] where the manifest records \[28, 28, 1\]", weights.WeightsError),  # fmt: skip
]


# Issue 33: the second round of the reliability review (373 new calls): silent answers, hangs and huge allocations.
NAN3, COMPLEX3 = np.array([1.0, np.nan, 2.0]), np.array([1 + 1j, 2, 3])
BAD += [
    Bad("plots", "image_grid(one image, ncols=10**9) (issue 33)", lambda: plots.image_grid(digits()[:1], ncols=10**9),
        r"more than the 50,000,000 a figure can show.*ncols <= n"),  # fmt: skip
    Bad("plots", "plot_kl_per_dimension(10**6 latents) (issue 33)",
        lambda: plots.plot_kl_per_dimension(_ax(), np.ones(10**6)), r"`kl` has 1,000,000 latents"),  # fmt: skip
    Bad("plots", "plot_rate_distortion(NaN) (issue 33)", lambda: plots.plot_rate_distortion(_ax(), NAN3, [1, 2, 3.0],
        [1, 2, 3]), r"`rate` contains NaN"),  # fmt: skip
    Bad("plots", "plot_mutual_information(NaN) (issue 33)", lambda: plots.plot_mutual_information(
        _ax(), np.full((2, 2), np.nan), np.ones(2), ["a", "b"]), r"`mutual_info` contains NaN"),  # fmt: skip
    Bad("plots", "plot_mutual_information(empty) (issue 33)", lambda: plots.plot_mutual_information(
        _ax(), np.zeros((0, 0)), np.ones(0), []), r"`mutual_info` is empty"),  # fmt: skip
    Bad("plots", "plot_gan_2d(no points) (issue 33)", lambda: plots.plot_gan_2d(_ax(), np.zeros((0, 2)),
        np.zeros((0, 2))), r"`real` must be .* n >= 1"),  # fmt: skip
    Bad("plots", "plot_history(NaN) (issue 33)", lambda: plots.plot_history(_ax(), {"step": [1, 2], "d_loss":
        [np.nan, 1.0]}, ["d_loss"]), r"history\['d_loss'\]` contains NaN"),  # fmt: skip
    Bad("plots", "plot_history(no steps) (issue 33)", lambda: plots.plot_history(_ax(), {"step": [], "d_loss": []},
        ["d_loss"]), r"`history` has no steps"),  # fmt: skip
    Bad("plots", "plot_density_curves(NaN) (issue 33)", lambda: plots.plot_density_curves(_ax(), np.linspace(0, 1, 3),
        {"a": NAN3}), r"curves\['a'\]` contains NaN"),  # fmt: skip
    Bad("plots", "plot_density_curves(complex) (issue 33)", lambda: plots.plot_density_curves(
        _ax(), np.linspace(0, 1, 3), {"a": COMPLEX3}), r"curves\['a'\]` must hold real numbers", TypeError),  # fmt: skip
    Bad("plots", "plot_density_curves(empty grid) (issue 33)", lambda: plots.plot_density_curves(_ax(), [], {"a": []}),
        r"`grid` must be 1-D with at least 2 points"),  # fmt: skip
    Bad("plots", "plot_estimates(NaN) (issue 33)", lambda: plots.plot_estimates(_ax(), [1, 2, 3], NAN3, [1, 1, 1.0]),
        r"`estimates` contains NaN"),  # fmt: skip
    Bad("plots", "plot_latent_scatter(no points) (issue 33)", lambda: plots.plot_latent_scatter(_ax(), np.zeros((0, 2))),
        r"`z` must have shape \(n, 2\) with n >= 1"),  # fmt: skip
    Bad("data", "toy_2d('grid25', 10**10) (issue 33)", lambda: data.toy_2d("grid25", 10**10),
        r"`n`=10,000,000,000 points is more than"),  # fmt: skip
    Bad("widgets", "ELBOExplorer(q_mean=1e9) (issue 33)", lambda: widgets.ELBOExplorer(
        linear_gaussian(), np.zeros((1, 2)), q_mean=1e9),
        r"`q_mean`=1e\+09 is outside its slider's range"),  # fmt: skip
    Bad("widgets", "ELBOExplorer(q_log_std=5) (issue 33)", lambda: widgets.ELBOExplorer(
        linear_gaussian(), np.zeros((1, 2)), q_log_std=5.0), r"`q_log_std`=5 is outside its slider's range"),  # fmt: skip
    Bad("losses", "vae_loss_terms(4 images, KL over 3) (issue 33)", lambda: losses.vae_loss_terms(
        digits()[:4], np.zeros_like(digits()[:4]), np.zeros((3, 2), "float32"), np.zeros((3, 2), "float32")),
        r"`x` and `mu` must hold the same images"),  # fmt: skip
    Bad("losses", "vae_loss_terms(empty batch) (issue 33)", lambda: losses.vae_loss_terms(
        digits()[:0], digits()[:0], np.zeros((0, 2), "float32"), np.zeros((0, 2), "float32")), r"`x` is empty"),  # fmt: skip
    Bad("losses", "gan_discriminator_loss(empty) (issue 33)", lambda: losses.gan_discriminator_loss(
        np.zeros((0, 1)), np.zeros((0, 1))), r"`real_logits` is empty"),  # fmt: skip
    Bad("metrics", "active_units(threshold=-1) (issue 33)", lambda: metrics.active_units(vae(), digits(), threshold=-1),
        r"`threshold`"),  # fmt: skip
    Bad("metrics", "train_digit_classifier(epochs=0) (issue 33)", lambda: metrics.train_digit_classifier(epochs=0),
        r"`epochs`"),  # fmt: skip
    Bad("models", "pack_samples(5 samples, pack=10) (issue 33)", lambda: models.pack_samples(np.zeros((5, 2)), 10),
        r"`x` holds 5 example\(s\), fewer than `pack`=10"),  # fmt: skip
    Bad("training", "fit_gan(on_eval returns 5) (issue 33)", lambda: training.fit_gan(
        models.make_gan_2d(seed=0), ring(), 10, batch_size=64, eval_every=10, on_eval=lambda step: 5),
        r"`on_eval` must return a dict .* returned int 5", TypeError),  # fmt: skip
]
GOOD_ISSUE_33 = [
    Good("models", "fit(x, callbacks=NaNGuard()) (issue 33: a bare callback)", lambda: _fit_with_bare_callback(),
         lambda history: np.isfinite(history["loss"][-1])),  # fmt: skip
    Good("plots", "plot_time_to_target(NaN: a censored repeat) (issue 33)", lambda: plots.plot_time_to_target(
        {"a": [np.nan, 1.0]}, 10.0)),  # fmt: skip
]


def _fit_with_bare_callback():
    from vaegan_edu.callbacks import NaNGuard

    model = models.VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    model.compile("adam")
    return model.fit(digits(), epochs=1, batch_size=32, verbose=0, callbacks=NaNGuard()).history


def _feedback(name, answer_fn):
    """Run a checker; a failing Feedback becomes an AssertionError carrying its message (a clear 'error')."""
    feedback = exercises.check(name, answer_fn)
    if not feedback.passed:
        raise AssertionError(feedback.message)
    return feedback


GOOD = GOOD_ISSUE_33 + [
    Good("config", "settings(seed=np.int64(3))", lambda: config.settings(seed=np.int64(3), fast=True),
         lambda cfg: cfg.seed == 3 and type(cfg.seed) is int),  # fmt: skip
    Good("config", "settings(fast=np.bool_(True))", lambda: config.settings(fast=np.bool_(True)), lambda c: c.fast),
    Good("data", "digits8 x_train *= 255 (a copy)", lambda: _scale_digits(), lambda ok: ok),
    Good("data", "load(num_train=np.int64(10))", lambda: data.load("digits8", num_train=np.int64(10)),
         lambda ds: len(ds.x_train) == 10),  # fmt: skip
    Good("probability", "log_normal float32 log_var=-100", lambda: probability.log_normal(
        np.zeros((1, 2), "float32"), np.zeros((1, 2), "float32"), np.full((1, 2), -100.0, "float32")),
        lambda v: np.all(np.isfinite(keras.ops.convert_to_numpy(v)))),  # fmt: skip
    Good("probability", "log_normal of a list", lambda: probability.log_normal([0.0, 1.0]),
         lambda v: np.isfinite(float(v))),  # fmt: skip
    Good("losses", "reconstruction batch of one", lambda: losses.reconstruction_log_likelihood(
        digits()[:1], _logits()[:1]), lambda v: tuple(v.shape) == (1,)),  # fmt: skip
    Good("losses", "reconstruction of tensors", lambda: losses.reconstruction_log_likelihood(
        _tf(digits()[:8]), _tf(_logits())), lambda v: tuple(v.shape) == (8,)),  # fmt: skip
    Good("losses", "beta_vae_objective beta=np.float32(2)", lambda: losses.beta_vae_objective(
        np.zeros(4), np.ones((4, 2)), beta=np.float32(2.0)), lambda v: float(v) == 4.0),  # fmt: skip
    Good("models", "VAE(latent_dim=np.int64(2))", lambda: models.VAE(image_shape=(8, 8, 1), latent_dim=np.int64(2)),
         lambda m: m.latent_dim == 2),  # fmt: skip
    Good("models", "VAE(beta=np.float32(4.0))", lambda: models.VAE(image_shape=(8, 8, 1), beta=np.float32(4.0)),
         lambda m: m.beta == 4.0),  # fmt: skip
    Good("models", "VAE(image_shape=[8, 8, 1])", lambda: models.VAE(image_shape=[8, 8, 1]),
         lambda m: m.image_shape == (8, 8, 1)),  # fmt: skip
    Good("models", "vae.encode(list)", lambda: vae().encode(list(digits()[:3])), lambda r: r[0].shape == (3, 2)),
    Good("models", "vae.encode(batch of one)", lambda: vae().encode(digits()[:1]), lambda r: r[0].shape == (1, 2)),
    Good("models", "vae.sample(np.int64(3))", lambda: vae().sample(np.int64(3)), lambda x: x.shape == (3, 8, 8, 1)),
    Good("models", "GAN(data_shape=[2], latent_dim=np.int64(4))", lambda: models.GAN(
        data_shape=[2], latent_dim=np.int64(4), hidden_units=8, num_hidden=1), lambda g: g.data_shape == (2,)),
    Good("models", "cgan.generate(labels=np.int64(3))", lambda: cgan().generate(4, labels=np.int64(3)),
         lambda x: x.shape == (4, 2)),  # fmt: skip
    Good("models", "pack_samples(list)", lambda: models.pack_samples([[0.0, 1.0], [2.0, 3.0]], 2),
         lambda v: tuple(v.shape) == (1, 4)),  # fmt: skip
    Good("models", "gan.discriminate(list)", lambda: gan2d().discriminate([[0.0, 0.0]]), lambda v: v.shape == (1,)),
    Good("metrics", "mode_coverage(std=np.array(0.01))", lambda: metrics.mode_coverage(ring(), ring()[:8],
         std=np.array(0.01)), lambda r: r.num_modes == 8),  # fmt: skip
    Good("metrics", "iwae batch of one", lambda: metrics.iwae_log_likelihood(vae(), digits()[:1], k=np.int64(3)),
         lambda v: v.shape == (1,) and np.isfinite(v).all()),  # fmt: skip
    Good("metrics", "iwae batch_size=1", lambda: metrics.iwae_log_likelihood(vae(), digits()[:2], k=3, batch_size=1),
         lambda v: v.shape == (2,) and np.all(v < 0)),  # fmt: skip
    Good("weights", "load_pretrained(np.str_ name, str folder)", lambda: weights.load_pretrained(
         np.str_("vae_glyphs_2d"), str(weights.weights_dir())), lambda m: m.latent_dim == 2),  # fmt: skip
    Good("losses", "discretized_logistic per-pixel log_scale, batch of one", lambda: (
        losses.discretized_logistic_log_likelihood(digits()[:1], digits()[:1], np.full((8, 8, 1), -3.0, "float32"))),
        lambda v: tuple(v.shape) == (1,) and float(v[0]) < 0),  # fmt: skip
    Good("losses", "discretized_logistic tensors, np.float32 log_scale", lambda: (
        losses.discretized_logistic_log_likelihood(_tf(digits()[:8]), _tf(digits()[:8]), np.float32(-3.0))),
        lambda v: tuple(v.shape) == (8,)),  # fmt: skip
    Good("metrics", "grey_fraction(band=np.array)", lambda: metrics.grey_fraction(digits(), band=np.array([0.1, 0.9])),
         lambda g: 0.0 < g < 1.0),  # fmt: skip
    Good("metrics", "grey_fraction(list)", lambda: metrics.grey_fraction(digits()[:2].tolist()), lambda g: 0.0 <= g < 1),
    Good("metrics", "bits_per_dim(list, np.array shape)", lambda: metrics.bits_per_dim([-64 * np.log(2.0)],
         np.array([8, 8, 1])), lambda b: np.allclose(b, [1.0])),  # fmt: skip
    Good("metrics", "bits_per_dim(np.float32)", lambda: metrics.bits_per_dim(np.float32(-64 * np.log(2.0)), (8, 8, 1)),
         lambda b: np.isclose(b, 1.0)),  # fmt: skip
    Good("metrics", "mutual_information_gap(lists)", lambda: metrics.mutual_information_gap(
         np.random.default_rng(0).normal(size=(60, 2)).tolist(), (np.arange(60)[:, None] % 3).tolist(),
         num_bins=np.int64(5)), lambda r: 0.0 <= r.mig <= 1.0),  # fmt: skip
    Good("metrics", "discriminator_saliency batch of one", lambda: metrics.discriminator_saliency(image_gan(),
         digits()[:1]), lambda s: s.shape == (1, 8, 8, 1) and np.all(s >= 0)),  # fmt: skip
    Good("metrics", "precision_recall(lists, k=np.int64(2))", lambda: metrics.precision_recall(
         ring()[:10].tolist(), ring()[10:20].tolist(), np.int64(2)), lambda pr: all(0 <= v <= 1 for v in pr)),
    Good("plots", "image_grid(list of 2-D images)", lambda: plots.image_grid(list(digits()[:3, ..., 0]), ncols=np.int64(3)),
         lambda g: g.shape == (8, 26)),  # fmt: skip
    Good("plots", "show_images(batch of one, tensor)", lambda: plots.show_images(_ax(), _tf(digits()[:1]), titles=[7]),
         lambda ax: len(ax.images) == 1),  # fmt: skip
    Good("plots", "latent_grid_z(np.int64, np.float32)", lambda: plots.latent_grid_z(np.int64(3), span=np.float32(2.0)),
         lambda z: z.shape == (9, 2) and z[0, 1] == 2.0),  # fmt: skip
    Good("plots", "interpolation_z(lists, np.int64)", lambda: plots.interpolation_z([0.0, 0.0], [1.0, 1.0],
         np.int64(3)), lambda z: np.allclose(z[1], 0.5)),  # fmt: skip
    Good("plots", "plot_elbo_gap(NumPy scalars)", lambda: plots.plot_elbo_gap(_ax(), np.float32(-5.0), np.array(-6.0)),
         lambda ax: len(ax.patches) == 3),  # fmt: skip
    Good("plots", "plot_history(keys tuple)", lambda: plots.plot_history(_ax(), {"step": [1, 2], "d_loss": [0.5, 0.4]},
         ("d_loss",)), lambda ax: len(ax.lines) == 1),  # fmt: skip
    Good("plots", "plot_latent_scatter(lists)", lambda: plots.plot_latent_scatter(_ax(), [[0.0, 1.0], [1.0, 0.0]],
         labels=[3, 7]), lambda ax: len(ax.collections) == 1),  # fmt: skip
    Good("plots", "plot_kl_per_dimension(list)", lambda: plots.plot_kl_per_dimension(_ax(), [0.5, 0.0]),
         lambda ax: len(ax.patches) == 2),  # fmt: skip
    Good("plots", "interval_curves(one point)", lambda: plots.interval_curves(np.array([60]), {"a": [_interval(1.0)]},
         ax=_ax()), lambda ax: len(ax.lines) == 1),  # fmt: skip
    Good("diagrams", "a diagram is a figure pyplot does not keep", lambda: (diagrams.gan_training_loop(),
         plt.get_fignums()), lambda r: len(r[0].axes) >= 1 and r[1] == []),  # fmt: skip
    Good("style", "class_colormap(np.int64(10))", lambda: style.class_colormap(np.int64(10)), lambda c: c.N == 10),
    Good("style", "number(np.float32)", lambda: style.number(np.float32(-1.5), ".1f"), lambda t: t == "\u22121.5"),
    Good("widgets", "LatentExplorer(max_sliders=np.int64(1), span=np.float32(2))", lambda: widgets.LatentExplorer(
         vae(), max_sliders=np.int64(1), span=np.float32(2.0)), lambda w: len(w.sliders) == 1),  # fmt: skip
    Good("widgets", "KLExplorer(lists, np.float32 mu)", lambda: widgets.KLExplorer(list(GRID), list(LOG_P),
         mu=np.float32(0.5)), lambda w: np.isfinite(w.values["kl_qp"])),  # fmt: skip
    Good("widgets", "GANLab(NumPy integers)", lambda: widgets.GANLab(steps_per_frame=np.int64(5),
         num_points=np.int64(256), grid_size=np.int64(10), seed=np.int64(1), d_lr=np.float32(1e-3)),
         lambda lab: lab.steps_per_frame.value == 5 and lab.fake.shape == (256, 2)),  # fmt: skip
    Good("experiments", "mean_interval(np.float32 array)", lambda: stats.mean_interval(np.array([1, 2, 3], "float32")),
         lambda iv: iv.estimate == 2.0 and iv.n == 3),  # fmt: skip
    Good("experiments", "verdict(margin=np.float32(1))", lambda: stats.verdict("c", np.array([1.0, 2.0, 3.0]),
         [5.0, 6.0, 7.5], margin=np.float32(1.0)), lambda v: v.status == "supported"),  # fmt: skip
    Good("experiments", "run(seeds=np.int64(2))", lambda: _run_toy(seeds=np.int64(2)), lambda r: r.seeds == [0, 1]),
    Good("experiments", "run(seeds=range(1, 3))", lambda: _run_toy(seeds=range(1, 3)), lambda r: r.seeds == [1, 2]),
    Good("experiments", "run(seeds=np.arange(2))", lambda: _run_toy(seeds=np.arange(2)), lambda r: r.seeds == [0, 1]),
    Good("experiments", "run(effect=2) for a float", lambda: _run_toy(effect=2, seeds=[0]),
         lambda r: r.values("b", "loss") == {0: -1.0}),  # fmt: skip
    Good("experiments", "checkpoint_steps(np.int64(100))", lambda: duel_curves.checkpoint_steps(np.int64(100)),
         lambda s: s == [50, 100]),  # fmt: skip
    Good("experiments", "budget_verdicts(budgets=np.array([60.0]))", lambda: duel_curves.budget_verdicts(
         curves(), "frechet_distance", budgets=np.array([60.0])), lambda v: duel_curves.winner(v[0][1]) == "VAE"),
    Good("experiments", "values_at_budget(seconds=np.int64(60))", lambda: duel_curves.values_at_budget(
         curves(), "VAE", "frechet_distance", np.int64(60)), lambda v: v == {0: 30.0, 1: 31.0, 2: 32.0}),
    Good("exercises", "check a correct answer", lambda: _feedback("gaussian_kl",
         exercises.show_solution("gaussian_kl").function), lambda f: f.passed),  # fmt: skip
]


def _scale_digits():
    ds = data.load("digits8")
    ds.x_train *= 255  # the review's "output array is read-only"; now a copy the student owns
    return ds.x_train.max() > 1 and data.load("digits8").x_train.max() <= 1


def _ids(cases):
    return [f"{c.module}: {c.label}" for c in cases]


@pytest.fixture(autouse=True)
def _close_figures():
    """Explorers draw into pyplot figures: close them after each case."""
    yield
    plt.close("all")


@pytest.mark.parametrize("case", BAD, ids=_ids(BAD))
def test_bad_input_raises_a_clear_error(case):
    with pytest.raises(case.error, match=case.match):
        case.call()


@pytest.mark.parametrize("case", GOOD, ids=_ids(GOOD))
def test_valid_unusual_input_works(case):
    result = case.call()
    if case.check is not None:
        assert case.check(result)


def test_every_worst_case_of_the_review_has_a_row():
    labels = " ".join(c.label for c in BAD)
    assert all(f"worst-{i}" in labels for i in range(1, 11) if i != 2)  # worst-2 has its own test below


def test_a_refused_fit_leaves_the_vae_usable():
    """Worst case 2: a failed ``fit`` must not leave the model broken (validation runs before Keras traces)."""
    model = models.VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    model.compile("adam")
    for bad in ("abc", digits()[..., 0], digits() * 255, [[1, 2], [3]]):
        with pytest.raises((ValueError, TypeError)):
            model.fit(bad, epochs=1, batch_size=32, verbose=0)
    history = model.fit(list(digits()), epochs=1, batch_size=32, verbose=0).history  # a list works, too
    assert np.isfinite(history["loss"][-1])
    assert np.isfinite(model.fit(digits(), epochs=1, batch_size=32, verbose=0).history["loss"][-1])


def test_a_refused_fit_leaves_the_gan_usable():
    gan = models.make_gan_2d(seed=0)
    with pytest.raises(ValueError, match="`x`"):
        gan.fit(np.zeros((64, 3)), batch_size=32, verbose=0)
    assert np.isfinite(gan.fit(ring(), batch_size=64, epochs=1, verbose=0).history["d_loss"][-1])


# --- counting (python tests/test_bad_input.py) -----------------------------------------------------------------


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def classify(case, seconds=30) -> str:
    """'clear' (the expected error, naming the argument), 'obscure' (another error), 'silent' (no error) or
    'hang' (still running after ``seconds``; POSIX only)."""
    import signal

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        case.call()
    except _Hang:
        return "hang"
    except case.error as error:
        return "clear" if re.search(case.match, str(error)) else "obscure"
    except Exception:  # noqa: BLE001  (any other error is what we count as obscure)
        return "obscure"
    finally:
        signal.alarm(0)
        plt.close("all")
    return "silent"


def main():
    counts: dict[str, dict[str, int]] = {}
    for case in BAD:
        outcome = classify(case)
        row = counts.setdefault(case.module, {"tried": 0, "clear": 0, "obscure": 0, "silent": 0, "hang": 0})
        row["tried"] += 1
        row[outcome] += 1
        if outcome != "clear":
            print(f"  {outcome:8s} {case.module}: {case.label}", file=sys.stderr)
    good = sum(1 for case in GOOD if _works(case))
    print("| module | tried | clear | obscure | silently wrong | hang |\n|---|---|---|---|---|---|")
    for module, row in counts.items():
        print(f"| {module} | {row['tried']} | {row['clear']} | {row['obscure']} | {row['silent']} | {row['hang']} |")
    total = {k: sum(r[k] for r in counts.values()) for k in ("tried", "clear", "obscure", "silent", "hang")}
    print(f"| total | {total['tried']} | {total['clear']} | {total['obscure']} | {total['silent']} | {total['hang']} |")
    print(f"valid-but-unusual calls that work: {good} of {len(GOOD)}")


def _works(case) -> bool:
    try:
        result = case.call()
        works = case.check is None or bool(case.check(result))
    except Exception as error:  # noqa: BLE001
        works, result = False, f"{type(error).__name__}: {error}"
    finally:
        plt.close("all")
    if not works:
        print(f"  fails    {case.module}: {case.label} ({str(result)[:200]})", file=sys.stderr)
    return works


if __name__ == "__main__":
    ve.config.settings(fast=True)
    main()

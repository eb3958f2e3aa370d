"""Bad input gets a clear error, never a wrong number (issue 18, review ``reliability.md``).

A table of realistic bad calls across the public API, each with the error it must raise and a pattern that
names the argument; and a table of valid-but-unusual calls (NumPy scalars, lists, a batch of one, backend
tensors) that must work. Each of the review's ten worst cases has a row (``worst-N`` in its label).

``python tests/test_bad_input.py`` prints, per module, how many bad calls give a clear error, an obscure one,
or silently return a result (the review's three columns).
"""

from __future__ import annotations

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
import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu import config, data, exercises, losses, metrics, models, plots, probability, training, weights


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
    Bad("weights", "consistent swap of one VAE for another", lambda: _load_damaged(_swap_in("betavae_sprites")),
        r"image_shape \[32, 32, 1\] where the manifest records \[28, 28, 1\]", weights.WeightsError),  # fmt: skip
]


def _feedback(name, answer_fn):
    """Run a checker; a failing Feedback becomes an AssertionError carrying its message (a clear 'error')."""
    feedback = exercises.check(name, answer_fn)
    if not feedback.passed:
        raise AssertionError(feedback.message)
    return feedback


GOOD = [
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
    Good("exercises", "check a correct answer", lambda: _feedback("gaussian_kl",
         exercises.show_solution("gaussian_kl").function), lambda f: f.passed),  # fmt: skip
]


def _scale_digits():
    ds = data.load("digits8")
    ds.x_train *= 255  # the review's "output array is read-only"; now a copy the student owns
    return ds.x_train.max() > 1 and data.load("digits8").x_train.max() <= 1


def _ids(cases):
    return [f"{c.module}: {c.label}" for c in cases]


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
        return case.check is None or bool(case.check(result))
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    ve.config.settings(fast=True)
    main()

"""VAE training helpers: NaN guard, atomic checkpoints under an injected failure, KL warm-up, live progress."""

import hashlib

import keras
import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu import data, models, style, training
from vaegan_edu.models import VAE


@pytest.fixture(scope="module")
def digits():
    return ve.data.load("digits8").x_train[:256]


def _vae(lr=1e-3):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    vae.compile(optimizer=keras.optimizers.SGD(lr) if lr > 1 else keras.optimizers.Adam(lr))
    return vae


def test_nan_guard_stops_and_says_what_diverged(digits):
    with pytest.raises(training.TrainingDiverged, match=r"diverged at epoch 1, step \d+(-\d+ \(losses are checked every 10 steps\))?: .*kl.*lower the learning rate"):
        _vae(lr=1e6).fit(digits, epochs=3, batch_size=32, verbose=0, callbacks=[training.NaNGuard()])
    guard = training.NaNGuard(raise_error=False)
    history = _vae(lr=1e6).fit(digits, epochs=3, batch_size=32, verbose=0, callbacks=[guard])
    assert guard.message.startswith("Training diverged")
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
    healthy = training.NaNGuard()
    _vae().fit(digits, epochs=1, batch_size=32, verbose=0, callbacks=[healthy])
    assert healthy.message is None


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_atomic_checkpoint_survives_a_failed_save(tmp_path, digits, monkeypatch):
    path = tmp_path / "vae.keras"
    vae = _vae()
    checkpoint = training.AtomicCheckpoint(path)
    vae.fit(digits, epochs=2, batch_size=64, verbose=0, callbacks=[checkpoint])
    assert checkpoint.saved_epochs == [1, 2]
    good = _sha(path)

    def broken_save(filepath, *args, **kwargs):  # writes half a file, then the "kernel dies"
        with open(filepath, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise OSError("injected failure during save")

    monkeypatch.setattr(vae, "save", broken_save)
    with pytest.raises(OSError, match="injected"):
        vae.fit(digits, epochs=1, batch_size=64, verbose=0, callbacks=[checkpoint])
    assert _sha(path) == good  # the last good checkpoint is intact ...
    assert [p.name for p in tmp_path.iterdir()] == ["vae.keras"]  # ... and no temporary file is left
    assert isinstance(keras.saving.load_model(path, safe_mode=True), VAE)


def test_save_atomic_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"must end in '\.keras'"):
        training.save_atomic(_vae(), tmp_path / "vae.h5")


def test_save_atomic_weights_only(tmp_path, digits):
    vae = _vae()
    training.save_atomic(vae, tmp_path / "vae.weights.h5")
    other = _vae()
    other.load_weights(tmp_path / "vae.weights.h5")
    np.testing.assert_array_equal(other.decode(np.ones((2, 2))), vae.decode(np.ones((2, 2))))


def test_kl_warmup_schedule_reaches_the_loss(digits):
    vae = _vae()
    vae.beta = 2.0
    warmup = training.KLWarmup(warmup_epochs=3)
    history = vae.fit(digits, epochs=4, batch_size=64, verbose=0, callbacks=[warmup]).history
    np.testing.assert_allclose(warmup.betas, [0.0, 2 / 3, 4 / 3, 2.0])
    assert vae.beta == 2.0
    # epoch 1 trains with beta = 0, so its loss is the reconstruction term alone; later epochs add beta * KL
    np.testing.assert_allclose(history["loss"][0], history["reconstruction"][0], rtol=1e-5)
    np.testing.assert_allclose(history["loss"][3], history["reconstruction"][3] + 2.0 * history["kl"][3], rtol=1e-3)
    with pytest.raises(ValueError, match="warmup_epochs"):
        training.KLWarmup(0)


def test_kl_warmup_needs_a_vae(digits):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(TypeError, match="needs a vaegan_edu.models.VAE"):
        model.fit(digits, np.zeros(len(digits)), epochs=1, verbose=0, callbacks=[training.KLWarmup(2)])


def test_live_progress_records_and_draws_each_epoch(digits):
    progress = training.LiveProgress(metrics=("reconstruction", "kl"), show=False)
    _vae().fit(digits, epochs=3, batch_size=64, verbose=0, validation_data=(digits[:64],), callbacks=[progress])
    assert len(progress.history["kl"]) == 3 and len(progress.history["val_kl"]) == 3
    axes = progress.figure.axes
    assert [ax.get_title() for ax in axes] == ["reconstruction (nats / image)", "kl (nats / image)"]
    train_line, val_line = axes[1].get_lines()
    np.testing.assert_allclose(train_line.get_ydata(), progress.history["kl"])
    np.testing.assert_allclose(val_line.get_ydata(), progress.history["val_kl"])
    assert progress.summary.startswith("trained 3 epochs in")
    assert f"kl {progress.history['kl'][-1]:.2f}" in progress.summary
    # review turn 3: the live curves' text was 7-9 pt (about 8 px); every text is now the book's size
    texts = [t for ax in axes for t in (ax.title, ax.xaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels())]
    texts += axes[0].get_legend().get_texts()
    assert min(t.get_fontsize() for t in texts) >= style.MIN_FONT_SIZE


class _Handle:
    """Stands in for IPython's display handle: records each refresh of the text line."""

    def __init__(self):
        self.updates = 0

    def update(self, _):
        self.updates += 1


def test_live_progress_counts_batches_when_keras_reports_every_tenth():
    """With steps_per_execution=10 Keras calls back after batches 10, 20, ...: the text line still refreshes
    about every ``update_every`` batches (30, 60, 90, 120, 150 of 157), not only at multiples of 50."""
    progress = training.LiveProgress(update_every=25, show=True)
    progress.set_params({"epochs": 1, "steps": 157})
    progress.on_epoch_begin(0)
    progress._text_handle = handle = _Handle()
    for end in list(range(9, 157, 10)) + [156]:
        progress.on_train_batch_end(end, {"loss": 1.0})
    assert handle.updates == 5


def test_save_atomic_removes_a_dead_processs_leftover_and_fsyncs_the_folder(tmp_path, monkeypatch):
    """A kill -9 mid-save leaves ``.<name>.tmp<pid>.keras``; the next save removes it (issue 18.6)."""
    import os
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has exited: its pid is (almost surely) free now
    leftover = tmp_path / f".vae.tmp{dead_pid}.keras"
    leftover.write_bytes(b"half a model")
    alive = tmp_path / f".vae.tmp{os.getppid()}.keras"  # a save of a live process: left alone
    alive.write_bytes(b"being written")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.path.isdir(f"/proc/self/fd/{fd}")), real_fsync(fd)))
    training.save_atomic(_vae(), tmp_path / "vae.keras")
    assert not leftover.exists() and alive.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "vae.keras"])
    assert synced[-1] is True  # the folder was flushed after the rename (the file before it)


def test_train_for_and_gan_fit_stop_at_divergence_by_default(digits):
    from vaegan_edu import data, models

    points = data.toy_2d("ring8", 256)[0]
    with pytest.raises(training.TrainingDiverged, match=r"diverged at generator step \d+.*d_loss"):
        training.train_for(models.make_gan_2d(lr=1e6, seed=0), points, steps=30, batch_size=64)
    with pytest.raises(training.TrainingDiverged, match=r"diverged at .*step"):
        _vae(lr=1e6).fit(digits, epochs=2, batch_size=32, verbose=0)  # no callback given: on by default
    history = training.fit_gan(models.make_gan_2d(lr=1e6, seed=0), points, 20, batch_size=64, nan_guard=False)
    assert not np.isfinite(history["d_loss"][-1])  # opted out: trains on


def test_nan_guard_counts_generator_steps_across_fit_gan_chunks():
    from vaegan_edu import data, models

    points = data.toy_2d("ring8", 256)[0]
    gan = models.make_gan_2d(lr=1e6, seed=0)
    with pytest.raises(training.TrainingDiverged) as caught:
        training.fit_gan(gan, points, 40, batch_size=64, eval_every=20)
    every = gan.steps_per_execution
    message = str(caught.value)
    assert "generator step" in message and "d_loss" in message and "learning rate" in message
    if every > 1:
        assert f"checked every {every} steps" in message
    assert "(the first batch)" not in message


def test_healthy_training_is_unchanged_by_the_default_guard(digits):
    keras.utils.set_random_seed(0)
    a = _vae().fit(digits, epochs=1, batch_size=32, verbose=0).history["loss"]
    keras.utils.set_random_seed(0)
    b = _vae().fit(digits, epochs=1, batch_size=32, verbose=0, nan_guard=False).history["loss"]
    assert a == b


def test_binarized_images_redraws_every_epoch_and_trains_a_vae(digits):
    stream = training.BinarizedImages(digits, batch_size=100, seed=1)
    assert len(stream) == 3  # 256 images: two full batches and one of 56
    first = np.concatenate([stream[i] for i in range(len(stream))])
    assert set(np.unique(first)) <= {0.0, 1.0} and first.shape == (256, 8, 8, 1)
    again = training.BinarizedImages(digits, batch_size=100, seed=1)
    np.testing.assert_array_equal(first, np.concatenate([again[i] for i in range(len(again))]))  # same seed
    stream.on_epoch_end()
    second = np.concatenate([stream[i] for i in range(len(stream))])
    assert not np.array_equal(first, second)  # a fresh draw (and order) each epoch
    # every image appears once per epoch: the mean ink per epoch tracks the grey levels' mean
    assert abs(second.mean() - digits.mean()) < 0.01
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(training.BinarizedImages(digits, batch_size=64, seed=0), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_binarized_images_refuses_grey_levels_outside_the_unit_range():
    with pytest.raises(ValueError, match="images"):
        training.BinarizedImages(np.full((4, 8, 8, 1), 255.0), batch_size=2)


# --- training for a wall-clock budget ----------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeModel:
    """Duck-typed model whose fit takes `step_time` fake seconds per batch; records the batches it saw."""

    steps_per_execution = 1
    optimizer = "compiled"  # train_for refuses a model that was never compiled

    def __init__(self, clock, step_time, slow_after=None):
        self.clock, self.step_time, self.slow_after = clock, step_time, slow_after
        self.seen, self.calls = [], []

    def fit(self, x, batch_size, epochs, shuffle, verbose, callbacks=()):  # train_for adds a NaNGuard
        steps = len(x) // batch_size
        assert len(x) % batch_size == 0 and not shuffle
        for _ in range(steps):
            slow = self.slow_after is not None and len(self.seen) >= self.slow_after
            self.clock.now += self.step_time * (3.0 if slow else 1.0)
            self.seen.append(1)
        self.calls.append(steps)


def _images(n=64):
    return np.random.default_rng(0).uniform(size=(n, 4, 4, 1)).astype("float32")


@pytest.mark.parametrize("budget, step_time", [(5.0, 0.1), (2.0, 0.013), (30.0, 0.7)])
def test_time_budget_is_used_in_full_and_stops_at_the_first_chunk_that_reaches_it(budget, step_time):
    clock = FakeClock()
    model = FakeModel(clock, step_time)
    run = training.train_for(model, _images(), seconds=budget, batch_size=8, clock=clock)
    assert run.seconds >= budget
    assert all(t < budget for t in run.chunk_ends[:-1])
    assert run.steps == sum(model.calls) == len(model.seen)
    assert run.seconds - budget <= step_time + 1e-9  # constant step time: the last chunk ends within a step
    durations = np.diff(run.chunk_ends)
    assert np.all(durations <= training.MAX_CHUNK_FRACTION * budget + step_time + 1e-9)


def test_a_machine_that_slows_down_overshoots_by_at_most_one_chunk():
    clock = FakeClock()
    model = FakeModel(clock, 0.1, slow_after=30)
    run = training.train_for(model, _images(), seconds=10.0, batch_size=8, clock=clock)
    assert run.seconds >= 10.0
    assert run.seconds - 10.0 <= 3 * training.MAX_CHUNK_FRACTION * 10.0 + 0.3  # one chunk at 3x its planned cost


def test_steps_mode_takes_exactly_that_many_steps_in_chunks():
    clock = FakeClock()
    model = FakeModel(clock, 0.1)
    run = training.train_for(model, _images(), steps=23, batch_size=8, max_chunk_steps=10, clock=clock)
    assert run.steps == 23 and model.calls == [10, 10, 3]
    assert run.budget_seconds is None
    assert run.steps_per_second == pytest.approx(10.0)


def test_time_budget_chunks_are_whole_executions_but_step_counts_are_exact():
    clock = FakeClock()
    model = FakeModel(clock, 0.1)
    model.steps_per_execution = 4
    training.train_for(model, _images(), seconds=3.0, batch_size=8, clock=clock)
    assert all(c % 4 == 0 for c in model.calls)
    model.calls = []
    assert training.train_for(model, _images(), steps=6, batch_size=8, clock=clock).steps == 6
    assert model.calls == [6]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(), "exactly one of `seconds`"),
        (dict(seconds=1.0, steps=3), "exactly one of `seconds`"),
        (dict(seconds=-1.0), "`seconds`"),
        (dict(steps=0), "`steps`"),
        (dict(steps=2, batch_size=0), "`batch_size`"),
        (dict(steps=2, batch_size=128), "fewer than batch_size=128"),
    ],
)
def test_train_for_bad_input(kwargs, match):
    clock = FakeClock()
    with pytest.raises(ValueError, match=match):
        training.train_for(FakeModel(clock, 0.1), _images(), clock=clock, **kwargs)


def test_train_for_rejects_images_without_channel_axis():
    clock = FakeClock()
    with pytest.raises(ValueError, match=r"x\[\.\.\., None\]"):
        training.train_for(FakeModel(clock, 0.1), _images()[..., 0], steps=2, batch_size=8, clock=clock)


def test_real_training_is_deterministic_in_steps_mode():
    x = data.load("glyphs", seed=0, num_train=256, num_test=10).x_train
    weights = []
    for _ in range(2):
        vae, _ = models.make_twins((28, 28, 1), seed=1)
        run = training.train_for(vae, x, steps=3, batch_size=64, seed=5)
        assert run.steps == 3
        weights.append(vae.decoder.get_weights()[0])
    np.testing.assert_array_equal(*weights)

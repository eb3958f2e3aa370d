"""The head-to-head protocol of chapter 07: budgets, the time-budgeted training loop, tables and guide."""

import keras
import numpy as np
import pytest

from vaegan_edu import data, metrics, models, training
from vaegan_edu.experiments import backends, duel


# --- parameter budgets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "width, latent_dim, image_shape", [(7, 2, (8, 8, 1)), (133, 16, (28, 28, 1)), (40, 5, (32, 32, 1))]
)
def test_decoder_parameter_formula_matches_keras(width, latent_dim, image_shape):
    decoder = models.build_decoder(image_shape, latent_dim, "dense", hidden_units=(width, 2 * width))
    assert duel.dense_decoder_params(width, latent_dim, image_shape) == decoder.count_params()


@pytest.mark.parametrize("target", [50_000, 246_657, 1_000_000])
def test_decoder_width_is_the_best_integer(target):
    w = duel.dense_decoder_width(target, 16, (28, 28, 1))
    best = abs(duel.dense_decoder_params(w, 16, (28, 28, 1)) - target)
    for other in (w - 1, w + 1):
        assert best <= abs(duel.dense_decoder_params(other, 16, (28, 28, 1)) - target)


def test_decoder_width_rejects_a_target_below_the_smallest_decoder():
    with pytest.raises(ValueError, match="at least .* parameters, more than the target 100"):
        duel.dense_decoder_width(100, 16, (28, 28, 1))


def test_contenders_are_within_ten_percent_and_seeded():
    a = duel.build_contenders((28, 28, 1), seed=3)
    b = duel.build_contenders((28, 28, 1), seed=3)
    assert a.generator_params == a.gan.generator.count_params()
    assert a.decoder_params == a.vae.decoder.count_params()
    assert abs(a.decoder_params - a.generator_params) / max(a.decoder_params, a.generator_params) <= 0.10
    assert a.params_gap == pytest.approx(duel.relative_difference(a.decoder_params, a.generator_params))
    for wa, wb in zip(a.vae.decoder.get_weights() + a.gan.generator.get_weights(),
                      b.vae.decoder.get_weights() + b.gan.generator.get_weights()):  # fmt: skip
        np.testing.assert_array_equal(wa, wb)


def test_both_contenders_train_with_the_duel_learning_rate():
    c = duel.build_contenders((28, 28, 1), seed=0)
    for optimizer in (c.gan.d_optimizer, c.gan.g_optimizer, c.vae.optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(duel.DUEL_GAN_LEARNING_RATE)


def test_parameter_budget_check_names_both_counts():
    decoder = models.build_decoder((28, 28, 1), 2, "dense")  # ~235k
    generator = models.dcgan_generator(latent_dim=8, width=4)  # a few thousand
    with pytest.raises(ValueError, match=r"differ by .* more than the tolerance of 10%"):
        duel.check_parameter_budget(decoder, generator)
    assert duel.check_parameter_budget(decoder, decoder) == 0.0


def test_relative_difference_rejects_non_positive_counts():
    with pytest.raises(ValueError, match="positive"):
        duel.relative_difference(0, 10)


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
        vae = duel.build_contenders((28, 28, 1), seed=1).vae
        run = training.train_for(vae, x, steps=3, batch_size=64, seed=5)
        assert run.steps == 3
        weights.append(vae.decoder.get_weights()[0])
    np.testing.assert_array_equal(*weights)


def test_sample_seconds_is_the_median_of_the_timed_calls():
    times = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # durations 1, 3, 2 -> median 2
    vae = models.VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    assert metrics.sample_seconds(vae, num_samples=10, repeats=3, clock=lambda: next(times)) == 2.0


def test_draw_samples_is_seeded_and_in_range():
    gan = models.make_dcgan((28, 28, 1), seed=0)
    a, b = metrics.draw_samples(gan, 5, seed=2), metrics.draw_samples(gan, 5, seed=2)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    with pytest.raises(TypeError, match="latent_dim"):
        metrics.draw_samples(object(), 3)


# --- evaluation and the table -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glyphs():
    return data.load("glyphs", seed=0, num_train=400, num_test=200)


def test_real_images_against_themselves_score_perfectly(glyphs):
    reference = metrics.make_reference(glyphs.x_test)
    scores = metrics.evaluate_samples(glyphs.x_test, reference)
    assert scores["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0
    expected = metrics.kl_to_uniform(metrics.class_histogram(metrics.classify_digits(glyphs.x_test).argmax(1)))
    assert scores["class_kl"] == pytest.approx(expected)


def test_features_match_the_gan_chapter_helpers(glyphs):
    features, labels = metrics.digit_features_and_classes(glyphs.x_test[:50])
    np.testing.assert_allclose(features, metrics.digit_features(glyphs.x_test[:50]), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels, metrics.classify_digits(glyphs.x_test[:50]).argmax(1))


def test_the_duel_produces_a_finite_table_in_range(glyphs):
    result = duel.run_duel(glyphs, seeds=[0], seconds=0.5, num_samples=60, batch_size=32, iwae_k=4)
    assert [r["model"] for r in result.rows] == ["VAE", "GAN", duel.DATA_ROW]
    for row in result.rows:
        assert np.isfinite(row["frechet_distance"]) and row["frechet_distance"] >= 0
        assert 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1
        assert 0 <= row["class_kl"] <= np.log(10) + 1e-9
    vae, gan, _ = result.rows
    assert np.isfinite(vae["log_likelihood"]) and vae["log_likelihood"] < 0
    assert np.isnan(gan["log_likelihood"])  # a GAN has no density
    for row in (vae, gan):
        assert row["train_seconds"] >= 0.5 and row["train_steps"] >= 1 and row["sample_seconds"] > 0
        assert row["train_seconds"] == result.runs[(row["model"], 0)].seconds
    assert duel.relative_difference(vae["params"], gan["params"]) <= 0.10
    table = duel.summary_markdown(duel.summarize(result.rows))
    assert table.count("\n") == 4 and "| VAE |" in table and "n/a" in table


def test_run_duel_bad_input(glyphs):
    with pytest.raises(ValueError, match="`seeds` is empty"):
        duel.run_duel(glyphs, seeds=[], seconds=1.0, num_samples=10)
    with pytest.raises(ValueError, match="`seconds`"):
        duel.run_duel(glyphs, seeds=[0], seconds=0, num_samples=10)


def _row(model, seed, **values):
    base = dict(frechet_distance=1.0, precision=0.5, recall=0.5, class_kl=0.1, log_likelihood=np.nan,
                sample_seconds=0.01, train_seconds=1.0, train_steps=10, params=100)  # fmt: skip
    return {"model": model, "seed": seed, **base, **values}


def test_summary_means_and_sample_standard_deviations():
    rows = [_row("VAE", s, frechet_distance=fd) for s, fd in enumerate([1.0, 2.0, 6.0])] + [_row("GAN", 0)]
    vae, gan = duel.summarize(rows)
    assert vae["num_seeds"] == 3 and vae["frechet_distance"] == pytest.approx(3.0)
    assert vae["frechet_distance_std"] == pytest.approx(np.std([1.0, 2.0, 6.0], ddof=1))
    assert np.isnan(gan["frechet_distance_std"])  # one seed: no spread
    assert np.isnan(vae["log_likelihood"])
    with pytest.raises(ValueError, match="non-empty list"):
        duel.summarize([])


def test_compare_metric_is_a_paired_verdict_in_the_metric_direction():
    rows = [_row("VAE", s, frechet_distance=fd, recall=r) for s, (fd, r) in enumerate([(10.0, 0.90), (12.0, 0.91),
                                                                                       (11.0, 0.89)])]
    rows += [_row("GAN", s, frechet_distance=fd, recall=r) for s, (fd, r) in enumerate([(11.0, 0.20), (30.0, 0.22),
                                                                                       (9.0, 0.19)])]
    fd = duel.compare_metric(rows, "frechet_distance")
    assert fd["winner"] == "VAE" and not fd["clear"]  # 11 vs 16.7 on average, but the paired gaps are -1, -18, +2
    assert fd["verdict"].status == "inconclusive"
    recall = duel.compare_metric(rows, "recall")
    assert recall["winner"] == "VAE" and recall["clear"] and recall["verdict"].status == "supported"
    one_seed = [r for r in rows if r["seed"] == 0]
    assert not duel.compare_metric(one_seed, "recall")["clear"]  # one seed: no interval, never clear
    with pytest.raises(ValueError, match="Unknown metric"):
        duel.compare_metric(rows, "accuracy")
    with pytest.raises(ValueError, match="no row for"):
        duel.compare_metric(rows[:3], "recall")


def test_decision_guide_is_read_off_the_numbers():
    rng = np.random.default_rng(0)
    rows = [_row("VAE", s, precision=0.6 + 0.01 * rng.normal(), recall=0.9 + 0.01 * rng.normal(),
                 log_likelihood=-90.0, sample_seconds=0.01) for s in range(5)]
    rows += [_row("GAN", s, precision=0.8 + 0.01 * rng.normal(), recall=0.3 + 0.01 * rng.normal(),
                  sample_seconds=0.05) for s in range(5)]  # fmt: skip
    guide = {g["need"].split(" (")[0]: g for g in duel.decision_guide(rows)}
    assert guide["Each sample looks like a real digit"]["choose"] == "GAN"
    assert guide["Cover the whole variety of the data"]["choose"] == "VAE"
    assert guide["Score how likely an image is"]["choose"] == "VAE"
    assert "GAN 0.79" in guide["Each sample looks like a real digit"]["evidence"]
    assert guide["Every class as often as in the data"]["choose"] == "either (inconclusive)"  # identical values
    flipped = [dict(r, precision=1.4 - r["precision"]) for r in rows]
    guide = {g["need"]: g["choose"] for g in duel.decision_guide(flipped)}
    assert guide["Each sample looks like a real digit (quality)"] == "VAE"
    one_seed = {g["need"]: g["choose"] for g in duel.decision_guide([r for r in rows if r["seed"] == 0])}
    assert one_seed["Each sample looks like a real digit (quality)"] == "either (inconclusive)"
    markdown = duel.guide_markdown(duel.decision_guide(rows))
    assert markdown.count("\n") == 2 + len(duel._GUIDE)


# --- memorisation -------------------------------------------------------------------------------------------


def test_nearest_training_images_against_brute_force():
    rng = np.random.default_rng(0)
    train = rng.uniform(size=(50, 5, 5, 1)).astype("float32")
    samples = rng.uniform(size=(7, 5, 5, 1)).astype("float32")
    samples[3] = train[17]  # a copied training image
    idx, dist = metrics.nearest_training_images(samples, train)
    brute = np.sqrt(((samples.reshape(7, 1, -1) - train.reshape(1, 50, -1)) ** 2).sum(-1))
    np.testing.assert_array_equal(idx, brute.argmin(1))
    np.testing.assert_allclose(dist, brute.min(1), atol=1e-5)
    assert idx[3] == 17 and dist[3] == pytest.approx(0.0, abs=1e-5)


def test_nearest_training_images_shape_error():
    with pytest.raises(ValueError, match=r"samples.*\(n, 5, 5, 1\)"):
        metrics.nearest_training_images(np.zeros((3, 4, 4, 1)), np.zeros((10, 5, 5, 1)))


# --- FAQ helpers --------------------------------------------------------------------------------------------


def test_gan_variants_change_one_knob():
    gan = models.make_gan_variant((28, 28, 1), seed=0, loss="minimax", learning_rate=2e-3, spectral_norm=True)
    assert gan.loss_name == "minimax" and gan.spectral_norm
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-3)
    assert any("spectral" in type(layer).__name__.lower() for layer in gan.discriminator.layers)
    base = models.make_gan_variant((28, 28, 1), seed=0)
    assert float(base.g_optimizer.learning_rate) == pytest.approx(models.DCGAN_LEARNING_RATE)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="Unknown Keras backend 'theano'"):
        backends.backend_steps_per_second("theano")
    with pytest.raises(ValueError, match="Unknown model 'VAE-GAN'"):
        backends.backend_steps_per_second("jax", model="VAE-GAN")


@pytest.mark.parametrize("model", duel.MODELS)
def test_backend_steps_per_second_times_each_model_in_a_fresh_process(model):
    result = backends.backend_steps_per_second(keras.backend.backend(), steps=2, batch_size=32, num_train=200,
                                                 model=model)  # fmt: skip
    assert result["error"] is None, result
    assert (result["backend"], result["model"]) == (keras.backend.backend(), model)
    assert result["steps_per_second"] > 0

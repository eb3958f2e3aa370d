"""Sampling from a trained model and scoring the samples: seeded draws, their timing, the sample metrics on
real images, and the nearest-training-image check for memorisation."""

import numpy as np
import pytest

from vaegan_edu import data, metrics, models


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


def test_evaluate_samples_adds_the_graded_realism_and_keeps_every_old_key(glyphs):
    reference = metrics.make_reference(glyphs.x_test)
    scores = metrics.evaluate_samples(glyphs.x_test, reference)
    assert list(scores) == ["frechet_distance", "precision", "recall", "class_kl", "perceptual_frechet_distance",
                            "perceptual_precision", "perceptual_recall", "perceptual_realism", "histogram"]  # fmt: skip
    assert scores["perceptual_realism"] == metrics.realism(reference.perceptual, reference.perceptual)
    assert 0.5 <= scores["perceptual_realism"] < 1  # the kept half of the balls' centres count 1 each
    blurred = metrics.evaluate_samples(metrics.blur(glyphs.x_test, 1.0), reference)
    assert blurred["perceptual_realism"] < scores["perceptual_realism"] - 0.2  # blur is seen, in part ...
    assert blurred["perceptual_realism"] > 0.3  # ... not as a fall to 0


def test_features_match_the_gan_chapter_helpers(glyphs):
    features, labels = metrics.digit_features_and_classes(glyphs.x_test[:50])
    np.testing.assert_allclose(features, metrics.digit_features(glyphs.x_test[:50]), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels, metrics.classify_digits(glyphs.x_test[:50]).argmax(1))


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

"""The degradation suite: the sample-quality metrics pass every case with a known answer (issue 14), and the
suite itself can fail (the classifier's precision is blind to blur, as chapter 08 teaches)."""

import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu.metrics import degradations


@pytest.fixture(scope="module")
def glyphs():
    cfg = ve.config.settings(seed=0, fast=False)  # the suite needs 5,000 test images: chapter 08's full data
    return ve.data.load("glyphs", seed=0, num_train=cfg.num_train, num_test=cfg.num_test)


@pytest.fixture(scope="module")
def suite(glyphs):
    return ve.metrics.run_suite(glyphs.x_test, glyphs.y_test, glyphs.x_train)


def test_every_metric_passes_every_case_with_a_known_answer(suite):
    assert suite.passed, "\n".join(suite.failures())
    assert suite.num == 1000 == ve.metrics.MAX_PR_SAMPLES and suite.k == ve.metrics.PR_NEIGHBOURS == 3
    assert len(suite.checks) == len(ve.metrics.CHECKS) == 21  # 18 against the control, 3 along a series
    table = suite.table_markdown()
    # 18 cells of the checks against the control, 14 of the graded ones (the control and 13 damaged sets)
    assert table.count("✓") == 18 + 14 and "✗" not in table
    assert table.splitlines()[2].startswith("| real (held-out) | 1.")


def test_the_perceptual_realism_falls_gradually_where_perceptual_precision_falls_off_a_cliff(suite):
    """The graded checks pass for the book's "looks real" score and fail for perceptual precision, which is at 0
    from blur 0.75 px and noise 0.1 on (about half of its value lost in each of the two steps before)."""
    for name, cases in ve.metrics.SERIES.items():
        realism = [suite.scores[case]["perceptual_realism"] for case in cases]
        grading = ve.metrics.graded_response(realism, tolerance=0.01, min_total=0.2)
        assert grading.graded and grading.largest_step < 0.45, (name, realism)
    for name in ("blur", "noise"):
        cliff = ve.metrics.GradedCheck(name, ve.metrics.SERIES[name], "perceptual_precision", 0.2, 0.01)
        grading = cliff.grading([suite.scores[case]["perceptual_precision"] for case in cliff.cases])
        assert grading.responds and not grading.graded and not grading.still_falling, (name, grading)  # at 0 early
        assert grading.largest_step > 0.45, (name, grading)  # and most of the fall in one step
        assert "perceptual_precision falls gradually along" in cliff.failure(grading.largest_step, grading.total)


def test_the_suite_can_fail_a_blind_metric(suite):
    """The classifier's features are semantic: blurring real digits does not lower precision there."""
    blind = degradations.Check("blur σ=1", "precision", "fall", 0.5)
    real, blurred = suite.scores["real (held-out)"]["precision"], suite.scores["blur σ=1"]["precision"]
    assert blurred > 0.8 * real and not blind.passes(blurred, real)
    # and the perceptual features do not know classes: removing half of them barely moves their recall
    assert suite.scores["digits 0-4 removed"]["perceptual_recall"] > 0.6


def test_degradations_do_what_they_say(glyphs):
    x = glyphs.x_test[:50]
    blurred = ve.metrics.blur(x, 1.0)
    np.testing.assert_allclose(blurred.mean(), x.mean(), rtol=0.02)  # a blur moves ink, it keeps its amount
    assert blurred.std() < x.std()
    noisy = ve.metrics.add_noise(x, 0.1, seed=3)
    np.testing.assert_array_equal(noisy, ve.metrics.add_noise(x, 0.1, seed=3))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, x)
    blobs = ve.metrics.grey_blobs(glyphs.x_train[:500], 20, seed=0)
    assert blobs.shape == (20, 28, 28, 1)
    np.testing.assert_allclose(blobs.mean(0), glyphs.x_train[:500].mean(0), atol=0.05)


def test_memorised_fraction_known_answers(glyphs):
    train, heldout = glyphs.x_train[:2000], glyphs.x_test[:300]
    assert ve.metrics.memorised_fraction(train[:100], train, heldout) == 1.0
    assert ve.metrics.memorised_fraction(glyphs.x_test[300:600], train, heldout) <= 0.05
    with pytest.raises(ValueError, match="`quantile` must be in"):
        ve.metrics.memorised_fraction(train[:10], train, heldout, quantile=1.5)
    # a threshold computed once gives the same share as the held-out images it came from
    threshold = ve.metrics.memorisation_threshold(train, heldout)
    _, distances = ve.metrics.nearest_training_images(heldout, train)
    assert threshold == pytest.approx(np.quantile(distances, 0.01))
    for samples in (train[:100], glyphs.x_test[300:600]):
        assert ve.metrics.memorised_fraction(samples, train, threshold=threshold) == (
            ve.metrics.memorised_fraction(samples, train, heldout))
    with pytest.raises(ValueError, match="exactly one of `x_heldout`.*received both"):
        ve.metrics.memorised_fraction(train[:10], train, heldout, threshold=threshold)
    with pytest.raises(ValueError, match="received neither"):
        ve.metrics.memorised_fraction(train[:10], train)


def test_perceptual_features_are_fixed_and_sized(glyphs):
    a = ve.metrics.perceptual_features(glyphs.x_test[:7])
    assert a.shape == (7, 2 * sum(ve.metrics.PERCEPTUAL_CHANNELS)) == (7, 448) and a.dtype == np.float64
    np.testing.assert_array_equal(a, ve.metrics.perceptual_features(glyphs.x_test[:7]))
    assert not ve.metrics.perceptual_network().trainable_weights


def test_suite_inputs_are_checked(glyphs):
    with pytest.raises(ValueError, match="`x_test` holds 1500 images"):
        ve.metrics.degradation_cases(glyphs.x_test[:1500], glyphs.y_test[:1500], glyphs.x_train[:100])
    with pytest.raises(ValueError, match="`y_test` must hold one label per test image"):
        ve.metrics.degradation_cases(glyphs.x_test, glyphs.y_test[:10], glyphs.x_train[:100])
    with pytest.raises(ValueError, match="`sigma` must be a positive number"):
        ve.metrics.blur(glyphs.x_test[:2], -1.0)


def test_building_the_perceptual_network_leaves_keras_random_state_alone():
    """Scoring samples must not change the models a chapter trains afterwards (one seed fixes every number)."""
    import keras

    def first_dense_kernel(build_perceptual):
        ve.config.set_seed(0)
        if build_perceptual:
            ve.metrics.perceptual_network.cache_clear()
            ve.metrics.perceptual_network((28, 28, 1))
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        return keras.ops.convert_to_numpy(layer.kernel)

    np.testing.assert_array_equal(first_dense_kernel(True), first_dense_kernel(False))

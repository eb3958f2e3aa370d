"""GAN metrics on constructed sets with known answers (chapters 06-08)."""

import numpy as np
import pytest

from vaegan_edu import metrics

ANGLES = 2 * np.pi * np.arange(8) / 8
RING = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)
STD = 0.01


def _near(modes, n_per_mode, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([m + 0.5 * STD * rng.standard_normal((n_per_mode, 2)) for m in modes])


def test_mode_coverage_all_modes():
    result = metrics.mode_coverage(_near(RING, 100), RING, STD)
    assert (result.modes_captured, result.num_modes) == (8, 8)
    assert result.high_quality > 0.97
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)  # perfectly balanced
    np.testing.assert_array_equal(result.counts, np.full(8, 100))


def test_mode_coverage_some_modes():
    result = metrics.mode_coverage(_near(RING[:3], 100), RING, STD)
    assert result.modes_captured == 3
    assert result.reverse_kl == pytest.approx(np.log(8 / 3), rel=1e-12)


def test_mode_coverage_off_mode_noise():
    # 300 samples on 3 modes, 100 at the centre of the ring (0.1 x radius from nothing): 75 % high quality.
    samples = np.concatenate([_near(RING[:3], 100), np.zeros((100, 2))])
    result = metrics.mode_coverage(samples, RING, STD)
    assert result.modes_captured == 3
    assert result.high_quality == pytest.approx(0.75, abs=0.01)
    # Off-mode samples do not capture modes even when they are nearest to them.
    assert metrics.mode_coverage(np.zeros((5, 2)), RING, STD).modes_captured == 0


def test_mode_coverage_threshold_is_three_std():
    just_in = RING[0] + [2.9 * STD, 0.0]
    just_out = RING[0] + [3.1 * STD, 0.0]
    assert metrics.mode_coverage(just_in[None], RING, STD).high_quality == 1.0
    assert metrics.mode_coverage(just_out[None], RING, STD).high_quality == 0.0


def _exact_gaussian_set(mean, cov, n=400, seed=0):
    """Samples whose sample mean and covariance (ddof=1) are exactly `mean` and `cov`."""
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # whitened: cov exactly I
    return mean + z @ np.linalg.cholesky(cov).T


def test_frechet_distance_identical_sets_is_zero():
    x = np.random.default_rng(0).normal(size=(300, 4))
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_closed_form_two_gaussians():
    mu_a, mu_b = np.array([0.0, 1.0, -1.0]), np.array([1.0, 1.0, 2.0])
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    a = _exact_gaussian_set(mu_a, np.diag(var_a), seed=1)
    b = _exact_gaussian_set(mu_b, np.diag(var_b), seed=2)
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)  # 10 + 4 + 1 = 15


def test_frechet_distance_full_covariance_against_scipy_sqrtm():
    from scipy.linalg import sqrtm

    cov_a = np.array([[2.0, 0.8], [0.8, 1.0]])
    cov_b = np.array([[1.0, -0.3], [-0.3, 0.5]])
    a = _exact_gaussian_set(np.zeros(2), cov_a, seed=3)
    b = _exact_gaussian_set(np.ones(2), cov_b, seed=4)
    expected = 2.0 + np.trace(cov_a + cov_b - 2 * np.real(sqrtm(cov_a @ cov_b)))
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_precision_recall_constructed_sets():
    rng = np.random.default_rng(0)
    cluster_a = rng.normal(size=(100, 2)) * 0.1
    cluster_b = rng.normal(size=(100, 2)) * 0.1 + 10.0
    real = np.concatenate([cluster_a, cluster_b])
    # Identical sets: everything inside.
    assert metrics.precision_recall(real, real, k=3) == (1.0, 1.0)
    # Generator covers only cluster A (a collapsed GAN): perfect precision, half the recall.
    fake = cluster_a + rng.normal(size=cluster_a.shape) * 0.01
    precision, recall = metrics.precision_recall(real, fake, k=3)
    assert precision == pytest.approx(1.0, abs=0.02)
    assert recall == pytest.approx(0.5, abs=0.02)
    # Generator far from everything.
    assert metrics.precision_recall(real, cluster_a + 100.0, k=3) == (0.0, 0.0)


def test_class_histogram_and_kl_to_uniform():
    hist = metrics.class_histogram(np.array([0, 0, 1, 3]), num_classes=4)
    np.testing.assert_allclose(hist, [0.5, 0.25, 0.0, 0.25])
    expected = 0.5 * np.log(4 * 0.5) + 2 * 0.25 * np.log(4 * 0.25)
    assert metrics.kl_to_uniform(hist) == pytest.approx(expected)
    assert metrics.kl_to_uniform(np.full(10, 0.1)) == pytest.approx(0.0, abs=1e-12)
    assert metrics.kl_to_uniform(np.eye(10)[3]) == pytest.approx(np.log(10))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4))), "same number of features"),
        (lambda: metrics.frechet_distance(np.zeros((0, 3)), np.zeros((5, 3))), "is empty"),
        (lambda: metrics.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3))), "at least 2 samples"),
        (lambda: metrics.precision_recall(np.zeros((3, 2)), np.ones((10, 2)), k=3), "more than k samples"),
        (lambda: metrics.precision_recall(np.zeros((10, 2)), np.ones((10, 3))), "same number of features"),
        (lambda: metrics.precision_recall(np.zeros((10, 2)), np.ones((10, 2)), k=0), "positive integer"),
        (lambda: metrics.mode_coverage(np.zeros((4, 3)), RING, STD), "same number of features"),
        (lambda: metrics.mode_coverage(np.zeros((0, 2)), RING, STD), "is empty"),
        (lambda: metrics.mode_coverage(np.zeros((4, 2)), RING, 0.0), "positive number"),
        (lambda: metrics.mode_coverage(np.zeros(4), RING, STD), "2-D array"),
        (lambda: metrics.class_histogram(np.array([0, 10]), num_classes=10), r"lie in \[0, 10\)"),
        (lambda: metrics.kl_to_uniform([0.5, 0.6]), "summing to 1"),
    ],
)
def test_bad_input_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_precision_uses_kth_neighbour_radius():
    # 1-D real points 0, 1, 3, 6: the radius of 6 is 3 for k=1 and 5 for k=2; fakes sit 4 to 5 away from 6.
    real = np.array([[0.0], [1.0], [3.0], [6.0]])
    fake = np.array([[10.0], [10.5], [11.0]])
    assert metrics.precision_recall(real, fake, k=1)[0] == 0.0
    assert metrics.precision_recall(real, fake, k=2)[0] == 1.0


def test_digit_classifier_reads_glyphs_and_gives_features():
    import vaegan_edu as ve

    ds = ve.data.load("glyphs", seed=0, num_train=100, num_test=200)
    probs = metrics.classify_digits(ds.x_test)
    assert probs.shape == (200, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs.argmax(axis=1) == ds.y_test).mean() > 0.9
    feats = metrics.digit_features(ds.x_test)
    assert feats.shape == (200, 64)
    assert metrics.digit_frechet_distance(ds.x_test, ds.x_test) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match=r"`images`.*\[\.\.\., None\]"):
        metrics.classify_digits(ds.x_test[..., 0])

"""The ``saturation`` protocol (issue 14): minimax against non-saturating loss, Adam or SGD, with D ahead or not."""

import keras
import pytest

from vaegan_edu import data, experiments, models
from vaegan_edu.experiments import saturation


def test_quick_run_measures_every_variant(tmp_path):
    result = experiments.run("saturation", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    assert result.variants == list(saturation.VARIANTS) and len(result.variants) == 8
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        assert 0 <= row["modes_captured"] <= 8 and 0 <= row["high_quality"] <= 1
        assert row["start_gradient"] > 0 and 0 < row["start_d_fake"] < 1
    assert result.payload["data"] is None  # 2-D points are drawn from a seed, not a cached dataset


def test_a_head_start_makes_d_reject_the_samples_and_flattens_the_minimax_gradient():
    """The regime of the textbook argument, measured: D(G(z)) near 0, the minimax gradient far smaller than the
    non-saturating one on the same networks."""
    x, _, _ = data.toy_2d("ring8", 5000, seed=0)
    signal = {}
    for loss in ("minimax", "non_saturating"):
        gan = models.make_gan_2d(loss=loss, seed=0)
        saturation.discriminator_head_start(gan, x, 300, 512)
        signal[loss] = saturation.generator_signal(gan)
    assert signal["minimax"][1] < 0.05 and signal["non_saturating"][1] < 0.05
    assert signal["non_saturating"][0] > 20 * signal["minimax"][0]


def test_make_gan_2d_optimizers():
    sgd = models.make_gan_2d(optimizer="sgd", lr=0.05, seed=0)
    assert isinstance(sgd.d_optimizer, keras.optimizers.SGD) and isinstance(sgd.g_optimizer, keras.optimizers.SGD)
    assert isinstance(models.make_gan_2d(seed=0).g_optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="`optimizer` must be 'adam' or 'sgd'"):
        models.make_gan_2d(optimizer="rmsprop")
    with pytest.raises(ValueError, match="`lr` must be a positive number"):
        models.make_gan_2d(lr=0)

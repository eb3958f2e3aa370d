"""Chapter 07 figures: the numbers they draw."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaegan_edu import plots  # noqa: E402


def test_metric_by_seed_draws_means_and_every_seed():
    rows = [{"model": "VAE", "recall": v} for v in (0.8, 0.9)] + [{"model": "GAN", "recall": 0.3},
                                                                  {"model": "data", "recall": float("nan")}]
    fig, ax = plt.subplots()
    plots.plot_metric_by_seed(ax, rows, "recall")
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [0.85, 0.3])  # NaN-only models are left out
    assert [t.get_text() for t in ax.get_xticklabels()] == ["VAE", "GAN"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="No row has a finite 'precision'"):
        plots.plot_metric_by_seed(ax, rows, "precision")


def test_show_saliency_scales_each_map_and_checks_shapes():
    images = np.zeros((2, 4, 4, 1))
    saliency = np.zeros((2, 4, 4, 1))
    saliency[0, 1, 1, 0], saliency[1, 2, 2, 0] = 5.0, 0.5
    fig, ax = plt.subplots()
    plots.show_saliency(ax, images, saliency, ncols=2)
    heat = ax.images[1].get_array()
    assert heat.max() == pytest.approx(1.0) and heat.count() == 2  # both peaks scaled to 1, the rest masked
    plt.close(fig)
    with pytest.raises(ValueError, match="same shape"):
        plots.show_saliency(ax, images, saliency[:1])

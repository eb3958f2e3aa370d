"""Figures of the comparison chapters (07-08): the numbers they draw."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaegan_edu import plots  # noqa: E402


def test_show_saliency_puts_scaled_maps_under_the_images():
    images = np.full((2, 4, 4, 1), 0.25)
    saliency = np.zeros((2, 4, 4, 1))
    saliency[0, 1, 1, 0], saliency[0, 0, 0, 0], saliency[1, 2, 2, 0] = 5.0, 2.5, 0.5
    fig, ax = plt.subplots()
    plots.show_saliency(ax, images, saliency)
    grid = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(grid[:4, :4], 0.25)  # the first image, top left
    maps = grid[5:9]  # the second row of tiles (4 pixels + 1 pixel of padding)
    assert maps[1, 1] == pytest.approx(1.0) and maps[0, 0] == pytest.approx(0.5)  # scaled to its own maximum
    assert maps[2, 5 + 2] == pytest.approx(1.0)  # the second map's peak, also 1
    plt.close(fig)
    with pytest.raises(ValueError, match="same non-empty shape"):
        plots.show_saliency(ax, images, saliency[:1])

"""Pure latent-space helpers of the VAE figures: grids, traversals, interpolations; and the figures' checks."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaegan_edu import plots  # noqa: E402


def test_latent_grid_z_layout():
    z = plots.latent_grid_z(3, span=2.0)
    assert z.shape == (9, 2)
    np.testing.assert_allclose(z[0], [-2.0, 2.0])  # top-left: smallest z1, largest z2
    np.testing.assert_allclose(z[2], [2.0, 2.0])
    np.testing.assert_allclose(z[-1], [2.0, -2.0])
    z = plots.latent_grid_z(2, span=1.0, dims=(2, 0), base=np.array([5.0, 6.0, 7.0]))
    np.testing.assert_allclose(z[:, 1], 6.0)  # the coordinate not on the grid keeps its base value
    np.testing.assert_allclose(z[1], [1.0, 6.0, 1.0])
    with pytest.raises(ValueError, match="two different latent indices"):
        plots.latent_grid_z(3, dims=(0, 0))
    with pytest.raises(ValueError, match="positive integer"):
        plots.latent_grid_z(0)


def test_traversal_z_changes_one_coordinate_per_row():
    z0 = np.array([0.5, -1.0, 2.0])
    z = plots.traversal_z(z0, [-1.0, 0.0, 1.0]).reshape(3, 3, 3)  # (latent, value, latent_dim)
    for j in range(3):
        np.testing.assert_allclose(z[j, :, j], [-1.0, 0.0, 1.0])
        others = [k for k in range(3) if k != j]
        np.testing.assert_allclose(z[j][:, others], np.tile(z0[others], (3, 1)))
    with pytest.raises(ValueError, match=r"mu\[0\]"):
        plots.traversal_z(z0[None], [1.0])


def test_interpolation_z_endpoints_and_midpoint():
    z = plots.interpolation_z(np.zeros(2), np.array([2.0, 4.0]), 5)
    np.testing.assert_allclose(z[[0, 2, 4]], [[0, 0], [1, 2], [2, 4]])
    with pytest.raises(ValueError, match="num_steps"):
        plots.interpolation_z(np.zeros(2), np.ones(2), 1)


def test_figures_show_the_numbers_they_are_given():
    fig, axes = plt.subplots(1, 3)
    plots.plot_rate_distortion(axes[0], [1.0, 2.0], [10.0, 5.0], [4.0, 1.0])
    np.testing.assert_allclose(axes[0].get_lines()[0].get_ydata(), [10.0, 5.0])
    plots.plot_kl_per_dimension(axes[1], [0.1, 3.0])
    assert [p.get_height() for p in axes[1].patches] == [0.1, 3.0]
    plots.plot_mutual_information(axes[2], np.array([[0.5, 0.1], [0.2, 1.0]]), np.array([1.0, 2.0]), ["a", "b"])
    np.testing.assert_allclose(axes[2].images[0].get_array(), [[0.5, 0.05], [0.2, 0.5]])
    with pytest.raises(ValueError, match=r"z\[:, :2\]"):
        plots.plot_latent_scatter(axes[0], np.zeros((5, 3)))
    plt.close(fig)

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaegan_edu import plots  # noqa: E402


def test_image_grid_leaves_row_pad_between_rows():
    grid = plots.image_grid(np.zeros((4, 2, 3)), ncols=2, pad=1, pad_value=-1, row_pad=4)
    assert grid.shape == (2 * 2 + 4, 2 * 3 + 1)
    assert (grid[2:6] == -1).all() and (grid[6:8, :3] == 0).all()
    with pytest.raises(ValueError, match="row_pad"):
        plots.image_grid(np.zeros((4, 2, 3)), row_pad=-1)


def test_image_grid_places_each_image_and_pads():
    images = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3, 1)
    grid = plots.image_grid(images, ncols=3, pad=1, pad_value=-1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    np.testing.assert_array_equal(grid[0:2, 4:7], images[1, ..., 0])
    np.testing.assert_array_equal(grid[3:5, 4:7], images[4, ..., 0])
    assert (grid[3:5, 8:11] == -1).all()  # the missing sixth tile
    assert plots.image_grid(images).shape == (2 * 2 + 1, 3 * 3 + 2)  # default: smallest square, 3 columns


@pytest.mark.parametrize("bad", [np.zeros((8, 8)), np.zeros((0, 8, 8)), np.zeros((2, 8, 8, 3))])
def test_image_grid_rejects_what_is_not_a_stack_of_grey_images(bad):
    with pytest.raises(ValueError, match="must have shape"):
        plots.image_grid(bad)


def test_show_images_draws_the_grid_with_titles():
    fig, ax = plt.subplots()
    images = np.random.default_rng(0).random((4, 8, 8))
    assert plots.show_images(ax, images, title="t") is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), plots.image_grid(images))
    ax.clear()
    plots.show_images(ax, images, titles=list("abcd"), title="t")  # labels get a band under each row
    assert [t.get_text() for t in ax.texts] == list("abcd") and ax.get_title() == "t"
    with pytest.raises(ValueError, match="one entry per image"):
        plots.show_images(ax, images, titles=["a"])
    plt.close(fig)

"""The book's figure style (vaegan_edu.style): set by settings(), and every package figure meets it.

Projector-ready means: at least 100 dpi, no text under 12 pt, colours that stay apart for colour-blind readers,
a colour bar on every heatmap, ticks on coordinate axes, image grids with at least 56 px per image and their
labels beside the images, numbers inside the frame, and a title saying what to see.
"""

import io
import itertools
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from vaegan_edu import config, plots, style  # noqa: E402


@pytest.fixture(autouse=True)
def book_style():
    """Each test runs in the book's style and leaves matplotlib's defaults as it found them."""
    with style.context():
        yield
    plt.close("all")


def _png(figure):
    """The figure as Jupyter's inline backend embeds it: a PNG at the style's dpi, cropped to its content."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=matplotlib.rcParams["savefig.dpi"], bbox_inches="tight")
    return matplotlib.image.imread(io.BytesIO(buffer.getvalue()))[..., :3]


def _texts(figure):
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


# --- the style itself -------------------------------------------------------------------------------------------


def test_settings_applies_the_book_style():
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams["figure.dpi"] = 72  # what the chapters set before this style existed
        config.settings(seed=0, fast=True)
        rc = matplotlib.rcParams
        assert rc["figure.dpi"] == rc["savefig.dpi"] == style.DPI >= 100
        for key in ("font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize", "axes.labelsize",
                    "axes.titlesize"):  # fmt: skip
            assert matplotlib.font_manager.FontProperties(size=rc[key]).get_size_in_points() >= 12, key
        assert [mcolors.to_hex(c) for c in rc["axes.prop_cycle"].by_key()["color"]] == [
            mcolors.to_hex(c) for c in style.PALETTE
        ]
        figure = plt.figure()
        assert figure.dpi == style.DPI  # a figure made after settings() embeds at 100 dpi
    assert matplotlib.rcParams["figure.dpi"] == style.DPI  # the fixture's context, restored


# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB: how the colours look with each deficiency.
_CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
}


def _closest_pair(colours, matrix):
    """The smallest CIE76 colour difference between two of ``colours`` seen through ``matrix``."""
    rgb = np.array([mcolors.to_rgb(c) for c in colours])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ np.asarray(matrix).T, 0, 1)
    xyz = seen @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    f = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(f > 0.008856, np.cbrt(f), 7.787 * f + 16 / 116)
    lab = np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(lab, 2))


@pytest.mark.parametrize("deficiency", sorted(_CVD))
def test_the_palettes_stay_apart_for_colour_blind_readers(deficiency):
    matrix = _CVD[deficiency]
    assert _closest_pair(style.PALETTE, matrix) > 15  # lines and bars
    assert _closest_pair(style.CLASS_COLORS, matrix) > 15  # ten digit classes
    tab10 = [f"C{i}" for i in range(10)]
    with matplotlib.rc_context({"axes.prop_cycle": matplotlib.rcParamsDefault["axes.prop_cycle"]}):
        tab10 = [mcolors.to_hex(c) for c in tab10]
    if deficiency != "tritanopia":  # matplotlib's default, which this style replaces, fails the same check
        assert _closest_pair(tab10, matrix) < 15


# --- every package figure -----------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
INTERVALS = {k: SimpleNamespace(estimate=v, low=v - 2, high=v + 2) for k, v in [("baseline", 40.0), ("hinge", 31.0)]}
SURFACE = (np.linspace(-1.5, 1.5, 20), RNG.random((20, 20)))

# name -> (figure size, draw(ax)), each a package function called as a chapter calls it, with no title given.
GALLERY = {
    "show_images": ((8, 0.9), lambda ax: plots.show_images(ax, RNG.random((16, 28, 28)), ncols=16,
                                                           titles=[str(i % 10) for i in range(16)])),
    "show_latent_grid": ((5, 5), lambda ax: plots.show_latent_grid(ax, RNG.random((25, 28, 28)), span=2.5)),
    "plot_latent_scatter": ((5, 4), lambda ax: plots.plot_latent_scatter(ax, RNG.normal(size=(200, 2)),
                                                                         np.arange(200) % 10)),
    "plot_rate_distortion": ((5, 3.2), lambda ax: plots.plot_rate_distortion(ax, [1, 4, 9], [50, 30, 25],
                                                                             [4, 1, 0.25])),
    "plot_kl_per_dimension": ((5, 2.4), lambda ax: plots.plot_kl_per_dimension(ax, [0.01, 2.5, 1.1])),
    "plot_mutual_information": ((5, 3.6), lambda ax: plots.plot_mutual_information(
        ax, RNG.random((6, 5)), np.ones(5), ["shape", "scale", "orientation", "x", "y"])),
    "plot_gan_2d": ((4, 3.5), lambda ax: plots.plot_gan_2d(ax, RNG.normal(size=(100, 2)), RNG.normal(size=(100, 2)),
                                                           surface=SURFACE, modes=np.zeros((1, 2)))),
    "plot_history": ((5, 3), lambda ax: plots.plot_history(ax, {"step": [0, 1, 2], "d_loss": [1, 0.8, 0.7]},
                                                           ["d_loss"])),
    "plot_density_curves": ((6, 3), lambda ax: plots.plot_density_curves(
        ax, np.linspace(-3, 3, 50), {"p": np.exp(-np.linspace(-3, 3, 50) ** 2), "q": np.ones(50) / 6}, fill="p")),
    "plot_estimates": ((5, 3), lambda ax: plots.plot_estimates(ax, [10, 100], [1.2, 1.0], [0.1, 0.03], truth=1.0)),
    "plot_elbo_gap": ((4, 3), lambda ax: plots.plot_elbo_gap(ax, -3.553, -93.354)),
    "show_saliency": ((8, 2.6), lambda ax: plots.show_saliency(ax, RNG.random((6, 28, 28)), RNG.random((6, 28, 28)))),
    "interval_bars": ((5, 3), lambda ax: plots.interval_bars(INTERVALS, ax=ax, ylabel="FD", better="lower")),
    "interval_curves": ((5, 3), lambda ax: plots.interval_curves([1, 2], {k: [v, v] for k, v in INTERVALS.items()},
                                                                 ax=ax)),
    "plot_time_to_target": ((8, 3), lambda ax: plots.plot_time_to_target(
        {"default": [35.0, 38.0, 36.0], "SGD+momentum": [float("nan"), 110.0, float("nan")]}, cap=120.0, ax=ax)),
    "plot_grid_sensitivity": ((5.5, 4), lambda ax: plots.plot_grid_sensitivity(
        {0: {0.5: 9.0, 1.0: 5.0, 4.0: 3.4}, 1: {0.5: 7.0, 1.0: float("nan"), 4.0: 3.0}}, ax=ax, ylabel="late FD")),
}  # fmt: skip
# Figures with a fixed meaning say what to see when the caller gives no title; generic ones leave it to the caller.
UNTITLED = {"show_images", "plot_history", "plot_density_curves"}


def _draw(name):
    size, draw = GALLERY[name]
    figure, ax = plt.subplots(figsize=size)
    draw(ax)
    figure.tight_layout()
    return figure, ax


def test_the_gallery_covers_every_drawing_function_of_plots():
    import inspect

    drawing = {name for name, f in vars(plots).items() if inspect.isfunction(f) and not name.startswith("_")
               and f.__module__ == plots.__name__ and "ax" in inspect.signature(f).parameters}  # fmt: skip
    assert drawing == set(GALLERY)


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_no_text_on_a_package_figure_is_smaller_than_12_pt(name):
    figure, _ = _draw(name)
    sizes = {t.get_text(): t.get_fontsize() for t in _texts(figure)}
    assert sizes and min(sizes.values()) >= style.MIN_FONT_SIZE, {k: v for k, v in sizes.items() if v < 12}
    assert figure.dpi >= 100


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_a_figure_says_what_to_see(name):
    _, ax = _draw(name)
    assert bool(ax.get_title()) == (name not in UNTITLED)


@pytest.mark.parametrize("name", ["plot_mutual_information", "plot_gan_2d", "show_saliency", "plot_latent_scatter"])
def test_every_heatmap_has_a_colour_bar_and_a_redraw_keeps_one(name):
    figure, ax = _draw(name)
    figure.canvas.draw()  # places the axes (an equal aspect shrinks them) and the bar beside them
    heatmap = (ax.images or ax.collections)[0]
    bar = ax._book_colorbar
    assert bar.mappable is heatmap and bar.ax in ax.child_axes
    assert bar.ax.get_window_extent().x0 >= ax.get_window_extent().x1  # beside the heatmap, not over it
    for _ in range(2):  # a live view clears and redraws its axes every frame
        ax.clear()
        GALLERY[name][1](ax)
    assert len(ax.child_axes) == 1 and ax._book_colorbar.mappable is (ax.images or ax.collections)[0]


def test_a_row_of_snapshots_can_share_one_colour_bar():
    figure, axes = plt.subplots(1, 2)
    for ax, last in zip(axes, (False, True)):
        plots.plot_gan_2d(ax, np.zeros((3, 2)), np.zeros((3, 2)), surface=SURFACE, colorbar=last)
    assert [len(ax.child_axes) for ax in axes] == [0, 1]


def test_coordinate_axes_carry_ticks():
    _, ax = _draw("plot_gan_2d")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["−1.5", "0", "1.5"] and ax.get_xlabel() == "$x_1$"
    _, ax = _draw("show_latent_grid")  # 5 x 5 images of 28 px, 1 px apart; z from -2.5 to 2.5
    np.testing.assert_allclose(ax.get_xticks(), np.arange(5) * 29 + 13.5)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["−2.5", "−1.25", "0", "1.25", "2.5"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2.5", "1.25", "0", "−1.25", "−2.5"]  # top row first
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$z_{1}$", "$z_{2}$")


# --- image grids --------------------------------------------------------------------------------------------------


def _runs(mask):
    """Lengths of the runs of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return edges[1::2] - edges[0::2]


def _tile_sizes(png):
    """Widths and heights, in PNG pixels, of the mid-grey tiles of a rendered grid (pads white, text black)."""
    grey = np.all(np.abs(png - 0.5) < 0.03, axis=-1)
    row, col = grey.sum(axis=1).argmax(), grey.sum(axis=0).argmax()  # a row and a column through the images
    widths, heights = _runs(grey[row]), _runs(grey[:, col])
    return widths[widths > 20], heights[heights > 20]  # shorter runs are strokes and edges of text


# Chapter layouts (figure size, number of images, image side, columns, labels): 03's strip of 16 digits in an
# 8 x 0.9 inch figure, 00's 40 small digits in 20 columns, 03's three strips of 12 in one figure, 06's 3 x 3.
LAYOUTS = [((8, 0.9), 16, 28, 16, True, 1), ((7, 3), 40, 8, 20, True, 1), ((8, 3.2), 12, 28, 12, False, 3),
           ((1.4, 1.7), 9, 28, 3, False, 1)]  # fmt: skip


@pytest.mark.parametrize("size, n, side, ncols, labelled, panels", LAYOUTS)
def test_a_rendered_image_grid_has_at_least_56_px_per_image(size, n, side, ncols, labelled, panels):
    figure, axes = plt.subplots(panels, 1, figsize=size, squeeze=False)
    for ax in axes[:, 0]:
        titles = [str(i % 10) for i in range(n)] if labelled else None
        plots.show_images(ax, np.full((n, side, side), 0.5), ncols=ncols, titles=titles, title="a title")
    figure.tight_layout()
    widths, heights = _tile_sizes(_png(figure))
    assert len(widths) == ncols and len(heights) == panels * int(np.ceil(n / ncols))
    assert widths.min() >= style.MIN_IMAGE_PX and heights.min() >= style.MIN_IMAGE_PX, (widths, heights)


def test_show_images_can_keep_the_figure_size_and_then_gives_small_tiles():
    figure, ax = plt.subplots(figsize=(8, 0.9))
    plots.show_images(ax, np.full((16, 28, 28), 0.5), ncols=16, min_image_px=None)
    assert tuple(figure.get_size_inches()) == (8, 0.9)
    widths, _ = _tile_sizes(_png(figure))
    assert widths.max() < style.MIN_IMAGE_PX  # the check above can fail


def test_image_labels_sit_under_their_own_images_never_over_one():
    figure, ax = plt.subplots(figsize=(8, 0.9))
    names = ["square", "ellipse", "heart", "triangle"] * 3  # chapter 05's sprites: labels wider than a digit
    plots.show_images(ax, np.full((12, 28, 28), 0.5), ncols=12, titles=names)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    assert [t.get_text() for t in ax.texts] == names
    for i, label in enumerate(labels):
        (x0, y_top), (x1, y_bottom) = ax.transData.transform([(i * 29 - 0.5, -0.5), (i * 29 + 27.5, 27.5)])
        tiles = [ax.transData.transform([(j * 29 - 0.5, -0.5), (j * 29 + 27.5, 27.5)]) for j in range(12)]
        assert label.y1 <= y_bottom  # below its image (display y grows upwards; image rows downwards)
        assert x0 <= (label.x0 + label.x1) / 2 <= x1  # centred under it
        for (a, top), (b, bottom) in tiles:
            assert label.x1 <= a or label.x0 >= b or label.y1 <= bottom or label.y0 >= top  # over no image
        if i:
            assert labels[i - 1].x1 < label.x0  # labels do not run into each other


def test_show_images_draws_the_images_with_a_band_for_labels():
    figure, ax = plt.subplots()
    images = RNG.random((4, 8, 8))
    plots.show_images(ax, images, ncols=2, titles=list("abcd"))
    grid = np.asarray(ax.images[0].get_array())
    row_step = (grid.shape[0] + 1) // 2  # two rows of images, each followed by its label band
    np.testing.assert_array_equal(grid[:8, :8], images[0].astype(np.float32))
    np.testing.assert_array_equal(grid[row_step : row_step + 8, 9:17], images[3].astype(np.float32))
    assert row_step > 9 and (grid[8:row_step] == 1.0).all()  # the band under the first row is white


# --- numbers inside the frame -------------------------------------------------------------------------------------


@pytest.mark.parametrize("log_evidence, elbo", [(-3.553, -93.354), (-93.354, -93.5), (2.0, -5.0), (12.0, 3.0)])
def test_elbo_gap_numbers_stay_inside_the_frame(log_evidence, elbo):
    figure, (_, ax) = plt.subplots(1, 2, figsize=(7.5, 3.0))  # the ELBO explorer's figure
    plots.plot_elbo_gap(ax, log_evidence, elbo)
    figure.tight_layout()
    figure.canvas.draw()
    frame = ax.get_window_extent()
    for text in ax.texts:
        box = text.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, text
    gap = ax.patches[2]
    assert (gap.get_y(), gap.get_height()) == pytest.approx((elbo, log_evidence - elbo))  # from the ELBO up

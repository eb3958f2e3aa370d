"""The book's figure style: one place that sets the size, resolution, fonts and colours of every figure.

The chapters are projected in lecture halls and read on GitHub, so a figure has to be legible from the back of a
room: at least :data:`MIN_FONT_SIZE` points for every text at the resolution the notebook embeds (:data:`DPI`),
colours that readers with a colour-vision deficiency can tell apart (the Okabe–Ito palette, Okabe & Ito 2008,
https://jfly.uni-koeln.de/color/, and Paul Tol's "muted" scheme for ten classes, https://personal.sron.nl/~pault/),
a colour bar beside every heatmap, and digits large enough to read (:data:`MIN_IMAGE_PX` screen pixels per image in
a grid).

:func:`apply` sets matplotlib's defaults (``rcParams``) to this style; :func:`vaegan_edu.config.settings` calls it,
so every chapter gets it from its setup cell. :func:`context` applies it to one ``with`` block only (tests,
scripts). The helpers below are shared by :mod:`vaegan_edu.plots`, :mod:`vaegan_edu.diagrams` and
:mod:`vaegan_edu.widgets`: :func:`colorbar` (one bar per heatmap, reused when a live figure redraws) and
:func:`fit_image_scale` (enlarges a figure until its image grid has the pixels it needs).

Jupyter's inline backend embeds a figure as a PNG at the figure's own ``dpi`` (``figure.dpi``; IPython's
``print_figure`` ignores ``savefig.dpi``), so both are set to :data:`DPI`.

Taught in: 00_tour (applied by every chapter's setup cell)
"""

from __future__ import annotations

import math

import numpy as np

from vaegan_edu.validation import check_axes, check_positive_number  # numpy only: style stays a leaf of the figures

DPI = 100  # figure.dpi and savefig.dpi: 1 inch of figure = 100 px of PNG (the chapters used 72)
FIGSIZE = (8.0, 4.5)  # inches, the default figure: 800 x 450 px, the width of JupyterLab's output area
FONT_SIZE = 12  # points: ticks, legends, annotations, text in diagrams; the smallest text of any figure
LABEL_SIZE = 13  # points: axis labels, colour-bar labels
TITLE_SIZE = 14  # points: axes titles
MIN_FONT_SIZE = 12  # no text of a package figure is smaller (12 pt at 100 dpi is 17 px high)
MIN_IMAGE_PX = 56  # screen pixels per side of each image in a grid: 2 px per pixel of a 28 x 28 digit
COLORBAR_WIDTH_PX = 16  # screen pixels: the colour bar beside a heatmap
COLORBAR_GAP_PX = 8  # screen pixels between a heatmap and its colour bar
IMAGE_HEADROOM = 1.06  # grids are sized 6 % above MIN_IMAGE_PX, so a later tight_layout or title keeps them above

# Okabe & Ito (2008): eight colours that stay distinct under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
# The order lines and bars take (C0, C1, ...): strong colours first, yellow (weak on white) and black last.
PALETTE = tuple(OKABE_ITO[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky_blue",
                                             "yellow", "black"))  # fmt: skip
# Ten classes (the digits 0-9): the nine colours of Paul Tol's colour-blind-safe "muted" scheme, then black (his
# tenth, pale grey, is for missing data and vanishes on white). matplotlib's "tableau-colorblind10" was tried
# first: four of its ten colours are greys that cannot be told apart in a scatter of digits.
CLASS_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
                "#000000")  # fmt: skip
# Roles that keep one colour across the book: generated samples and the generator are orange, the data black,
# the discriminator and the encoder blue, gradients vermillion.
REAL_COLOR = OKABE_ITO["black"]
FAKE_COLOR = OKABE_ITO["orange"]
GENERATOR_COLOR = OKABE_ITO["orange"]
DISCRIMINATOR_COLOR = OKABE_ITO["blue"]
ENCODER_COLOR = OKABE_ITO["blue"]
DECODER_COLOR = OKABE_ITO["orange"]
GRADIENT_COLOR = OKABE_ITO["vermillion"]
ARROW_COLOR = OKABE_ITO["green"]
HEATMAP_CMAP = "viridis"  # sequential, perceptually uniform, readable in grey
DIVERGING_CMAP = "RdBu_r"  # ColorBrewer's red-blue: colour-blind safe; red = high


def rc() -> dict:
    """The book's matplotlib settings, as a dict for ``matplotlib.rcParams.update`` or ``rc_context``.

    Returns
    -------
    dict {rcParams key: value}

    Taught in: 00_tour
    """
    from cycler import cycler

    return {
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",  # not transparent: black text must stay readable in a dark JupyterLab theme
        "savefig.facecolor": "white",
        "font.size": FONT_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.labelsize": LABEL_SIZE,
        "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE,
        "legend.fontsize": FONT_SIZE,
        "legend.title_fontsize": FONT_SIZE,
        "figure.titlesize": TITLE_SIZE + 1,
        "figure.labelsize": LABEL_SIZE,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "image.cmap": HEATMAP_CMAP,
        "lines.linewidth": 2.0,
        "lines.markersize": 6.0,
        "errorbar.capsize": 4.0,
        "legend.framealpha": 0.9,
    }


def apply() -> None:
    """Make the book's style matplotlib's default (``rcParams``) for the rest of the session.

    Called by :func:`vaegan_edu.config.settings`; call it again after anything that resets ``rcParams``
    (``plt.rcdefaults()``, ``%matplotlib``). It changes matplotlib's global defaults, nothing else.

    Taught in: 00_tour
    """
    import matplotlib

    matplotlib.rcParams.update(rc())
    _show_figures_inline()


def _show_figures_inline() -> None:
    """In a Jupyter kernel, register the inline display of figures now (importing ``matplotlib_inline``'s backend
    does it when the inline backend is selected, and nothing otherwise), so a figure that pyplot does not hold,
    such as a :mod:`vaegan_edu.diagrams` drawing, shows as a picture even in a chapter's first plotting cell;
    without it, such a figure shows only as ``<Figure size ...>`` until pyplot has drawn something."""
    import importlib
    import sys

    if "ipykernel" in sys.modules:
        try:
            importlib.import_module("matplotlib_inline.backend_inline")  # its first import registers the display
        except ImportError:  # no inline backend installed: nothing to register
            pass


def context():
    """A ``with`` block in the book's style, leaving matplotlib's defaults as they were afterwards.

    Examples
    --------
    >>> import matplotlib
    >>> with context():
    ...     matplotlib.rcParams["figure.dpi"] == DPI
    True

    Taught in: 00_tour
    """
    import matplotlib

    return matplotlib.rc_context(rc())


def class_colormap(num_classes: int):
    """A colour-blind-safe map of ``num_classes`` <= 10 distinct colours (:data:`CLASS_COLORS`), for labels.

    Raises
    ------
    ValueError
        If ``num_classes`` is not an integer in [1, 10].

    Taught in: 03_vae
    """
    from matplotlib.colors import ListedColormap

    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or not 1 <= num_classes <= 10:
        raise ValueError(
            f"`num_classes` must be an integer from 1 to {len(CLASS_COLORS)}; received {num_classes!r}. More classes "
            f"cannot all get distinguishable colours: use a sequential map instead."
        )
    return ListedColormap(CLASS_COLORS[:num_classes], name=f"classes{num_classes}")


def colorbar(ax, mappable, label: str | None = None):
    """Add a colour bar for ``mappable`` just right of ``ax``, or update the one this function added before.

    The bar is an inset of ``ax`` (``ax.inset_axes``): it is as tall as the drawn axes, also when an image
    keeps its aspect ratio, and it takes no space from the axes, so a row of panels keeps equal sizes
    (``tight_layout`` and ``bbox_inches="tight"`` make room for it). ``ax.clear()`` removes it with the rest;
    otherwise a second call updates the same bar (kept as ``ax._book_colorbar``) instead of adding one.

    Parameters
    ----------
    ax : matplotlib Axes, the heatmap's axes
    mappable : what ``imshow``/``scatter``/``pcolormesh`` returned
    label : str or None, what the colour means (with units)

    Returns
    -------
    matplotlib.colorbar.Colorbar

    Taught in: 00_tour
    """
    from matplotlib.cm import ScalarMappable

    check_axes(ax)
    if not isinstance(mappable, ScalarMappable):
        raise TypeError(f"`mappable` must be what imshow, scatter or pcolormesh returned (a ScalarMappable); received "
                        f"{type(mappable).__name__}. Fix: image = ax.imshow(values); colorbar(ax, image).")  # fmt: skip
    bar = getattr(ax, "_book_colorbar", None)
    if bar is not None and bar.ax in ax.child_axes:
        bar.update_normal(mappable)
        mappable.colorbar = bar  # what matplotlib's own Colorbar does for the mappable it is built with
        mappable.colorbar_cid = mappable.callbacks.connect("changed", bar.update_normal)
    else:
        figure = ax.figure
        width_px = max(ax.get_position().width * figure.get_figwidth() * figure.dpi, 1.0)
        gap, thickness = COLORBAR_GAP_PX / width_px, COLORBAR_WIDTH_PX / width_px  # in fractions of the axes
        bar = figure.colorbar(mappable, cax=ax.inset_axes([1.0 + gap, 0.0, thickness, 1.0]))
        ax._book_colorbar = bar
    bar.ax.tick_params(labelsize=FONT_SIZE)
    if label is not None:
        bar.set_label(label, fontsize=LABEL_SIZE)
    return bar


def image_scale(ax, grid_shape) -> float:
    """Screen pixels per image pixel when a (height, width) array is drawn with ``imshow`` (equal aspect) in ``ax``.

    Reads the axes' place in its figure (after the figure's layout engine, if it has one) and the figure's size
    and dpi; the image fills the axes' box along its tighter side.

    Taught in: 00_tour
    """
    height, width = _check_grid_shape(grid_shape)
    figure = check_axes(ax).figure
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)
    box = ax.get_position(original=True)
    width_px, height_px = figure.get_size_inches() * figure.dpi
    return float(min(box.width * width_px / width, box.height * height_px / height))


def _check_grid_shape(grid_shape) -> tuple:
    """(height, width) of an image in pixels: two positive integers."""
    shape = tuple(grid_shape) if isinstance(grid_shape, (tuple, list)) or np.ndim(grid_shape) == 1 else None
    if shape is None or len(shape) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in shape):
        raise ValueError(f"`grid_shape` must be the (height, width) of the drawn image in pixels, two positive "
                         f"integers such as grid.shape; received {grid_shape!r}.")  # fmt: skip
    return int(shape[0]), int(shape[1])


def fit_image_scale(ax, grid_shape, scale: float) -> float:
    """Enlarge ``ax``'s figure (never shrink it) until a ``grid_shape`` image gets ``scale`` px per pixel.

    The figure grows by one factor in both directions, so every other panel keeps its proportions. The target
    is ``scale`` times :data:`IMAGE_HEADROOM`, so that the layout a caller applies afterwards (``tight_layout``,
    a title) leaves the grid above ``scale``.

    Parameters
    ----------
    ax : matplotlib Axes that draws (or will draw) the image
    grid_shape : (height, width) of the image in pixels
    scale : float > 0, screen pixels wanted per image pixel

    Returns
    -------
    float: the screen pixels per image pixel after fitting

    Taught in: 00_tour
    """
    _check_grid_shape(grid_shape)
    target = check_positive_number("scale", scale, MIN_IMAGE_PX / 28) * IMAGE_HEADROOM
    current = image_scale(ax, grid_shape)
    for _ in range(3):  # one step suffices without a layout engine; an engine may need a second
        if current >= target:
            break
        figure = ax.figure
        figure.set_size_inches(figure.get_size_inches() * (target / current) * 1.001)
        current = image_scale(ax, grid_shape)
    return current


def number(value: float, spec: str = ".3g") -> str:
    """``format(value, spec)`` with a true minus sign (U+2212), as on matplotlib's axes.

    Examples
    --------
    >>> number(-3.5531, ".3f")
    '−3.553'

    Taught in: 00_tour
    """
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise TypeError(f"`value` must be one number; received {value!r:.60} ({type(value).__name__}).")
    return format(float(value), spec).replace("-", "\u2212")


def text_width_px(text: str, fontsize: float = FONT_SIZE, dpi: float = DPI) -> float:
    """Width in pixels of one line of ``text`` at ``fontsize`` points and ``dpi``, measured from the font itself.

    Taught in: 00_tour
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    fontsize, dpi = check_positive_number("fontsize", fontsize, FONT_SIZE), check_positive_number("dpi", dpi, DPI)
    width, _, _ = TextToPath().get_text_width_height_descent(str(text), FontProperties(size=fontsize), ismath=False)
    return float(width) * dpi / 72.0


def text_height_px(fontsize: float = FONT_SIZE, dpi: float = DPI) -> float:
    """Height in pixels of a line of text at ``fontsize`` points (1.2 line spacing), at ``dpi``.

    Taught in: 00_tour
    """
    fontsize, dpi = check_positive_number("fontsize", fontsize, FONT_SIZE), check_positive_number("dpi", dpi, DPI)
    return 1.2 * fontsize * dpi / 72.0


def label_band(scale: float, fontsize: float = FONT_SIZE, dpi: float = DPI) -> int:
    """Image pixels to leave under a row of images for one line of labels, at ``scale`` px per image pixel.

    Taught in: 00_tour
    """
    scale = check_positive_number("scale", scale, 2.0)
    return int(math.ceil((text_height_px(fontsize, dpi) + 4.0) / scale))

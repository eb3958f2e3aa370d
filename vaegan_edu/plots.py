"""Matplotlib figures of the book. Every function draws into an Axes it is given and returns it.

Drawing is kept apart from computing: the numbers a figure shows come from the package's pure functions,
so they can be tested without looking at a picture.
"""

from __future__ import annotations

import numpy as np

# === images (all chapters) ===


def image_grid(images, ncols: int | None = None, pad: int = 1, pad_value: float = 1.0) -> np.ndarray:
    """Tile images (n, h, w) or (n, h, w, 1) into one (rows*(h+pad)-pad, cols*(w+pad)-pad) array.

    ``ncols`` defaults to the smallest square that holds all images; missing tiles are filled with
    ``pad_value``.

    Raises
    ------
    ValueError
        If ``images`` is not a non-empty stack of single-channel images.

    Taught in: 00_tour
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            f"`images` must have shape (n, height, width) or (n, height, width, 1) with n >= 1; got "
            f"{images.shape}. For one image add a batch axis with `image[None]`."
        )
    n, h, w = images.shape
    ncols = int(ncols or np.ceil(np.sqrt(n)))
    if ncols <= 0:
        raise ValueError(f"`ncols` must be a positive integer; received {ncols}.")
    nrows = int(np.ceil(n / ncols))
    grid = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), pad_value, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return grid


def show_images(ax, images, ncols: int | None = None, titles=None, title: str | None = None):
    """Draw a grid of grey images into ``ax`` (white ink on black, values in [0, 1]); returns ``ax``.

    ``titles`` (one short string per image, e.g. labels) are written under the tiles when given.

    Taught in: 00_tour
    """
    images = np.asarray(images)
    grid = image_grid(images, ncols, pad_value=1.0)
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if titles is not None:
        n = len(images)
        if len(titles) != n:
            raise ValueError(f"`titles` needs one entry per image ({n}); received {len(titles)}.")
        ncols = int(ncols or np.ceil(np.sqrt(n)))
        h, w = images.shape[1:3]
        for i, text in enumerate(titles):
            r, c = divmod(i, ncols)
            ax.text(c * (w + 1) + w - 1, r * (h + 1) + h - 1, str(text), color="yellow",
                    fontsize=7, ha="right", va="bottom")  # fmt: skip
    if title:
        ax.set_title(title)
    return ax

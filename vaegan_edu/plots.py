"""Matplotlib figures of the book. Every function draws into an Axes it is given and returns it.

Drawing is kept apart from computing: the numbers a figure shows come from the package's pure functions,
so they can be tested without looking at a picture.

Every figure follows the book's style (:mod:`vaegan_edu.style`): text of at least 12 pt, colour-blind-safe
colours, a colour bar beside every heatmap, ticks on every axis that carries a coordinate, image grids with at
least 56 screen pixels per image and their labels beside the images, and a title that says what to see when the
caller gives none. Diagrams (boxes and arrows) live in :mod:`vaegan_edu.diagrams`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from vaegan_edu import style
from vaegan_edu.validation import (
    MAX_ELEMENTS, as_float_array, check_axes, check_finite, check_positive_int, check_positive_number, check_unit_range,
)  # fmt: skip


MAX_GRID_PIXELS = 50_000_000  # an image grid larger than this (7,000 x 7,000) is a typo, not a figure
MAX_BARS = 1_000  # bars one chart draws (one per latent, per variant ...)


def _check_scalar(name: str, value) -> float:
    """A finite real number (Python, NumPy or 0-d array); an array of many values says to average it first."""
    if np.ndim(value) != 0 or isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be one number; received {type(value).__name__} of shape {np.shape(value)}. "
                        f"Fix: average per-image values first, e.g. `{name}.mean()`.")  # fmt: skip
    number = float(as_float_array(name, value, "float64"))
    if not np.isfinite(number):
        raise ValueError(f"`{name}` must be a finite number; received {name}={value!r}.")
    return number


def _check_points(name: str, values, dim: int = 2) -> np.ndarray:
    """A finite float array of points of shape (n, dim)."""
    points = as_float_array(name, values, "float64")
    if points.ndim != 2 or points.shape[1] != dim or len(points) == 0:
        raise ValueError(f"`{name}` must be an array of {dim}-D points of shape (n, {dim}) with n >= 1; received "
                         f"shape {points.shape}.")  # fmt: skip
    check_finite(name, points)
    return points


def _check_same_lengths(names: str, *arrays) -> None:
    """Raise unless the 1-D ``arrays`` (named in ``names``) are non-empty and of one length."""
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1 or lengths[0] == 0:
        raise ValueError(f"{names} must be non-empty and of the same length (one entry per point); received lengths "
                         f"{', '.join(map(str, lengths))}.")  # fmt: skip

# === images (all chapters) ===


def image_grid(images, ncols: int | None = None, pad: int = 1, pad_value: float = 1.0,
               row_pad: int | None = None) -> np.ndarray:  # fmt: skip
    """Tile images (n, h, w) or (n, h, w, 1) into one (rows*(h+row_pad)-row_pad, cols*(w+pad)-pad) array.

    ``ncols`` defaults to the smallest square that holds all images; missing tiles are filled with
    ``pad_value``. ``row_pad`` (default ``pad``) is the gap between rows, e.g. room for labels under the images.

    Raises
    ------
    ValueError
        If ``images`` is not a non-empty stack of finite single-channel images.

    Taught in: 00_tour
    """
    images = as_float_array("images", images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            f"`images` must have shape (n, height, width) or (n, height, width, 1) with n >= 1; got "
            f"{images.shape}. For one image add a batch axis with `image[None]`."
        )
    check_finite("images", images)
    n, h, w = images.shape
    if ncols is not None and (isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1):
        raise ValueError(f"`ncols` must be a positive integer or None (a square grid); received ncols={ncols!r}.")
    row_pad = pad if row_pad is None else row_pad
    for name, value in (("pad", pad), ("row_pad", row_pad)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be an integer >= 0 (pixels between tiles); received {name}={value!r}.")
    ncols = int(ncols or np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    cells = (nrows * (h + row_pad) - row_pad) * (ncols * (w + pad) - pad)
    if cells > MAX_GRID_PIXELS:  # refused before any allocation (ncols=10**9 would ask for 75 GiB)
        raise ValueError(f"The grid of {n} image(s) in {ncols} column(s) would have {cells:,} pixels, more than the "
                         f"{MAX_GRID_PIXELS:,} a figure can show. Fix: ncols <= n (here {n}), or fewer images.")  # fmt: skip
    grid = np.full((nrows * (h + row_pad) - row_pad, ncols * (w + pad) - pad), pad_value, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * (h + row_pad) : r * (h + row_pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return grid


def show_images(ax, images, ncols: int | None = None, titles=None, title: str | None = None,
                min_image_px: float | None = style.MIN_IMAGE_PX):  # fmt: skip
    """Draw a grid of grey images into ``ax`` (white ink on black, values in [0, 1]); returns ``ax``.

    ``titles`` (one short string per image, e.g. labels) are written under the images, in a white band left
    for them, never over an image. The figure is enlarged when needed (never shrunk) so that each image is at
    least ``min_image_px`` screen pixels on its shorter side at the figure's dpi and each label fits under
    its image: :data:`vaegan_edu.style.MIN_IMAGE_PX` = 56 px by default, 2 px per pixel of a 28 x 28 digit.
    ``min_image_px=None`` keeps the figure's size.

    Raises
    ------
    ValueError
        If ``images`` is not a stack of grey images in [0, 1], or ``titles`` has not one entry per image.
    TypeError
        If ``ax`` is not a matplotlib Axes, or ``titles`` is a string rather than a list.

    Taught in: 00_tour
    """
    check_axes(ax)
    raw_dtype = getattr(images, "dtype", None)
    images = as_float_array("images", images)
    image_grid(images, 1)  # validates the shape and finite values before anything is drawn
    check_unit_range("images", images, raw_dtype)  # drawn on a fixed [0, 1] grey scale: 0-255 would be all white
    images = images[..., 0] if images.ndim == 4 else images
    n, h, w = images.shape
    ncols = int(ncols or np.ceil(np.sqrt(n))) if ncols is None else check_positive_int("ncols", ncols, 10)
    if min_image_px is not None:
        check_positive_number("min_image_px", min_image_px, style.MIN_IMAGE_PX)
    labels = None
    if titles is not None:
        if isinstance(titles, (str, bytes)) or not hasattr(titles, "__len__"):
            raise TypeError(f"`titles` must be a list of one short text per image; received {titles!r}. Fix: "
                            f"titles=list(...), e.g. titles=y[:{n}].tolist().")  # fmt: skip
        if len(titles) != n:
            raise ValueError(f"`titles` needs one entry per image ({n}); received {len(titles)}.")
        labels = [str(text) for text in titles]
    dpi = ax.figure.dpi
    scale = None if min_image_px is None else float(min_image_px) / min(h, w)
    row_pad = 1
    if labels:
        widest = max(style.text_width_px(text, style.FONT_SIZE, dpi) for text in labels)
        if scale is not None:
            scale = max(scale, (widest + 6.0) / (w + 1))  # each label fits under its own image
        band_scale = scale if scale is not None else style.image_scale(ax, image_grid(images, ncols).shape)
        row_pad = 1 + style.label_band(band_scale, style.FONT_SIZE, dpi)
    grid = image_grid(images, ncols, pad_value=1.0, row_pad=row_pad)
    if labels:  # the band under the last row
        grid = np.concatenate([grid, np.ones((row_pad - 1, grid.shape[1]), dtype=grid.dtype)])
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if labels:
        for i, text in enumerate(labels):
            r, c = divmod(i, ncols)
            ax.annotate(text, (c * (w + 1) + (w - 1) / 2, r * (h + row_pad) + h - 0.5), xytext=(0, -2),
                        textcoords="offset points", ha="center", va="top", fontsize=style.FONT_SIZE)  # fmt: skip
    if title:
        ax.set_title(title)
    if scale is not None:
        style.fit_image_scale(ax, grid.shape, scale)
    return ax


def show_latent_grid(ax, images, span: float = 2.5, dims=(0, 1), title: str | None = None,
                     min_image_px: float | None = style.MIN_IMAGE_PX):  # fmt: skip
    """Draw the decoded images of :func:`latent_grid_z` with the latent values on the axes; returns ``ax``.

    ``images`` must be ``decode(latent_grid_z(n, span, dims))`` (``n * n`` images, top row first). The ticks
    mark the value of :math:`z_{d_0}` (across) and :math:`z_{d_1}` (up) at the centres of the images, so the grid
    can be matched with a scatter of the codes (:func:`plot_latent_scatter`). Sizes as in :func:`show_images`.

    Raises
    ------
    ValueError
        If the number of images is not a square.

    Taught in: 03_vae
    """
    check_axes(ax)
    span = check_positive_number("span", span, 2.5)  # the ticks say z runs over [-span, span]
    images = as_float_array("images", images)
    n = int(round(np.sqrt(len(images))))
    if n * n != len(images):
        raise ValueError(f"`images` must hold n * n decoded images of latent_grid_z(n, ...); received {len(images)}. "
                         f"Decode the whole grid: model.decode(latent_grid_z(n, span)).")  # fmt: skip
    if title is None:
        title = "decoded images on a grid of z"
    show_images(ax, images, ncols=n, title=title, min_image_px=min_image_px)
    h, w = images.shape[1:3]
    values = np.linspace(-span, span, n)
    shown = np.unique(np.linspace(0, n - 1, min(n, 5)).round().astype(int))
    ax.set_xticks(shown * (w + 1) + (w - 1) / 2, [style.number(values[i]) for i in shown])
    ax.set_yticks(shown * (h + 1) + (h - 1) / 2, [style.number(values[::-1][i]) for i in shown])
    ax.set_xlabel(f"$z_{{{dims[0] + 1}}}$")
    ax.set_ylabel(f"$z_{{{dims[1] + 1}}}$")
    return ax


# === VAE (chapters 03-05) ===


def latent_grid_z(n: int, span: float = 2.5, dims=(0, 1), base=None, latent_dim: int = 2) -> np.ndarray:
    r"""Latent points on an ``n`` x ``n`` grid over two coordinates, the others fixed at ``base``.

    .. math:: z_{rc} = \text{base} + a_c\, e_{d_0} + b_r\, e_{d_1}, \qquad a, b \in \text{linspace}(-s, s, n)

    Row ``r`` runs from +span (top) to -span (bottom) so the decoded grid reads like a plot with the
    second coordinate going up. Decode with ``model.decode(z)`` and draw with ``show_images(ax, images,
    ncols=n)`` to see the VAE's learned manifold.

    Parameters
    ----------
    n : int >= 1
    span : float > 0, half-width of the grid in prior standard deviations
    dims : (int, int), the two latent coordinates to vary
    base : array of shape (latent_dim,) or None (zeros)
    latent_dim : int, used when ``base`` is None

    Returns
    -------
    array of shape (n * n, latent_dim), row-major (top row first)

    Taught in: 03_vae
    """
    latent_dim = check_positive_int("latent_dim", latent_dim, 2)
    base = np.zeros(latent_dim, dtype=np.float32) if base is None else as_float_array("base", base)
    check_finite("base", base)
    n = check_positive_int("n", n, 15, maximum=int(np.sqrt(MAX_ELEMENTS / max(1, len(base)))))
    span = check_positive_number("span", span, 2.5)
    if len(set(dims)) != 2 or not all(0 <= d < len(base) for d in dims):
        raise ValueError(f"`dims` must be two different latent indices in [0, {len(base)}); received dims={dims!r}.")
    values = np.linspace(-span, span, n, dtype=np.float32)
    z = np.tile(base, (n * n, 1))
    rows, cols = np.meshgrid(values[::-1], values, indexing="ij")  # (n, n) each
    z[:, dims[0]] = cols.ravel()
    z[:, dims[1]] = rows.ravel()
    return z


def traversal_z(z0, values) -> np.ndarray:
    r"""Latent traversals: one row per latent coordinate :math:`j`, one column per value :math:`v`.

    .. math:: z^{(j, v)} = z_0 + (v - z_{0,j})\, e_j

    (coordinate :math:`j` set to :math:`v`, every other coordinate kept at :math:`z_0`).

    Parameters
    ----------
    z0 : array of shape (latent_dim,), e.g. the posterior mean of one image
    values : array of shape (num_values,)

    Returns
    -------
    array of shape (latent_dim * num_values, latent_dim), row-major

    Taught in: 05_vae_interpretability
    """
    z0, values = as_float_array("z0", z0), as_float_array("values", values)
    if z0.ndim != 1 or values.ndim != 1 or len(values) == 0:
        raise ValueError(f"`z0` must be one latent vector (latent_dim,) and `values` a non-empty 1-D array; "
                         f"received shapes {z0.shape} and {values.shape}. Use `mu[0]`, not `mu[:1]`.")  # fmt: skip
    check_finite("z0", z0)
    check_finite("values", values)
    z = np.tile(z0, (len(z0), len(values), 1))  # (latent_dim, num_values, latent_dim)
    for j in range(len(z0)):
        z[j, :, j] = values
    return z.reshape(-1, len(z0))


def interpolation_z(z_a, z_b, num_steps: int) -> np.ndarray:
    r"""Points on the straight line between two latent vectors.

    .. math:: z_t = (1 - t)\, z_a + t\, z_b, \qquad t \in \text{linspace}(0, 1, \text{num\_steps})

    Returns
    -------
    array of shape (num_steps, latent_dim)

    Taught in: 03_vae
    """
    z_a, z_b = as_float_array("z_a", z_a), as_float_array("z_b", z_b)
    if z_a.shape != z_b.shape or z_a.ndim != 1:
        raise ValueError(f"`z_a` and `z_b` must be latent vectors of the same shape (latent_dim,); received "
                         f"{z_a.shape} and {z_b.shape}.")  # fmt: skip
    check_finite("z_a", z_a)
    check_finite("z_b", z_b)
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 2:
        raise ValueError(f"`num_steps` must be an integer >= 2; received {num_steps!r}.")
    check_positive_int("num_steps", num_steps, 10, maximum=MAX_ELEMENTS // max(1, len(z_a)))
    t = np.linspace(0.0, 1.0, num_steps, dtype=np.float32)[:, None]
    return (1 - t) * z_a + t * z_b


def plot_latent_scatter(ax, z, labels=None, max_points: int = 5000, title: str | None = None):
    """Scatter 2-D latent codes, coloured by label (e.g. the digit), with a colour bar; returns ``ax``.

    Up to ten labels get ten colour-blind-safe colours (:data:`vaegan_edu.style.CLASS_COLORS`), one block of the
    colour bar each; more labels get a sequential map.

    Taught in: 03_vae
    """
    check_axes(ax)
    z = as_float_array("z", z, "float64")
    if z.ndim != 2 or z.shape[1] != 2 or len(z) == 0:
        raise ValueError(f"`z` must have shape (n, 2) with n >= 1 (a 2-D latent space); received {z.shape}. "
                         f"For more latents pick two columns, e.g. z[:, :2].")  # fmt: skip
    check_finite("z", z)
    if labels is not None and np.shape(labels) != (len(z),):
        raise ValueError(f"`labels` must hold one label per point of `z` (shape ({len(z)},)); received shape "
                         f"{np.shape(labels)}. Fix: pass the labels of the same images, e.g. y_test[:{len(z)}].")  # fmt: skip
    keep = slice(0, check_positive_int("max_points", max_points, 5000))
    if labels is None:
        ax.scatter(z[keep, 0], z[keep, 1], color=style.PALETTE[0], s=5, alpha=0.6)
    else:
        labels = np.asarray(labels)[keep]
        classes = np.unique(labels)
        if len(classes) <= len(style.CLASS_COLORS):
            index = np.searchsorted(classes, labels)  # class i gets colour i
            cmap = style.class_colormap(len(classes))
            points = ax.scatter(z[keep, 0], z[keep, 1], c=index, s=5, alpha=0.7, cmap=cmap, vmin=-0.5,
                                vmax=len(classes) - 0.5)  # fmt: skip
            bar = style.colorbar(ax, points, label="label")
            bar.set_ticks(np.arange(len(classes)), labels=[str(c) for c in classes])
        else:
            points = ax.scatter(z[keep, 0], z[keep, 1], c=labels, cmap=style.HEATMAP_CMAP, s=5, alpha=0.7)
            style.colorbar(ax, points, label="label")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_aspect("equal")
    ax.set_title(title or ("latent codes, coloured by label" if labels is not None else "latent codes"))
    return ax


def plot_rate_distortion(ax, rate, distortion, betas, title: str | None = None):
    """Rate (KL, nats) against distortion (-log p(x|z), nats), one point per β, annotated; returns ``ax``.

    Taught in: 04_measuring_the_vae
    """
    check_axes(ax)
    rate, distortion = (as_float_array(name, v, "float64").ravel() for name, v in (("rate", rate),
                                                                                  ("distortion", distortion)))
    _check_same_lengths("`rate`, `distortion` and `betas`", rate, distortion, list(betas))
    check_finite("rate", rate), check_finite("distortion", distortion)
    ax.plot(rate, distortion, "o-")
    for r, d, b in zip(rate, distortion, betas):
        ax.annotate(f"β={b:g}", (r, d), textcoords="offset points", xytext=(5, 5), fontsize=style.FONT_SIZE)
    ax.margins(0.15)  # room for the β labels inside the frame
    ax.set_xlabel("rate: KL(q(z|x) || p(z))  [nats]")
    ax.set_ylabel("distortion: -E log p(x|z)  [nats]")
    ax.set_title(title or "each β trades rate for distortion")
    return ax


def plot_kl_per_dimension(ax, kl, title: str | None = None):
    """Bar chart of the average KL of each latent (from :func:`vaegan_edu.metrics.kl_per_dimension`).

    Taught in: 05_vae_interpretability
    """
    check_axes(ax)
    kl = as_float_array("kl", kl, "float64")
    if kl.ndim != 1 or len(kl) == 0:
        raise ValueError(f"`kl` must hold one mean KL per latent, shape (latent_dim,); received shape {kl.shape}. "
                         f"Fix: for per-image values of shape (n, latent_dim) pass `kl.mean(axis=0)`.")  # fmt: skip
    check_finite("kl", kl)
    if len(kl) > MAX_BARS:
        raise ValueError(f"`kl` has {len(kl):,} latents; a bar chart shows at most {MAX_BARS} readably. Fix: plot the "
                         f"largest, e.g. `np.sort(kl)[::-1][:{MAX_BARS}]`.")  # fmt: skip
    ax.bar(np.arange(len(kl)), kl, color=style.PALETTE[0])
    ax.set_xticks(np.arange(len(kl)))
    ax.set_xlabel("latent j")
    ax.set_ylabel("mean KL$_j$ [nats]")
    ax.set_title(title or "mean KL per latent (≈ 0: unused)")
    return ax


def plot_mutual_information(ax, mutual_info, entropy, factor_names, title: str | None = None):
    """Heat map of :math:`I(z_j; v_k) / H(v_k)` (latents as rows, factors as columns), values written in.

    The colour bar runs from 0 (the latent says nothing about the factor) to 1 (it determines it); each number
    is written in black or white, whichever reads better on its cell.

    Taught in: 05_vae_interpretability
    """
    check_axes(ax)
    mutual_info = as_float_array("mutual_info", mutual_info, "float64")
    entropy = as_float_array("entropy", entropy, "float64")
    if mutual_info.ndim != 2 or entropy.shape != (mutual_info.shape[1],):
        raise ValueError(f"`mutual_info` must have shape (latent_dim, num_factors) and `entropy` (num_factors,); "
                         f"received {mutual_info.shape} and {entropy.shape}. Fix: pass result.mutual_info and "
                         f"result.entropy of one ve.metrics.mutual_information_gap result.")  # fmt: skip
    if mutual_info.size == 0:
        raise ValueError("`mutual_info` is empty; pass the (latent_dim, num_factors) table of a "
                         "ve.metrics.mutual_information_gap result.")
    check_finite("mutual_info", mutual_info)
    if not np.all(np.isfinite(entropy) & (entropy > 0)):
        raise ValueError(f"`entropy` must be positive (each factor's H(v_k) in nats); received {entropy}. A factor of "
                         f"zero entropy is constant: drop it.")  # fmt: skip
    if isinstance(factor_names, (str, bytes)) or len(factor_names) != mutual_info.shape[1]:
        raise ValueError(f"`factor_names` must hold one name per factor ({mutual_info.shape[1]}); received "
                         f"{factor_names!r}.")  # fmt: skip
    normalised = mutual_info / entropy[None, :]
    image = ax.imshow(normalised, cmap=style.HEATMAP_CMAP, vmin=0, vmax=1, aspect="auto")
    for (j, k), value in np.ndenumerate(normalised):
        red, green, blue, _ = image.cmap(image.norm(value))
        dark = 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5  # relative luminance of the cell's colour
        ax.text(k, j, f"{value:.2f}", ha="center", va="center", fontsize=style.FONT_SIZE,
                color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(np.arange(len(factor_names)), [str(name) for name in factor_names])
    ax.set_yticks(np.arange(normalised.shape[0]))
    ax.set_xlabel("factor k")
    ax.set_ylabel("latent j")
    style.colorbar(ax, image, label="$I(z_j; v_k)\\,/\\,H(v_k)$")
    ax.set_title(title or "which latent carries each factor?")
    return ax


# === GAN (chapters 06-08) ===


def plot_gan_2d(ax, real, fake, surface=None, arrows=None, modes=None, title=None, lim=1.5, colorbar=True):
    """One frame of a GAN on 2-D data: D's decision surface, real and generated points, generator arrows.

    Real points are black, generated ones orange, arrows green, modes blue crosses; the axes carry the data's
    coordinates :math:`x_1, x_2`.

    Parameters
    ----------
    ax : matplotlib Axes
    real, fake : arrays (n, 2)
    surface : (a, S) from :func:`vaegan_edu.models.gan.decision_surface`, or None
        Drawn as a heatmap of D in [0, 1] (raw critic scores are drawn on their own range).
    arrows : (x, v) from :func:`vaegan_edu.models.generator_sample_gradients`, or None
        Directions are normalised to a common length so the field reads well; lengths are not to scale.
    modes : array (K, 2) or None
        Mixture means, drawn as crosses.
    title : str or None (default: what the colours mean)
    lim : float > 0, half-width of the view
    colorbar : bool
        A colour bar for the heatmap. In a row of snapshots on one scale, pass False for all but the last.

    Returns
    -------
    ax

    Taught in: 07_mode_collapse
    """
    check_axes(ax)
    real, fake = _check_points("real", real), _check_points("fake", fake)
    modes = None if modes is None else _check_points("modes", modes)
    lim = check_positive_number("lim", lim, 1.5)
    if surface is not None:
        if not isinstance(surface, (tuple, list)) or len(surface) != 2:
            raise TypeError("`surface` must be the pair (a, S) that ve.models.gan.decision_surface(gan) returns; "
                            f"received {type(surface).__name__}.")  # fmt: skip
        a, s = (np.asarray(v) for v in surface)
        is_prob = s.min() >= 0.0 and s.max() <= 1.0
        image = ax.imshow(s, origin="lower", extent=(a[0], a[-1], a[0], a[-1]), cmap=style.DIVERGING_CMAP,
                          alpha=0.6, vmin=0.0 if is_prob else None, vmax=1.0 if is_prob else None)  # fmt: skip
        if colorbar:
            style.colorbar(ax, image, label="D(x)" if is_prob else "critic score")
    ax.scatter(real[:, 0], real[:, 1], s=4, color=style.REAL_COLOR, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, color=style.FAKE_COLOR, alpha=0.7, label="generated")
    if arrows is not None:
        x, v = arrows
        norm = np.linalg.norm(v, axis=1, keepdims=True)
        v = v / np.maximum(norm, 1e-12) * 0.1 * lim
        ax.quiver(x[:, 0], x[:, 1], v[:, 0], v[:, 1], angles="xy", scale_units="xy", scale=1.0, width=0.004,
                  color=style.ARROW_COLOR, alpha=0.8)  # fmt: skip
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=50, linewidths=2, color=style.OKABE_ITO["blue"],
                   label="modes")  # fmt: skip
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ticks = [-lim, 0.0, lim]
    ax.set_xticks(ticks, [style.number(t, "g") for t in ticks])
    ax.set_yticks(ticks, [style.number(t, "g") for t in ticks])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$", labelpad=0)
    if title is None:
        title = "real: black, generated: orange"
    ax.set_title(title)
    return ax


def plot_history(ax, history, keys, title=None, xlabel="generator step"):
    """Curves of a :func:`vaegan_edu.training.fit_gan` history (or any dict with a ``step`` list).

    Taught in: 07_mode_collapse, 08_gan
    """
    check_axes(ax)
    if not isinstance(history, Mapping):
        fix = ("for a Keras History pass its dict `history.history` with a `step` list added"
               if hasattr(history, "history") else "pass the dict that ve.training.fit_gan returns")
        raise TypeError(f"`history` must be a dict {{name: list of values}} with a 'step' list; received "
                        f"{type(history).__name__}. Fix: {fix}.")  # fmt: skip
    if isinstance(keys, (str, bytes)):
        raise TypeError(f"`keys` must be a list of names; received the string {keys!r}. Fix: keys=[{keys!r}].")
    missing = [k for k in ("step", *keys) if k not in history]
    if missing:
        raise ValueError(f"`history` has no {missing}; available keys: {sorted(history)}.")
    for key in keys:
        if len(history[key]) != len(history["step"]):
            raise ValueError(f"`history` has {len(history[key])} values of {key!r} but {len(history['step'])} steps; "
                             f"each key needs one value per step.")  # fmt: skip
    if len(history["step"]) == 0:
        raise ValueError("`history` has no steps yet; train first (fit_gan returns the history to plot).")
    for key in ("step", *keys):
        check_finite(f"history[{key!r}]", as_float_array(f"history[{key!r}]", history[key], "float64"))
    for key in keys:
        ax.plot(history["step"], history[key], label=key)
    ax.set_xlabel(xlabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


# === KL divergence and ELBO (chapters 01-02) ===


def plot_density_curves(ax, grid, curves: dict, title: str | None = None, fill: str | None = None):
    """Draw one-dimensional densities over ``grid``: ``curves`` maps a legend label to values of shape (n,).

    ``fill`` names the curve to shade (the fixed target p, say), so that the fitted ones stand out.

    Raises
    ------
    ValueError
        If a curve's shape differs from ``grid``'s, or ``fill`` is not one of the labels.

    Taught in: 01_kl_divergence
    """
    check_axes(ax)
    if not isinstance(curves, Mapping) or not curves:
        raise (ValueError if isinstance(curves, Mapping) else TypeError)(
            f"`curves` must be a non-empty dict {{legend label: density values on the grid}}; received "
            f"{curves!r:.80}. Fix: e.g. curves={{'p': np.exp(log_p)}}."
        )  # fmt: skip
    grid = as_float_array("grid", grid, "float64")
    if grid.ndim != 1 or len(grid) < 2:
        raise ValueError(f"`grid` must be 1-D with at least 2 points; received shape {grid.shape}. Fix: e.g. "
                         f"np.linspace(-4, 4, 400).")  # fmt: skip
    check_finite("grid", grid)
    if fill is not None and fill not in curves:
        raise ValueError(f"`fill` must be one of the curve labels {list(curves)}; received {fill!r}.")
    for label, values in curves.items():
        values = as_float_array(f"curves[{label!r}]", values, "float64")
        check_finite(f"curves[{label!r}]", values)
        if values.shape != grid.shape:
            raise ValueError(
                f"Curve {label!r} has shape {values.shape} but `grid` has shape {grid.shape}; evaluate the "
                f"density on the grid itself."
            )
        if label == fill:
            ax.fill_between(grid, values, color="0.8", label=label)
        else:
            ax.plot(grid, values, label=label)
    ax.set_xlabel("$z$")
    ax.set_ylabel("density")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_estimates(ax, sizes, estimates, standard_errors, truth=None, xlabel="number of samples",
                   ylabel="estimate", label=None, title: str | None = None, truth_label="exact value"):  # fmt: skip
    """Monte Carlo estimates with error bars of two standard errors against the sample size (log x-axis).

    ``truth`` (the exact value, when known) is drawn as a dashed line labelled ``truth_label`` (say what it is,
    e.g. "log p(x), exact"), so the estimate is seen to converge.

    Raises
    ------
    ValueError
        If ``sizes``, ``estimates`` and ``standard_errors`` differ in length.

    Taught in: 01_kl_divergence
    """
    check_axes(ax)
    sizes, estimates, errors = (as_float_array(name, a, "float64").ravel() for name, a in
                                (("sizes", sizes), ("estimates", estimates), ("standard_errors", standard_errors)))
    if not len(sizes) == len(estimates) == len(errors) or len(sizes) == 0:
        raise ValueError(
            f"`sizes`, `estimates` and `standard_errors` must be non-empty and of the same length; received "
            f"{len(sizes)}, {len(estimates)} and {len(errors)}."
        )
    for name, values in (("sizes", sizes), ("estimates", estimates), ("standard_errors", errors)):
        check_finite(name, values)
    ax.errorbar(sizes, estimates, yerr=2 * errors, fmt="o-", capsize=3, label=label or "estimate ± 2 s.e.")
    if truth is not None:
        ax.axhline(float(truth), color="k", linestyle="--", linewidth=1, label=truth_label)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.set_title(title or ("the estimate closes in on the exact value" if truth is not None
                           else "estimates ± 2 standard errors"))  # fmt: skip
    return ax


def plot_elbo_gap(ax, log_evidence: float, elbo: float, title: str | None = None):
    """Bars for log p(x), the ELBO and the gap between them, with their values written at the bars' ends.

    The gap equals KL(q || p(z | x)); its bar spans from the ELBO up to log p(x), so "ELBO + gap = log p(x)" is
    visible at a glance. The vertical range leaves room for the numbers inside the frame.

    Raises
    ------
    ValueError
        If ``elbo > log_evidence`` by more than rounding: no ELBO can exceed log p(x).

    Taught in: 02_elbo
    """
    check_axes(ax)
    log_evidence, elbo = _check_scalar("log_evidence", log_evidence), _check_scalar("elbo", elbo)
    if elbo > log_evidence + 1e-6 * max(1.0, abs(log_evidence)):
        raise ValueError(
            f"`elbo` ({elbo:.6g}) is larger than `log_evidence` ({log_evidence:.6g}); an ELBO is a lower "
            f"bound, so one of them is computed wrongly."
        )
    gap = log_evidence - elbo
    names, values = ["log p(x)", "ELBO", "gap = KL"], [log_evidence, elbo, gap]
    colours = ["0.55", style.OKABE_ITO["blue"], style.OKABE_ITO["vermillion"]]
    bars = ax.bar(names, values, bottom=[0.0, 0.0, elbo], color=colours)  # the gap stands on the ELBO
    # Each number at a bar's end away from zero; the gap's under its foot (the ELBO) when that is negative, level
    # with the ELBO's own number, since above it the number would cross the zero line.
    below = [log_evidence < 0, elbo < 0, elbo < 0]
    ends = [log_evidence, elbo, elbo if below[2] else log_evidence]
    for bar, value, end, down in zip(bars, values, ends, below):
        ax.annotate(style.number(value, ".3f"), (bar.get_x() + bar.get_width() / 2, end), xytext=(0, -3 if down else 3),
                    textcoords="offset points", ha="center", va="top" if down else "bottom",
                    fontsize=style.FONT_SIZE)  # fmt: skip
    low, high = min(0.0, log_evidence, elbo), max(0.0, log_evidence)
    span = (high - low) or 1.0
    room = 0.35 * span  # a line of 12-pt text on an axes 120 px high, with the bars spanning the rest
    ax.set_ylim(low - (room if any(below) else 0.05 * span), high + (0.05 * span if all(below) else room))
    ax.axhline(0.0, color="k", linewidth=0.8)
    ax.set_ylabel("nats")
    ax.set_title(title or "ELBO + gap = log p(x)")
    return ax


# === VAE against GAN (chapter 09) ===


def show_saliency(ax, images, saliency, title: str | None = None, min_image_px: float | None = style.MIN_IMAGE_PX):
    """Images (top row) above their saliency maps (bottom row, each scaled to its own maximum: white = most).

    A colour bar gives the grey scale; the figure is enlarged as in :func:`show_images` so each image gets
    ``min_image_px`` screen pixels.

    Parameters
    ----------
    ax : matplotlib Axes
    images, saliency : arrays (n, height, width) or (n, height, width, 1) of the same shape
    title : str or None (default: which row is which)
    min_image_px : float or None

    Returns
    -------
    ax

    Taught in: 10_student_questions
    """
    check_axes(ax)
    raw_dtype = getattr(images, "dtype", None)
    images, saliency = as_float_array("images", images), as_float_array("saliency", saliency)
    if images.shape != saliency.shape or len(images) == 0:
        raise ValueError(
            f"`images` and `saliency` must have the same non-empty shape; received {images.shape} and "
            f"{saliency.shape}. Fix: pass the maps returned by ve.metrics.discriminator_saliency(gan, images)."
        )
    check_finite("images", images)
    check_unit_range("images", images, raw_dtype)
    check_finite("saliency", saliency)
    peak = saliency.reshape(len(saliency), -1).max(axis=1)
    scaled = saliency / np.maximum(peak, 1e-12).reshape((-1,) + (1,) * (saliency.ndim - 1))
    grid = image_grid(np.concatenate([images, scaled]), ncols=len(images), pad_value=1.0)
    image = ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    style.colorbar(ax, image, label="grey level")
    ax.set_title(title or "images (top), saliency (bottom, white = most)")
    if min_image_px is not None:
        style.fit_image_scale(ax, grid.shape, float(min_image_px) / min(images.shape[1:3]))
    return ax


# === studies over seeds (chapters 08-10) ===


def _interval_arrays(name: str, intervals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, lower and upper ends of a sequence of intervals (anything with estimate, low, high)."""
    try:
        return tuple(np.array([getattr(iv, field) for iv in intervals], dtype=float)
                     for field in ("estimate", "low", "high"))  # fmt: skip
    except AttributeError:
        raise TypeError(
            f"{name} must hold intervals with `estimate`, `low` and `high` attributes; received "
            f"{[type(iv).__name__ for iv in intervals]}. Fix: build them with "
            f"vaegan_edu.experiments.stats.mean_interval(values_over_seeds)."
        ) from None


def _new_axes(ax):
    """``ax`` itself, or the Axes of a new figure when ``ax`` is None."""
    if ax is not None:
        return check_axes(ax)
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def interval_bars(intervals: dict, ax=None, ylabel: str = "metric", better: str | None = None,
                  reference: float | None = None, title: str | None = None, number_format: str = ".3g"):  # fmt: skip
    r"""One bar per variant at its estimate, the confidence interval as an error bar, the estimate written on top.

    The error bar of variant :math:`k` runs from ``low`` to ``high`` of its interval (for a Student-t
    interval, :math:`\bar x_k \pm t_{1-\alpha/2,\,n-1}\, s_k / \sqrt{n}`); a variant with one seed has no
    interval (NaN ends) and gets no error bar.

    Parameters
    ----------
    intervals : dict {variant name: Interval}
        From :func:`vaegan_edu.experiments.stats.mean_interval` (or anything with ``estimate``, ``low``,
        ``high``), in the order the bars are drawn.
    ax : matplotlib Axes or None (a new figure)
    ylabel : str, the metric and its units
    better : "lower", "higher" or None; when given, "(lower is better)" is added to the axis label
    reference : float or None; a dashed horizontal line at this value (0 for differences, the real data's
        own score for a quality metric)
    title : str or None
    number_format : str, the format of the numbers written on the bars (one for all of them, e.g. ".2f", so
        that 0.0696 and 0.08 are not written with different precisions side by side)

    Returns
    -------
    ax

    Raises
    ------
    ValueError
        If ``intervals`` is empty or ``better`` is not "lower", "higher" or None.
    TypeError
        If a value of ``intervals`` has no ``estimate``, ``low`` or ``high``.

    Taught in: 09_vae_vs_gan
    """
    if better not in ("lower", "higher", None):
        raise ValueError(f"Invalid value received for argument `better`. Expected \"lower\", \"higher\" or None. "
                         f"Received: better={better!r}.")  # fmt: skip
    if not isinstance(intervals, Mapping):
        raise TypeError(f"`intervals` must be a dict {{variant name: interval}}; received {type(intervals).__name__}. "
                        f"Fix: name each bar, e.g. dict(zip(names, intervals)).")  # fmt: skip
    if not intervals:
        raise ValueError("`intervals` is empty; pass {variant name: interval}, e.g. "
                         "{name: mean_interval(values) for name, values in fd_by_variant.items()}.")  # fmt: skip
    ax = _new_axes(ax)
    names = list(intervals)
    estimate, low, high = _interval_arrays("`intervals`", intervals.values())
    positions = np.arange(len(names))
    ax.bar(positions, estimate, color=[style.PALETTE[i % len(style.PALETTE)] for i in positions], alpha=0.6,
           width=0.6)  # fmt: skip
    ax.errorbar(positions, estimate, yerr=np.stack([estimate - low, high - estimate]), fmt="none", ecolor="k",
                capsize=4, linewidth=1)  # fmt: skip
    for x, value, top in zip(positions, estimate, np.where(np.isfinite(high), high, estimate)):
        ax.annotate(style.number(value, number_format), (x, top), textcoords="offset points", xytext=(0, 3), ha="center", va="bottom",
                    fontsize=style.FONT_SIZE)  # fmt: skip
    if reference is not None:
        ax.axhline(float(reference), color="k", linestyle="--", linewidth=1)
    ax.margins(y=0.15)  # room for the numbers written above the tallest bar
    ax.set_xticks(positions)
    ax.set_xticklabels(names)
    ax.set_ylabel(f"{ylabel} ({better} is better)" if better else ylabel)
    ax.set_title(title or "mean over seeds, with its interval")
    return ax


def interval_curves(x, curves: dict, ax=None, xlabel: str = "training time [s]", ylabel: str = "metric",
                    title: str | None = None):  # fmt: skip
    """Mean curves with shaded confidence bands, one per variant (e.g. quality against training time).

    Curve ``k`` is the line through the estimates of ``curves[k]`` at ``x``; the band between its
    ``low`` and ``high`` ends is shaded in the same colour (left open where an interval is unknown).

    Parameters
    ----------
    x : array of shape (m,), e.g. seconds of training at which every seed was evaluated
    curves : dict {variant name: list of m intervals}
        Each from :func:`vaegan_edu.experiments.stats.mean_interval` over seeds at one ``x`` (or anything
        with ``estimate``, ``low``, ``high``).
    ax : matplotlib Axes or None (a new figure)
    xlabel, ylabel : str
    title : str or None

    Returns
    -------
    ax

    Raises
    ------
    ValueError
        If ``curves`` is empty, or a curve has not one interval per ``x``.
    TypeError
        If an entry of a curve has no ``estimate``, ``low`` or ``high``.

    Taught in: 09_vae_vs_gan
    """
    x = as_float_array("x", x, "float64")
    if not isinstance(curves, Mapping):
        raise TypeError(f"`curves` must be a dict {{variant name: [interval at each x]}}; received "
                        f"{type(curves).__name__}. Fix: name each curve, e.g. {{'VAE': intervals}}.")  # fmt: skip
    if not curves:
        raise ValueError("`curves` is empty; pass {variant name: [interval at each x]}.")
    ax = _new_axes(ax)
    for i, (name, intervals) in enumerate(curves.items()):
        if len(intervals) != x.size:
            raise ValueError(
                f"Curve {name!r} of `curves` has {len(intervals)} intervals but `x` has {x.size} points; give one "
                f"interval per x (the mean over seeds at that time)."
            )
        estimate, low, high = _interval_arrays(f"Curve {name!r} of `curves`", intervals)
        colour = style.PALETTE[i % len(style.PALETTE)]
        ax.plot(x, estimate, color=colour, marker=".", label=name)
        ax.fill_between(x, low, high, color=colour, alpha=0.25, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.set_title(title or "mean over seeds; band: its interval")
    return ax


def plot_time_to_target(times: dict, cap: float, ax=None, xlabel: str = "training seconds to the target",
                        title: str | None = None):  # fmt: skip
    """Time to a quality target, one row per configuration: each repeat as a dot, the median as a bar.

    A repeat that did not reach the target within the cap (NaN or infinite seconds: censored) is drawn as a
    triangle pointing right at the cap, since its time is only known to exceed it; the row's median is then the
    median of the times with censored ones counted as slower than all reached ones, and is not drawn when it
    falls on a censored repeat.

    Parameters
    ----------
    times : dict {configuration: sequence of seconds}, drawn top to bottom in this order; NaN or inf for a
        repeat that did not reach the target (e.g. from ``Result.values(variant, "seconds_to_target")``)
    cap : float, the training seconds after which a run stopped (a dashed vertical line)
    ax : matplotlib Axes or None (a new figure)
    xlabel : str
    title : str or None

    Returns
    -------
    ax

    Raises
    ------
    ValueError
        If ``times`` is empty, a row is empty, or ``cap`` is not a positive number.
    TypeError
        If ``times`` is not a dict.

    Taught in: 10_student_questions
    """
    cap = check_positive_number("cap", cap, 120.0)
    if not isinstance(times, Mapping):
        raise TypeError(f"`times` must be a dict {{configuration: [seconds of each repeat]}}; received "
                        f"{type(times).__name__}. Fix: name each row, e.g. {{'VAE default': [35.1, 36.0]}}.")  # fmt: skip
    if not times:
        raise ValueError("`times` is empty; pass {configuration: [seconds of each repeat]}.")
    ax = _new_axes(ax)
    censored_label = "not reached by the cap"  # in the legend once
    for row, (name, seconds) in enumerate(times.items()):
        seconds = np.asarray(as_float_array(f"times[{name!r}]", seconds, "float64"), dtype=float).ravel()
        if seconds.size == 0:
            raise ValueError(f"Row {name!r} of `times` is empty; give the seconds of at least one repeat.")
        if np.any(np.isfinite(seconds) & (seconds < 0)):
            raise ValueError(f"Row {name!r} of `times` has negative seconds; a time to target is at least 0.")
        reached = seconds[np.isfinite(seconds)]
        ax.scatter(reached, np.full(reached.size, row), color=style.PALETTE[0], s=40, zorder=3,
                   label="one repeat" if row == 0 else None)  # fmt: skip
        censored = seconds.size - reached.size
        if censored:
            ax.scatter([cap], [row], marker=">", color=style.PALETTE[3], s=90, zorder=3, label=censored_label)
            censored_label = None
            ax.annotate(f"{censored} not reached", (cap, row), textcoords="offset points", xytext=(10, 0),
                        va="center", fontsize=style.FONT_SIZE)  # fmt: skip
        ordered = np.sort(np.where(np.isfinite(seconds), seconds, np.inf))
        median = float(np.median(ordered))
        if np.isfinite(median):
            ax.plot([median, median], [row - 0.3, row + 0.3], color="k", linewidth=2,
                    label="median" if row == 0 else None)  # fmt: skip
    ax.axvline(cap, color="k", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(times)))
    ax.set_yticklabels(list(times))
    ax.set_ylim(len(times) - 0.5, -0.5)  # the first configuration on top
    ax.set_xlim(0, cap * 1.3)  # room for the "not reached" labels right of the cap
    ax.set_xlabel(xlabel)
    ax.set_title(title or f"time to target per repeat (dashed: the cap, {style.number(cap)} s)")
    return ax


def plot_grid_sensitivity(per_seed: dict, ax=None, ylabel: str = "metric", title: str | None = None,
                          log: bool = True):  # fmt: skip
    r"""A hyperparameter grid's effect, seed by seed: one thin line per seed, the mean over seeds as a thick one.

    How much the result depends on the seed is the vertical spread at one grid value; how much it depends on the
    grid is the slope of each line (Lucic et al. 2018's two kinds of sensitivity). The grid values are drawn on a
    log-2 axis and labelled as factors (x1/2, x1, x4). A run without a finite value (diverged) is drawn as a
    cross at the top of the axes, and the mean at that grid value is left out (what a diverged run would score is
    unknown, not average).

    Parameters
    ----------
    per_seed : dict {seed: {grid value (> 0): metric value}}, e.g.
        :func:`vaegan_edu.experiments.stability.per_seed`; NaN for a diverged run
    ax : matplotlib Axes or None (a new figure)
    ylabel : str, the metric and which direction is better
    title : str or None
    log : bool, a logarithmic metric axis (for a Fréchet distance that spans several factors)

    Returns
    -------
    ax

    Raises
    ------
    TypeError
        If ``per_seed`` or one of its rows is not a dict.
    ValueError
        If ``per_seed`` is empty, a row is empty, or a grid value is not a positive number.

    Taught in: 10_student_questions
    """
    if not isinstance(per_seed, Mapping):
        raise TypeError(f"`per_seed` must be a dict {{seed: {{grid value: metric}}}}; received "
                        f"{type(per_seed).__name__}. Fix: pass stability.per_seed(result, variant).")  # fmt: skip
    if not per_seed:
        raise ValueError("`per_seed` is empty; pass {seed: {grid value: metric}} with at least one seed.")
    rows = {}
    for seed, row in per_seed.items():
        if not isinstance(row, Mapping) or not row:
            raise ValueError(f"Row {seed!r} of `per_seed` must be a non-empty dict {{grid value: metric}}; received "
                             f"{row!r}.")  # fmt: skip
        keys = [_check_scalar(f"per_seed[{seed!r}] grid value", k) for k in row]
        if min(keys) <= 0:
            raise ValueError(f"Row {seed!r} of `per_seed` has a grid value <= 0; grid values are factors > 0 (drawn "
                             f"on a log axis), e.g. {{0.5: 8.9, 1.0: 4.4, 4.0: 3.3}}.")  # fmt: skip
        values = as_float_array(f"per_seed[{seed!r}]", list(row.values()), "float64")
        rows[seed] = dict(sorted(zip(keys, values)))
    ax = _new_axes(ax)
    grid = sorted({k for row in rows.values() for k in row})
    for i, row in enumerate(rows.values()):
        x, y = np.array(list(row)), np.array(list(row.values()))
        ax.plot(x, np.where(np.isfinite(y), y, np.nan), color=style.PALETTE[0], alpha=0.5, linewidth=1,
                marker=".", label="one seed" if i == 0 else None)  # fmt: skip
        broke = x[~np.isfinite(y)]
        ax.plot(broke, np.full(broke.size, 0.97), "x", color=style.PALETTE[3], markersize=10,
                transform=ax.get_xaxis_transform(), label="diverged" if broke.size else None)  # fmt: skip
    means = [np.mean([row[g] for row in rows.values() if g in row]) for g in grid]  # NaN where a run diverged
    ax.plot(grid, means, color="k", linewidth=2.5, marker="o", label="mean over seeds")
    ax.set_xscale("log", base=2)
    ax.set_xticks(grid)
    ax.set_xticklabels([f"x{style.number(g, '.3g')}" if g >= 1 else f"x1/{style.number(1 / g, '.3g')}"
                        for g in grid])  # fmt: skip
    ax.minorticks_off()
    if log:
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("log")
        plain = FuncFormatter(lambda value, _: style.number(value, "g"))  # 3, 4, 6, 10 rather than 10^0.5
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel("learning rate, times the default")
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.set_title(title or f"{len(rows)} seeds over the grid (thick: the mean)")
    return ax

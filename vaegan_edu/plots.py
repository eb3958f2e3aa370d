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
    if ncols is not None and (isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1):
        raise ValueError(f"`ncols` must be a positive integer or None (a square grid); received ncols={ncols!r}.")
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError(f"`pad` must be an integer >= 0 (pixels between tiles); received pad={pad!r}.")
    ncols = int(ncols or np.ceil(np.sqrt(n)))
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


# === VAE (chapters 03-04) ===


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
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` must be a positive integer (points per side); received n={n!r}.")
    if not span > 0:
        raise ValueError(f"`span` must be > 0; received span={span!r}.")
    base = np.zeros(latent_dim, dtype=np.float32) if base is None else np.asarray(base, dtype=np.float32)
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

    Taught in: 04_vae_interpretability
    """
    z0 = np.asarray(z0, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    if z0.ndim != 1 or values.ndim != 1 or len(values) == 0:
        raise ValueError(f"`z0` must be one latent vector (latent_dim,) and `values` a non-empty 1-D array; "
                         f"received shapes {z0.shape} and {values.shape}. Use `mu[0]`, not `mu[:1]`.")  # fmt: skip
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
    z_a, z_b = np.asarray(z_a, dtype=np.float32), np.asarray(z_b, dtype=np.float32)
    if z_a.shape != z_b.shape or z_a.ndim != 1:
        raise ValueError(f"`z_a` and `z_b` must be latent vectors of the same shape (latent_dim,); received "
                         f"{z_a.shape} and {z_b.shape}.")  # fmt: skip
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 2:
        raise ValueError(f"`num_steps` must be an integer >= 2; received {num_steps!r}.")
    t = np.linspace(0.0, 1.0, num_steps, dtype=np.float32)[:, None]
    return (1 - t) * z_a + t * z_b


def plot_latent_scatter(ax, z, labels=None, max_points: int = 5000, title: str | None = None):
    """Scatter 2-D latent codes, coloured by label (e.g. the digit), with a colour bar; returns ``ax``.

    Taught in: 03_vae
    """
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"`z` must have shape (n, 2) (a 2-D latent space); received {z.shape}. "
                         f"For more latents pick two columns, e.g. z[:, :2].")  # fmt: skip
    keep = slice(0, max_points)
    points = ax.scatter(z[keep, 0], z[keep, 1], c=None if labels is None else np.asarray(labels)[keep],
                        cmap="tab10", s=3, alpha=0.7)  # fmt: skip
    if labels is not None:
        ax.figure.colorbar(points, ax=ax, ticks=np.unique(np.asarray(labels)[keep]))
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def plot_rate_distortion(ax, rate, distortion, betas):
    """Rate (KL, nats) against distortion (-log p(x|z), nats), one point per β, annotated; returns ``ax``.

    Taught in: 03_vae
    """
    ax.plot(rate, distortion, "o-")
    for r, d, b in zip(rate, distortion, betas):
        ax.annotate(f"β={b:g}", (r, d), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("rate: KL(q(z|x) || p(z))  [nats]")
    ax.set_ylabel("distortion: -E log p(x|z)  [nats]")
    return ax


def plot_kl_per_dimension(ax, kl, title: str | None = None):
    """Bar chart of the average KL of each latent (from :func:`vaegan_edu.metrics.kl_per_dimension`).

    Taught in: 04_vae_interpretability
    """
    kl = np.asarray(kl)
    ax.bar(np.arange(len(kl)), kl)
    ax.set_xticks(np.arange(len(kl)))
    ax.set_xlabel("latent j")
    ax.set_ylabel("mean KL$_j$ [nats]")
    if title:
        ax.set_title(title)
    return ax


def plot_mutual_information(ax, mutual_info, entropy, factor_names):
    """Heat map of :math:`I(z_j; v_k) / H(v_k)` (latents as rows, factors as columns), values written in.

    Taught in: 04_vae_interpretability
    """
    normalised = np.asarray(mutual_info) / np.asarray(entropy)[None, :]
    ax.imshow(normalised, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for (j, k), value in np.ndenumerate(normalised):
        ax.text(k, j, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="white" if value < 0.5 else "black")  # fmt: skip
    ax.set_xticks(np.arange(len(factor_names)))
    ax.set_xticklabels(factor_names, fontsize=8)
    ax.set_yticks(np.arange(normalised.shape[0]))
    ax.set_ylabel("latent j")
    return ax


# === GAN (chapters 05-06) ===


def plot_gan_2d(ax, real, fake, surface=None, arrows=None, modes=None, title=None, lim=1.5):
    """One frame of a GAN on 2-D data: D's decision surface, real and generated points, generator arrows.

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

    Returns
    -------
    ax

    Taught in: 05_gan_game
    """
    if surface is not None:
        a, s = surface
        is_prob = s.min() >= 0.0 and s.max() <= 1.0
        ax.imshow(s, origin="lower", extent=(a[0], a[-1], a[0], a[-1]), cmap="RdBu_r", alpha=0.6,
                  vmin=0.0 if is_prob else None, vmax=1.0 if is_prob else None)  # fmt: skip
    ax.scatter(real[:, 0], real[:, 1], s=3, c="black", alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="tab:orange", alpha=0.6, label="generated")
    if arrows is not None:
        x, v = arrows
        norm = np.linalg.norm(v, axis=1, keepdims=True)
        v = v / np.maximum(norm, 1e-12) * 0.1 * lim
        ax.quiver(x[:, 0], x[:, 1], v[:, 0], v[:, 1], angles="xy", scale_units="xy", scale=1.0, width=0.004,
                  color="tab:green", alpha=0.8)  # fmt: skip
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=30, c="tab:blue", label="modes")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_history(ax, history, keys, title=None, xlabel="generator step"):
    """Curves of a :func:`vaegan_edu.training.fit_gan` history (or any dict with a ``step`` list).

    Taught in: 05_gan_game
    """
    missing = [k for k in ("step", *keys) if k not in history]
    if missing:
        raise ValueError(f"`history` has no {missing}; available keys: {sorted(history)}.")
    for key in keys:
        ax.plot(history["step"], history[key], label=key)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
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
    grid = np.asarray(grid, dtype=float)
    if fill is not None and fill not in curves:
        raise ValueError(f"`fill` must be one of the curve labels {list(curves)}; received {fill!r}.")
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
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
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_estimates(ax, sizes, estimates, standard_errors, truth=None, xlabel="number of samples",
                   ylabel="estimate", label=None):  # fmt: skip
    """Monte Carlo estimates with error bars of two standard errors against the sample size (log x-axis).

    ``truth`` (the exact value, when known) is drawn as a dashed line, so the estimate is seen to converge.

    Raises
    ------
    ValueError
        If ``sizes``, ``estimates`` and ``standard_errors`` differ in length.

    Taught in: 01_kl_divergence
    """
    sizes, estimates, errors = (np.asarray(a, dtype=float).ravel() for a in (sizes, estimates, standard_errors))
    if not len(sizes) == len(estimates) == len(errors):
        raise ValueError(
            f"`sizes`, `estimates` and `standard_errors` must have the same length; received "
            f"{len(sizes)}, {len(estimates)} and {len(errors)}."
        )
    ax.errorbar(sizes, estimates, yerr=2 * errors, fmt="o-", capsize=3, label=label or "estimate ± 2 s.e.")
    if truth is not None:
        ax.axhline(float(truth), color="k", linestyle="--", linewidth=1, label="exact")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def plot_elbo_gap(ax, log_evidence: float, elbo: float, title: str | None = None):
    """Bars for log p(x), the ELBO and the gap between them, with their values written on the bars.

    The gap equals KL(q || p(z | x)); a bar chart makes "ELBO + gap = log p(x)" visible at a glance.

    Raises
    ------
    ValueError
        If ``elbo > log_evidence`` by more than rounding: no ELBO can exceed log p(x).

    Taught in: 02_elbo
    """
    log_evidence, elbo = float(log_evidence), float(elbo)
    if elbo > log_evidence + 1e-6 * max(1.0, abs(log_evidence)):
        raise ValueError(
            f"`elbo` ({elbo:.6g}) is larger than `log_evidence` ({log_evidence:.6g}); an ELBO is a lower "
            f"bound, so one of them is computed wrongly."
        )
    names, values = ["log p(x)", "ELBO", "gap = KL"], [log_evidence, elbo, log_evidence - elbo]
    bars = ax.bar(names, values, color=["0.5", "tab:blue", "tab:red"])
    for bar, value in zip(bars, values):
        ax.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                    va="bottom" if value >= 0 else "top", fontsize=8)  # fmt: skip
    ax.axhline(0.0, color="k", linewidth=0.5)
    ax.set_ylabel("nats")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# === VAE against GAN (chapter 07) ===


def plot_metric_by_seed(ax, rows, metric: str, title: str | None = None):
    """One metric of a head-to-head table: each seed as a dot, the mean over seeds as a bar, per model.

    Parameters
    ----------
    ax : matplotlib Axes
    rows : list of dicts with ``model`` and ``metric`` keys (``DuelResult.rows`` of :mod:`vaegan_edu.comparison`)
    metric : str
    title : str or None (default: the metric's name)

    Returns
    -------
    ax

    Raises
    ------
    ValueError
        If no row has a finite value of ``metric``.

    Taught in: 07_vae_vs_gan
    """
    names = list(dict.fromkeys(r["model"] for r in rows if np.isfinite(r.get(metric, np.nan))))
    if not names:
        raise ValueError(f"No row has a finite {metric!r}; available keys: {sorted(rows[0]) if rows else []}.")
    for i, name in enumerate(names):
        values = np.array([r[metric] for r in rows if r["model"] == name], dtype=float)
        ax.bar(i, values.mean(), color=f"C{i}", alpha=0.35, width=0.6)
        ax.scatter(np.full(len(values), i), values, color=f"C{i}", s=18, zorder=3)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_title(title or metric.replace("_", " "), fontsize=9)
    ax.tick_params(labelsize=7)
    return ax


def show_saliency(ax, images, saliency, title: str | None = None):
    """Images (top row) above their saliency maps (bottom row, each scaled to its own maximum: white = most).

    Parameters
    ----------
    ax : matplotlib Axes
    images, saliency : arrays (n, height, width) or (n, height, width, 1) of the same shape
    title : str or None

    Returns
    -------
    ax

    Taught in: 08_student_questions
    """
    images, saliency = np.asarray(images, dtype=np.float32), np.asarray(saliency, dtype=np.float32)
    if images.shape != saliency.shape or len(images) == 0:
        raise ValueError(
            f"`images` and `saliency` must have the same non-empty shape; received {images.shape} and "
            f"{saliency.shape}. Fix: pass the maps returned by ve.metrics.discriminator_saliency(gan, images)."
        )
    peak = saliency.reshape(len(saliency), -1).max(axis=1)
    scaled = saliency / np.maximum(peak, 1e-12).reshape((-1,) + (1,) * (saliency.ndim - 1))
    grid = image_grid(np.concatenate([images, scaled]), ncols=len(images), pad_value=1.0)
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# === studies over seeds (chapters 06-08) ===


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
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def interval_bars(intervals: dict, ax=None, ylabel: str = "metric", better: str | None = None,
                  reference: float | None = None, title: str | None = None):  # fmt: skip
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

    Returns
    -------
    ax

    Raises
    ------
    ValueError
        If ``intervals`` is empty or ``better`` is not "lower", "higher" or None.
    TypeError
        If a value of ``intervals`` has no ``estimate``, ``low`` or ``high``.

    Taught in: 07_vae_vs_gan
    """
    if better not in ("lower", "higher", None):
        raise ValueError(f"Invalid value received for argument `better`. Expected \"lower\", \"higher\" or None. "
                         f"Received: better={better!r}.")  # fmt: skip
    if not intervals:
        raise ValueError("`intervals` is empty; pass {variant name: interval}, e.g. "
                         "{name: mean_interval(values) for name, values in fd_by_variant.items()}.")  # fmt: skip
    ax = _new_axes(ax)
    names = list(intervals)
    estimate, low, high = _interval_arrays("`intervals`", intervals.values())
    positions = np.arange(len(names))
    ax.bar(positions, estimate, color=[f"C{i}" for i in positions], alpha=0.6, width=0.6)
    ax.errorbar(positions, estimate, yerr=np.stack([estimate - low, high - estimate]), fmt="none", ecolor="k",
                capsize=4, linewidth=1)  # fmt: skip
    for x, value, top in zip(positions, estimate, np.where(np.isfinite(high), high, estimate)):
        ax.annotate(f"{value:.3g}", (x, top), textcoords="offset points", xytext=(0, 3), ha="center", va="bottom",
                    fontsize=8)  # fmt: skip
    if reference is not None:
        ax.axhline(float(reference), color="k", linestyle="--", linewidth=1)
    ax.margins(y=0.1)  # room for the numbers written above the tallest bar
    ax.set_xticks(positions)
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel(f"{ylabel} ({better} is better)" if better else ylabel)
    if title:
        ax.set_title(title, fontsize=9)
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

    Taught in: 07_vae_vs_gan
    """
    x = np.asarray(x, dtype=float)
    if not curves:
        raise ValueError("`curves` is empty; pass {variant name: [interval at each x]}.")
    ax = _new_axes(ax)
    for i, (name, intervals) in enumerate(curves.items()):
        if len(intervals) != len(x):
            raise ValueError(
                f"Curve {name!r} of `curves` has {len(intervals)} intervals but `x` has {len(x)} points; give one "
                f"interval per x (the mean over seeds at that time)."
            )
        estimate, low, high = _interval_arrays(f"Curve {name!r} of `curves`", intervals)
        ax.plot(x, estimate, color=f"C{i}", marker=".", label=name)
        ax.fill_between(x, low, high, color=f"C{i}", alpha=0.25, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax

"""Interactive explorers (ipywidgets) for the chapters.

Each explorer is built from explicit widgets and an ``Output``; the numbers it shows come from pure
functions elsewhere in the package (``models``, ``metrics``, ``plots``), which are tested on their own.
Builders return the widget and never call ``display``; the notebook does. Each engineer's explorers live
in their own section below.
"""

from __future__ import annotations

import ipywidgets
import numpy as np
from IPython.display import display

from vaegan_edu.validation import (
    as_float_array, check_finite, check_positive_int, check_positive_number, check_seed, check_size,
)  # fmt: skip

LIVE_WIDGET_TEXT = "live widget: run the notebook; the static picture above shows its starting point"


class _Explorer:
    """Mixin: the text a view shows when it draws no widget (GitHub, a terminal, HTML without the widget manager).

    ipywidgets 7 and 8 put ``repr(widget)`` (cut at 110 characters) beside the widget view; the default repr
    is a cut-off list of the children, which tells a reader nothing.
    """

    def __repr__(self):
        return f"{type(self).__name__}: {LIVE_WIDGET_TEXT}"


_KEEP_WIDTH = {"flex": "0 0 auto"}  # a controls column beside an Output: never shrunk to nothing


def _row(*controls):
    """Controls side by side that wrap onto the next line when the page is narrow, instead of shrinking.

    An ``HBox`` squeezes its children to fit: at 1024 px with JupyterLab's sidebar open, three sliders in a row
    had 17 px tracks that cannot be dragged, and buttons beside a wrapping status line stretched tall. Here every
    control keeps its natural width and height and the row wraps; a text readout takes the rest of its line and
    wraps its words inside it.
    """
    for control in controls:
        control.layout.flex = "1 1 240px" if isinstance(control, ipywidgets.HTML) else "0 0 auto"
    return ipywidgets.HBox(list(controls), layout={"flex_flow": "row wrap", "align_items": "center"})

def _check_in_range(name: str, value, low: float, high: float, example):
    """A number inside a slider's range [low, high]: outside it the slider would silently clamp it."""
    value = check_positive_number(name, value, example) if low > 0 else float(value)
    if not low <= value <= high:
        raise ValueError(f"`{name}`={value:g} is outside its slider's range [{low:g}, {high:g}], where the slider "
                         f"would silently move it to the nearest end. Fix: use a value such as {example}.")  # fmt: skip
    return value


def _check_vae(model):
    """The explorers of chapters 03 and 05 decode with a VAE."""
    if not all(hasattr(model, a) for a in ("encode", "decode", "latent_dim")):
        raise TypeError(f"`model` must be a trained vaegan_edu.models.VAE (it encodes and decodes); received "
                        f"{type(model).__name__}. For a GAN on 2-D data use GANLab.")  # fmt: skip
    return model


# === VAE (chapters 03-05) ===


def _draw_decoded(output, figure, image_artist, image, marker_artist=None, z2=None):
    """Show the decoded image (and move the latent-map marker) inside ``output``."""
    image_artist.set_data(np.asarray(image)[..., 0])
    if marker_artist is not None:
        marker_artist.set_data([z2[0]], [z2[1]])
    with output:
        output.clear_output(wait=True)
        display(figure)


class LatentExplorer(_Explorer, ipywidgets.VBox):
    """Sliders over the latent coordinates of a VAE; each change decodes :math:`z` into an image live.

    For a 2-D latent space a map beside the image shows the encoded data (coloured by label) and a red
    cross at the current :math:`z`, so moving the sliders walks over the map. The state the callback
    computes is kept in ``self.z`` (array (latent_dim,)) and ``self.image`` (the decoded mean image).

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x, labels : arrays or None
        Images to encode for the map (2-D latent spaces only) and their labels for the colours.
    span : float > 0
        Each slider runs over [-span, span].
    max_sliders : int
        Sliders for the first ``max_sliders`` latents (the rest stay at 0).

    Taught in: 03_vae
    """

    def __init__(self, model, x=None, labels=None, span=3.0, max_sliders=8):
        import matplotlib.pyplot as plt

        from vaegan_edu import plots

        _check_vae(model)
        span = check_positive_number("span", span, 3.0)
        max_sliders = check_positive_int("max_sliders", max_sliders, 8)
        self.model = model
        self.z = np.zeros(model.latent_dim, dtype=np.float32)
        self.sliders = [
            ipywidgets.FloatSlider(value=0.0, min=-span, max=span, step=span / 30, description=f"z{j + 1}",
                                   continuous_update=False)  # fmt: skip
            for j in range(min(model.latent_dim, max_sliders))
        ]
        self.output = ipywidgets.Output()
        show_map = model.latent_dim == 2 and x is not None
        with plt.ioff():
            self.figure, axes = plt.subplots(1, 2 if show_map else 1, figsize=(7.0 if show_map else 3.0, 3.2),
                                             squeeze=False)  # fmt: skip
        plt.close(self.figure)  # drawn by the widget only: the notebook's next plt.show() must not draw it again
        self.image = model.decode(self.z[None])[0]
        self._artist = axes[0][0].imshow(self.image[..., 0], cmap="gray", vmin=0, vmax=1)
        axes[0][0].set_axis_off()
        self._marker = None
        if show_map:
            mu, _ = model.encode(x)
            plots.plot_latent_scatter(axes[0][1], mu, labels)
            (self._marker,) = axes[0][1].plot([0], [0], "rx", markersize=12, markeredgewidth=3)
        self.figure.tight_layout()
        for slider in self.sliders:
            slider.observe(self._on_change, names="value")
        # the controls keep their width: in a static view (nbviewer, HTML) the output would otherwise cover them
        super().__init__([ipywidgets.HBox([ipywidgets.VBox(self.sliders, layout=_KEEP_WIDTH), self.output])])
        self._update()

    def _on_change(self, change):
        with self.output:  # errors inside a callback are shown in the output, not lost
            self._update()

    def _update(self):
        for j, slider in enumerate(self.sliders):
            self.z[j] = slider.value
        self.image = self.model.decode(self.z[None])[0]
        _draw_decoded(self.output, self.figure, self._artist, self.image, self._marker, self.z)


class TraversalExplorer(_Explorer, ipywidgets.VBox):
    """Pick an image and a latent, slide the latent, see the decoded image change (a live traversal).

    The image's posterior mean :math:`\\mu(x)` is the starting point; the chosen coordinate is replaced
    by the slider's value (see :func:`vaegan_edu.plots.traversal_z`). The state the callback computes is
    kept in ``self.z`` and ``self.image``; ``self.kl`` shows, for context, each latent's mean KL on ``x``.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape), the images to start from
    span : float > 0

    Taught in: 05_vae_interpretability
    """

    def __init__(self, model, x, span=3.0):
        import matplotlib.pyplot as plt

        from vaegan_edu import metrics

        _check_vae(model)
        span = check_positive_number("span", span, 3.0)
        self.model = model
        self.mu, _ = model.encode(x)  # (n, latent_dim)
        self.kl = metrics.kl_per_dimension(model, x)
        # latents numbered from 0, as in chapter 05's KL bars, heatmap and traversal grid
        options = [(f"z{j} (KL {k:.2f} nats)", j) for j, k in enumerate(self.kl)]
        self.latent = ipywidgets.Dropdown(options=options, value=int(np.argmax(self.kl)), description="latent")
        self.index = ipywidgets.IntSlider(value=0, min=0, max=len(x) - 1, description="image",
                                          continuous_update=False)  # fmt: skip
        self.value = ipywidgets.FloatSlider(value=0.0, min=-span, max=span, step=span / 30, description="value",
                                            continuous_update=False)  # fmt: skip
        self.output = ipywidgets.Output()
        with plt.ioff():
            self.figure, ax = plt.subplots(figsize=(3.0, 3.0))
        plt.close(self.figure)  # drawn by the widget only
        self.z = self.mu[0].copy()
        self.image = model.decode(self.z[None])[0]
        self._artist = ax.imshow(self.image[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        for control in (self.latent, self.index):
            control.observe(self._on_pick, names="value")
        self.value.observe(self._on_change, names="value")
        controls = ipywidgets.VBox([self.latent, self.index, self.value], layout=_KEEP_WIDTH)
        super().__init__([ipywidgets.HBox([controls, self.output])])
        self._on_pick(None)

    def _on_pick(self, change):
        """A new image or latent: start the slider at that image's own value of the latent."""
        with self.output:
            start = float(self.mu[self.index.value, self.latent.value])
            if self.value.value == start:
                self._update()
            else:
                self.value.value = float(np.clip(start, self.value.min, self.value.max))  # triggers _update

    def _on_change(self, change):
        with self.output:
            self._update()

    def _update(self):
        self.z = self.mu[self.index.value].copy()
        self.z[self.latent.value] = self.value.value
        self.image = self.model.decode(self.z[None])[0]
        _draw_decoded(self.output, self.figure, self._artist, self.image)


# === GAN (chapters 06-08) ===

GAN_LAB_DATASETS = {"ring8": 1.5, "grid25": 6.0, "moons": 2.0}  # dataset -> half-width of the view


class GANLab(_Explorer, ipywidgets.VBox):
    """A live GAN on 2-D data: the notebook's counterpart of GAN Lab (Kahng et al. 2018, arXiv:1809.01587).

    Controls: play/pause (an ``ipywidgets.Play`` ticking in the browser), single step, reset, the dataset
    (ring, grid, moons), the loss variant and both learning rates. The figure shows the discriminator's
    decision surface as a heatmap, real and generated points, arrows for the generator's gradient on its
    samples (:func:`vaegan_edu.models.generator_sample_gradients`; drawn at one length, so they show direction)
    and, against step, the modes captured for mixtures (:func:`vaegan_edu.metrics.mode_coverage`) and the
    arrows' true size, the mean :math:`\\lVert\\nabla_x L_G\\rVert` over the samples on a log scale (switch the
    loss to ``minimax`` after a few frames to see it collapse when the discriminator wins).

    Everything a frame shows is computed by :meth:`step`, which tests call directly (no browser needed);
    the widgets only call it. Changing dataset, loss or a learning rate starts a fresh GAN.

    Parameters
    ----------
    dataset : {"ring8", "grid25", "moons"}
    loss : one of :data:`vaegan_edu.losses.GAN_LOSSES`
    d_lr, g_lr : float > 0
    steps_per_frame : int >= 1
    num_points : int >= 256
        Real points drawn once per dataset; also the number of generated points per frame.
    grid_size : int >= 2
    seed : int

    Taught in: 07_mode_collapse
    """

    def __init__(self, dataset="ring8", loss="non_saturating", d_lr=1e-3, g_lr=1e-3, steps_per_frame=50,
                 num_points=1000, grid_size=60, seed=0):
        from matplotlib.figure import Figure

        from vaegan_edu import losses

        if dataset not in GAN_LAB_DATASETS:
            raise ValueError(f"`dataset` must be one of {list(GAN_LAB_DATASETS)}; received {dataset!r}.")
        losses._check_gan_loss(loss)
        d_lr, g_lr = (_check_in_range(name, lr, 1e-5, 10**-1.5, 1e-3) for name, lr in (("d_lr", d_lr), ("g_lr", g_lr)))
        steps_per_frame = check_positive_int("steps_per_frame", steps_per_frame, 50, maximum=500)  # the slider's max
        if check_size("num_points", num_points, 1000, per_item=40) < 256:  # 20 * num_points real 2-D points
            raise ValueError(f"`num_points` must be at least 256 (fewer leave modes empty); received {num_points}.")
        if check_positive_int("grid_size", grid_size, 60, maximum=4096) < 2:
            raise ValueError(f"`grid_size` must be at least 2 (points per side of the heatmap); received {grid_size}.")
        self.num_points, self.grid_size, self.seed = int(num_points), int(grid_size), check_seed(seed)
        self.dataset = ipywidgets.Dropdown(options=list(GAN_LAB_DATASETS), value=dataset, description="data")
        self.loss = ipywidgets.Dropdown(options=list(losses.GAN_LOSSES), value=loss, description="loss")
        self.d_lr = ipywidgets.FloatLogSlider(value=d_lr, base=10, min=-5, max=-1.5, description="D lr",
                                              continuous_update=False)  # fmt: skip
        self.g_lr = ipywidgets.FloatLogSlider(value=g_lr, base=10, min=-5, max=-1.5, description="G lr",
                                              continuous_update=False)  # fmt: skip
        self.steps_per_frame = ipywidgets.IntSlider(value=steps_per_frame, min=1, max=500, description="steps/frame")
        self.play = ipywidgets.Play(value=0, min=0, max=10**6, step=1, interval=200, description="play")
        self.step_button = ipywidgets.Button(description="step", icon="step-forward")
        self.reset_button = ipywidgets.Button(description="reset", icon="refresh")
        self.status = ipywidgets.HTML()
        self.output = ipywidgets.Output()
        self.figure = Figure(figsize=(6.4, 3.3), dpi=100)  # 640 px wide: JupyterLab at 1024 px with the sidebar open
        self.ax_data, self.ax_modes = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        self._ax_gradient = None  # the gradient's log axis, drawn over ax_modes
        self.play.observe(self._on_tick, names="value")
        self.step_button.on_click(lambda _: self._run(self.step))
        self.reset_button.on_click(lambda _: self._run(self.reset))
        for control in (self.dataset, self.loss, self.d_lr, self.g_lr):
            control.observe(lambda _: self._run(self.reset), names="value")
        controls = ipywidgets.VBox([
            _row(self.play, self.step_button, self.reset_button, self.status),
            _row(self.dataset, self.loss),
            _row(self.d_lr, self.g_lr, self.steps_per_frame),
        ])  # fmt: skip
        super().__init__([controls, self.output])
        self.reset()

    def _run(self, action):
        with self.output:  # errors in callbacks show in the output instead of vanishing
            action()

    def _on_tick(self, change):
        if change["new"] != change["old"]:
            self._run(self.step)

    def reset(self):
        """Draw the dataset and build a fresh GAN with the current settings; step counter back to 0."""
        from vaegan_edu import config, data, models

        config.set_seed(self.seed)
        self.x, self.modes, self.std = data.toy_2d(self.dataset.value, 20 * self.num_points, seed=self.seed)
        lim = GAN_LAB_DATASETS[self.dataset.value]
        self.gan = models.make_gan_2d(loss=self.loss.value, data_scale=lim / 1.5, seed=self.seed)
        self.gan.d_optimizer.learning_rate.assign(self.d_lr.value)
        self.gan.g_optimizer.learning_rate.assign(self.g_lr.value)
        self.z = np.random.default_rng(self.seed).normal(size=(self.num_points, 8)).astype("float32")
        self.step_count = 0
        self.history = {"step": [], "modes_captured": [], "high_quality": [], "gradient": []}
        self._measure()
        self.draw()

    def step(self, num_steps=None):
        """Train ``num_steps`` (default: the slider's steps per frame) generator steps, measure, redraw."""
        from vaegan_edu import models, training

        num_steps = int(num_steps or self.steps_per_frame.value)
        training.fit_gan(self.gan, self.x, num_steps, batch_size=models.GAN_2D_BATCH_SIZE,
                         seed=self.seed + self.step_count)  # fmt: skip
        self.step_count += num_steps
        self._measure()
        self.draw()

    def _measure(self):
        from vaegan_edu import metrics, models

        self.fake, self.arrows_v = models.generator_sample_gradients(self.gan, self.z)
        lim = GAN_LAB_DATASETS[self.dataset.value]
        self.surface = models.gan.decision_surface(self.gan, lim=lim, grid_size=self.grid_size)
        self.history["step"].append(self.step_count)
        gradient = float(np.linalg.norm(self.arrows_v, axis=1).mean())  # per sample: |grad_x of the summed loss|
        self.history["gradient"].append(gradient)
        status = f"<b>step {self.step_count}</b> &nbsp; mean |∇ₓ L_G| {gradient:.2g}"
        if self.modes is not None:
            coverage = metrics.mode_coverage(self.fake, self.modes, self.std)
            self.history["modes_captured"].append(coverage.modes_captured)
            self.history["high_quality"].append(coverage.high_quality)
            status += (f" &nbsp; modes captured: <b>{coverage.modes_captured}/{coverage.num_modes}</b> &nbsp; "
                       f"high quality: {coverage.high_quality:.0%}")  # fmt: skip
        self.status.value = status

    def draw(self):
        """Redraw both panels from the last measurement and show the figure in the output."""
        from vaegan_edu import plots

        lim = GAN_LAB_DATASETS[self.dataset.value]
        self.ax_data.clear()
        shown = slice(0, self.num_points)
        plots.plot_gan_2d(self.ax_data, self.x[shown], self.fake, surface=self.surface,
                          arrows=(self.fake[::4], self.arrows_v[::4]), modes=self.modes, lim=lim,
                          title=f"{self.loss.value}: D(x) heatmap, step {self.step_count}")  # fmt: skip
        self.ax_modes.clear()
        if self._ax_gradient is not None:
            self._ax_gradient.remove()
        if self.modes is not None:
            self.ax_modes.plot(self.history["step"], self.history["modes_captured"], marker="o", ms=3,
                               label="modes captured")  # fmt: skip
            self.ax_modes.set_ylim(-0.5, len(self.modes) + 0.5)
            self.ax_modes.set_ylabel("modes captured")
        self._ax_gradient = self.ax_modes.twinx()
        self._ax_gradient.semilogy(self.history["step"], self.history["gradient"], color="tab:red", marker="s", ms=3)
        self._ax_gradient.set_ylabel("mean |∇ₓ L_G| (log)", color="tab:red")
        self.ax_modes.set_xlabel("generator step")
        self.figure.tight_layout()
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)


# === KL divergence and ELBO (chapters 01-02) ===


def kl_explorer_values(mu: float, sigma: float, log_p, grid) -> dict:
    r"""What :class:`KLExplorer` shows for :math:`q = \mathcal N(\mu, \sigma^2)` against a fixed p on ``grid``.

    Returns a dict with ``log_q`` (shape (n,)), ``kl_qp`` = KL(q || p) and ``kl_pq`` = KL(p || q), both by
    the trapezoidal rule (:func:`vaegan_edu.probability.kl_quadrature`).

    Raises
    ------
    ValueError
        If ``sigma`` is not positive.

    Taught in: 01_kl_divergence
    """
    from vaegan_edu import probability

    if not sigma > 0:
        raise ValueError(f"`sigma` must be positive (a standard deviation); received sigma={sigma!r}.")
    grid = np.asarray(grid, dtype=float)
    log_p = np.asarray(log_p, dtype=float)
    log_q = np.asarray(probability.log_normal(grid[:, None], mu, 2.0 * np.log(sigma)))
    return dict(
        log_q=log_q,
        kl_qp=float(probability.kl_quadrature(log_q, log_p, grid)),
        kl_pq=float(probability.kl_quadrature(log_p, log_q, grid)),
    )


class KLExplorer(_Explorer, ipywidgets.VBox):
    r"""Sliders for the mean and standard deviation of a Gaussian q against a fixed density p.

    Shows both densities and both directions of the KL divergence, updated live. The numbers come from
    :func:`kl_explorer_values` and are kept in ``self.values``; ``self.readout`` shows them as text.

    Parameters
    ----------
    grid : array of shape (n,)
        Evenly spaced points covering p's and q's mass.
    log_p : array of shape (n,)
        The fixed target's log-density on ``grid`` (e.g. a two-mode mixture).
    mu, sigma : float
        The sliders' starting values.

    Taught in: 01_kl_divergence
    """

    def __init__(self, grid, log_p, mu: float = 0.0, sigma: float = 1.0):
        import matplotlib.pyplot as plt

        self.grid, self.log_p = as_float_array("grid", grid, "float64"), as_float_array("log_p", log_p, "float64")
        if self.grid.ndim != 1 or len(self.grid) < 2 or not np.all(np.diff(self.grid) > 0):
            raise ValueError(f"`grid` must be a 1-D increasing array such as np.linspace(-8, 8, 1601); received "
                             f"shape {self.grid.shape}" + (", not increasing" if self.grid.ndim == 1 else "") + ".")
        if self.log_p.shape != self.grid.shape:
            raise ValueError(f"`log_p` must hold one value per point of `grid` (shape {self.grid.shape}); received "
                             f"shape {self.log_p.shape}. Fix: evaluate log p on the grid itself.")  # fmt: skip
        check_finite("grid", self.grid)
        lo, hi = float(self.grid[0]), float(self.grid[-1])
        mu = _check_in_range("mu", mu, lo / 2, hi / 2, 0.0)
        sigma = _check_in_range("sigma", sigma, 0.1, (hi - lo) / 4, 1.0)
        self.mu = ipywidgets.FloatSlider(value=mu, min=lo / 2, max=hi / 2, step=0.05, description="μ of q")
        self.sigma = ipywidgets.FloatSlider(value=sigma, min=0.1, max=(hi - lo) / 4, step=0.05,
                                            description="σ of q")  # fmt: skip
        self.readout = ipywidgets.HTML()
        self.output = ipywidgets.Output()
        with plt.ioff():
            self.figure, self.ax = plt.subplots(figsize=(6.0, 3.0))
        plt.close(self.figure)  # drawn by the widget only
        for slider in (self.mu, self.sigma):
            slider.observe(self._on_change, names="value")
        super().__init__([_row(self.mu, self.sigma), self.readout, self.output])
        self._update()

    def _on_change(self, change):
        with self.output:  # errors inside a callback are shown in the output, not lost
            self._update()

    def _update(self):
        from vaegan_edu import plots

        self.values = kl_explorer_values(self.mu.value, self.sigma.value, self.log_p, self.grid)
        self.readout.value = (
            f"KL(q ‖ p) = {self.values['kl_qp']:.3f} nats &nbsp;&nbsp; "
            f"KL(p ‖ q) = {self.values['kl_pq']:.3f} nats"
        )
        self.ax.clear()
        plots.plot_density_curves(self.ax, self.grid, {"p (fixed)": np.exp(self.log_p),
                                                       "q": np.exp(self.values["log_q"])}, fill="p (fixed)")  # fmt: skip
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)


def elbo_explorer_values(model, x, q_mean: float, q_log_std: float) -> dict:
    r"""What :class:`ELBOExplorer` shows for :math:`q(z) = \mathcal N(m, s^2)` on a 1-D latent.

    Returns a dict of floats: ``log_evidence`` (fixed), ``elbo``, ``kl`` = KL(q || p(z | x)), and the
    exact posterior's ``posterior_mean`` and ``posterior_std``. ``log_evidence = elbo + kl`` holds exactly.

    Parameters
    ----------
    model : vaegan_edu.probability.LinearGaussian with latent_dim == 1
    x : array of shape (1, data_dim)
    q_mean, q_log_std : float
        Mean and log standard deviation of q (the log-variance is ``2 * q_log_std``).

    Raises
    ------
    ValueError
        If the model's latent space is not one-dimensional or ``x`` is not a single point.

    Taught in: 02_elbo
    """
    if model.latent_dim != 1:
        raise ValueError(
            f"The ELBO explorer draws a 1-D latent; received a model with latent_dim={model.latent_dim}. "
            f"Build a LinearGaussian with W of shape (data_dim, 1)."
        )
    if np.shape(x)[0] != 1:
        raise ValueError(f"`x` must be one point of shape (1, data_dim); received shape {np.shape(x)}.")
    q_mean_arr, q_log_var_arr = np.array([[float(q_mean)]]), np.array([[2.0 * float(q_log_std)]])
    post_mean, post_cov = model.posterior(x)
    return dict(
        log_evidence=float(model.log_evidence(x)[0]),
        elbo=float(model.elbo(x, q_mean_arr, q_log_var_arr)[0]),
        kl=float(model.kl_to_posterior(x, q_mean_arr, q_log_var_arr)[0]),
        posterior_mean=float(np.asarray(post_mean)[0, 0]),
        posterior_std=float(np.sqrt(np.asarray(post_cov)[0, 0])),
    )


class ELBOExplorer(_Explorer, ipywidgets.VBox):
    r"""Sliders for q's mean and log-std on a 1-D latent: log p(x), the ELBO and the gap, updated live.

    Left: the exact posterior p(z | x) and q. Right: log p(x) (fixed), the ELBO, and the gap, which equals
    KL(q || p(z | x)). The numbers come from :func:`elbo_explorer_values`, kept in ``self.values``.

    Parameters
    ----------
    model : vaegan_edu.probability.LinearGaussian with latent_dim == 1
    x : array of shape (1, data_dim)
    q_mean, q_log_std : float
        The sliders' starting values.

    Taught in: 02_elbo
    """

    def __init__(self, model, x, q_mean: float = 0.0, q_log_std: float = 0.0):
        import matplotlib.pyplot as plt

        from vaegan_edu.probability import LinearGaussian

        if not isinstance(model, LinearGaussian):
            raise TypeError(f"`model` must be a vaegan_edu.probability.LinearGaussian with latent_dim == 1 (its ELBO "
                            f"and log p(x) are exact); received {type(model).__name__}.")  # fmt: skip
        self.model, self.x = model, x
        start = elbo_explorer_values(model, x, q_mean, q_log_std)  # validates model and x
        centre, width = start["posterior_mean"], 4 * max(start["posterior_std"], 0.5)
        q_mean = _check_in_range("q_mean", q_mean, centre - width, centre + width, f"{centre:.2f} (p(z|x)'s mean)")
        q_log_std = _check_in_range("q_log_std", q_log_std, -3.0, 1.5, "0.0")
        self.grid = np.linspace(centre - 1.5 * width, centre + 1.5 * width, 400)
        self.q_mean = ipywidgets.FloatSlider(value=q_mean, min=centre - width, max=centre + width, step=0.02,
                                             description="mean of q")  # fmt: skip
        self.q_log_std = ipywidgets.FloatSlider(value=q_log_std, min=-3.0, max=1.5, step=0.02,
                                                description="log-std of q")  # fmt: skip
        self.readout = ipywidgets.HTML()
        self.output = ipywidgets.Output()
        with plt.ioff():
            self.figure, (self.ax_density, self.ax_bars) = plt.subplots(1, 2, figsize=(7.5, 3.0))
        plt.close(self.figure)  # drawn by the widget only
        for slider in (self.q_mean, self.q_log_std):
            slider.observe(self._on_change, names="value")
        super().__init__([_row(self.q_mean, self.q_log_std), self.readout, self.output])
        self._update()

    def _on_change(self, change):
        with self.output:
            self._update()

    def _update(self):
        from scipy import stats

        from vaegan_edu import plots

        v = self.values = elbo_explorer_values(self.model, self.x, self.q_mean.value, self.q_log_std.value)
        self.readout.value = (
            f"log p(x) = {v['log_evidence']:.3f} &nbsp; ELBO = {v['elbo']:.3f} &nbsp; "
            f"gap = KL(q ‖ p(z|x)) = {v['kl']:.3f} nats"
        )
        curves = {
            "p(z | x), exact": stats.norm(v["posterior_mean"], v["posterior_std"]).pdf(self.grid),
            "q(z)": stats.norm(self.q_mean.value, np.exp(self.q_log_std.value)).pdf(self.grid),
        }
        self.ax_density.clear()
        self.ax_bars.clear()
        plots.plot_density_curves(self.ax_density, self.grid, curves, fill="p(z | x), exact")
        plots.plot_elbo_gap(self.ax_bars, v["log_evidence"], v["elbo"])
        self.figure.tight_layout()
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)

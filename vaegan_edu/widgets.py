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

# === VAE (chapters 03-04) ===


def _draw_decoded(output, figure, image_artist, image, marker_artist=None, z2=None):
    """Show the decoded image (and move the latent-map marker) inside ``output``."""
    image_artist.set_data(np.asarray(image)[..., 0])
    if marker_artist is not None:
        marker_artist.set_data([z2[0]], [z2[1]])
    with output:
        output.clear_output(wait=True)
        display(figure)


class LatentExplorer(ipywidgets.VBox):
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

        if not span > 0:
            raise ValueError(f"`span` must be > 0; received span={span!r}.")
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
            self.figure, axes = plt.subplots(1, 2 if show_map else 1, figsize=(6 if show_map else 2.5, 2.6),
                                             squeeze=False)  # fmt: skip
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
        super().__init__([ipywidgets.HBox([ipywidgets.VBox(self.sliders), self.output])])
        self._update()

    def _on_change(self, change):
        with self.output:  # errors inside a callback are shown in the output, not lost
            self._update()

    def _update(self):
        for j, slider in enumerate(self.sliders):
            self.z[j] = slider.value
        self.image = self.model.decode(self.z[None])[0]
        _draw_decoded(self.output, self.figure, self._artist, self.image, self._marker, self.z)


class TraversalExplorer(ipywidgets.VBox):
    """Pick an image and a latent, slide the latent, see the decoded image change (a live traversal).

    The image's posterior mean :math:`\\mu(x)` is the starting point; the chosen coordinate is replaced
    by the slider's value (see :func:`vaegan_edu.plots.traversal_z`). The state the callback computes is
    kept in ``self.z`` and ``self.image``; ``self.kl`` shows, for context, each latent's mean KL on ``x``.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape), the images to start from
    span : float > 0

    Taught in: 04_vae_interpretability
    """

    def __init__(self, model, x, span=3.0):
        import matplotlib.pyplot as plt

        from vaegan_edu import metrics

        if not span > 0:
            raise ValueError(f"`span` must be > 0; received span={span!r}.")
        self.model = model
        self.mu, _ = model.encode(x)  # (n, latent_dim)
        self.kl = metrics.kl_per_dimension(model, x)
        options = [(f"z{j + 1} (KL {k:.2f} nats)", j) for j, k in enumerate(self.kl)]
        self.latent = ipywidgets.Dropdown(options=options, value=int(np.argmax(self.kl)), description="latent")
        self.index = ipywidgets.IntSlider(value=0, min=0, max=len(x) - 1, description="image",
                                          continuous_update=False)  # fmt: skip
        self.value = ipywidgets.FloatSlider(value=0.0, min=-span, max=span, step=span / 30, description="value",
                                            continuous_update=False)  # fmt: skip
        self.output = ipywidgets.Output()
        with plt.ioff():
            self.figure, ax = plt.subplots(figsize=(2.5, 2.5))
        self.z = self.mu[0].copy()
        self.image = model.decode(self.z[None])[0]
        self._artist = ax.imshow(self.image[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        for control in (self.latent, self.index):
            control.observe(self._on_pick, names="value")
        self.value.observe(self._on_change, names="value")
        super().__init__([ipywidgets.HBox([ipywidgets.VBox([self.latent, self.index, self.value]), self.output])])
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

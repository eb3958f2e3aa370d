r"""Diagrams of the book, drawn by code: the latent-variable model, the VAE, the GAN's two players, its training step.

Each function returns a new :class:`matplotlib.figure.Figure` (not registered with pyplot, so a notebook shows it
once, as the value of the cell's last line, and nothing is left open). All four share one look, taken from
:mod:`vaegan_edu.style`:

* rounded boxes: networks tinted in their role's colour (encoder and discriminator blue, decoder and generator
  orange), data and variables white, noise grey, losses tinted vermillion, a network held fixed grey with a
  dashed edge;
* solid black arrows for the forward pass, dashed coloured arrows for gradients and updates;
* text of at least 13 pt at 100 dpi, every label beside its arrow, none overlapping another (tests/test_diagrams.py
  measures the rendered text boxes).

The pieces carry names for the tests: each box's patch has the gid ``"box:<name>"`` and its text
``"text:<name>"``; free labels have ``"label:<name>"``.
"""

from __future__ import annotations

import numpy as np

from vaegan_edu import style

UNIT = 0.62  # inches per layout unit: a 17-unit-wide diagram is 1054 px at 100 dpi
BOX_FONT = 15  # points: text inside boxes
LABEL_FONT = 13  # points: labels beside arrows, legends
TITLE_FONT = 16  # points: the diagram's title
HEADER_FONT = 14  # points: panel headers
GRADIENT_OFFSET = 0.22  # layout units between a forward arrow and the gradient arrow running back beside it

_KINDS = {  # face colour, edge colour, edge style of each kind of box
    "data": ("white", "black", "-"),
    "observed": ("#D9D9D9", "black", "-"),
    "noise": ("#EEEEEE", "#555555", "-"),
    "encoder": (style.ENCODER_COLOR, style.ENCODER_COLOR, "-"),
    "decoder": (style.DECODER_COLOR, style.DECODER_COLOR, "-"),
    "generator": (style.GENERATOR_COLOR, style.GENERATOR_COLOR, "-"),
    "discriminator": (style.DISCRIMINATOR_COLOR, style.DISCRIMINATOR_COLOR, "-"),
    "loss": (style.GRADIENT_COLOR, style.GRADIENT_COLOR, "-"),
    "fixed": ("#E3E3E3", "#555555", "--"),
    "group": (style.ENCODER_COLOR, style.ENCODER_COLOR, ":"),
}
_TINT = {"encoder": 0.22, "decoder": 0.28, "generator": 0.28, "discriminator": 0.22, "loss": 0.14, "group": 0.07}


# === drawing pieces ===


def _tint(colour, amount: float):
    """``colour`` mixed with white: ``amount`` = 1 is the colour itself, 0 is white."""
    from matplotlib.colors import to_rgb

    return tuple(1.0 - amount * (1.0 - c) for c in to_rgb(colour))


def _canvas(width: float, height: float, title: str):
    """A figure whose axes' data coordinates are layout units (x in [0, width], y in [0, height]), axes hidden."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * UNIT, height * UNIT), dpi=style.DPI, facecolor="white")
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.text(width / 2, height - 0.45, title, ha="center", va="center", fontsize=TITLE_FONT, gid="label:title")
    return figure, ax


def _box(ax, name: str, xy, text: str, size, kind: str = "data", fontsize: float = BOX_FONT, shape: str = "box",
         weight: str = "normal"):  # fmt: skip
    """A rounded box (or a circle, ``shape="circle"``, ``size`` its diameter) centred at ``xy`` with ``text`` in it."""
    from matplotlib.patches import Circle, FancyBboxPatch

    face, edge, line = _KINDS[kind]
    face = _tint(face, _TINT[kind]) if kind in _TINT else face
    x, y = xy
    if shape == "circle":
        patch = Circle((x, y), size / 2, facecolor=face, edgecolor=edge, linewidth=2.0, linestyle=line)
    else:
        width, height = size
        patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height, facecolor=face, edgecolor=edge,
                               boxstyle="round,pad=0,rounding_size=0.18", linewidth=2.0, linestyle=line)  # fmt: skip
    patch.set_gid(f"box:{name}")
    ax.add_patch(patch)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, gid=f"text:{name}", linespacing=1.35,
                fontweight=weight, zorder=4)  # fmt: skip
    return patch


def _label(ax, name: str, xy, text: str, ha: str = "center", va: str = "center", colour: str = "black",
           fontsize: float = LABEL_FONT, **kwargs):  # fmt: skip
    """Free text (an arrow's label, a legend line) with the gid ``label:<name>``."""
    return ax.text(*xy, text, ha=ha, va=va, fontsize=fontsize, color=colour, gid=f"label:{name}", linespacing=1.3,
                   zorder=4, **kwargs)  # fmt: skip


def _centre(patch):
    """The centre of a box or circle patch, in layout units."""
    if hasattr(patch, "center"):
        return np.asarray(patch.center, dtype=float)
    return np.array([patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height() / 2])


def _arrow(ax, start, end, colour: str = "black", dashed: bool = False, connection: str = "arc3", offset: float = 0.0,
           width: float = 2.0):  # fmt: skip
    """An arrow from ``start`` to ``end`` (patches, clipped at their edges, or points), shifted sideways by ``offset``.

    A positive ``offset`` moves the arrow to its right, seen along its direction.
    """
    from matplotlib.patches import FancyArrowPatch

    a = _centre(start) if not isinstance(start, tuple) else np.asarray(start, dtype=float)
    b = _centre(end) if not isinstance(end, tuple) else np.asarray(end, dtype=float)
    if offset:
        direction = (b - a) / np.linalg.norm(b - a)
        shift = offset * np.array([direction[1], -direction[0]])
        a, b = a + shift, b + shift
    arrow = FancyArrowPatch(tuple(a), tuple(b), patchA=None if isinstance(start, tuple) else start,
                            patchB=None if isinstance(end, tuple) else end, arrowstyle="-|>", mutation_scale=18,
                            linewidth=width, color=colour, linestyle=(0, (4, 3)) if dashed else "-",
                            connectionstyle=connection, shrinkA=3, shrinkB=3, zorder=3)  # fmt: skip
    ax.add_patch(arrow)
    return arrow


def _flow(ax, start, end, gradient: str | None = None, offset: float = GRADIENT_OFFSET):
    """A forward arrow ``start`` -> ``end``; with ``gradient`` (a colour), a dashed arrow back beside it."""
    _arrow(ax, start, end, offset=-offset / 2 if gradient else 0.0)
    if gradient:
        _arrow(ax, end, start, colour=gradient, dashed=True, offset=-offset / 2)


def _legend(ax, xy, entries, name: str):
    """Legend lines at ``xy`` (top left): each a short arrow sample (solid or dashed, in a colour) and its text."""
    x, y = xy
    for i, (colour, dashed, text) in enumerate(entries):
        row = y - 0.6 * i
        _arrow(ax, (x, row), (x + 1.0, row), colour=colour, dashed=dashed)
        _label(ax, f"{name}{i}", (x + 1.25, row), text, ha="left")


# === VAE (chapters 02-03) ===


def latent_variable_model():
    r"""The latent-variable model as a graphical model: :math:`z \to x` in a plate over the :math:`N` data points.

    Solid arrows are the generative model :math:`p(z)\,p_\theta(x \mid z)` (the decoder's weights :math:`\theta`);
    the dashed ones are inference, :math:`q_\phi(z \mid x)` (the encoder's weights :math:`\phi`), after Kingma &
    Welling (2013, arXiv:1312.6114, figure 1). The observed :math:`x` is shaded; :math:`z` is never observed.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> figure = latent_variable_model()
    >>> sorted(t.get_gid() for t in figure.axes[0].texts if t.get_gid().startswith("text:"))
    ['text:phi', 'text:theta', 'text:x', 'text:z']

    Taught in: 02_elbo
    """
    figure, ax = _canvas(11.0, 7.0, "A latent-variable model: the unseen $z$ causes the data $x$")
    from matplotlib.patches import FancyBboxPatch

    plate = FancyBboxPatch((2.3, 0.7), 5.6, 5.0, boxstyle="round,pad=0,rounding_size=0.2", facecolor="none",
                           edgecolor="#555555", linewidth=1.5)  # fmt: skip
    plate.set_gid("box:plate")
    ax.add_patch(plate)
    _label(ax, "plate", (7.65, 0.95), "N data points", ha="right", va="bottom", colour="#333333")
    z = _box(ax, "z", (4.7, 4.35), "$z$", 1.1, kind="data", shape="circle", fontsize=BOX_FONT + 3)
    x = _box(ax, "x", (4.7, 1.95), "$x$", 1.1, kind="observed", shape="circle", fontsize=BOX_FONT + 3)
    theta = _box(ax, "theta", (9.5, 1.95), r"$\theta$", 0.8, kind="data", shape="circle")
    phi = _box(ax, "phi", (1.1, 4.35), r"$\phi$", 0.8, kind="data", shape="circle")
    _arrow(ax, z, x)
    _arrow(ax, x, z, dashed=True, connection="arc3,rad=-0.6")
    _arrow(ax, theta, x)
    _arrow(ax, phi, z, dashed=True)
    _label(ax, "prior", (5.4, 4.35), r"$p(z) = \mathcal{N}(0, I)$", ha="left")
    _label(ax, "likelihood", (4.95, 3.15), r"$p_\theta(x \mid z)$" + "\ndecoder", ha="left")
    _label(ax, "inference", (3.7, 3.15), r"$q_\phi(z \mid x)$" + "\nencoder", ha="right")
    _label(ax, "theta_name", (9.5, 2.5), "decoder\nweights", va="bottom")
    _label(ax, "phi_name", (1.1, 3.6), "encoder\nweights", va="top")
    _label(ax, "legend", (5.5, 0.3), "solid: generative model     dashed: inference     grey: observed",
           colour="#333333")  # fmt: skip
    return figure


def vae_architecture():
    r"""The VAE: encoder, the reparameterised sample, decoder, the ELBO's two terms and the gradient's path.

    .. math:: z = \mu + \sigma \odot \varepsilon, \quad \varepsilon \sim \mathcal N(0, I), \qquad
              \mathrm{ELBO} = \mathbb E_q[\log p_\theta(x \mid z)]
              - \mathrm{KL}(q_\phi(z \mid x) \,\|\, \mathcal N(0, I))

    The noise :math:`\varepsilon` enters from below as an input of its own; the dashed arrows (the gradient of the
    ELBO) run back from both terms through the decoder, :math:`z`, :math:`\mu` and :math:`\log\sigma^2` into the
    encoder, and none runs into :math:`\varepsilon`: that is the reparameterisation trick (Kingma & Welling 2013,
    arXiv:1312.6114, section 2.4).

    Returns
    -------
    matplotlib.figure.Figure

    Taught in: 03_vae
    """
    figure, ax = _canvas(17.0, 8.6, "The VAE: sample z = μ + σ ⊙ ε, decode, and climb the ELBO")
    grad = style.GRADIENT_COLOR
    group = _box(ax, "q", (6.4, 3.9), "", (2.0, 3.7), kind="group")
    _label(ax, "q_name", (6.4, 1.7), r"$q_\phi(z \mid x)$", colour=style.ENCODER_COLOR)
    x = _box(ax, "x", (0.95, 3.6), "image\n$x$", (1.4, 1.3))
    encoder = _box(ax, "encoder", (3.45, 3.6), "encoder\n" + r"$\phi$", (2.1, 1.7), kind="encoder")
    mu = _box(ax, "mu", (6.4, 4.55), r"$\mu$", (1.5, 0.8))
    log_var = _box(ax, "log_var", (6.4, 2.65), r"$\log\sigma^2$", (1.5, 0.8))
    z = _box(ax, "z", (9.7, 3.6), r"$z = \mu + \sigma \odot \varepsilon$", (2.7, 1.0))
    eps = _box(ax, "eps", (9.7, 1.15), r"$\varepsilon \sim \mathcal{N}(0, I)$", (2.5, 0.9), kind="noise")
    decoder = _box(ax, "decoder", (13.05, 3.6), "decoder\n" + r"$\theta$", (2.1, 1.7), kind="decoder")
    x_hat = _box(ax, "x_hat", (15.95, 3.6), "mean\nimage " + r"$\hat{x}$", (1.7, 1.3))
    _box(ax, "kl", (4.4, 7.0), r"KL$(q_\phi(z \mid x)\,\|\,\mathcal{N}(0, I))$", (4.6, 0.9), kind="loss")
    _box(ax, "reconstruction", (13.6, 7.0), r"reconstruction $\log p_\theta(x \mid z)$",
                          (5.4, 0.9), kind="loss")  # fmt: skip
    _label(ax, "elbo", (9.0, 7.0), "ELBO =\nreconstruction − KL", fontsize=BOX_FONT - 1)
    _label(ax, "compare", (13.3, 6.0), r"(compares $\hat{x}$ with $x$)", ha="right")
    _arrow(ax, x, encoder)
    _flow(ax, encoder, mu, gradient=grad)
    _flow(ax, encoder, log_var, gradient=grad)
    _flow(ax, mu, z, gradient=grad)
    _flow(ax, log_var, z, gradient=grad)
    _arrow(ax, eps, z, colour="#555555")
    _flow(ax, z, decoder, gradient=grad)
    _flow(ax, decoder, x_hat, gradient=grad)
    _flow(ax, x_hat, (15.95, 6.55), gradient=grad)  # straight up into the reconstruction term
    _flow(ax, group, (6.4, 6.55), gradient=grad)  # straight up into the KL term
    _label(ax, "no_gradient", (9.95, 2.35), "sampled: no gradient\nflows into ε", ha="left", colour="#333333")
    _legend(ax, (11.7, 1.25), [("black", False, "forward pass"), (grad, True, "gradient of the ELBO")], "legend")
    return figure


# === GAN (chapter 06) ===


def gan_players():
    r"""The GAN's two players and their losses (the non-saturating generator loss the book trains with).

    .. math:: L_D = -\mathbb E_x[\log D(x)] - \mathbb E_z[\log(1 - D(G(z)))], \qquad
              L_G = -\mathbb E_z[\log D(G(z))]

    The generator :math:`G` turns noise into a fake; the discriminator :math:`D` gives the probability that its
    input is real; each loss trains one player only (Goodfellow et al. 2014, arXiv:1406.2661).

    Returns
    -------
    matplotlib.figure.Figure

    Taught in: 06_gan_game
    """
    figure, ax = _canvas(17.0, 8.4, "The GAN: two players, two losses")
    d_colour, g_colour = style.DISCRIMINATOR_COLOR, style.GENERATOR_COLOR
    real = _box(ax, "real", (6.95, 5.35), "real data\n" + r"$x \sim p_{\mathrm{data}}$", (2.6, 1.3))
    z = _box(ax, "z", (1.35, 2.0), "noise\n" + r"$z \sim \mathcal{N}(0, I)$", (2.4, 1.3), kind="noise")
    generator = _box(ax, "generator", (4.2, 2.0), "generator\n$G$", (1.9, 1.5), kind="generator")
    fake = _box(ax, "fake", (6.95, 2.0), "fake\n$G(z)$", (1.7, 1.3))
    discriminator = _box(ax, "discriminator", (10.0, 3.65), "discriminator\n$D$", (2.5, 1.6), kind="discriminator")
    output = _box(ax, "output", (13.85, 3.65), r"$D(\cdot) \in (0, 1)$" + "\nP(input is real)", (2.9, 1.3))
    _box(ax, "loss_d", (13.0, 6.55), r"$L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]$"
                  + "\nD wants real → 1, fake → 0", (7.4, 1.3), kind="loss")  # fmt: skip
    _box(ax, "loss_g", (13.35, 0.95), r"$L_G = -\mathbb{E}_z[\log D(G(z))]$  (non-saturating)"
                  + "\nG wants D(fake) → 1", (6.9, 1.3), kind="loss")  # fmt: skip
    _arrow(ax, z, generator)
    _arrow(ax, generator, fake)
    _arrow(ax, fake, discriminator)
    _arrow(ax, real, discriminator)
    _arrow(ax, discriminator, output)
    _arrow(ax, output, (13.85, 5.9))
    _arrow(ax, output, (13.85, 1.6))
    _arrow(ax, (10.3, 5.9), (10.3, 4.45), colour=d_colour, dashed=True)
    _label(ax, "train_d", (10.5, 5.15), "trains D", ha="left", colour=d_colour)
    _arrow(ax, (9.9, 0.75), (4.2, 1.25), colour=g_colour, dashed=True, connection="angle,angleA=180,angleB=90")
    _label(ax, "train_g", (6.3, 0.4), "trains G (its gradient flows back through D)", colour="#9A6700")
    return figure


def gan_training_loop():
    r"""One GAN training step: a discriminator step with :math:`G` fixed, then a generator step on fresh noise.

    Each step has its own optimiser (``d_optimizer``, ``g_optimizer``) and moves only its own network's weights;
    the generator's gradient flows through :math:`D`, whose weights stay fixed. The order is the one of
    :mod:`vaegan_edu.models.gan_steps` and of the written-out ``train_step`` of chapter 06.

    Returns
    -------
    matplotlib.figure.Figure

    Taught in: 06_gan_game
    """
    figure, ax = _canvas(17.0, 8.6, "Training alternates: D learns with G fixed, then G learns with D fixed")
    d_colour, g_colour = style.DISCRIMINATOR_COLOR, style.GENERATOR_COLOR
    from matplotlib.patches import FancyBboxPatch

    for name, left, colour in (("d_step", 0.3, d_colour), ("g_step", 9.1, g_colour)):
        panel = FancyBboxPatch((left, 1.45), 7.6, 6.05, boxstyle="round,pad=0,rounding_size=0.25",
                               facecolor=_tint(colour, 0.05), edgecolor=colour, linewidth=1.5)  # fmt: skip
        panel.set_gid(f"box:{name}")
        ax.add_patch(panel)
    _label(ax, "d_header", (4.1, 7.0), "1. discriminator step", fontsize=HEADER_FONT, colour=d_colour,
           fontweight="bold")  # fmt: skip
    _label(ax, "g_header", (12.9, 7.0), "2. generator step", fontsize=HEADER_FONT, colour="#9A6700",
           fontweight="bold")  # fmt: skip

    # 1. D step: z -> G (fixed) -> D <- real; L_D; d_optimizer moves D only.
    z1 = _box(ax, "z1", (1.75, 5.6), r"$z \sim \mathcal{N}(0, I)$", (2.5, 0.9), kind="noise")
    g1 = _box(ax, "g1", (4.55, 5.6), "$G$ (fixed)", (1.9, 0.9), kind="fixed")
    real = _box(ax, "real", (4.55, 3.85), "real $x$", (1.9, 0.9))
    d1 = _box(ax, "d1", (6.85, 4.7), "$D$", (1.2, 1.3), kind="discriminator")
    loss_d = _box(ax, "loss_d", (6.85, 2.4), "$L_D$", (1.4, 0.8), kind="loss")
    _arrow(ax, z1, g1)
    _arrow(ax, g1, d1)
    _arrow(ax, real, d1)
    _arrow(ax, d1, loss_d, offset=-0.2)
    _arrow(ax, loss_d, d1, colour=d_colour, dashed=True, offset=-0.2)
    _label(ax, "d_update", (6.0, 2.35), "d_optimizer\nmoves D only", ha="right", colour=d_colour)

    # 2. G step: fresh z -> G -> D (fixed); L_G; g_optimizer moves G only, through D.
    z2 = _box(ax, "z2", (10.7, 5.6), "fresh " + r"$z \sim \mathcal{N}(0, I)$", (2.9, 0.9), kind="noise")
    g2 = _box(ax, "g2", (13.35, 5.6), "$G$", (1.2, 0.9), kind="generator")
    d2 = _box(ax, "d2", (15.65, 4.7), "$D$ (fixed)", (1.9, 1.3), kind="fixed")
    loss_g = _box(ax, "loss_g", (15.65, 2.4), "$L_G$", (1.4, 0.8), kind="loss")
    _arrow(ax, z2, g2)
    _arrow(ax, g2, d2)
    _arrow(ax, d2, loss_g)
    _arrow(ax, (14.95, 2.4), (13.35, 5.15), colour=g_colour, dashed=True, connection="angle,angleA=180,angleB=90")
    _label(ax, "g_update", (13.1, 3.4), "g_optimizer\nmoves G only;\nthe gradient\npasses through D",
           ha="right", colour="#9A6700")  # fmt: skip

    # The loop: after step 1 comes step 2, then the next batch starts again at step 1.
    _arrow(ax, (7.9, 4.7), (9.1, 4.7), width=3.0)
    _label(ax, "then", (8.5, 5.15), "then")
    _arrow(ax, (12.9, 1.45), (4.1, 1.45), width=3.0, connection="arc3,rad=-0.12")
    _label(ax, "repeat", (8.5, 0.45), "next batch: repeat")
    return figure

"""The book's diagrams: each renders, shows the boxes it promises, and no text collides with text or arrows."""

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from vaegan_edu import diagrams, style  # noqa: E402

# Each diagram: the boxes it must have (gid "box:<name>"), and a piece of the text each must show.
EXPECTED = {
    "latent_variable_model": {"z": "$z$", "x": "$x$", "theta": r"\theta", "phi": r"\phi", "plate": None},
    "vae_architecture": {
        "x": "$x$", "encoder": "encoder", "mu": r"\mu", "log_var": r"\log\sigma^2",
        "z": r"$z = \mu + \sigma \odot \varepsilon$", "eps": r"\varepsilon \sim \mathcal{N}(0, I)",
        "decoder": "decoder", "x_hat": r"\hat{x}", "kl": "KL", "reconstruction": "reconstruction", "q": None,
    },
    "gan_players": {
        "z": r"z \sim", "generator": "$G$", "fake": "$G(z)$", "real": "p_{\\mathrm{data}}", "discriminator": "$D$",
        "output": r"\in (0, 1)", "loss_d": r"\log(1 - D(G(z)))", "loss_g": "non-saturating",
    },
    "gan_training_loop": {
        "d_step": None, "g_step": None, "z1": r"z \sim", "g1": "(fixed)", "real": "real", "d1": "$D$",
        "loss_d": "$L_D$", "z2": "fresh", "g2": "$G$", "d2": "(fixed)", "loss_g": "$L_G$",
    },
}  # fmt: skip
LABELS = {  # free labels that carry the lesson
    "latent_variable_model": {"prior": r"\mathcal{N}(0, I)", "likelihood": r"p_\theta(x \mid z)",
                              "inference": r"q_\phi(z \mid x)", "plate": "N data points"},
    "vae_architecture": {"elbo": "reconstruction − KL", "no_gradient": "no gradient", "legend1": "gradient"},
    "gan_players": {"train_d": "trains D", "train_g": "through D"},
    "gan_training_loop": {"d_update": "d_optimizer", "g_update": "g_optimizer", "then": "then", "repeat": "repeat"},
}  # fmt: skip


def _render(name):
    figure = getattr(diagrams, name)()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return figure, canvas.get_renderer()


def _texts(figure):
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _by_gid(figure, kind):
    ax = figure.axes[0]
    found = {}
    for artist in [*ax.texts, *ax.patches]:
        gid = artist.get_gid() or ""
        if gid.startswith(kind + ":"):
            found[gid.split(":", 1)[1]] = artist
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_diagram_renders_to_a_png_with_the_expected_boxes_and_labels(name):
    figure, _ = _render(name)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = matplotlib.image.imread(io.BytesIO(buffer.getvalue()))
    width, height = figure.get_size_inches() * style.DPI
    assert png.shape[:2] == (int(height), int(width))
    assert png[..., :3].std() > 0.05  # something is drawn, not a blank page
    boxes, texts, labels = _by_gid(figure, "box"), _by_gid(figure, "text"), _by_gid(figure, "label")
    assert set(boxes) == set(EXPECTED[name])
    for box, piece in EXPECTED[name].items():
        if piece is not None:
            assert piece in texts[box].get_text(), (box, texts[box].get_text())
    for label, piece in LABELS[name].items():
        assert piece in labels[label].get_text(), (label, labels[label].get_text())
    assert labels["title"].get_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_text_fits_its_box_and_no_text_overlaps_another(name):
    figure, renderer = _render(name)
    frame = figure.bbox
    extents = {id(t): t.get_window_extent(renderer) for t in _texts(figure)}
    texts = _texts(figure)
    for t in texts:
        box = extents[id(t)]
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, t.get_text()
    boxes, box_texts = _by_gid(figure, "box"), _by_gid(figure, "text")
    for name_, text in box_texts.items():
        inner = extents[id(text)]
        outer = boxes[name_].get_window_extent(renderer)
        assert outer.x0 + 2 <= inner.x0 and inner.x1 <= outer.x1 - 2, f"text of box {name_!r} is wider than the box"
        assert outer.y0 + 2 <= inner.y0 and inner.y1 <= outer.y1 - 2, f"text of box {name_!r} is taller than the box"
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert not extents[id(a)].overlaps(extents[id(b)]), f"{a.get_text()!r} overlaps {b.get_text()!r}"


def _arrow_points(arrow, ax, step=2.0):
    """Points every ``step`` display pixels along an arrow's drawn outline (shaft and head)."""
    points = []
    for polygon in ax.transData.transform_path(arrow.get_path()).to_polygons(closed_only=False):
        for a, b in zip(polygon[:-1], polygon[1:]):
            n = max(int(np.hypot(*(b - a)) / step), 1)
            points.append(a + (b - a) * np.linspace(0, 1, n + 1)[:, None])
    return np.concatenate(points)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_arrow_runs_through_a_text(name):
    figure, renderer = _render(name)
    ax = figure.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) >= 4
    for text in _texts(figure):
        box = text.get_window_extent(renderer).expanded(1.0, 1.0)
        for arrow in arrows:
            points = _arrow_points(arrow, ax)
            inside = ((points[:, 0] > box.x0 + 1) & (points[:, 0] < box.x1 - 1)
                      & (points[:, 1] > box.y0 + 1) & (points[:, 1] < box.y1 - 1))  # fmt: skip
            assert not inside.any(), f"an arrow runs through {text.get_text()!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_diagram_is_readable_from_the_back_and_deterministic(name):
    figure, _ = _render(name)
    sizes = [t.get_fontsize() for t in _texts(figure)]
    assert min(sizes) >= style.MIN_FONT_SIZE + 1  # 13 pt: a diagram is read from further away than a plot
    assert figure.dpi == style.DPI and figure.get_size_inches()[0] * figure.dpi <= 1100  # fits a 1100 px column
    first, second = (np.asarray(_render(name)[1].buffer_rgba()) for _ in range(2))
    np.testing.assert_array_equal(first, second)


def test_a_diagram_is_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    diagrams.gan_players()
    assert plt.get_fignums() == before  # a notebook shows the returned figure once, and nothing piles up

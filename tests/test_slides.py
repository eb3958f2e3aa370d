"""Slides from the chapters: the slide-type rules, their idempotent annotation, the reveal.js export, and
every committed chapter carrying the metadata the rules give."""

import copy
import re
from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book, slides

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANNOTATE_COMMAND = "python -m vaegan_edu.book slides --annotate"


def _md(source):
    return nbformat.v4.new_markdown_cell(source)


def _code(source, outputs=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


IMAGE = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
         "metadata": {}}  # fmt: skip
WIDGET = {"output_type": "display_data", "metadata": {},
          "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                                "version_minor": 0}, "text/plain": "VBox()"}}  # fmt: skip
TEXT = {"output_type": "stream", "name": "stdout", "text": "KL = 0.5 nats\n"}
LONG = " ".join(["word"] * (slides.NOTES_MIN_WORDS + 1))
JUST_SHORT = " ".join(["word"] * slides.NOTES_MIN_WORDS)


@pytest.mark.parametrize(
    "cell, expected",
    [
        (_md("# 03 · The VAE\n\n**Goal:** build one."), "slide"),
        (_md("## The decoder\n\nIt maps z to an image."), "slide"),
        (_md("\n## A heading after a blank line"), "slide"),
        (_md("## A section with long prose\n\n" + LONG), "slide"),  # a heading stays on its slide
        (_md("### What the origin article computes instead"), "subslide"),
        (_md("#### a minor heading"), None),
        (_md("#hashtag is no heading"), None),
        (_md("A short remark under the figure."), None),
        (_md(JUST_SHORT), None),
        (_md(LONG), "notes"),
        (_code("fig, ax = plt.subplots()", [IMAGE]), "fragment"),
        (_code("ve.widgets.KLExplorer(grid, log_p)", [WIDGET]), "fragment"),
        (_code("plt.close(fig)\nprint('KL = 0.5 nats')", [TEXT]), None),  # outputs decide when there are any
        (_code("ve.plots.latent_grid(ax, decoder)"), "fragment"),  # never run: the source decides
        (_code("ve.diagrams.vae_architecture()"), "fragment"),
        (_code("x = np.linspace(0, 1)"), None),
        (_code('import sys\nif "google.colab" in sys.modules:  # on Colab only\n    pass\nimport vaegan_edu as ve'),
         "skip"),
        (_code('solution = ve.exercises.show_solution("gaussian_kl")'), "skip"),
        (nbformat.v4.new_raw_cell("raw"), None),
    ],
)  # fmt: skip
def test_each_rule(cell, expected):
    assert slides.slide_type(cell) == expected


def _constructed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _md("# 09 · A chapter"),
        _code('import sys\nif "google.colab" in sys.modules:\n    pass'),
        _md("## First idea"),
        _code("fig, ax = plt.subplots()", [IMAGE]),
        _md(LONG),
        _md("### A sub-step"),
        _code("x = 1", [TEXT]),
    ]
    return nb


def test_annotate_writes_the_rules_and_is_idempotent():
    nb = _constructed()
    assert slides.annotate(nb) == [0, 1, 2, 3, 4, 5]
    assert slides.current_slide_types(nb) == ["slide", "skip", "slide", "fragment", "notes", "subslide", None]
    assert "slideshow" not in nb.cells[6].metadata  # a continuing cell gets no field at all
    before = copy.deepcopy(nb)
    assert slides.annotate(nb) == []
    assert nb == before
    assert slides.differences(nb) == []


def test_annotate_removes_stale_types_and_keeps_a_lecturers_other_keys():
    nb = _constructed()
    nb.cells[6].metadata["slideshow"] = {"slide_type": "fragment"}  # no longer what the rules give
    nb.cells[3].metadata["slideshow"] = {"slide_type": "-", "data": {"transition": "fade"}}
    assert slides.differences(nb)[0].startswith("cell 0: 'slide' expected, found None")
    changed = slides.annotate(nb)
    assert 6 in changed and 3 in changed
    assert "slideshow" not in nb.cells[6].metadata
    assert nb.cells[3].metadata["slideshow"] == {"slide_type": "fragment", "data": {"transition": "fade"}}


def _fresh_copy(tmp_path, name="00_tour"):
    """A copy of a real chapter with any slide metadata stripped (as before the lead's first annotation)."""
    source = next(p for p in CHAPTERS if p.stem.startswith(name))
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    target = folder / source.name
    nbformat.write(nb, target)
    return target


def test_annotate_file_changes_only_slide_metadata_and_only_once(tmp_path):
    path = _fresh_copy(tmp_path)
    original = nbformat.read(path, as_version=4)
    assert slides.annotate_file(path, check=True)  # would change ...
    assert nbformat.read(path, as_version=4) == original  # ... but check writes nothing
    changed = slides.annotate_file(path)
    assert changed
    annotated = nbformat.read(path, as_version=4)
    for old, new in zip(original.cells, annotated.cells):
        assert new.source == old.source and new.get("outputs") == old.get("outputs")
        assert {k: v for k, v in new.metadata.items() if k != "slideshow"} == dict(old.metadata)
    text = path.read_text(encoding="utf-8")
    assert slides.annotate_file(path) == []
    assert path.read_text(encoding="utf-8") == text


def test_html_export_of_a_real_chapter_has_one_section_per_slide_and_subslide(tmp_path):
    path = _fresh_copy(tmp_path)
    types = slides.slide_types(nbformat.read(path, as_version=4))
    headings = [c for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "markdown" and re.match(r"#{1,2}\s", c.source.lstrip())]  # fmt: skip
    num_slides, num_subslides = types.count("slide"), types.count("subslide")
    assert num_slides == len(headings) >= 3  # the title and every section
    target = slides.export_html(path, tmp_path / "build")
    assert target == tmp_path / "build" / "00_tour.slides.html"
    html = target.read_text(encoding="utf-8")
    # reveal.js: each slide is <section><section>...</section></section>; each subslide one more <section>
    assert html.count("<section") == 2 * num_slides + num_subslides
    assert html.count('<aside class="notes">') == types.count("notes") >= 1
    assert html.count('<div class="fragment"') == types.count("fragment") >= 1
    assert "google.colab" not in html  # the setup cell is skipped
    assert "https://unpkg.com/reveal.js" in html  # by default from a CDN (the README says so)


def _fake_npm_folder(root):
    for relative in ("reveal.js/dist/reveal.js", "requirejs/require.js", "jquery/dist/jquery.min.js",
                     "mathjax/MathJax.js"):  # fmt: skip
        file = root / "node_modules" / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("// stand-in")


def test_offline_urls_point_at_local_copies_relative_to_the_page(tmp_path):
    assets = tmp_path / "assets"
    with pytest.raises(ValueError, match=r"missing: .*reveal.js/dist/reveal.js.*`npm install --prefix FOLDER reveal.js@4 "):
        slides.offline_urls(assets, tmp_path / "build")
    _fake_npm_folder(assets)
    urls = slides.offline_urls(assets, tmp_path / "build")
    assert urls == {
        "reveal_url_prefix": "../assets/node_modules/reveal.js",
        "require_js_url": "../assets/node_modules/requirejs/require.js",
        "jquery_url": "../assets/node_modules/jquery/dist/jquery.min.js",
        "mathjax_url": "../assets/node_modules/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    }


def test_the_command_checks_annotates_and_exports(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(_constructed(), folder / "09_constructed.ipynb")
    args = ["--notebooks", str(folder)]
    assert book.main(["slides", "--check", *args]) == 1
    assert ANNOTATE_COMMAND in capsys.readouterr().out
    assert book.main(["slides", "--annotate", *args]) == 0
    assert book.main(["slides", "--check", *args]) == 0
    assets = tmp_path / "assets"
    _fake_npm_folder(assets)
    out = tmp_path / "build"
    assert book.main(["slides", "09", *args, "--out", str(out), "--offline", str(assets)]) == 0
    html = (out / "09_constructed.slides.html").read_text(encoding="utf-8")
    assert "../assets/node_modules/reveal.js/dist/reveal.js" in html and "unpkg.com/reveal.js" not in html
    # a missing local copy is a usage error with the npm command: exit status 2, one line
    assert book.main(["slides", "09", *args, "--out", str(out), "--offline", str(tmp_path / "nothing")]) == 2
    assert "npm install --prefix FOLDER" in capsys.readouterr().err


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_committed_chapter_carries_the_slide_metadata_the_rules_give(chapter):
    # Fails until the chapters are annotated, and again after an edit that moves a heading or a figure:
    # the fix is the command below (it writes only metadata["slideshow"]).
    nb = nbformat.read(chapter, as_version=4)
    problems = slides.differences(nb)
    assert not problems, (
        f"{chapter.name}: the slide metadata differs from the rules in {len(problems)} cell(s), e.g. "
        f"{problems[:3]}; run `{ANNOTATE_COMMAND}` and commit the chapters."
    )


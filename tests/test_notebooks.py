"""House rules every chapter follows (STYLE.md section 3); nbval itself executes the chapters."""

import json
import re
from pathlib import Path

import pytest

from vaegan_edu import book, repository

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MAX_BYTES = 2_000_000  # committed outputs stay lean: modest-dpi figures, no megabytes of base64
MAX_CODE_LINE = 100  # characters: a code line a student reads on a projector or beside JupyterLab's sidebar
SMALL_FONT = re.compile(r"fontsize\s*=\s*([0-9.]+)")  # a chapter's own font size, in points


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"])


def test_there_are_chapters():
    assert any(p.name == "00_tour.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_name_badge_and_setup_cell(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.stem), "chapters are named NN_topic.ipynb"
    cells = _load(path)["cells"]
    first, second = cells[0], cells[1]
    assert first["cell_type"] == "markdown" and _source(first).startswith("# ")
    badge = repository.colab_url(path.name)  # the configured repository (vaegan_edu/repository.py)
    assert badge in _source(first), "the first cell carries the Colab badge for this very notebook"
    setup = _source(second)
    assert second["cell_type"] == "code"
    assert setup.startswith(book.colab_setup_block()), "run `python -m vaegan_edu.book colab`"
    assert "ve.config.settings(" in setup
    # vaegan_edu sets environment defaults (quiet TensorFlow, oneDNN off) that only count before Keras loads
    keras_at = setup.find("import keras")
    assert keras_at == -1 or setup.find("import vaegan_edu") < keras_at, "import vaegan_edu before keras"


def test_every_place_that_names_the_repository_agrees_with_the_configured_one():
    # badges and setup cells of every chapter, pyproject.toml's project URL, the README's Colab link
    assert book.colab(check=True) == [], "run `python -m vaegan_edu.book colab`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_kernelspec_is_the_one_ipykernel_registers(path):
    # JupyterLab rewrites any other kernelspec on opening, so the chapter opens as unsaved
    from ipykernel.kernelspec import KERNEL_NAME, get_kernel_dict

    spec = _load(path)["metadata"]["kernelspec"]
    assert spec == {"name": KERNEL_NAME, "display_name": get_kernel_dict()["display_name"], "language": "python"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_clean_and_lean(path):
    nb = _load(path)
    assert path.stat().st_size < MAX_BYTES
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} has a stored error"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                pytest.fail(f"cell {i} stored stderr (warnings or logs): {out['text'][:200]!r}")
    assert any(c["outputs"] for c in nb["cells"] if c["cell_type"] == "code"), "commit executed outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_shown_to_students_fits_the_screen(path):
    # issue 17 item 8: no line over ~100 characters, no `# fmt: skip` (the chapters are formatted by black at 100)
    long, skips = [], []
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        for line in _source(cell).splitlines():
            if len(line) > MAX_CODE_LINE:
                long.append(f"cell {i}: {len(line)} characters: {line.strip()[:60]!r}")
            if "fmt: skip" in line:
                skips.append(f"cell {i}")
    assert not long, f"{len(long)} line(s) over {MAX_CODE_LINE} characters: {long[:5]}"
    assert not skips, f"`# fmt: skip` in code shown to students: {skips}"


EVERY_PAGE = NOTEBOOKS + sorted((NOTEBOOKS[0].parent / "evidence").glob("*.ipynb"))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.mark.parametrize("path", EVERY_PAGE, ids=lambda p: p.stem)
def test_no_control_character_in_a_cell(path):
    # LaTeX written through a Python string without the r prefix loses its backslash: "\approx" becomes a bell
    # character and "pprox", "\frac" a form feed and "rac"; Markdown shows the damage, nothing else catches it
    found = [
        f"cell {i}: {_source(c)[max(0, m.start() - 20):m.start() + 10]!r}"
        for i, c in enumerate(_load(path)["cells"])
        for m in CONTROL.finditer(_source(c))
    ]
    assert not found, f"control characters in cell sources (a lost backslash?): {found[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_chapter_sets_a_font_below_the_book_style(path):
    # issue 17 item 1: the book style gives every text at least style.MIN_FONT_SIZE points; a cell that asks for
    # less (a legend at 8 pt) undoes it for that figure
    from vaegan_edu import style

    small = [(i, float(m.group(1))) for i, cell in enumerate(_load(path)["cells"]) if cell["cell_type"] == "code"
             for m in SMALL_FONT.finditer(_source(cell)) if float(m.group(1)) < style.MIN_FONT_SIZE]  # fmt: skip
    assert not small, f"cells set fonts below {style.MIN_FONT_SIZE} pt: {small}"


WIDGET_VIEW, WIDGET_STATE = "application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json"
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_widgets_are_stored_with_their_state_and_a_friendly_text(path):
    # nbviewer and the book's HTML draw a widget from the state in the notebook's metadata; views that draw
    # nothing (GitHub, a terminal) show the text beside it
    nb = _load(path)
    state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if WIDGET_VIEW in out.get("data", {}):
                assert out["data"][WIDGET_VIEW]["model_id"] in state, f"cell {i}: its widget has no stored state"
                assert "live widget: run the notebook" in "".join(out["data"]["text/plain"]), f"cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_closes_with_summary_and_exercises(path):
    headings = [line for c in _load(path)["cells"] if c["cell_type"] == "markdown"
                for line in _source(c).splitlines() if line.startswith("## ")]  # fmt: skip
    assert "## Summary" in headings
    if path.stem != "00_tour":
        assert "## Exercises" in headings

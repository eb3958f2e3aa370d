"""The evidence appendix (issue 30 item 3): notebooks/evidence/ holds executed notebooks that read the shipped
studies; nbval runs each in fast mode (pytest collects notebooks/ recursively). Here: their form."""

from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book, chapter_stats, repository

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = sorted((ROOT / "notebooks" / book.EVIDENCE).glob("*.ipynb"))


def test_the_appendix_starts_with_how_to_read_the_evidence():
    assert (ROOT / "notebooks" / book.EVIDENCE / "how_to_read_the_evidence.ipynb") in EVIDENCE


@pytest.mark.parametrize("path", EVIDENCE, ids=[p.stem for p in EVIDENCE])
def test_an_appendix_page_opens_on_colab_and_is_committed_executed(path):
    nb = nbformat.read(path, as_version=4)
    name = f"{book.EVIDENCE}/{path.name}"
    assert f"({repository.colab_url(name)})" in nb.cells[0].source, "run `python -m vaegan_edu.book colab`"
    assert nb.cells[1].source.startswith(book.colab_setup_block()), "run `python -m vaegan_edu.book colab`"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs or not c.source.strip() for c in code[1:]), "execute it and commit the outputs"
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    assert all(len(line) <= book.SETUP_LINE_LENGTH for c in code for line in c.source.splitlines())
    stats = chapter_stats.chapter_stats(path)
    assert stats.figures >= 1 and stats.over_limits() == []


def test_book_colab_keeps_the_appendix_pointed_at_the_repository():
    assert book.colab(check=True) == []

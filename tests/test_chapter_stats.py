"""Issue 30: a chapter is one lecture. ``book stats`` counts what a reader meets; the limits are tested."""

from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book, chapter_stats

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Chapters still over the lecture limits (issues 30 and 31 rewrite them). Strict: a chapter brought within the
# limits fails here until it leaves this set, so the set only shrinks.
OVER_LIMITS = set()


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell("# Title\n\nThe ELBO $\\log p(x) - \\mathrm{KL}$ is [a bound](x.ipynb).\n\n"
                                       "| a | b |\n|---|---|\n| 1 | 2 |")  # fmt: skip
    code = nbformat.v4.new_code_cell("# a comment\nx = 1\n\nprint(x)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="test ELBO -136.8 nats\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBO", "text/plain": "<Figure size 1>"}),
                    nbformat.v4.new_output("execute_result", data={"text/html": "<table><tr><td>one</td></tr></table>",
                                                                   "text/plain": "one two three four"})]  # fmt: skip
    solution = nbformat.v4.new_code_cell("answer = 42\nanswer", metadata={"tags": ["solution"]})
    nb.cells = [md, code, solution]
    nbformat.write(nb, tmp_path / "09_x.ipynb")
    return tmp_path / "09_x.ipynb"


def test_counts_prose_generated_words_code_lines_figures_and_tables(tmp_path):
    stats = chapter_stats.chapter_stats(_notebook(tmp_path))
    # prose: Title, The, ELBO, is, a, bound, a, b, 1, 2 (the formula and the link target are not words)
    assert stats.prose_words == 10
    assert stats.generated_words == 4 + 1  # "test ELBO -136.8 nats" and the HTML table's "one", not its plain text
    assert stats.code_lines == 2  # no comment, no blank line, no hidden solution
    assert (stats.figures, stats.tables) == (1, 2)
    assert stats.words == 15 and stats.over_limits() == []


def test_limits_are_reported_and_the_check_exits_1(tmp_path, capsys, monkeypatch):
    path = _notebook(tmp_path)
    monkeypatch.setattr(chapter_stats, "MAX_WORDS", 10)
    assert chapter_stats.chapter_stats(path).over_limits() == ["15 words > 10"]
    assert book.main(["stats", "--notebooks", str(tmp_path)]) == 0
    assert "| 09_x | 15 (10 + 5) | 2 | 1 | 2 | ✗ 15 words > 10 |" in capsys.readouterr().out
    assert book.main(["stats", "--check", "--notebooks", str(tmp_path)]) == 1


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_is_one_lecture(chapter, request):
    if chapter.stem in OVER_LIMITS:
        request.applymarker(pytest.mark.xfail(reason="issues 30-31 rewrite it as a lecture", strict=True))
    stats = chapter_stats.chapter_stats(chapter)
    assert stats.over_limits() == [], f"{chapter.stem}: {'; '.join(stats.over_limits())}"

"""How long a chapter is, as a reader meets it: prose words, generated words, code lines, figures, tables.

A chapter is one lecture (``../shared/STYLE.md``, section 3.2a): at most :data:`MAX_WORDS` words of prose,
*counting what its code prints or renders*, and at most :data:`MAX_CODE_LINES` lines of code. This module counts
from the committed, executed notebook::

    python -m vaegan_edu.book stats          # a table: one row per chapter, limits marked

What counts:

- **prose words**: the words of the Markdown cells, with LaTeX, link targets, HTML tags and code fences left out
  (a formula is read, not counted as words);
- **generated words**: the words of what code cells show: printed text (``stream``), and ``text/markdown``,
  ``text/html`` (tags removed) or ``text/plain`` of displayed results, taking one representation per output (the
  one a reader sees: Markdown, then HTML, then plain text), never a figure's ``<Figure size ...>`` placeholder;
- **code lines**: non-blank lines of code cells that are not comments, and no line of a hidden solution cell
  (tag ``solution``: a student reveals it, it is not read in the lecture);
- **figures**: image outputs; **tables**: Markdown tables (a row of ``|---|``) and HTML ``<table>`` outputs.

Prose is written by people, in Markdown; code prints lines that name a quantity and give its value.
:func:`prose_cells` finds the code cells that write prose instead: those whose string literals (docstrings and
the Colab setup cell aside) hold a sentence of :data:`MAX_LITERAL_WORDS` words or more, or
:data:`MAX_CELL_LITERAL_WORDS` words or more in all (an if/else paragraph, a verdict assembled from pieces).

Taught in: 00_tour
"""

from __future__ import annotations

import ast
import dataclasses
import html
import re
from pathlib import Path

MAX_WORDS = 3_000  # prose words of one chapter, generated words included
MAX_CODE_LINES = 350
MAX_LITERAL_WORDS = 25  # one string literal this long is a sentence of prose, not a label
MAX_CELL_LITERAL_WORDS = 100  # a code cell whose literals hold this many words in all writes a paragraph

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,%\-−×/]*")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)
_FIGURE_PLACEHOLDER = re.compile(r"^<Figure size [^>]*>$")


@dataclasses.dataclass(frozen=True)
class ChapterStats:
    """What one chapter holds, as counted by :func:`chapter_stats`."""

    name: str
    prose_words: int
    generated_words: int
    code_lines: int
    figures: int
    tables: int

    @property
    def words(self) -> int:
        """Prose and generated words together: what :data:`MAX_WORDS` limits."""
        return self.prose_words + self.generated_words

    def over_limits(self) -> list[str]:
        """The limits this chapter exceeds, as phrases ("3,412 words > 3,000"); empty when it is a lecture."""
        over = []
        if self.words > MAX_WORDS:
            over.append(f"{self.words:,} words > {MAX_WORDS:,}")
        if self.code_lines > MAX_CODE_LINES:
            over.append(f"{self.code_lines} code lines > {MAX_CODE_LINES}")
        return over


def count_words(text: str) -> int:
    """Words of Markdown ``text``: LaTeX, code fences, link targets and HTML tags are not words."""
    text = _FENCE.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    text = html.unescape(_TAG.sub(" ", text))
    return len(_WORD.findall(text))


def _shown_text(output) -> str:
    """The text a reader sees of one output (printed text, or the richest text form of a displayed result)."""
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    for mime in ("text/markdown", "text/html", "text/plain"):
        if mime in data:
            text = "".join(data[mime])
            if mime == "text/plain" and (_FIGURE_PLACEHOLDER.match(text.strip()) or any(
                    key.startswith("image/") for key in data)):  # fmt: skip
                return ""  # a figure's repr: the picture is what is shown
            return text
    return ""


def _code_lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))


def chapter_stats(path) -> ChapterStats:
    """Count the prose, generated words, code lines, figures and tables of the executed notebook at ``path``.

    Raises
    ------
    ValueError
        ``path`` is not a readable notebook (the message names it).
    """
    import nbformat

    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for a file that is not a notebook
        raise ValueError(f"{path} is not a readable notebook ({type(error).__name__}: {error}).") from None
    prose = generated = code = figures = tables = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            prose += count_words(cell.source)
            tables += len(_TABLE_RULE.findall(cell.source))
        elif cell.cell_type == "code":
            if "solution" not in cell.metadata.get("tags", []):
                code += _code_lines(cell.source)
            for output in cell.get("outputs", []):
                shown = _shown_text(output)
                generated += count_words(shown)
                tables += shown.count("<table") + len(_TABLE_RULE.findall(shown))
                figures += any(key.startswith("image/") for key in output.get("data", {}))
    return ChapterStats(path.stem, prose, generated, code, figures, tables)


def _literal_words(source: str) -> list[int]:
    """Words of each string literal of a code cell (an f-string's literal parts together), docstrings left out;
    IPython magics and shell lines are skipped. A cell that does not parse has none."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and ast.get_docstring(node) is not None}  # fmt: skip
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    counts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = " ".join(part.value for part in node.values if isinstance(part, ast.Constant))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and id(node) not in inside_fstrings):  # fmt: skip
            text = node.value
        else:
            continue
        counts.append(len(_PROSE_WORD.findall(text)))
    return counts


_PROSE_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


def prose_cells(path) -> list[tuple[int, int, int]]:
    """The code cells of the notebook at ``path`` that write prose: ``(cell index, words in its string
    literals, words in its longest literal)`` for each cell over :data:`MAX_LITERAL_WORDS` or
    :data:`MAX_CELL_LITERAL_WORDS`. The setup cell (the one that holds the Colab block) and hidden solutions
    are not counted."""
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if (cell.cell_type != "code" or "solution" in cell.metadata.get("tags", [])
                or '"google.colab" in sys.modules' in cell.source):  # fmt: skip
            continue
        counts = _literal_words(cell.source)
        if counts and (max(counts) >= MAX_LITERAL_WORDS or sum(counts) >= MAX_CELL_LITERAL_WORDS):
            found.append((index, sum(counts), max(counts)))
    return found


def table(paths) -> str:
    """A Markdown table of :func:`chapter_stats` for every notebook in ``paths``, limits marked with ✗."""
    rows = ["| chapter | words (prose + generated) | code lines | figures | tables | lecture limits |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for path in paths:
        s = chapter_stats(path)
        verdict = "✗ " + "; ".join(s.over_limits()) if s.over_limits() else "within"
        rows.append(f"| {s.name} | {s.words:,} ({s.prose_words:,} + {s.generated_words:,}) | {s.code_lines} | "
                    f"{s.figures} | {s.tables} | {verdict} |")  # fmt: skip
    return "\n".join(rows)

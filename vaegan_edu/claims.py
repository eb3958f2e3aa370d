"""Measured numbers in the chapters' prose, registered with their source and checked against it.

Prose is written by people, and a number in it stays literal, so a sentence reads the same on GitHub, on Colab
and on a projector. What keeps it honest is a registry, ``notebooks/claims.json``: for each chapter, the
sentence fragment that holds the number and where the number comes from::

    {"05_vae_interpretability": [
        {"text": "MIG of 0.26", "source": {"result": "beta_sweep", "variant": "beta = 8", "metric": "mig"}},
        {"text": "right digit in 40 %", "source": {"output": "recon-check", "pattern": "right digit: ([0-9.]+)",
                                                   "scale": 100}},
        {"text": "28×28 pixels", "source": {"constant": "the glyphs' size, set in vaegan_edu.data"}}
    ]}

A source is one of

- ``result``: a shipped study (:func:`vaegan_edu.experiments.load`), one ``variant`` and ``metric``, and a
  ``statistic`` over its seeds: ``mean`` (default), ``low`` / ``high`` (the ends of the 95 % interval), ``n``;
- ``output``: the committed output of the chapter's code cell tagged ``claim:<name>`` (printed text, or a
  displayed Markdown table), read with ``pattern`` (a regular expression whose first group is the number);
- ``benchmark``: a benchmark's results file in the checkout (``benchmarks/results/NAME.json``), read along
  ``path``, a list of keys and indices (``["checkpoints", "agreement", "perceptual", "realism k=3",
  "agrees_with_fd"]``); the check needs the checkout, where the benchmarks live;
- ``constant``: a number that is not measured (a setting, a worked example, a date); the value says why.

``scale`` multiplies the source's value (100 for a share written as a percentage). :func:`check` finds each
fragment in the chapter's Markdown and compares its number with the source's, rounded to the decimals the text
prints; and it flags every measured-looking number in the Markdown (a decimal such as 0.26, or a percentage) that
no fragment covers. A lecturer who changes a sentence changes its fragment in the registry; a study rerun with
other numbers makes the check fail until the sentence is updated.

Taught in: 00_tour
"""

from __future__ import annotations

import json
import re
from pathlib import Path

CLAIMS_FILE = "claims.json"  # in the chapters' folder; it also registers the pages of notebooks/evidence/
STATISTICS = ("mean", "low", "high", "n")
BENCHMARKS_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "results"  # in a checkout of the book

_NUMBER = re.compile(r"[−-]?\d[\d,]*(?:\.\d+)?")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")
_ARXIV = re.compile(r"arXiv:\s?\d{4}\.\d{4,5}", re.IGNORECASE)
# numbers that name things rather than measure them: sections, theorems, versions
_NAMED = re.compile(r"\b(?:[Ss]ection|[Tt]heorem|[Ll]emma|[Ee]quation|[Ee]q\.|[Tt]able|[Ff]igure|[Aa]ppendix|"
                    r"TensorFlow|Keras|Python|version)\s+\d+(?:\.\d+)*")
# the book's constants, allowed everywhere: the confidence level of its intervals
ALLOWED = re.compile(r"95 %\s*\**\s*(?:paired )?(?:Student-t |Welch t )?"
                     r"(?:prediction interval|confidence interval|interval|CI|PI)s?")
# what looks measured: a decimal number, or a number followed by a percent sign
_MEASURED = re.compile(r"(?<![\w.])[−-]?\d[\d,]*\.\d+(?![\w.]*\d)|(?<![\w.])\d[\d,]*(?:\.\d+)?\s?%")


class ClaimError(ValueError):
    """A registry entry that cannot be checked: malformed, or naming a source that does not exist."""


def read_registry(folder) -> dict:
    """``{chapter: [claim, ...]}`` from ``folder/claims.json`` (empty when there is none yet)."""
    path = Path(folder) / CLAIMS_FILE
    if not path.is_file():
        return {}
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ClaimError(f"{path} is not valid JSON ({error}).") from None
    if not isinstance(registry, dict) or not all(isinstance(v, list) for v in registry.values()):
        raise ClaimError(f"{path} must map each chapter to a list of claims, e.g. "
                         f'{{"03_vae": [{{"text": ..., "source": ...}}]}}.')  # fmt: skip
    return registry


def prose(nb) -> str:
    """The Markdown of notebook ``nb`` as the check reads its numbers: without LaTeX, code, links, arXiv numbers,
    numbered sections, theorems and versions, and the allowed constants (:data:`ALLOWED`)."""
    text = "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    for pattern in (_MATH, _CODE, _LINK_TARGET, _ARXIV):
        text = pattern.sub(" ", text)
    text = " ".join(text.split())  # one space for any run of spaces and line breaks: fragments span lines
    for pattern in (_NAMED, ALLOWED):
        text = pattern.sub(" ", text)
    return text


def _literal(text: str, where: str) -> tuple[float, int]:
    """The number in a claim's fragment and its printed decimals."""
    match = _NUMBER.search(text)
    if match is None:
        raise ClaimError(f"{where}: the fragment {text!r} holds no number.")
    literal = match.group().replace(",", "").replace("−", "-")
    return float(literal), len(literal.split(".")[1]) if "." in literal else 0


def source_value(source: dict, nb, where: str) -> float | None:
    """The value a claim's ``source`` gives (None for a constant); ClaimError for a source that does not exist."""
    if not isinstance(source, dict):
        raise ClaimError(f"{where}: `source` must be an object; received {source!r}.")
    scale = source.get("scale", 1)
    if "constant" in source:
        return None
    if "result" in source:
        from vaegan_edu import experiments

        statistic = source.get("statistic", "mean")
        if statistic not in STATISTICS:
            raise ClaimError(f"{where}: `statistic` must be one of {STATISTICS}; received {statistic!r}.")
        try:
            result = experiments.load(source["result"])
            values = result.values(source["variant"], source["metric"])
            interval = result.interval(source["variant"], source["metric"])
        except (KeyError, FileNotFoundError, ValueError) as error:
            raise ClaimError(f"{where}: the source {source} cannot be read ({error}).") from None
        value = {"mean": interval.estimate, "low": interval.low, "high": interval.high, "n": len(values)}[statistic]
        return float(value) * scale
    if "output" in source:
        tag = f"claim:{source['output']}"
        cells = [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]
        if len(cells) != 1:
            raise ClaimError(f"{where}: expected one code cell tagged {tag!r}; found {len(cells)}.")
        data = [o.get("data", {}) for o in cells[0].outputs]  # a displayed table is read as its Markdown
        shown = "".join(o.get("text", "") or d.get("text/markdown", "") or d.get("text/plain", "")
                        for o, d in zip(cells[0].outputs, data))  # fmt: skip
        match = re.search(source.get("pattern", r"([−-]?\d[\d,]*(?:\.\d+)?)"), shown)
        if match is None:
            raise ClaimError(f"{where}: the output of the cell tagged {tag!r} does not match {source.get('pattern')!r}.")
        return float(match.group(1).replace(",", "").replace("−", "-")) * scale
    if "benchmark" in source:
        path = BENCHMARKS_DIR / f"{source['benchmark']}.json"
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            for key in source["path"]:
                value = value[key]
            return float(value) * scale
        except (OSError, KeyError, IndexError, TypeError, ValueError) as error:
            raise ClaimError(f"{where}: the benchmark source {source} cannot be read from {path} ({error!r}); run "
                             f"`python benchmarks/{source['benchmark']}.py` in the checkout.") from None
    raise ClaimError(f"{where}: a source names a `result`, an `output`, a `benchmark` or a `constant`; received "
                     f"{source}.")  # fmt: skip


def check(path, registry: dict | None = None) -> list[str]:
    """Problems with the measured numbers of the chapter at ``path``, as sentences (empty: all registered and true).

    Every fragment of the chapter's registry entry must occur in its Markdown, with the number its source gives at
    the printed precision; every measured-looking number of the Markdown must lie inside a registered fragment.
    """
    import nbformat

    path = Path(path)
    chapters = path.parent.parent if path.parent.name == "evidence" else path.parent  # the appendix's pages too
    registry = read_registry(chapters) if registry is None else registry
    nb = nbformat.read(path, as_version=4)
    text = prose(nb)
    problems, covered = [], []
    for i, claim in enumerate(registry.get(path.stem, [])):
        where = f"{path.stem} claim {i + 1}"
        if not isinstance(claim, dict) or not isinstance(claim.get("text"), str):
            problems.append(f"{where}: each claim is {{\"text\": fragment, \"source\": {{...}}}}.")
            continue
        fragment = " ".join(claim["text"].split())
        starts = [m.start() for m in re.finditer(re.escape(fragment), text)]
        if not starts:
            problems.append(f"{where}: {fragment!r} is not in the chapter's prose (edited? update the registry).")
            continue
        covered += [(start, start + len(fragment)) for start in starts]  # every occurrence says the same
        try:
            number, decimals = _literal(fragment, where)
            value = source_value(claim.get("source"), nb, where)
        except ClaimError as error:
            problems.append(str(error))
            continue
        if value is not None and round(value, decimals) != round(number, decimals):
            problems.append(f"{where}: the prose says {fragment!r}, its source gives {value:.{decimals}f}.")
    for match in _MEASURED.finditer(text):
        if not any(a <= match.start() and match.end() <= b for a, b in covered):
            line = text[max(0, match.start() - 40): match.end() + 20].replace("\n", " ")
            problems.append(f"{path.stem}: {match.group().strip()!r} looks measured but no claim registers it "
                            f"(\u2026{line}\u2026).")  # fmt: skip
    return problems

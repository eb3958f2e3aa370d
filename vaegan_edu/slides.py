"""Slides from the chapters themselves: reveal.js slide metadata computed from a chapter's structure.

A lecturer presents a chapter live in JupyterLab 4 with the ``jupyterlab-rise`` extension (in the
``notebooks`` extra), or as a reveal.js HTML page that ``python -m vaegan_edu.book slides 03`` writes into
``build/``. Both read one field per cell, ``metadata["slideshow"]["slide_type"]``, which :func:`slide_type`
computes from the chapter's structure, so nobody maintains it by hand:

========================================================  ===============  ====================================
cell                                                      slide_type       why
========================================================  ===============  ====================================
the title (``#``) and each section (``##``) heading       ``"slide"``      one idea per section, one slide
a sub-step heading (``###``)                              ``"subslide"``   below its section (reveal.js: down)
code that draws a figure or a widget                      ``"fragment"``   the picture appears on a key press
prose of more than :data:`NOTES_MIN_WORDS` words          ``"notes"``      speaker notes (RISE: key ``t``)
the setup cell, a ``show_solution(...)`` cell             ``"skip"``       Colab install noise; no answers
everything else                                           (no field)       continues the current slide
========================================================  ===============  ====================================

A heading cell is a slide whatever its length (its prose scrolls). "Draws a figure" is read from the
outputs (an image, a widget view); a cell without outputs (a chapter never run) is judged by its source
(``plt.``, ``ve.plots.``, ``ve.diagrams.``, an explorer). Skipped cells still run when the lecturer runs the
notebook: run all cells (or the setup cell) before starting the slideshow.

:func:`annotate` writes exactly these values and removes a ``slide_type`` the rules no longer give, so it is
idempotent and the metadata never drifts from the structure (tests/test_slides.py checks every committed
chapter). Authors write it into the chapters with ``python -m vaegan_edu.book slides --annotate``.

Taught in: (lecturers' tooling, not taught in a chapter)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SLIDE, SUBSLIDE, FRAGMENT, NOTES, SKIP = "slide", "subslide", "fragment", "notes", "skip"

NOTES_MIN_WORDS = 100  # prose longer than this does not fit a projected slide at 20 px; it goes to the notes
_HEADING = re.compile(r"#{1,6}(?=\s)")
_FIGURE_MIMES = ("image/png", "image/svg+xml", "image/jpeg", "application/vnd.jupyter.widget-view+json")
_FIGURE_SOURCE = re.compile(r"\bplt\.|\bve\.plots\.|\bve\.diagrams\.|Explorer\(|GANLab\(")
_SETUP_MARK = 'if "google.colab" in sys.modules'  # the Colab block every chapter's setup cell starts with
_SOLUTION_CALL = re.compile(r"\bshow_solution\(")

# Offline slides: the files nbconvert's reveal.js page loads from CDNs, found in a folder made with
#   npm install --prefix FOLDER reveal.js@4 requirejs@2 jquery@2 mathjax@2
# (FOLDER/node_modules/...). Each entry: exporter trait -> (path under node_modules, suffix of the URL).
OFFLINE_NPM_COMMAND = "npm install --prefix FOLDER reveal.js@4 requirejs@2 jquery@2 mathjax@2"
_OFFLINE_FILES = {
    "reveal_url_prefix": ("reveal.js", ""),  # a folder: the page loads dist/reveal.js and plugin/notes/notes.js
    "require_js_url": ("requirejs/require.js", ""),
    "jquery_url": ("jquery/dist/jquery.min.js", ""),
    "mathjax_url": ("mathjax/MathJax.js", "?config=TeX-AMS_CHTML-full,Safe"),
}
_OFFLINE_CHECK = {"reveal_url_prefix": "reveal.js/dist/reveal.js"}  # what must exist for a folder entry


def _heading_level(source: str) -> int:
    match = _HEADING.match(source.lstrip())
    return len(match.group()) if match else 0


def _draws_figure(cell) -> bool:
    outputs = cell.get("outputs") or []
    if outputs:
        return any(mime in (out.get("data") or {}) for out in outputs for mime in _FIGURE_MIMES)
    return bool(_FIGURE_SOURCE.search(_text(cell.get("source", ""))))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def slide_type(cell) -> str | None:
    """The ``slide_type`` the rules give ``cell`` (a notebook cell, dict or ``NotebookNode``); None: no field.

    Examples
    --------
    >>> slide_type({"cell_type": "markdown", "source": "## The decoder\\nIt maps z to x.", "metadata": {}})
    'slide'
    """
    source = _text(cell.get("source", ""))
    if cell.get("cell_type") == "markdown":
        level = _heading_level(source)
        if level in (1, 2):
            return SLIDE
        if level == 3:
            return SUBSLIDE
        return NOTES if len(source.split()) > NOTES_MIN_WORDS else None
    if cell.get("cell_type") == "code":
        if _SETUP_MARK in source or _SOLUTION_CALL.search(source):
            return SKIP
        return FRAGMENT if _draws_figure(cell) else None
    return None  # raw cells


def slide_types(nb) -> list[str | None]:
    """:func:`slide_type` of every cell of ``nb``, in order."""
    return [slide_type(cell) for cell in nb["cells"]]


def current_slide_types(nb) -> list[str | None]:
    """The ``slide_type`` each cell of ``nb`` carries now (None where it has none)."""
    return [((cell.get("metadata") or {}).get("slideshow") or {}).get("slide_type") for cell in nb["cells"]]


def annotate(nb) -> list[int]:
    """Write :func:`slide_type` into every cell's ``metadata["slideshow"]``; returns the indices changed.

    Idempotent: a second call changes nothing. A ``slideshow`` entry left empty is removed; other keys in it
    (reveal.js ``data`` attributes a lecturer added) are kept.
    """
    changed = []
    for index, cell in enumerate(nb["cells"]):
        wanted = slide_type(cell)
        metadata = cell.setdefault("metadata", {})
        old = metadata.get("slideshow")
        new = dict(old) if isinstance(old, dict) else {}
        if wanted is None:
            new.pop("slide_type", None)
        else:
            new["slide_type"] = wanted
        if new and new != old:
            metadata["slideshow"] = new
            changed.append(index)
        elif not new and "slideshow" in metadata:
            del metadata["slideshow"]
            changed.append(index)
    return changed


def differences(nb) -> list[str]:
    """Cells whose slide metadata differs from the rules, as ``"cell 7: 'fragment' expected, found None"``."""
    return [
        f"cell {i}: {want!r} expected, found {have!r}"
        for i, (want, have) in enumerate(zip(slide_types(nb), current_slide_types(nb)))
        if want != have
    ]


def annotate_file(path, check: bool = False) -> list[int]:
    """Annotate the chapter at ``path`` in place (only when something changes); ``check=True`` writes nothing.

    Returns the indices of the cells that changed (or would change). The file keeps its JSON layout (nbformat's)
    and its final newline.
    """
    import nbformat

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    changed = annotate(nb)
    if changed and not check:
        new_text = nbformat.writes(nb)
        new_text += "\n" * (text.endswith("\n") and not new_text.endswith("\n"))
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(new_text, encoding="utf-8")
        os.replace(tmp, path)
    return changed


def offline_urls(folder, html_dir) -> dict[str, str]:
    """Exporter settings that load reveal.js, require.js, jQuery and MathJax from ``folder`` instead of CDNs.

    ``folder`` is where ``npm install --prefix FOLDER reveal.js@4 requirejs@2 jquery@2 mathjax@2`` installed
    them (it holds ``node_modules/``); URLs are made relative to ``html_dir``, where the page is written, so
    the two can move together (to a USB stick, a classroom server).

    Raises
    ------
    ValueError
        A file is missing; the message gives the npm command that fetches them all.
    """
    modules = Path(folder).resolve() / "node_modules"
    urls, missing = {}, []
    for trait, (relative, suffix) in _OFFLINE_FILES.items():
        needed = modules / _OFFLINE_CHECK.get(trait, relative)
        if not needed.is_file():
            missing.append(str(needed))
            continue
        target = os.path.relpath(modules / relative, Path(html_dir).resolve())
        urls[trait] = Path(target).as_posix() + suffix
    if missing:
        raise ValueError(
            f"Offline slides need local copies of reveal.js, require.js, jQuery and MathJax; missing: "
            f"{', '.join(missing)}. On a machine with network access run `{OFFLINE_NPM_COMMAND}` "
            f"and pass that FOLDER to --offline."
        )
    return urls


def export_html(path, out=Path("build"), offline=None, reveal_prefix: str | None = None) -> Path:
    """Write the reveal.js slides of the chapter at ``path`` to ``out/NAME.slides.html``; returns that path.

    The slide metadata is computed on a copy (:func:`annotate`), so the slides follow the rules even before
    the chapter's committed metadata was written. By default the page loads reveal.js 4, require.js, jQuery
    and MathJax from CDNs (nbconvert's defaults), so it needs the network when it is opened. For a classroom
    without one, pass ``offline=FOLDER`` (see :func:`offline_urls`), or ``reveal_prefix`` (a URL or a path
    relative to the page) for reveal.js alone. Widgets show their text form unless the widget manager, also
    from a CDN, can load; the figures are embedded and always show.
    """
    import nbformat
    from nbconvert import SlidesExporter

    path, out = Path(path), Path(out)
    nb = nbformat.read(path, as_version=4)
    annotate(nb)
    out.mkdir(parents=True, exist_ok=True)
    settings = offline_urls(offline, out) if offline is not None else {}
    settings.update(reveal_scroll=True, reveal_number="c/t")  # a long section scrolls; numbers to call out
    if reveal_prefix:
        settings["reveal_url_prefix"] = reveal_prefix
    exporter = SlidesExporter(**settings)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    target = out / f"{path.stem}.slides.html"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)
    return target

"""Run the book's chapters headlessly: executed notebooks and HTML copies in a build folder.

For a lecturer preparing a class, for readers without a browser, and for authors refreshing the outputs
committed with each chapter::

    python -m vaegan_edu.book run                  # every chapter, full mode, into build/
    python -m vaegan_edu.book run --fast 03_vae    # one chapter in fast mode
    python -m vaegan_edu.book run --in-place       # authors: store outputs back into notebooks/

Each chapter runs top to bottom in a fresh kernel, in the notebooks folder, exactly as a reader runs it.
Progress is printed per chapter (and per cell on a terminal); a failing chapter is reported with the cell
that failed, the others still run, and the exit status says whether all passed.

Taught in: 00_tour
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from vaegan_edu.config import FAST_ENV_VAR

CELL_TIMEOUT_S = 1200  # one cell may train a model for several minutes in full mode


def find_notebooks(folder: Path, names: list[str] | None = None) -> list[Path]:
    """The chapters in reading order, or those whose file name starts with one of ``names``.

    Raises
    ------
    ValueError
        No chapter in ``folder``, or a name that matches no chapter.
    """
    chapters = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        raise ValueError(f"No chapter notebooks (NN_topic.ipynb) in {folder}. Pass --notebooks FOLDER.")
    if not names:
        return chapters
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        matches = [c for c in chapters if c.stem.startswith(stem)]
        if not matches:
            raise ValueError(
                f"No chapter matches {name!r}. Chapters: {[c.stem for c in chapters]} (a prefix such as "
                f"'03' or '03_vae' is enough)."
            )
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def clean_metadata(nb) -> None:
    """Drop volatile metadata (widget state, Colab ids, per-cell timings) before a notebook is saved."""
    for key in ("widgets", "colab", "accelerator"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in ("execution", "id", "colab", "outputId", "executionInfo"):
            cell.metadata.pop(key, None)


def execute(path: Path, fast: bool, progress=None):
    """Execute one notebook in a fresh kernel in its own folder; returns the executed notebook.

    ``progress(done, total)`` is called after each code cell. Raises ``nbclient``'s
    ``CellExecutionError`` when a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, **{FAST_ENV_VAR: "1" if fast else "0"})
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    total = sum(cell.cell_type == "code" for cell in nb.cells)
    done = 0

    def on_cell_executed(cell, **_):
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    client.on_cell_executed = on_cell_executed
    client.execute(env=env)
    clean_metadata(nb)
    return nb


def run(names=None, fast=False, out=Path("build"), in_place=False, notebooks=Path("notebooks"), html=True):
    """Execute chapters, write ``out/NAME.ipynb`` and ``out/NAME.html``; returns the failed chapters."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    chapters = find_notebooks(Path(notebooks), names)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mode = "fast" if fast else "full"
    _say(f"Running {len(chapters)} chapter(s) in {mode} mode; output in {out.resolve()}")
    failed, start_all = [], time.perf_counter()
    for i, path in enumerate(chapters, 1):
        label = f"[{i}/{len(chapters)}] {path.stem}"
        start = time.perf_counter()

        def progress(done, total, label=label, start=start):
            if sys.stdout.isatty():
                print(f"\r{label}: cell {done}/{total}, {time.perf_counter() - start:.0f} s", end="", flush=True)

        try:
            nb = execute(path, fast, progress)
        except CellExecutionError as exc:
            failed.append(path.stem)
            _say(f"\r{label}: FAILED after {time.perf_counter() - start:.1f} s\n{_first_lines(exc)}")
            continue
        targets = [out / path.name] + ([path] if in_place else [])
        for target in targets:
            _write_atomic(target, nbformat.writes(nb))
        if html:
            _write_atomic(out / f"{path.stem}.html", _to_html(nb))
        _say(f"\r{label}: ok in {time.perf_counter() - start:.1f} s" + " " * 20)
    total = time.perf_counter() - start_all
    _say(f"Done in {total:.1f} s: {len(chapters) - len(failed)} ok, {len(failed)} failed {failed or ''}")
    return failed


def _to_html(nb) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _first_lines(exc, n=12) -> str:
    lines = str(exc).strip().splitlines()
    return "\n".join("    " + line for line in lines[-n:])


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.book", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="execute chapters top to bottom in fresh kernels")
    r.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all), e.g. 03 05_gan")
    r.add_argument("--fast", action="store_true", help=f"fast mode ({FAST_ENV_VAR}=1): tiny budgets")
    r.add_argument("--out", type=Path, default=Path("build"), help="build folder (default: build)")
    r.add_argument("--in-place", action="store_true", help="also store outputs back into the notebooks")
    r.add_argument("--no-html", action="store_true", help="skip the HTML copies")
    r.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="chapters folder")
    args = parser.parse_args(argv)
    try:
        failed = run(args.chapters, args.fast, args.out, args.in_place, args.notebooks, not args.no_html)
    except ValueError as exc:
        parser.error(str(exc))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the book's chapters headlessly: executed notebooks and HTML copies in a build folder.

For a lecturer preparing a class, for readers without a browser, and for authors refreshing the outputs
committed with each chapter::

    python -m vaegan_edu.book run                  # every chapter, full mode, into build/
    python -m vaegan_edu.book run --fast 03_vae    # one chapter in fast mode
    python -m vaegan_edu.book run --in-place       # authors: store outputs back into notebooks/
    python -m vaegan_edu.book colab --repo alice/vae-course   # a fork: point Colab badges and setup cells at it
    python -m vaegan_edu.book slides 03            # reveal.js slides of chapter 03 in build/ (vaegan_edu.slides)
    python -m vaegan_edu.book guide                # docs/instructor_guide.md (vaegan_edu.instructor_guide)
    python -m vaegan_edu.book assignment 01 --course ~/course   # an nbgrader assignment (vaegan_edu.grading)
    python -m vaegan_edu.book exercises [--check]  # authors: mark exercise cells, hide stored solutions
    python -m vaegan_edu.book chapters ~/vaegan_book  # pip users: copy the chapters out of the installed package
    python -m vaegan_edu.book stats                # words, generated words, code lines, figures per chapter
    python -m vaegan_edu.book claims               # every measured number in the prose against its source

Each chapter runs top to bottom in a fresh kernel, in the notebooks folder, exactly as a reader runs it.
Progress is printed per chapter (and per cell on a terminal); a failing chapter is reported with the cell
that failed, the others still run, and the exit status says whether all passed. Executed notebooks and their
HTML keep the widgets' state, so static views (nbviewer, the HTML) draw the controls and their last output.

``colab`` writes every chapter's Colab badge and the Colab block of its setup cell from one template and the
repository named in :mod:`vaegan_edu.repository`; ``colab --check`` only reports chapters that disagree.

Taught in: 00_tour
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from vaegan_edu import repository, resources
from vaegan_edu.config import FAST_ENV_VAR

EVIDENCE = "evidence"  # notebooks/evidence/: the appendix, one executed notebook per study and a primer
CELL_TIMEOUT_S = 1200  # one cell may train a model for several minutes in full mode
ROOT = Path(__file__).resolve().parents[1]  # the checkout (``colab`` edits files there)


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
        if len(matches) > 1:  # every subcommand reads a prefix alike: one chapter, or say which were meant
            raise ValueError(
                f"{name!r} matches several chapters: {[c.stem for c in matches]}. Give more of the name (e.g. "
                f"{matches[0].stem[:2]!r}), or no name for all of them."
            )
        if not matches:
            raise ValueError(
                f"No chapter matches {name!r}. Chapters: {[c.stem for c in chapters]} (a prefix such as "
                f"'03' or '03_vae' is enough)."
            )
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def kernelspec() -> dict:
    """The kernelspec ipykernel registers (``python3``, "Python 3 (ipykernel)").

    Committed with every chapter, so JupyterLab opens it without rewriting the field (and asking to save).
    """
    from ipykernel.kernelspec import KERNEL_NAME, get_kernel_dict

    spec = get_kernel_dict()
    return {"display_name": spec["display_name"], "language": spec["language"], "name": KERNEL_NAME}


def clean_metadata(nb) -> None:
    """Drop volatile metadata (Colab ids, per-cell timings) and set ipykernel's kernelspec before saving.

    The widgets' state (``nb.metadata.widgets``) stays: static views draw the controls from it.
    """
    for key in ("colab", "accelerator"):
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = kernelspec()
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

    from jupyter_client.manager import KernelManager

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # the state of an earlier run; this run stores its own
    env = dict(os.environ, **{FAST_ENV_VAR: "1" if fast else "0"})
    # The kernel talks to this process over local sockets (IPC) where the system has them, not TCP: nothing
    # travels over the network, and ipykernel does not warn once per chapter that TCP is unencrypted.
    # The sockets' files go in a private temporary folder, named by absolute path (the kernel runs elsewhere).
    sockets = None if os.name == "nt" else tempfile.TemporaryDirectory(prefix="vaegan_edu_kernel_")
    km = (KernelManager(kernel_name="python3") if sockets is None else
          KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets.name, "kernel")))
    client = NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,  # nbviewer and the HTML draw the widgets from it
    )
    total = sum(cell.cell_type == "code" for cell in nb.cells)
    done = 0

    def on_cell_executed(cell, **_):
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    client.on_cell_executed = on_cell_executed
    try:
        client.execute(env=env)
    finally:  # a kernel manager passed in is the caller's to shut down (nbclient leaves its kernel running)
        if km.has_kernel:
            km.shutdown_kernel()
        if sockets is not None:
            sockets.cleanup()
    clean_metadata(nb)
    return nb


def require(modules: dict[str, str], command: str) -> None:
    """Raise ``ValueError`` in one line, naming what to install, unless every module of ``modules`` imports.

    ``modules`` maps a module to the distribution that provides it; ``command`` is the subcommand that needs them.
    """
    import importlib.util

    missing = sorted({dist for module, dist in modules.items() if importlib.util.find_spec(module) is None})
    if missing:
        raise ValueError(f"`python -m vaegan_edu.book {command}` needs {', '.join(missing)}: run "
                         f"pip install \"vaegan_edu[notebooks]\" (or pip install {' '.join(missing)}).")  # fmt: skip


def require_checkout(command: str, what: str) -> None:
    """Raise ``ValueError`` in one line unless the package runs from a checkout of the book (it edits ``what``)."""
    if not resources.in_checkout():
        raise ValueError(f"`python -m vaegan_edu.book {command}` edits {what} of a checkout of the book, and this "
                         f"package is installed from a wheel: clone {repository.home_url()} and run it there.")  # fmt: skip


def run(names=None, fast=False, out=Path("build"), in_place=False, notebooks=None, html=True):
    """Execute chapters, write ``out/NAME.ipynb`` and ``out/NAME.html``; returns the failed chapters.

    ``notebooks`` defaults to :func:`vaegan_edu.resources.chapters_dir` (the checkout's, else the installed
    package's chapters).
    """
    require({"nbformat": "nbformat", "nbclient": "nbclient", "ipykernel": "ipykernel",
             **({"nbconvert": "nbconvert"} if html else {})}, "run")  # fmt: skip
    import nbformat
    from nbclient.exceptions import CellExecutionError

    notebooks = Path(notebooks) if notebooks is not None else resources.chapters_dir()
    if in_place and not resources.in_checkout() and notebooks == resources.chapters_dir():
        raise ValueError("--in-place stores outputs into a checkout's notebooks/; these chapters are the installed "
                         "package's. Copy them first (python -m vaegan_edu.book chapters DIR) and pass --notebooks DIR.")
    chapters = find_notebooks(notebooks, names)
    out = Path(out)
    _check_writable(out)
    if in_place:
        _check_writable(notebooks)
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
            targets = [out / path.name] + ([path] if in_place else [])
            for target in targets:
                _write_atomic(target, nbformat.writes(nb))
            if html:
                _write_atomic(out / f"{path.stem}.html", _to_html(nb))
        except CellExecutionError as exc:
            failed.append(path.stem)
            _say(f"\r{label}: FAILED after {time.perf_counter() - start:.1f} s\n{_first_lines(exc)}")
            continue
        except Exception as exc:  # a notebook that does not parse, a kernel that dies, a full disk: next chapter
            failed.append(path.stem)
            _say(f"\r{label}: FAILED ({path}): {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            continue
        _say(f"\r{label}: ok in {time.perf_counter() - start:.1f} s" + " " * 20)
    total = time.perf_counter() - start_all
    _say(f"Done in {total:.1f} s: {len(chapters) - len(failed)} ok, {len(failed)} failed {failed or ''}")
    return failed


def copy_chapters(folder, force: bool = False) -> list[Path]:
    """Copy every chapter (from :func:`vaegan_edu.resources.chapters_dir`) into ``folder``; returns the copies.

    For a pip user without a checkout: the chapters ship inside the package. An existing chapter in ``folder`` is
    kept (nothing is copied then) unless ``force``.

    Raises
    ------
    ValueError
        ``folder`` is a file, or already holds chapters and ``force`` is False.
    """
    import shutil

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is a file; name a folder for the chapters (it is created if missing).")
    chapters = find_notebooks(resources.chapters_dir())
    existing = [folder / c.name for c in chapters if (folder / c.name).exists()]
    if existing and not force:
        raise ValueError(f"{folder} already holds {len(existing)} chapter(s) (e.g. {existing[0].name}); nothing was "
                         f"copied. Pass --force to overwrite them, or name another folder.")  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for chapter in chapters:
        tmp = folder / (chapter.name + ".tmp")
        shutil.copyfile(chapter, tmp)
        os.replace(tmp, folder / chapter.name)
        copies.append(folder / chapter.name)
    return copies


# What an axe-core audit of the HTML book reports as serious (tests/test_browser.py), fixed after nbconvert's page:
# JupyterLab's light-theme colours for comments, numbers and operators, and its half-transparent In/Out prompts
# (#b0b0b0 on white), fall below WCAG AA's 4.5:1 contrast: darker shades of the same hues, opaque prompts (#616161).
# Links in prose are underlined as well, so that colour is not the only thing that marks them (WCAG 1.4.1).
_HTML_ACCESSIBILITY_CSS = """<style>
:root {
  --jp-mirror-editor-comment-color: #316b6b;
  --jp-mirror-editor-number-color: #007400;
  --jp-mirror-editor-operator-color: #9b22e0;
  --jp-cell-prompt-not-active-opacity: 1;
}
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }
</style>
"""


def _to_html(nb) -> str:
    from nbconvert import HTMLExporter

    # With the widgets' state in the notebook, nbconvert embeds it and the page loads the widget manager that
    # draws the controls and their last output (from a CDN: offline, the page shows the text repr instead).
    # The page's title is the chapter's (a screen reader announces it; nbconvert's default is "Notebook").
    title = next((line[2:].strip() for cell in nb.cells if cell.cell_type == "markdown"
                  for line in cell.source.splitlines() if line.startswith("# ")), "vaegan_edu")  # fmt: skip
    body, _ = HTMLExporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body.replace("</head>", _HTML_ACCESSIBILITY_CSS + "</head>", 1)


# === Colab: every chapter's badge and setup cell, written from vaegan_edu.repository ===
#
# The setup cell cannot call the package to install the package, so its Colab block is plain code, written into
# every chapter from the template below. On Colab it installs the book's package without its dependencies
# (Colab's TensorFlow, Keras, JAX, NumPy, matplotlib and ipywidgets 7 stay as they are; tests/test_colab.py
# checks that on a copy of Colab's versions), then only the requirements that do not import at all, and turns on
# Colab's custom widget manager, which ipywidgets need there. Elsewhere the block does nothing.

COLAB_MARK = "written by `python -m vaegan_edu.book colab`"
SETUP_LINE_LENGTH = 100  # as every code cell a student reads (issue 17: no lines over ~100 characters)
_SETUP_TEMPLATE = """\
import sys
if "google.colab" in sys.modules:  # on Colab only; {mark}
    import importlib.util, subprocess
    from google.colab import output
    book = "vaegan_edu @ {archive}"
{needs}
    missing = [req for module, req in needs.items() if importlib.util.find_spec(module) is None]
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    # --no-deps keeps Colab's TensorFlow, Keras, NumPy and widgets
    subprocess.run(pip + ["--no-deps", book], check=True)
    if missing:
        subprocess.run(pip + missing, check=True)
    output.enable_custom_widget_manager()  # Colab draws ipywidgets through it
    print(f"Colab: installed vaegan_edu ({where}) without dependencies,",
          f"added {{missing or 'nothing'}}, turned on the custom widget manager")
"""
_IMPORT_NAMES = {"scikit-learn": "sklearn", "tensorflow-cpu": "tensorflow"}  # requirement -> module, where not alike
_COLAB_PLATFORM = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"}
_BADGE_URL = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\((https://colab\.research\.google\.com/github/[^)\s]+)\)")
_COLAB_CHAPTER_URL = re.compile(
    r"https://colab\.research\.google\.com/github/[^)\s]+/notebooks/((?:evidence/)?\w+\.ipynb)")
_BLOCK_START = 'if "google.colab" in sys.modules'


def colab_requirements(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """{module: requirement} for the package's run-time requirements on Colab (Linux), from ``pyproject.toml``.

    The setup cell installs a requirement only when its module does not import at all.
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise ValueError("`python -m vaegan_edu.book colab` reads pyproject.toml with tomllib: use Python >= 3.11.")
    from packaging.requirements import Requirement

    if not pyproject.is_file():
        raise ValueError(f"No {pyproject}: run `python -m vaegan_edu.book colab` in a checkout of the book.")
    needs = {}
    for line in tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(_COLAB_PLATFORM):
            name = req.name.lower()
            needs[_IMPORT_NAMES.get(name, name.replace("-", "_"))] = f"{req.name}{req.specifier}"
    return needs


def colab_setup_block(repo: str | None = None, branch: str | None = None, needs: dict | None = None) -> str:
    """The Colab block every chapter's setup cell starts with, for ``repo`` at ``branch`` (default: configured)."""
    repo, branch = repo or repository.REPOSITORY, branch or repository.BRANCH
    repository.check(repo, branch)
    items = [f'"{module}": "{req}"' for module, req in (colab_requirements() if needs is None else needs).items()]
    lines, line = [], "    needs = {"
    for i, item in enumerate(items):
        piece = item + (", " if i < len(items) - 1 else "}")
        if len(line) + len(piece.rstrip()) > SETUP_LINE_LENGTH:
            lines.append(line.rstrip())
            line = " " * 13
        line += piece
    lines.append(line if items else "    needs = {}")
    return _SETUP_TEMPLATE.format(mark=COLAB_MARK, archive=repository.archive_url(repo, branch),
                                  needs="\n".join(lines), where=f"{repo}@{branch}")  # fmt: skip


def _with_setup_block(source: str, block: str) -> str:
    """``source`` with its Colab block (``import sys`` and the indented ``if "google.colab" ...``) replaced."""
    lines = source.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(_BLOCK_START)]
    if len(starts) != 1:
        raise ValueError(f"expected one line starting with {_BLOCK_START!r} in the setup cell; found {len(starts)}")
    start = end = starts[0]
    end += 1
    while end < len(lines) and lines[end].startswith((" ", "\t")):
        end += 1
    if start > 0 and lines[start - 1].strip() == "import sys":
        start -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def _colab_rewrite(nb, name: str, block: str, repo: str, branch: str) -> list[str]:
    """Rewrite ``nb``'s badge (first cell) and setup block (second cell); returns the parts that changed."""
    if len(nb.cells) < 2 or nb.cells[0].cell_type != "markdown" or nb.cells[1].cell_type != "code":
        raise ValueError(f"{name}: a chapter starts with a markdown cell (title, badge) and the setup code cell")
    changed = []
    title, setup = nb.cells[0], nb.cells[1]
    urls = _BADGE_URL.findall(title.source)
    if len(urls) != 1:
        raise ValueError(f"{name}: expected one Colab badge link in the first cell; found {len(urls)}")
    badge = repository.colab_url(name, repo, branch)
    if urls[0] != badge:
        title.source = title.source.replace(urls[0], badge)
        changed.append("badge")
    for cell in nb.cells:  # links to chapters on Colab (beside each relative link, which Colab cannot follow)
        if cell.cell_type == "markdown":
            linked = _COLAB_CHAPTER_URL.sub(lambda m: repository.colab_url(m.group(1), repo, branch), cell.source)
            if linked != cell.source:
                cell.source = linked
                changed.append("chapter links")
    try:
        new_setup = _with_setup_block(setup.source, block)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if new_setup != setup.source:
        setup.source = new_setup
        changed.append("setup cell")
    return changed


def colab(repo=None, branch=None, notebooks=None, check=False, root=ROOT) -> list[str]:
    """Point every chapter's Colab badge and setup cell at ``repo`` (OWNER/NAME) and ``branch``.

    With ``repo`` or ``branch`` given, the repository's one definition (``vaegan_edu/repository.py``), the project
    URL in ``pyproject.toml`` and the README's Colab link are rewritten first. With ``check=True`` nothing is
    written. Returns the problems found (``check``) or the files rewritten.

    Raises
    ------
    ValueError
        A malformed repository or branch name, or a chapter without a badge link or a Colab block.
    """
    import nbformat

    old_repo, old_branch = repository.REPOSITORY, repository.BRANCH
    repo, branch = repo or old_repo, branch or old_branch
    repository.check(repo, branch)
    if check and (repo, branch) != (old_repo, old_branch):
        raise ValueError("--check compares with the configured repository; drop --repo/--branch to check.")
    block = colab_setup_block(repo, branch)
    touched = []
    for path, old, new in _repository_mentions(root, old_repo, old_branch, repo, branch):
        text = path.read_text(encoding="utf-8")
        if check and new not in text:
            touched.append(f"{path.relative_to(root)}: does not say {new}")
        elif not check and old != new and old in text:
            _write_atomic(path, text.replace(old, new))
            touched.append(f"{path.relative_to(root)}: rewritten")
    if not check:
        repository.REPOSITORY, repository.BRANCH = repo, branch  # this process, too, now says the new place
    folder = Path(notebooks or root / "notebooks")
    evidence = sorted((folder / EVIDENCE).glob("*.ipynb"))  # the evidence appendix: badges and setup cells too
    for path in find_notebooks(folder) + evidence:
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        name = path.relative_to(folder).as_posix()
        changed = _colab_rewrite(nb, name, block, repo, branch)
        if changed:
            touched.append(f"{name}: {' and '.join(changed)} {'differ' if check else 'rewritten'}")
            if not check:
                new_text = nbformat.writes(nb)
                _write_atomic(path, new_text + "\n" * (text.endswith("\n") and not new_text.endswith("\n")))
    return touched


def _repository_mentions(root: Path, old_repo, old_branch, repo, branch):
    """(file, old text, new text) for every place outside the chapters that names the repository."""
    module = root / "vaegan_edu" / "repository.py"
    yield module, f'REPOSITORY = "{old_repo}"', f'REPOSITORY = "{repo}"'
    yield module, f'BRANCH = "{old_branch}"', f'BRANCH = "{branch}"'
    home = 'Homepage = "{}"'
    yield root / "pyproject.toml", home.format(repository.home_url(old_repo)), home.format(repository.home_url(repo))
    old_colab = repository.colab_url("", old_repo, old_branch)
    yield root / "README.md", old_colab, repository.colab_url("", repo, branch)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, removed if the write fails."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _check_writable(folder: Path) -> None:
    """Raise ``ValueError`` in one line unless files can be written in ``folder`` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".vaegan_edu_probe_"):
            pass
    except OSError as err:
        raise ValueError(f"Cannot write into {folder} ({err.strerror or err}); nothing was run. Choose a folder you "
                         f"can write with --out FOLDER.") from None  # fmt: skip


def _first_lines(exc, n=12) -> str:
    lines = str(exc).strip().splitlines()
    return "\n".join("    " + line for line in lines[-n:])


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.book", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="execute chapters top to bottom in fresh kernels")
    r.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all), e.g. 03 06_gan")
    r.add_argument("--fast", action="store_true", help=f"fast mode ({FAST_ENV_VAR}=1): tiny budgets")
    r.add_argument("--out", type=Path, default=Path("build"), help="build folder (default: build)")
    r.add_argument("--in-place", action="store_true", help="also store outputs back into the notebooks")
    r.add_argument("--no-html", action="store_true", help="skip the HTML copies")
    r.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's notebooks/, else the "
                   "installed package's chapters)")
    st = sub.add_parser("stats", help="words (prose and generated), code lines, figures and tables per chapter")
    st.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all)")
    st.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's, else the installed "
                    "package's)")
    st.add_argument("--check", action="store_true", help="exit 1 when a chapter exceeds the lecture limits or "
                    "a code cell writes prose")
    cl = sub.add_parser("claims", help="check every measured number in the prose against its registered source")
    cl.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's notebooks/)")
    h = sub.add_parser("chapters", help="copy the chapters out of the installed package into a folder")
    h.add_argument("folder", type=Path, help="where to put them (created if missing)")
    h.add_argument("--force", action="store_true", help="overwrite chapters already in the folder")
    c = sub.add_parser("colab", help="point every chapter's Colab badge and setup cell at a repository")
    c.add_argument("--repo", help=f"GitHub OWNER/NAME (default: the configured {repository.REPOSITORY})")
    c.add_argument("--branch", help=f"branch (default: the configured {repository.BRANCH})")
    c.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter disagrees")
    c.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's notebooks/)")
    _add_slides_and_guide_parsers(sub)
    _add_grading_parsers(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "stats":
            from vaegan_edu import chapter_stats

            chapters = find_notebooks(Path(args.notebooks or resources.chapters_dir()), args.chapters)
            _say(chapter_stats.table(chapters))
            writing = {p.stem: chapter_stats.prose_cells(p) for p in chapters}
            for stem, cells in writing.items():
                if cells:
                    _say(f"{stem}: code writes prose in cell(s) " + ", ".join(
                        f"{i} ({words} words)" for i, words, _ in cells))  # fmt: skip
            over = [p.stem for p in chapters if chapter_stats.chapter_stats(p).over_limits() or writing[p.stem]]
            return 1 if args.check and over else 0
        if args.command == "claims":
            from vaegan_edu import claims

            if args.notebooks is None:
                require_checkout("claims", "notebooks/claims.json and the evidence appendix")
            folder = Path(args.notebooks or resources.chapters_dir())
            pages = find_notebooks(folder) + sorted((folder / EVIDENCE).glob("*.ipynb"))
            problems = [p for page in pages for p in claims.check(page)]
            _say("\n".join(problems + [f"{len(problems)} problem(s) in {len(pages)} notebooks; the registry is "
                                        f"{folder / claims.CLAIMS_FILE}"]))  # fmt: skip
            return 1 if problems else 0
        if args.command == "chapters":
            copies = copy_chapters(args.folder, args.force)
            _say(f"Copied {len(copies)} chapters into {args.folder.resolve()}; open them with "
                 f"jupyter lab {args.folder / copies[0].name}")  # fmt: skip
            return 0
        if args.command == "colab":
            return _colab_main(args)
        if args.command in ("exercises", "assignment"):
            return _grading_main(args)
        if args.command in ("slides", "guide"):
            return _slides_main(args) if args.command == "slides" else _guide_main(args)
        failed = run(args.chapters, args.fast, args.out, args.in_place, args.notebooks, not args.no_html)
    except (ValueError, OSError, ImportError) as exc:  # a clear message for the user: one line, no traceback
        if args.debug:
            raise
        print(f"python -m vaegan_edu.book {args.command}: error: {' '.join(str(exc).split())}", file=sys.stderr,
              flush=True)  # fmt: skip
        return 2
    return 1 if failed else 0


def _colab_main(args) -> int:
    if args.notebooks is None:
        require_checkout("colab", "the chapters, pyproject.toml and README.md")
    touched = colab(args.repo, args.branch, args.notebooks, check=args.check)
    where = f"{repository.REPOSITORY}@{repository.BRANCH}"
    for line in touched:
        _say(f"  {line}")
    if args.check:
        fix = ": run `python -m vaegan_edu.book colab`" if touched else ""
        _say(f"{len(touched)} place(s) disagree with {where}{fix}")
        return 1 if touched else 0
    _say(f"Colab badges and setup cells point to {where}; {len(touched)} file(s) rewritten")
    return 0


# === Lecturers: slides (vaegan_edu.slides) and the instructor's guide (vaegan_edu.instructor_guide) ===


def _add_slides_and_guide_parsers(sub) -> None:
    s = sub.add_parser("slides", help="reveal.js slides of chapters into build/; --annotate writes slide metadata")
    s.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all), e.g. 03")
    s.add_argument("--annotate", action="store_true", help="authors: write the slide metadata into the chapters")
    s.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter's metadata differs")
    s.add_argument("--out", type=Path, default=Path("build"), help="build folder (default: build)")
    s.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's notebooks/)")
    s.add_argument("--offline", type=Path, metavar="FOLDER",
                   help="load reveal.js, require.js, jQuery, MathJax from FOLDER/node_modules, not CDNs")
    s.add_argument("--reveal-prefix", help="URL or relative path of reveal.js 4 (default: a CDN)")
    g = sub.add_parser("guide", help="write docs/instructor_guide.md from docs/instructor_guide.in.md")
    g.add_argument("--check", action="store_true", help="write nothing; exit 1 if the committed guide differs")


def _slides_main(args) -> int:
    if (args.annotate or args.check) and args.notebooks is None:
        require_checkout("slides --annotate", "the slide metadata in the chapters")
    require({"nbconvert": "nbconvert"}, "slides")
    from vaegan_edu import slides

    chapters = find_notebooks(Path(args.notebooks or resources.chapters_dir()), args.chapters)
    if args.annotate or args.check:
        differing = 0
        for path in chapters:
            changed = slides.annotate_file(path, check=args.check)
            differing += bool(changed)
            if changed:
                _say(f"  {path.name}: {len(changed)} cell(s) {'differ' if args.check else 'annotated'}")
        if args.check:
            fix = ": run `python -m vaegan_edu.book slides --annotate`" if differing else ""
            _say(f"{differing} of {len(chapters)} chapter(s) disagree with the slide rules{fix}")
            return 1 if differing else 0
        _say(f"Slide metadata written: {differing} of {len(chapters)} chapter(s) changed")
        return 0
    for path in chapters:
        target = slides.export_html(path, args.out, offline=args.offline, reveal_prefix=args.reveal_prefix)
        _say(f"  {path.stem}: {target}")
    if args.offline is None and not args.reveal_prefix:
        _say("The slides load reveal.js, MathJax and require.js from CDNs when opened; offline: see --offline")
    return 0


def _guide_main(args) -> int:
    require_checkout("guide", "docs/instructor_guide.md")
    from vaegan_edu import instructor_guide

    if args.check:
        problem = instructor_guide.check()
        _say(problem or f"{instructor_guide.GUIDE} is up to date")
        return 1 if problem else 0
    _say(f"Wrote {instructor_guide.write()}")
    return 0


# === Exercises and graded assignments (vaegan_edu.grading) ===


def _add_grading_parsers(sub) -> None:
    e = sub.add_parser("exercises", help="authors: mark each exercise's cells (metadata), hide stored solutions")
    e.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all)")
    e.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter is out of date")
    e.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's notebooks/)")
    a = sub.add_parser("assignment", help="lecturers: an nbgrader source notebook from a chapter")
    a.add_argument("chapter", help="chapter name or prefix, e.g. 01")
    a.add_argument("--course", type=Path, required=True, help="the nbgrader course folder")
    a.add_argument("--name", help="the assignment's name (default: the chapter's, e.g. 01_kl_divergence)")
    a.add_argument("--points", type=float, default=1, help="points per exercise (default: 1)")
    a.add_argument("--notebooks", type=Path, help="chapters folder (default: the checkout's, else the installed "
                   "package's)")


def _grading_main(args) -> int:
    from vaegan_edu import grading

    if args.command == "exercises" and args.notebooks is None:
        require_checkout("exercises", "the exercise cells of the chapters")
    folder = Path(args.notebooks or resources.chapters_dir())
    if args.command == "exercises":
        lines, problems = grading.mark_files(find_notebooks(folder, args.chapters), check=args.check)
        _say("\n".join(lines + [f"{len(problems)} problem(s)"] + [f"  {p}" for p in problems]))
        return 1 if problems else 0
    path, *others = find_notebooks(folder, [args.chapter])
    if others:
        raise ValueError(f"{args.chapter!r} matches several chapters: {[path.stem] + [p.stem for p in others]}")
    written = grading.write_assignment(path, args.course, args.name, args.points)
    name = written[0].parent.name
    _say("\n".join(f"Wrote {p}" for p in written))
    _say(f"Next, in {Path(args.course).resolve()}: nbgrader generate_assignment {name} (the students' copy, in "
         f"release/); after collecting submissions: nbgrader autograde {name}; nbgrader generate_feedback {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

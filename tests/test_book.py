import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book, repository

ROOT = Path(__file__).resolve().parents[1]


def _chapter(path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell(source)]
    nb.metadata["widgets"] = {"state": "volatile"}
    nbformat.write(nb, path)


def test_find_notebooks_in_reading_order_and_by_prefix(tmp_path):
    for name in ("01_b", "00_a", "10_c"):
        _chapter(tmp_path / f"{name}.ipynb", "1")
    (tmp_path / "scratch.ipynb").write_text("{}")
    assert [p.stem for p in book.find_notebooks(tmp_path)] == ["00_a", "01_b", "10_c"]
    assert [p.stem for p in book.find_notebooks(tmp_path, ["10", "00_a.ipynb"])] == ["10_c", "00_a"]
    with pytest.raises(ValueError, match=r"No chapter matches '7'. Chapters: \['00_a'"):
        book.find_notebooks(tmp_path, ["7"])
    with pytest.raises(ValueError, match="No chapter notebooks"):
        book.find_notebooks(tmp_path / "missing")


def test_run_executes_in_fast_mode_writes_notebook_and_html_and_reports_failures(tmp_path, capsys):
    src, out = tmp_path / "notebooks", tmp_path / "build"
    src.mkdir()
    _chapter(src / "00_ok.ipynb", "import os\nprint('fast =', os.environ['VAEGAN_EDU_FAST'])")
    _chapter(src / "01_broken.ipynb", "raise RuntimeError('boom')")
    failed = book.run(fast=True, out=out, notebooks=src)
    assert failed == ["01_broken"]
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "fast = 1\n"
    assert "widgets" not in executed.metadata
    assert "fast = 1" in (out / "00_ok.html").read_text()
    assert not (out / "01_broken.ipynb").exists()
    printed = capsys.readouterr().out
    assert "[1/2] 00_ok: ok" in printed and "[2/2] 01_broken: FAILED" in printed and "boom" in printed
    # the source notebook is untouched unless --in-place is asked for
    assert nbformat.read(src / "00_ok.ipynb", as_version=4).cells[1].outputs == []


def test_main_exit_status_and_bad_names(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    _chapter(src / "00_ok.ipynb", "x = 1")
    assert book.main(["run", "--fast", "--no-html", "--notebooks", str(src), "--out", str(tmp_path / "o")]) == 0
    assert book.main(["run", "99", "--notebooks", str(src)]) == 2
    with pytest.raises(ValueError, match="No chapter matches '99'"):  # --debug: the traceback, for developers
        book.main(["--debug", "run", "99", "--notebooks", str(src)])


def test_run_talks_to_its_kernels_without_tcp_and_leaves_none_running(tmp_path, capfd):
    src = tmp_path / "nb"
    src.mkdir()
    _chapter(src / "00_ok.ipynb", "import os\nprint(os.getpid())")
    assert book.run(fast=True, out=tmp_path / "o", notebooks=src, html=False) == []
    said = capfd.readouterr()
    assert "without encryption" not in said.err and "Parent appears to have exited" not in said.err, said.err
    pid = int(nbformat.read(tmp_path / "o" / "00_ok.ipynb", as_version=4).cells[1].outputs[0]["text"])
    with pytest.raises(ProcessLookupError):  # the kernel was shut down, not left for the interpreter's exit
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)


@pytest.mark.parametrize("argv", [["run", "--fast"], ["slides", "00"]])
def test_a_missing_notebook_tool_stops_before_running_with_one_line(monkeypatch, capsys, argv):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nbconvert" else real(name, *a))
    assert book.main(argv) == 2
    said = capsys.readouterr()
    assert said.out == "" and len(said.err.strip().splitlines()) == 1, said
    assert "needs nbconvert" in said.err and 'pip install "vaegan_edu[notebooks]"' in said.err


@pytest.mark.parametrize("argv", [["guide"], ["colab"], ["exercises"], ["slides", "--annotate"], ["claims"]])
def test_subcommands_that_edit_a_checkout_say_so_in_one_line_outside_one(monkeypatch, capsys, argv):
    from vaegan_edu import resources

    monkeypatch.setattr(resources, "in_checkout", lambda: False)
    assert book.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "of a checkout of the book" in err and "installed from a wheel" in err


def test_chapters_copies_every_chapter_and_keeps_existing_ones(tmp_path, capsys):
    target = tmp_path / "my book"
    assert book.main(["chapters", str(target)]) == 0
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) and len(names) >= 9
    assert (target / names[0]).read_bytes() == (ROOT / "notebooks" / names[0]).read_bytes()
    assert "Copied" in capsys.readouterr().out
    (target / names[0]).write_text("my notes")
    assert book.main(["chapters", str(target)]) == 2  # nothing overwritten without --force
    assert (target / names[0]).read_text() == "my notes" and "--force" in capsys.readouterr().err
    assert book.main(["chapters", str(target), "--force"]) == 0
    assert (target / names[0]).read_bytes() == (ROOT / "notebooks" / names[0]).read_bytes()
    assert not list(target.glob("*.tmp"))


def test_run_stores_widget_state_for_static_views_and_sets_ipykernels_kernelspec(tmp_path):
    src, out = tmp_path / "notebooks", tmp_path / "build"
    src.mkdir()
    _chapter(src / "00_widget.ipynb", "import ipywidgets\nslider = ipywidgets.IntSlider(value=3)\nslider.value = 7\nslider")
    nb = nbformat.read(src / "00_widget.ipynb", as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "00_widget.ipynb")
    assert book.run(fast=True, out=out, notebooks=src) == []
    executed = nbformat.read(out / "00_widget.ipynb", as_version=4)
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    view = executed.cells[1].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert state[view["model_id"]]["state"]["value"] == 7  # the last value, not the stale state of _chapter
    assert executed.metadata["kernelspec"] == book.kernelspec()
    assert book.kernelspec()["display_name"] == "Python 3 (ipykernel)"
    html = (out / "00_widget.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in html and view["model_id"] in html


def test_explorers_say_what_they_are_where_no_widget_is_drawn():
    import numpy as np

    from vaegan_edu import widgets

    grid = np.linspace(-5, 5, 101)
    explorer = widgets.KLExplorer(grid, -0.5 * grid**2 - 0.5 * np.log(2 * np.pi))
    text = explorer._repr_mimebundle_()["text/plain"]  # what nbviewer, GitHub and a terminal show
    assert text == "KLExplorer: live widget: run the notebook; the static picture above shows its starting point"
    for name in ("LatentExplorer", "TraversalExplorer", "GANLab", "KLExplorer", "ELBOExplorer"):
        assert issubclass(getattr(widgets, name), widgets._Explorer), name


def test_explorer_controls_keep_their_width_beside_the_output_in_static_views():
    # nbviewer and the HTML lay the widgets out with flexbox; a controls column that may shrink ends up 0 px wide
    # under the output's figure (seen in Chromium with @jupyter-widgets/html-manager 1.0)
    import numpy as np

    from vaegan_edu import widgets
    from vaegan_edu.models import VAE

    x = np.random.default_rng(0).uniform(size=(4, 8, 8, 1)).astype("float32")
    for explorer in (widgets.LatentExplorer(VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0), x),
                     widgets.TraversalExplorer(VAE(image_shape=(8, 8, 1), latent_dim=3, seed=0), x)):  # fmt: skip
        (row,) = explorer.children
        controls, output = row.children
        assert output is explorer.output and controls.layout.flex == "0 0 auto", type(explorer).__name__


# === colab: badges and setup cells from the one configured repository ===


def _book_checkout(tmp_path, badge_url):
    """A minimal checkout: repository.py, pyproject.toml, README.md and two chapters with the old cells."""
    root = tmp_path / "book"
    (root / "vaegan_edu").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "vaegan_edu" / "repository.py").write_text(
        f'REPOSITORY = "{repository.REPOSITORY}"  # GitHub owner/name\nBRANCH = "{repository.BRANCH}"\n')
    (root / "pyproject.toml").write_text(f'[project.urls]\nHomepage = "{repository.home_url()}"\n')
    (root / "README.md").write_text(f"Open `{repository.colab_url('')}NN_topic.ipynb`.\n")
    old_setup = ('import sys\nif "google.colab" in sys.modules:  # old\n    %pip install -q "vaegan_edu @ git+x"\n'
                 'import numpy as np\ncfg = 1')
    for name in ("00_a.ipynb", "01_b.ipynb"):
        nb = nbformat.v4.new_notebook()
        url = badge_url.format(name=name)
        nb.cells = [nbformat.v4.new_markdown_cell(f"# T\n\n[![Open In Colab](badge.svg)]({url})\n\nGoal."),
                    nbformat.v4.new_code_cell(old_setup)]  # fmt: skip
        nbformat.write(nb, root / "notebooks" / name)
    return root


@pytest.fixture
def configured(monkeypatch):
    """Keep the process's configured repository as it was after a test that points it elsewhere."""
    monkeypatch.setattr(repository, "REPOSITORY", repository.REPOSITORY)
    monkeypatch.setattr(repository, "BRANCH", repository.BRANCH)


def test_colab_points_every_place_at_a_fork_and_check_agrees(tmp_path, configured, capsys):
    root = _book_checkout(tmp_path, "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/{name}")
    assert len(book.colab(check=True, root=root)) == 2  # both chapters differ; the other files agree
    touched = book.colab("alice/vae-course", "teach", root=root)
    assert len(touched) == 6  # repository.py twice, pyproject.toml, README.md, two chapters
    assert 'REPOSITORY = "alice/vae-course"  # GitHub owner/name\nBRANCH = "teach"\n' == (
        root / "vaegan_edu" / "repository.py").read_text()  # fmt: skip
    assert 'Homepage = "https://github.com/alice/vae-course"' in (root / "pyproject.toml").read_text()
    assert "github/alice/vae-course/blob/teach/notebooks/NN_topic.ipynb" in (root / "README.md").read_text()
    nb = nbformat.read(root / "notebooks" / "01_b.ipynb", as_version=4)
    assert "(https://colab.research.google.com/github/alice/vae-course/blob/teach/notebooks/01_b.ipynb)" in (
        nb.cells[0].source)  # fmt: skip
    setup = nb.cells[1].source
    assert setup == book.colab_setup_block("alice/vae-course", "teach") + "import numpy as np\ncfg = 1"
    assert '"vaegan_edu @ https://github.com/alice/vae-course/archive/refs/heads/teach.zip"' in setup
    assert "%pip" not in setup and setup.count('if "google.colab" in sys.modules') == 1
    assert book.colab(check=True, root=root) == [] and book.colab(root=root) == []  # idempotent
    assert book.main(["colab", "--check", "--notebooks", str(root / "notebooks")]) == 1  # the real configuration
    assert "disagree" in capsys.readouterr().out


def test_colab_points_links_to_other_chapters_at_the_fork(tmp_path, configured):
    root = _book_checkout(tmp_path, "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/{name}")
    path = root / "notebooks" / "00_a.ipynb"
    nb = nbformat.read(path, as_version=4)
    old = "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/01_b.ipynb"
    nb.cells.append(nbformat.v4.new_markdown_cell(f"Next: [01](01_b.ipynb) (on Colab: [open 01 in Colab]({old}))."))
    nbformat.write(nb, path)
    book.colab("alice/vae-course", "teach", root=root)
    last = nbformat.read(path, as_version=4).cells[-1].source
    assert last == ("Next: [01](01_b.ipynb) (on Colab: [open 01 in Colab](https://colab.research.google.com/github/"
                    "alice/vae-course/blob/teach/notebooks/01_b.ipynb)).")  # fmt: skip


def test_a_title_cell_may_link_other_pages_on_colab_beside_its_one_badge(tmp_path, configured):
    root = _book_checkout(tmp_path, "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/{name}")
    path = root / "notebooks" / "00_a.ipynb"
    nb = nbformat.read(path, as_version=4)
    old = "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/01_b.ipynb"
    nb.cells[0].source += f"\n\nSee [01](01_b.ipynb) ([on Colab]({old}))."
    nbformat.write(nb, path)
    book.colab("alice/vae-course", "teach", root=root)
    title = nbformat.read(path, as_version=4).cells[0].source
    assert "github/alice/vae-course/blob/teach/notebooks/00_a.ipynb)" in title  # the badge
    assert "([on Colab](https://colab.research.google.com/github/alice/vae-course/blob/teach/notebooks/01_b.ipynb))" in (
        title)  # fmt: skip


def test_every_link_to_a_chapter_also_opens_it_on_colab():
    """A relative link (to a chapter or an appendix page) works on GitHub and in Jupyter but not on Colab: each has
    the Colab link beside it."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(((?:evidence/)?\w+\.ipynb)\)", cell.source):
                assert (ROOT / "notebooks" / target).is_file(), (path.name, target)
                assert f"({repository.colab_url(target)})" in cell.source, (path.name, target)


def test_colab_refuses_bad_names_and_chapters_without_a_badge(tmp_path, configured):
    root = _book_checkout(tmp_path, "https://example.org/{name}")
    with pytest.raises(ValueError, match="OWNER/NAME"):
        book.colab("not a repo", root=root)
    with pytest.raises(ValueError, match="branch"):
        book.colab("alice/x", 'main"; rm', root=root)
    with pytest.raises(ValueError, match="00_a.ipynb: expected one Colab badge link"):
        book.colab("alice/x", root=root)
    assert book.main(["colab", "--repo", "alice"]) == 2  # one line on stderr, no traceback


def _run_setup_block(monkeypatch, on_colab, importable):
    """Execute the generated block with ``google.colab`` faked (or not) and pip recorded instead of run."""
    import importlib.util
    import subprocess
    import sys
    import types

    calls, widget_manager = [], []
    output = types.SimpleNamespace(enable_custom_widget_manager=lambda: widget_manager.append(True))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.SimpleNamespace(output=output))
        monkeypatch.setitem(sys.modules, "google.colab.output", output)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args[args.index("-q") + 1:]))
    monkeypatch.setattr(importlib.util, "find_spec", lambda m: object() if m in importable else None)
    needs = {"numpy": "numpy>=1.26", "sklearn": "scikit-learn>=1.3", "keras": "keras>=3.13"}
    exec(book.colab_setup_block("alice/vae-course", "main", needs), {})
    return calls, widget_manager


def test_setup_block_installs_without_dependencies_plus_only_what_does_not_import(monkeypatch, capsys):
    calls, widget_manager = _run_setup_block(monkeypatch, on_colab=True, importable={"numpy", "keras"})
    book_req = "vaegan_edu @ https://github.com/alice/vae-course/archive/refs/heads/main.zip"
    assert calls == [["--no-deps", book_req], ["scikit-learn>=1.3"]]
    assert widget_manager == [True]
    said = capsys.readouterr().out.strip().splitlines()
    assert said == ["Colab: installed vaegan_edu (alice/vae-course@main) without dependencies, added "
                    "['scikit-learn>=1.3'], turned on the custom widget manager"]  # fmt: skip
    calls, _ = _run_setup_block(monkeypatch, on_colab=True, importable={"numpy", "keras", "sklearn"})
    assert calls == [["--no-deps", book_req]]  # Colab has everything: one install, nothing else
    assert "added nothing" in capsys.readouterr().out


def test_setup_block_does_nothing_off_colab(monkeypatch, capsys):
    calls, widget_manager = _run_setup_block(monkeypatch, on_colab=False, importable=set())
    assert calls == [] and widget_manager == [] and capsys.readouterr().out == ""


def test_colab_requirements_are_the_packages_run_time_requirements_on_linux():
    needs = book.colab_requirements()
    assert needs["sklearn"].startswith("scikit-learn")
    assert needs["ipywidgets"] == "ipywidgets<9,>=7.7"  # ipywidgets 7.7.1 is Colab's and must satisfy it
    assert needs["keras"] == "keras>=3.13"  # Colab's 3.13.2 must satisfy it (pip check stays clean there)
    # the backend is an extra: Colab's full `tensorflow` is never asked to become `tensorflow-cpu`
    assert set(needs) == {"numpy", "scipy", "matplotlib", "sklearn", "keras", "ipywidgets"}


# === bad input (issue 33): one line, nothing lost, the other chapters still run ===


def test_run_checks_the_output_folder_before_running_anything(tmp_path, capsys):
    src = tmp_path / "nb"
    src.mkdir()
    _chapter(src / "00_ok.ipynb", "raise SystemExit('must not run')")
    (tmp_path / "a file").write_text("")
    assert book.main(["run", "--notebooks", str(src), "--out", str(tmp_path / "a file" / "build")]) == 2
    said = capsys.readouterr()
    assert "Cannot write into" in said.err and len(said.err.strip().splitlines()) == 1 and "Running" not in said.out


def test_a_broken_notebook_is_named_and_the_next_chapter_still_runs(tmp_path, capsys):
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    (src / "00_broken.ipynb").write_text("{not json")
    _chapter(src / "01_ok.ipynb", "x = 1")
    assert book.run(fast=True, out=out, notebooks=src, html=False) == ["00_broken"]
    printed = capsys.readouterr().out
    assert f"00_broken: FAILED ({src / '00_broken.ipynb'})" in printed and "[2/2] 01_ok: ok" in printed
    assert (out / "01_ok.ipynb").exists() and not list(out.glob("*.tmp")) and not list(src.glob("*.tmp"))


def test_a_prefix_that_matches_several_chapters_is_ambiguous_everywhere(tmp_path, capsys):
    for name in ("00_a", "01_b"):
        _chapter(tmp_path / f"{name}.ipynb", "1")
    for argv in (["run", "0"], ["assignment", "0", "--course", str(tmp_path / "c")], ["slides", "0"]):
        assert book.main(argv + ["--notebooks", str(tmp_path)]) == 2
        assert "'0' matches several chapters: ['00_a', '01_b']" in capsys.readouterr().err


@pytest.mark.parametrize("extra, says", [
    (["--name", "../../x"], "bare assignment name"),
    (["--name", "/tmp/x"], "bare assignment name"),
    (["--points", "-1"], "finite number above 0"),
    (["--points", "nan"], "finite number above 0"),
    (["--points", "inf"], "finite number above 0"),
])  # fmt: skip
def test_assignment_names_and_points_are_checked_before_writing(tmp_path, capsys, extra, says):
    course = tmp_path / "course"
    assert book.main(["assignment", "01", "--course", str(course)] + extra) == 2
    assert says in capsys.readouterr().err and not course.exists()

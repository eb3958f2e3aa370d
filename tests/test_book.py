import nbformat
import pytest

from vaegan_edu import book


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
    with pytest.raises(SystemExit):
        book.main(["run", "99", "--notebooks", str(src)])

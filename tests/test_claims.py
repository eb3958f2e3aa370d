"""Issue 30 item 2: every measured number in the chapters' prose is registered with its source and checked."""

import json
from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book, claims, experiments

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "notebooks" / book.EVIDENCE).glob("*.ipynb"))  # fmt: skip
PRIMER = ROOT / "notebooks" / book.EVIDENCE / "how_to_read_the_evidence.ipynb"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_every_measured_number_in_the_prose_is_registered_and_true(page):
    assert claims.check(page) == [], "fix the sentence or notebooks/claims.json (`python -m vaegan_edu.book claims`)"


def test_a_changed_shipped_number_fails_the_check(monkeypatch):
    """The primer quotes the tricks baseline's FD, 24.9 [19.8, 30.0]: a rerun that moved it must fail here."""
    real = experiments.Result.interval

    def moved(self, variant, metric, *args, **kwargs):
        interval = real(self, variant, metric, *args, **kwargs)
        return type(interval)(interval.estimate + 0.4, interval.low, interval.high, interval.n, interval.confidence,
                              interval.method)  # fmt: skip

    assert claims.check(PRIMER) == []
    monkeypatch.setattr(experiments.Result, "interval", moved)
    assert claims.check(PRIMER) == [
        "how_to_read_the_evidence claim 5: the prose says 'e.g. \"24.9', its source gives 25.3."]


def _page(tmp_path, prose, code="print('right digit: 0.4012')"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code, metadata={"tags": ["claim:recon"]})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="right digit: 0.4012\n")]
    nb.cells = [nbformat.v4.new_markdown_cell(prose), cell]
    nbformat.write(nb, tmp_path / "09_x.ipynb")
    return tmp_path / "09_x.ipynb"


def test_an_output_claim_a_constant_and_the_lint(tmp_path):
    page = _page(tmp_path, "It keeps the right\ndigit in 40 % of images, with $\\beta = 0.5$ and a step of 0.01.\n"
                           "See section 2.4 and [a](https://x.org/1.5).")  # fmt: skip
    registry = {"09_x": [{"text": "right digit in 40 %", "source": {"output": "recon", "pattern": r"digit: ([0-9.]+)",
                                                                      "scale": 100}}]}  # fmt: skip
    [problem] = claims.check(page, registry)
    assert problem.startswith("09_x: '0.01' looks measured but no claim registers it (…")
    registry["09_x"].append({"text": "step of 0.01", "source": {"constant": "a setting"}})
    assert claims.check(page, registry) == []  # LaTeX, sections and link targets are not measured numbers
    registry["09_x"][0]["text"] = "right digit in 41 %"
    assert claims.check(page, registry)[0] == ("09_x claim 1: 'right digit in 41 %' is not in the chapter's prose "
                                               "(edited? update the registry).")  # and 40 % is now unregistered
    page = _page(tmp_path, "It keeps the right digit in 41 % of images.")
    assert claims.check(page, registry)[0] == "09_x claim 1: the prose says 'right digit in 41 %', its source gives 40."


def test_an_output_claim_reads_a_displayed_markdown_table(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("Markdown(table)", metadata={"tags": ["claim:table"]})
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": "| run | gain |\n|---|---|\n| baseline | +16.3% |", "text/plain": "<Markdown object>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("It was still improving (16.3 % on average)."), cell]
    nbformat.write(nb, tmp_path / "09_t.ipynb")
    source = {"output": "table", "pattern": r"\| baseline \| \+?([0-9.]+)%"}
    assert claims.check(tmp_path / "09_t.ipynb", {"09_t": [{"text": "(16.3 % on average)", "source": source}]}) == []
    wrong = [{"text": "(16.3 % on average)", "source": dict(source, pattern=r"\| baseline \| \+?([0-9.]+)0%")}]
    assert "does not match" in claims.check(tmp_path / "09_t.ipynb", {"09_t": wrong})[0]


def test_a_malformed_registry_or_source_is_named(tmp_path):
    (tmp_path / claims.CLAIMS_FILE).write_text("[1, 2]")
    with pytest.raises(claims.ClaimError, match="must map each chapter to a list"):
        claims.read_registry(tmp_path)
    page = _page(tmp_path, "A gap of 0.25 nats.")
    bad = {"09_x": [{"text": "gap of 0.25", "source": {"result": "tricks", "variant": "nope", "metric": "x"}}]}
    assert "cannot be read" in claims.check(page, bad)[0]
    bad = {"09_x": [{"text": "gap of 0.25", "source": {"output": "missing"}}]}
    assert "expected one code cell tagged 'claim:missing'" in claims.check(page, bad)[0]


def test_the_command_reports_and_exits_1_on_a_problem(tmp_path, capsys):
    page = _page(tmp_path, "A gap of 0.25 nats.")
    assert book.main(["claims", "--notebooks", str(page.parent)]) == 1
    assert "'0.25' looks measured" in capsys.readouterr().out
    (tmp_path / claims.CLAIMS_FILE).write_text(json.dumps({"09_x": [{"text": "gap of 0.25",
                                                                     "source": {"constant": "an example"}}]}))
    assert book.main(["claims", "--notebooks", str(tmp_path)]) == 0


def test_a_benchmark_claim_reads_its_results_file_along_its_path(tmp_path, monkeypatch):
    (tmp_path / "toy.json").write_text(json.dumps({"checkpoints": {"rho": [0.5, 0.6394]}}))
    monkeypatch.setattr(claims, "BENCHMARKS_DIR", tmp_path)
    page = _page(tmp_path, "It orders them with a ρ of 0.64 here.")
    good = {"09_x": [{"text": "ρ of 0.64", "source": {"benchmark": "toy", "path": ["checkpoints", "rho", 1]}}]}
    assert claims.check(page, good) == []
    good["09_x"][0]["source"]["path"][-1] = 0
    assert claims.check(page, good) == ["09_x claim 1: the prose says 'ρ of 0.64', its source gives 0.50."]
    good["09_x"][0]["source"]["path"][-1] = 5
    assert "cannot be read" in claims.check(page, good)[0] and "python benchmarks/toy.py" in claims.check(page, good)[0]

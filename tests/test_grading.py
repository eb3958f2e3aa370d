"""Graded assignments (issue 17 item 4): the exercise cells found in the chapters, the marks written into them, the
nbgrader source notebook made from a chapter, and nbgrader's own round trip on chapter 01 (generate the students'
copy, autograde a right answer, two listed mistakes and an answer that raises or never returns)."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vaegan_edu import exercises, grading
from vaegan_edu.book import ROOT, main

NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# Chapters whose exercise cells are incomplete today (reported to the lead with the cells to add). Strict: once a
# chapter has them, its test fails as XPASS until it is taken off this list.
INCOMPLETE: dict = {}  # chapter stem -> why an exercise of it has no starter cell yet (a strict xfail)


def _chapter(stem: str):
    return nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)


def _mini_chapter(starter_05: bool = True):
    """A small chapter "06_gan_game" in the book's exercise pattern, written here so its cells are known."""
    cells = [
        nbformat.v4.new_markdown_cell("# 05 · a small chapter"),
        nbformat.v4.new_code_cell("import numpy as np\nimport vaegan_edu as ve"),
        nbformat.v4.new_markdown_cell("**1. The generator's loss.** Write `my_generator_loss(d_fake)`."),
        nbformat.v4.new_code_cell(
            "def my_generator_loss(d_fake):\n    return np.mean(np.log(d_fake))  # first attempt: wrong on purpose\n\n"
            "feedback = ve.exercises.check_gan_generator_loss(my_generator_loss)\nassert not feedback.passed\nfeedback"
        ),
        nbformat.v4.new_markdown_cell("The reference solution, for checking your own after you have tried:"),
        nbformat.v4.new_code_cell('solution = ve.exercises.show_solution("gan_generator_loss")\nsolution'),
        nbformat.v4.new_code_cell("ve.exercises.check_gan_generator_loss(solution.function)"),
        nbformat.v4.new_markdown_cell("**2. The discriminator's loss.** Write `discriminator_loss(d_real, d_fake)`."),
        nbformat.v4.new_code_cell(
            "def discriminator_loss(d_real, d_fake):\n"
            "    return np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))  # the article's D_loss"
        ),
        nbformat.v4.new_code_cell('ve.exercises.check("gan_discriminator_loss", discriminator_loss)'),
        nbformat.v4.new_markdown_cell("**3. The best discriminator.** Write `optimal(p_data, p_g)`.\n\n"
                                      "3. (a second exercise item in the same cell)\n\nSolutions:"),  # fmt: skip
    ]
    if starter_05:
        cells.append(nbformat.v4.new_code_cell(
            "def optimal(p_data, p_g):\n    return p_data / p_g\n\nve.exercises.check_optimal_discriminator(optimal)"
        ))  # fmt: skip
    cells += [
        nbformat.v4.new_code_cell('ve.exercises.show_solution("gan_discriminator_loss")'),
        nbformat.v4.new_code_cell('ve.exercises.show_solution("optimal_discriminator")'),
        nbformat.v4.new_code_cell("print(my_generator_loss(np.array([0.5])))"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


# --- finding the exercise cells ------------------------------------------------------------------------------


def test_find_exercise_cells_names_each_role():
    found = {c.name: c for c in grading.find_exercise_cells(_mini_chapter(), "06_gan_game")}
    assert set(found) == {"gan_generator_loss", "gan_discriminator_loss", "optimal_discriminator"}
    gen, dis, opt = found["gan_generator_loss"], found["gan_discriminator_loss"], found["optimal_discriminator"]
    assert (gen.function, gen.prefix, gen.starter, gen.feedback, gen.solution) == (
        "my_generator_loss", "ve.exercises.", 3, (), (4, 5, 6))  # the short note before the solution goes with it
    assert (dis.function, dis.starter, dis.feedback, dis.solution) == ("discriminator_loss", 8, (9,), (12,))
    assert (opt.function, opt.starter, opt.solution) == ("optimal", 11, (13,))  # cell 10 holds exercise items


def test_a_missing_starter_cell_fails_loudly():
    with pytest.raises(grading.ExerciseCellsError, match=r"optimal_discriminator: no starter cell .*"
                       r"def my_optimal_discriminator"):  # fmt: skip
        grading.find_exercise_cells(_mini_chapter(starter_05=False), "06_gan_game")
    nb = _mini_chapter()
    nb.cells = [c for c in nb.cells if "show_solution(\"gan_generator_loss\")" not in c.source]
    with pytest.raises(grading.ExerciseCellsError, match="gan_generator_loss: no cell shows its solution"):
        grading.find_exercise_cells(nb, "06_gan_game")


@pytest.mark.parametrize(
    "stem",
    [pytest.param(s, marks=pytest.mark.xfail(reason=INCOMPLETE[s], strict=True)) if s in INCOMPLETE else s
     for s in CHAPTERS],
)  # fmt: skip
def test_every_exercise_of_a_chapter_has_a_starter_and_a_hidden_solution(stem):
    nb = _chapter(stem)
    found = grading.find_exercise_cells(nb, stem)
    assert {c.name for c in found} == set(exercises.list_exercises(stem))
    for cells in found:
        assert f"def {cells.function}(" in nb.cells[cells.starter].source
        assert any("show_solution" in nb.cells[i].source for i in cells.solution)
        assert cells.starter < min(cells.solution), "the solution comes after the student's attempt"
    if found:  # the assignment can be made from it (the wrong attempts and solutions are left out cleanly)
        grading.assignment_notebook(nb, stem)


# Chapters whose stored show_solution outputs still show the code (written before solutions were hidden), until
# `python -m vaegan_edu.book exercises` (or a rerun) refreshes them; strict, so a fixed chapter must leave the list.
STALE_SOLUTION_OUTPUTS: set = set()  # chapters whose stored show_solution outputs predate the hidden form


@pytest.mark.parametrize(
    "stem",
    [pytest.param(s, marks=pytest.mark.xfail(reason="run: python -m vaegan_edu.book exercises", strict=True))
     if s in STALE_SOLUTION_OUTPUTS else s for s in CHAPTERS],
)  # fmt: skip
def test_no_chapter_stores_a_solution_in_plain_view(stem):
    nb = _chapter(stem)
    before = nbformat.writes(nb)
    assert grading._refresh_solution_outputs(nb) == 0 and nbformat.writes(nb) == before
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime in ("text/markdown", "text/plain"):
                assert "def _solution_" not in output.get("data", {}).get(mime, ""), (stem, cell.source)


# --- marking the chapters ------------------------------------------------------------------------------------


def _old_solution_output(name: str) -> dict:
    """A stored show_solution output as the book wrote it before solutions were hidden (the code in plain view)."""
    source = exercises.show_solution(name).source
    return nbformat.v4.new_output(
        "execute_result", execution_count=1,
        data={"text/markdown": f"Solution of `{name}`:\n\n```python\n{source}```",
              "text/plain": f"Solution(name='{name}', source='{source!r}')"},
    )  # fmt: skip


def test_mark_writes_roles_refreshes_solutions_and_is_idempotent():
    nb = _mini_chapter()
    nb.cells[5].outputs = [_old_solution_output("gan_generator_loss")]
    nb.cells[1].metadata["vaegan_edu"] = {"exercise": "gan_generator_loss", "role": "starter", "slide": "keep me"}
    nb.cells[0].metadata["tags"] = ["keep"]
    changes = grading.mark(nb, "06_gan_game")
    assert "1 stored solution output(s) hidden" in changes and "cell 1: mark removed" in changes
    assert nb.cells[1].metadata["vaegan_edu"] == {"slide": "keep me"}  # only our two keys go
    assert nb.cells[3].metadata["vaegan_edu"] == {"exercise": "gan_generator_loss", "role": "starter"}
    assert nb.cells[9].metadata["vaegan_edu"] == {"exercise": "gan_discriminator_loss", "role": "feedback"}
    assert nb.cells[4].metadata["vaegan_edu"] == {"exercise": "gan_generator_loss", "role": "solution"}
    assert "vaegan_edu" not in nb.cells[10].metadata and nb.cells[0].metadata["tags"] == ["keep"]
    data = nb.cells[5].outputs[0]["data"]
    assert set(data) == {"text/html", "text/markdown", "text/plain"}
    assert "<details" in data["text/html"] and "np.log" in data["text/html"]
    assert "np.log" not in data["text/markdown"] + data["text/plain"]
    before = nbformat.writes(nb)
    assert grading.mark(nb, "06_gan_game") == []
    assert nbformat.writes(nb) == before


def test_exercises_command_checks_and_marks_a_chapters_folder(tmp_path, capsys):
    nbformat.write(_mini_chapter(), tmp_path / "06_gan_game.ipynb")
    nbformat.write(_mini_chapter(starter_05=False), tmp_path / "08_gan.ipynb")  # no exercise of 08 in it
    assert main(["exercises", "--check", "--notebooks", str(tmp_path)]) == 1
    assert "06_gan_game: out of date" in capsys.readouterr().out
    assert main(["exercises", "--notebooks", str(tmp_path), "06"]) == 0
    assert main(["exercises", "--check", "--notebooks", str(tmp_path)]) == 1  # 06 lacks its own exercise
    out = capsys.readouterr().out
    assert "08_gan: exercise cells NOT MARKED" in out and "frechet_distance_diagonal: no starter cell" in out
    assert "06_gan_game: gan_generator_loss (cells 3-6), gan_discriminator_loss (cells 8, 9, 12)" in out
    assert main(["exercises", "--check", "--notebooks", str(tmp_path), "06"]) == 0
    marked = nbformat.read(tmp_path / "06_gan_game.ipynb", as_version=4)
    assert marked.cells[3].metadata["vaegan_edu"]["role"] == "starter"


# --- the nbgrader source notebook ----------------------------------------------------------------------------


def _graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def test_assignment_notebook_turns_starters_into_graded_cells():
    chapter = _mini_chapter()
    before = nbformat.writes(chapter)
    nb = grading.assignment_notebook(chapter, "06_gan_game", points=2)
    assert nbformat.writes(chapter) == before  # the chapter itself is untouched
    nbformat.validate(nb)
    graded = _graded_cells(nb)
    names = exercises.list_exercises("06_gan_game")
    assert set(graded) == {f"{n}_{kind}" for n in names for kind in ("answer", "test")}
    answer, test = graded["gan_generator_loss_answer"], graded["gan_generator_loss_test"]
    assert answer.metadata["nbgrader"] == {"grade": False, "grade_id": "gan_generator_loss_answer", "locked": False,
                                           "schema_version": 3, "solution": True, "task": False}  # fmt: skip
    assert test.metadata["nbgrader"]["locked"] and test.metadata["nbgrader"]["points"] == 2
    assert test.source == 'print(ve.exercises.grade("gan_generator_loss", my_generator_loss))'
    assert answer.source.startswith("def my_generator_loss(d_fake):\n    ### BEGIN SOLUTION\n")
    assert answer.source.endswith("\n    ### END SOLUTION")
    namespace = {}
    exec("import numpy as np\n" + answer.source, namespace)  # the reference, under the student's name, passes
    assert exercises.check("gan_generator_loss", namespace["my_generator_loss"]).passed
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "show_solution" not in code and "first attempt" not in code and "feedback" not in code
    assert "print(my_generator_loss" in code  # a later cell that uses the student's function stays
    assert [c.source for c in nb.cells].index(test.source) == [c.source for c in nb.cells].index(answer.source) + 1
    assert nbformat.writes(grading.assignment_notebook(chapter, "06_gan_game", points=2)) == nbformat.writes(nb)


def test_assignment_refuses_a_chapter_that_needs_a_left_out_cell():
    nb = _mini_chapter()
    nb.cells.append(nbformat.v4.new_code_cell("print(solution.name)"))
    with pytest.raises(ValueError, match=r"reads `solution`, bound only in cell 5, which the assignment leaves out"):
        grading.assignment_notebook(nb, "06_gan_game")
    nb = _mini_chapter()
    nb.cells[3].source = nb.cells[3].source.replace("(d_fake)", "(d)", 1).replace("log(d_fake)", "log(d)")
    with pytest.raises(ValueError, match=r"my_generator_loss\(d\) and the reference solution \(d_fake\)"):
        grading.assignment_notebook(nb, "06_gan_game")


def test_assignment_command_writes_source_notebook_and_config(tmp_path, capsys):
    nbformat.write(_mini_chapter(), tmp_path / "06_gan_game.ipynb")
    course = tmp_path / "course"
    assert main(["assignment", "06", "--course", str(course), "--notebooks", str(tmp_path), "--name", "hw1"]) == 0
    assert "nbgrader generate_assignment hw1" in capsys.readouterr().out
    assert (course / "source" / "hw1" / "06_gan_game.ipynb").is_file()
    config = (course / "nbgrader_config.py").read_text()
    assert 'os.environ.setdefault("VAEGAN_EDU_FAST", "1")' in config and "c.Execute.timeout = 120" in config
    (course / "nbgrader_config.py").write_text("# the lecturer's own\n")
    main(["assignment", "06", "--course", str(course), "--notebooks", str(tmp_path), "--name", "hw1"])
    assert (course / "nbgrader_config.py").read_text() == "# the lecturer's own\n"  # never overwritten
    # exit status 2 and the message on stderr, one line
    assert main(["assignment", "08", "--course", str(course), "--notebooks", str(tmp_path)]) == 2
    assert "No chapter matches '08'" in capsys.readouterr().err


# --- nbgrader's round trip on chapter 01 ---------------------------------------------------------------------

CORRECT = {
    "gaussian_kl": None,  # None: the reference solution, as in the instructor's source notebook
    "kl_monte_carlo": None,
}
WRONG_KL_SIGMA = (
    "def my_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):\n"
    "    sigma_q, sigma_p = np.exp(0.5 * log_var_q), np.exp(0.5 * log_var_p)\n"
    "    return 0.5 * np.sum(np.log(sigma_p / sigma_q) + (sigma_q + (mu_q - mu_p) ** 2) / sigma_p - 1.0, axis=-1)\n"
)
WRONG_MC_DDOF = (
    "def my_kl_monte_carlo(log_q, log_p):\n"
    "    diff = log_q - log_p\n"
    "    return diff.mean(axis=0), diff.std(axis=0) / np.sqrt(diff.shape[0])\n"
)
WRONG_KL_MEAN = (
    "def my_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):\n"
    "    var_q, var_p = np.exp(log_var_q), np.exp(log_var_p)\n"
    "    return np.mean(0.5 * (log_var_p - log_var_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0), axis=-1)\n"
)
RAISES = "def my_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):\n    raise ValueError('not written yet')\n"
LOOPS = "def my_kl_monte_carlo(log_q, log_p):\n    while True:\n        pass\n"
SUBMISSIONS = {  # student: ({exercise: answer cell}, points expected, what the feedback must say)
    "right": (CORRECT, 2, ["Correct: gaussian_kl: matches", "Correct: kl_monte_carlo: matches"]),
    "sigma": ({"gaussian_kl": WRONG_KL_SIGMA, "kl_monte_carlo": None}, 1,
              ["Not yet: gaussian_kl: you used sigma = exp(log_var / 2) where the variance"]),
    "means": ({"gaussian_kl": WRONG_KL_MEAN, "kl_monte_carlo": WRONG_MC_DDOF}, 0,
              ["Not yet: gaussian_kl: you averaged over the latent dimensions",
               "Not yet: kl_monte_carlo: almost: your standard deviation divides by num_samples"]),
    "broken": ({"gaussian_kl": RAISES, "kl_monte_carlo": LOOPS}, 0,
               ["Not yet: gaussian_kl: your function raised ValueError: not written yet",
                "Not yet: kl_monte_carlo: your function did not return within 10 s"]),
}  # fmt: skip


def _nbgrader(course: Path, *args: str) -> str:
    # With the environment's bin/ not on PATH (as in CI): the course's nbgrader_config.py finds `alembic` itself.
    here = Path(sys.executable).parent
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != here)
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PATH": path, "VAEGAN_EDU_FAST": "1"},
    )  # fmt: skip
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_nbgrader_generates_and_autogrades_chapter_01(tmp_path):
    """About a minute: nbgrader runs chapter 01 (fast mode) once per submission."""
    from nbgrader.api import Gradebook

    course, name = tmp_path / "course", "01_kl_divergence"
    assert main(["assignment", "01", "--course", str(course)]) == 0
    source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    reference = {g[: -len("_answer")]: c.source for g, c in _graded_cells(source).items() if g.endswith("_answer")}
    _nbgrader(course, "generate_assignment", name, "--force")

    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    answers = {g: c for g, c in _graded_cells(release).items() if g.endswith("_answer")}
    assert set(answers) == {"gaussian_kl_answer", "kl_monte_carlo_answer"}
    for cell in answers.values():  # the students' copy: a stub, no reference solution, no solution cells
        assert "raise NotImplementedError()" in cell.source and "BEGIN SOLUTION" not in cell.source
    student_text = "\n".join(c.source for c in release.cells) + json.dumps([c.get("outputs") for c in release.cells])
    assert "show_solution" not in student_text
    for exercise, answer in reference.items():
        body = [line.strip() for line in answer.splitlines()[1:] if line.strip() and "SOLUTION" not in line]
        assert body and not [line for line in body if line in student_text], exercise

    for student, (answer_cells, _, _) in SUBMISSIONS.items():
        submission = copy.deepcopy(release)
        for grade_id, cell in _graded_cells(submission).items():
            if grade_id.endswith("_answer"):
                exercise = grade_id[: -len("_answer")]
                cell.source = answer_cells[exercise] or reference[exercise]
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(submission, folder / f"{name}.ipynb")
    _nbgrader(course, "autograde", name, "--force")
    _nbgrader(course, "generate_feedback", name, "--force")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, (_, points, messages) in SUBMISSIONS.items():
            submission = gradebook.find_submission(name, student)
            assert (submission.score, submission.max_score) == (points, 2), student
            page = _page_text(course / "feedback" / student / name / f"{name}.html")
            for message in messages:
                assert message in page, (student, message)
    shutil.rmtree(course)  # a gradebook and four executed chapters: not worth keeping in /tmp

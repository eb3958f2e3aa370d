"""The instructor's guide: timings parsed from RESULTS.md, checker messages computed, the prose's references
checked, and the committed docs/instructor_guide.md equal to what the generator writes."""

import json

import numpy as np
import pytest

from vaegan_edu import book, exercises
from vaegan_edu import instructor_guide as guide
from vaegan_edu.exercises import checking

RESULTS = """# Benchmark results

## Machine

| CPU | cores | memory | GPU | Python | Keras | NumPy |
|---|---|---|---|---|---|---|
| Test CPU | 4 | 8 GiB | none | 3.11 | 3.15.1 | 2.4 |

## Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND=jax)

*2026-01-01 00:00 UTC, commit aaaaaaa, backend jax*

| chapter | fast mode | full mode | full ≤ 3 min |
|---|---|---|---|
| 01_kl_divergence | 99 s | 999 s | no |

## Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND=tensorflow)

*2026-11-25 18:54 UTC, commit b81df72, backend tensorflow*

**Seconds per chapter, one run each**

| chapter | fast mode | full mode | full ≤ 3 min |
|---|---|---|---|
| 00_tour | 8 s | 12 s | yes |
| 01_kl_divergence | 6 s | 91 s | yes |
| 02_elbo | 7 s | failed (CellExecutionError) | no |
| **whole book** (3 of 3 ran) | 21 s | 111 s | yes |
"""


def test_timings_are_parsed_from_the_tensorflow_section():
    timings = guide.parse_timings(RESULTS)
    assert timings.chapters == {
        "00_tour": (8.0, 12.0), "01_kl_divergence": (6.0, 91.0), "02_elbo": (7.0, "failed (CellExecutionError)"),
    }  # fmt: skip
    assert timings.stamp == "2026-11-25 18:54 UTC, commit b81df72, backend tensorflow"
    assert timings.machine == "Test CPU, 4 cores, GPU: none"
    line = guide.live_training_line("01_kl_divergence", timings)
    assert "took 91 s (about 1.5 min) top to bottom in full mode" in line and "fast mode" in line and "6 s" in line
    assert "b81df72" in line
    assert "not measured yet" in guide.live_training_line("07_new", timings)
    with pytest.raises(ValueError, match="run `python benchmarks/run.py --only chapters`"):
        guide.parse_timings(RESULTS.replace("KERAS_BACKEND=tensorflow", "KERAS_BACKEND=torch"))


ONE_CORE = """
## Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND=tensorflow; one thread)

*2026-12-07 18:40 UTC, commit ccccccc, backend tensorflow*

| chapter | fast mode | full mode | full mode, kernel CPU | load at start | full ≤ 3 min |
|---|---|---|---|---|---|
| 01_kl_divergence | 6 s | 140 s | 95 s | 3.9 | yes (CPU) |
| **whole book** (1 of 1, 1 of 1 ran) | 6 s | 140 s | 95 s |  | yes (≤ 15 min) |
"""


def test_single_threaded_timings_give_the_kernels_cpu_seconds():
    timings = guide.parse_timings(RESULTS + ONE_CORE, guide.ONE_CORE_SECTION)
    assert timings.chapters == {"01_kl_divergence": (6.0, 140.0)} and timings.cpu == {"01_kl_divergence": 95.0}
    line = guide.live_training_line("01_kl_divergence", timings)
    assert "computed for 95 s (about 1.6 min) on one thread" in line and "was 140 s" in line and "ccccccc" in line
    assert guide.parse_timings(RESULTS).cpu == {}  # the wall-time table has no CPU column
    guide_text = guide.render("{{ chapter 01 }}\n{{ live_training }}\n", RESULTS + ONE_CORE)
    assert "computed for 95 s" in guide_text  # the guide prefers the single-threaded measurement


def test_the_committed_results_time_every_chapter():
    text = guide.RESULTS.read_text(encoding="utf-8")
    one_core = f"## {guide.ONE_CORE_SECTION}" in text.splitlines()
    timings = guide.parse_timings(text, guide.ONE_CORE_SECTION if one_core else guide.TIMINGS_SECTION)
    chapters = sorted(p.stem for p in guide.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert set(chapters) <= set(timings.chapters)
    assert all(isinstance(full, float) and full > 0 for _, full in timings.chapters.values())


def test_known_mistakes_are_the_checkers_own_and_the_checker_is_restored():
    from vaegan_edu.exercises import kl

    listed = guide.known_mistakes("gaussian_kl")
    assert len(listed) >= 6
    assert any(d.startswith("you averaged over the latent dimensions") for d in listed)
    assert kl.compare is checking.compare  # the recorder is gone


def test_quoted_messages_are_what_a_students_wrong_answer_gets():
    # a wrong answer written here, independently of the checker's own list of mistakes
    def averaged(mu_q, log_var_q, mu_p, log_var_p):
        var_q, var_p = np.exp(log_var_q), np.exp(log_var_p)
        return np.mean(0.5 * (log_var_p - log_var_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1), axis=-1)

    message = exercises.check_gaussian_kl(averaged).message
    assert "averaged over the latent dimensions" in message
    text = guide.mistakes_markdown("01_kl_divergence")
    assert f"- {message}" in text.splitlines()
    # an extra slip of STUDENT_ATTEMPTS, with the generic message the checker gives it
    assert "- *returned the negative:* wrong sign: your values are the negative of the correct ones" in text
    assert text.index("**`gaussian_kl`**") < text.index("**`kl_monte_carlo`**")


def test_an_attempt_the_checker_does_not_recognise_is_refused(monkeypatch):
    def unrecognised(mu_q, log_var_q, mu_p, log_var_p):
        return mu_q.sum(-1) ** 3

    monkeypatch.setitem(guide.STUDENT_ATTEMPTS, "gaussian_kl", {"something odd": unrecognised})
    with pytest.raises(ValueError, match="'something odd' is not recognised by the checker"):
        guide.mistake_messages("gaussian_kl")
    monkeypatch.setitem(guide.STUDENT_ATTEMPTS, "gaussian_kl", {"the solution": exercises.show_solution(
        "gaussian_kl").function})  # fmt: skip
    with pytest.raises(ValueError, match="the solution passes its checker"):
        guide.mistake_messages("gaussian_kl")


def test_every_student_attempt_belongs_to_a_registered_exercise():
    assert set(guide.STUDENT_ATTEMPTS) <= set(exercises.list_exercises())


def _chapter(folder, name, headings):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"# {name[:2]} · A test chapter\n\nGoal."}]
    cells += [{"cell_type": "markdown", "metadata": {}, "source": f"## {h}\n\ntext"} for h in headings]
    cells += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
               "source": 've.exercises.check_kl_monte_carlo(f)\nve.exercises.show_solution("gaussian_kl")'}]
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5}))  # fmt: skip


def test_render_fills_directives_and_checks_section_references(tmp_path):
    folder = tmp_path / "notebooks"
    _chapter(folder, "01_kl_divergence", ["Closed form", "Explore"])
    source = "\n".join([
        "# Guide", "{{ chapter 01 }}", "Pause after §[Closed form].", "{{ live_training }}", "{{ mistakes }}",
        "{{ homework: gaussian_kl }}",
    ])  # fmt: skip
    text = guide.render(source, RESULTS, folder)
    assert text.startswith("<!-- Generated by `python -m vaegan_edu.book guide`")
    assert "## 01 · A test chapter" in text and "(../notebooks/01_kl_divergence.ipynb)" in text
    assert "Pause after § *Closed form*." in text
    assert "took 91 s (about 1.5 min)" in text
    # exercises in the order the chapter mentions them: kl_monte_carlo comes first in this chapter
    assert text.index("**`kl_monte_carlo`**") < text.index("**`gaussian_kl`**")
    assert "**Homework:** `gaussian_kl` (`answer_fn(mu_q, log_var_q, mu_p, log_var_p)`: KL(q || p)" in text
    assert "**In class:** `kl_monte_carlo` (" in text
    bad = {
        "Pause after §[Closed-form].": r"line 2: §\[Closed-form\] is no heading of 01_kl_divergence",
        "{{ mistake }}": r"line 2: unknown directive `\{\{ mistake \}\}`",
        "{{ homework: iwae_bound }}": r"\['iwae_bound'\] is not among its checked exercises",
    }
    for line, error in bad.items():
        with pytest.raises(ValueError, match=error):
            guide.render("{{ chapter 01 }}\n" + line, RESULTS, folder)
    with pytest.raises(ValueError, match="line 1: `{{ mistakes }}` comes before any"):
        guide.render("{{ mistakes }}", RESULTS, folder)
    with pytest.raises(ValueError, match="expected one notebook 05_"):
        guide.render("{{ chapter 05 }}", RESULTS, folder)


@pytest.fixture(scope="module")
def generated():
    return guide.generate()


def test_the_guide_covers_every_chapter_and_every_checked_exercise(generated):
    for path in sorted(guide.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert f"(../notebooks/{path.name})" in generated
    for name in exercises.list_exercises():
        assert f"**`{name}`**" in generated, f"{name} has no common mistakes in the guide"
    assert "{{" not in generated and "§[" not in generated


def test_committed_guide_is_the_generated_one(generated):
    committed = guide.GUIDE.read_text(encoding="utf-8") if guide.GUIDE.exists() else ""
    assert committed == generated, (
        f"{guide.GUIDE.name} differs from what the generator writes (the prose, a chapter, a checker or "
        f"benchmarks/RESULTS.md changed): run `{guide.COMMAND}` and commit docs/instructor_guide.md."
    )


def test_the_command_writes_and_checks(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(guide, "GUIDE", tmp_path / "instructor_guide.md")
    monkeypatch.setattr(guide, "ROOT", tmp_path)
    monkeypatch.setattr(guide, "generate", lambda: "# A guide\n")
    assert book.main(["guide", "--check"]) == 1
    assert f"run `{guide.COMMAND}`" in capsys.readouterr().out
    assert book.main(["guide"]) == 0
    assert (tmp_path / "instructor_guide.md").read_text() == "# A guide\n"
    assert book.main(["guide", "--check"]) == 0

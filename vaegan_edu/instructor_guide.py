"""The instructor's guide: hand-written teaching notes, with every number and message computed.

``docs/instructor_guide.in.md`` holds the prose a lecturer wrote (learning goals, where to pause, what to ask
the room, which exercises suit homework). :func:`render` turns it into ``docs/instructor_guide.md``, filling in
what must not be copied by hand, from the place where it lives:

``{{ chapter 03 }}``
    the chapter's heading, from the title cell of ``notebooks/03_*.ipynb``; later directives and section
    references belong to this chapter.
``{{ live_training }}``
    the chapter's wall time top to bottom in full and fast mode, parsed from ``benchmarks/RESULTS.md``
    (section :data:`TIMINGS_SECTION`), with the date, commit and machine of the measurement.
``{{ mistakes }}``
    for each checked exercise of the chapter (the registry of :mod:`vaegan_edu.exercises`, in the order the
    chapter poses them), the exact feedback its checker gives on each known wrong attempt: the mistakes the
    checker lists (run through the checker, see :func:`known_mistakes`) and the extra slips in
    :data:`STUDENT_ATTEMPTS` that its general rules recognise (a sign, a shape, a missing ``return``).
``{{ homework: name name }}``
    the exercises named for homework and, by difference, those for class, each with its checker's summary;
    a name that is not a checked exercise of the chapter is an error.
``§[Heading]`` (inline)
    a section of the chapter; an error if the chapter has no heading with exactly that text, so the guide
    cannot point at a section that was renamed.

Regenerate with ``python -m vaegan_edu.book guide``; tests/test_guide.py fails while the committed guide
differs from what this module generates (after a change to the prose, a chapter, a checker or the benchmarks).

Taught in: (lecturers' tooling, not taught in a chapter)
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the guide is built from docs/, notebooks/, benchmarks/
SOURCE = ROOT / "docs" / "instructor_guide.in.md"
GUIDE = ROOT / "docs" / "instructor_guide.md"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
NOTEBOOKS = ROOT / "notebooks"
COMMAND = "python -m vaegan_edu.book guide"
TIMINGS_SECTION = "Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND=tensorflow)"
# bench_chapters.py --one-core: single-threaded kernels, whose CPU seconds bound a quiet 2-core run's wall time
ONE_CORE_SECTION = "Chapter wall times (fresh kernel, top to bottom; KERAS_BACKEND=tensorflow; one thread)"

_DIRECTIVE = re.compile(r"^\{\{\s*(?P<name>\w+)(?P<arg>[^}]*)\}\}\s*$")
_SECTION_REF = re.compile(r"§\[(?P<heading>[^\]]+)\]")
_SECONDS = re.compile(r"^(?P<s>\d+(?:\.\d+)?) s$")


# === timings from benchmarks/RESULTS.md ===


@dataclasses.dataclass(frozen=True)
class Timings:
    """Chapter wall times parsed from RESULTS.md: ``{chapter: (fast, full)}``, seconds or the table's text."""

    chapters: dict
    stamp: str  # "2026-11-25 18:54 UTC, commit b81df72, backend tensorflow"
    machine: str  # "AMD EPYC, 2 cores, no GPU"
    cpu: dict = dataclasses.field(default_factory=dict)  # {chapter: full-mode kernel CPU seconds}, where measured


def _table_rows(lines: list[str], start: int) -> list[list[str]]:
    """The body rows of the first Markdown table at or after ``start`` (header and rule skipped)."""
    i = start
    while i < len(lines) and not lines[i].startswith("|"):
        i += 1
    rows = []
    while i < len(lines) and lines[i].startswith("|"):
        rows.append([cell.strip() for cell in lines[i].strip().strip("|").split("|")])
        i += 1
    return rows[2:]


def parse_timings(results_text: str, section: str = TIMINGS_SECTION) -> Timings:
    """Read the chapter wall-time table of ``section`` (and the machine) from the text of RESULTS.md.

    Raises
    ------
    ValueError
        The section or its table is missing (the message names the benchmark that writes it).
    """
    lines = results_text.splitlines()
    header = f"## {section}"
    if header not in lines:
        raise ValueError(
            f"benchmarks/RESULTS.md has no section {header!r}: run `python benchmarks/run.py --only chapters` "
            f"(or fix TIMINGS_SECTION in vaegan_edu/instructor_guide.py)."
        )
    start = lines.index(header)
    stamp = next((ln.strip("*") for ln in lines[start + 1 : start + 4] if ln.startswith("*")), "undated")
    chapters, kernel_cpu = {}, {}
    with_cpu = any(ln.startswith("|") and "kernel CPU" in ln for ln in lines[start + 1 : start + 12])
    for row in _table_rows(lines, start + 1):
        if len(row) < 3 or row[0].startswith("**"):
            continue  # the whole-book total
        chapters[row[0]] = tuple(
            float(m.group("s")) if (m := _SECONDS.match(value)) else value for value in row[1:3]
        )
        if with_cpu and len(row) > 3 and (m := _SECONDS.match(row[3])):
            kernel_cpu[row[0]] = float(m.group("s"))
    if not chapters:
        raise ValueError(f"The section {header!r} of benchmarks/RESULTS.md has no chapter table.")
    machine = "an unnamed machine"
    if "## Machine" in lines:
        rows = _table_rows(lines, lines.index("## Machine"))
        if rows and len(rows[0]) >= 4:
            cpu, cores, _, gpu = rows[0][:4]
            machine = f"{cpu}, {cores} cores, GPU: {gpu}"
    return Timings(chapters=chapters, stamp=stamp, machine=machine, cpu=kernel_cpu)


def _seconds(value) -> str:
    if not isinstance(value, float):
        return str(value)
    if value < 60:
        return f"{value:.0f} s"
    return f"{value:.0f} s (about {value / 60:.1f} min)"


def live_training_line(chapter: str, timings: Timings) -> str:
    """One Markdown paragraph: the chapter's full-mode and fast-mode wall time, and where it was measured."""
    if chapter not in timings.chapters:
        return (
            f"**Live run:** not measured yet (no row for `{chapter}` in `benchmarks/RESULTS.md`; "
            f"`python benchmarks/run.py --only chapters` measures it)."
        )
    fast, full = timings.chapters[chapter]
    if chapter in timings.cpu:  # single-threaded kernels: CPU seconds, whatever else ran on the machine
        return (
            f"**Live run:** top to bottom in full mode, every cell and any live training, the chapter's kernel "
            f"computed for {_seconds(timings.cpu[chapter])} on one thread, so a quiet 2-core machine runs it in at "
            f"most about that time (its wall time in the same run was {_seconds(full)}); fast mode (for "
            f"testing: its pictures are noise) {_seconds(fast)}. Measured {timings.stamp}, on {timings.machine} "
            f"(`benchmarks/RESULTS.md`); a slower machine takes longer."
        )
    return (
        f"**Live run:** the whole chapter, every cell and any live training, took {_seconds(full)} top to "
        f"bottom in full mode; fast mode (for testing: its pictures are noise) {_seconds(fast)}. Measured "
        f"{timings.stamp}, on {timings.machine} (`benchmarks/RESULTS.md`); a busier or slower machine takes "
        f"longer."
    )


# === exercises: what the checkers say to known wrong attempts ===


def _attempts():
    """Slips students make that no checker lists by name, recognised by :func:`~vaegan_edu.exercises.compare`'s
    general rules (sign, constant factor, shape, ``None``). ``{exercise: {what the student did: function}}``.
    Written here, as a student would write them (as the tests of :mod:`vaegan_edu.exercises` do)."""

    def kl_per_dim(mu_q, log_var_q, mu_p, log_var_p):
        return 0.5 * (log_var_p - log_var_q + (np.exp(log_var_q) + (mu_q - mu_p) ** 2) / np.exp(log_var_p) - 1)

    def sigmoid(t):
        return 1.0 / (1.0 + np.exp(-t))

    def neg_elbo(x, logits, mu, log_var):
        rec = -np.sum(x * logits - np.logaddexp(0.0, logits), axis=(1, 2, 3))
        return rec - 0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)

    def lg_elbo(x, q_mean, q_log_var, W, b, noise_std):
        sq = np.sum((x - q_mean @ W.T - b) ** 2, -1) + np.sum(np.exp(q_log_var) * np.sum(W**2, 0), -1)
        rec = -0.5 * x.shape[-1] * np.log(2 * np.pi * noise_std**2) - 0.5 * sq / noise_std**2
        return rec - 0.5 * np.sum(np.exp(q_log_var) + q_mean**2 - 1.0 - q_log_var, -1)

    def distances(samples, train):
        return np.sqrt(((samples[:, None, :] - train[None, :, :]) ** 2).sum(-1))

    def class_terms(labels, num_classes):
        h = np.bincount(labels, minlength=int(num_classes)) / len(labels)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(h > 0, h * np.log(int(num_classes) * h), 0.0)

    return {
        "gaussian_kl": {
            "forgot the sum over latents (one KL per dimension)": kl_per_dim,
            "returned the negative": lambda **c: -kl_per_dim(**c).sum(-1),
        },
        "kl_monte_carlo": {
            "returned the estimate alone": lambda log_q, log_p: np.mean(log_q - log_p, axis=0),
        },
        "linear_gaussian_elbo": {
            "returned the loss, -ELBO": lambda **c: -lg_elbo(**c),
            "averaged over the batch": lambda **c: np.mean(lg_elbo(**c)),
        },
        "iwae_bound": {
            "log(mean(exp(log w))) without the log-sum-exp trick":
                lambda log_p_xz, log_q_zx: np.log(np.mean(np.exp(log_p_xz - log_q_zx), axis=0)),
            "reduced over the batch axis": lambda log_p_xz, log_q_zx: np.mean(log_p_xz - log_q_zx, axis=-1),
        },
        "reparameterize": {
            "computed z but forgot `return`": lambda mu, log_var, eps: None,
        },
        "vae_negative_elbo": {
            "returned the ELBO, not its negative": lambda **c: -neg_elbo(**c),
            "averaged over the batch": lambda **c: np.mean(neg_elbo(**c)),
        },
        "active_units": {
            "returned the mask of active latents, not their number":
                lambda mu, threshold: np.var(mu, axis=0) > threshold,
        },
        "gan_generator_loss": {
            "one loss per sample (no mean)": lambda d_fake: -np.log(d_fake),
        },
        "gan_discriminator_loss": {
            "one loss per sample (no mean)": lambda d_real, d_fake: -np.log(d_real) - np.log(1.0 - d_fake),
        },
        "frechet_distance_diagonal": {
            "one term per feature (no sum)":
                lambda mu_a, var_a, mu_b, var_b: (mu_a - mu_b) ** 2 + var_a + var_b - 2 * np.sqrt(var_a * var_b),
        },
        "nearest_training_distance": {
            "every sample-to-training distance (no minimum)": distances,
        },
        "class_kl_to_uniform": {
            "one term per class (no sum)": class_terms,
        },
        "generator_logit_gradient": {
            "the slope of the loss's negative (a sign)":
                lambda logits, loss: sigmoid(logits) if loss == "minimax" else 1.0 - sigmoid(logits),
            "averaged over the samples": lambda logits, loss: np.mean(-sigmoid(logits)),
        },
    }  # fmt: skip


STUDENT_ATTEMPTS = _attempts()


def known_mistakes(name: str) -> dict:
    """The ``{description: wrong function}`` that exercise ``name``'s checker passes to ``compare``.

    A hack, and said so: the checkers build their known mistakes inside the call and the registry does not
    keep them, so the checker's module-level ``compare`` is swapped for a recorder for one call (with the
    reference solution) and restored. A checker that does not call ``compare`` lists nothing.
    """
    from vaegan_edu.exercises import checking

    exercise = checking._exercise(name)
    namespace = exercise.check.__globals__
    original = namespace.get("compare")
    if original is None:
        return {}
    recorded = {}

    def recording(*args, **kwargs):
        bound = inspect.signature(original).bind(*args, **kwargs)
        recorded.update(bound.arguments.get("mistakes") or {})
        return original(*args, **kwargs)

    namespace["compare"] = recording
    try:
        exercise.check(exercise.solution)
    finally:
        namespace["compare"] = original
    return recorded


def mistake_messages(name: str) -> list[tuple[str | None, str]]:
    """``(what the student did or None, the checker's exact message)`` for each known wrong attempt of ``name``.

    ``None`` marks the checker's own listed mistakes (their message names them). Raises ``ValueError`` when a
    wrong attempt passes, or when an extra attempt of :data:`STUDENT_ATTEMPTS` gets only the checker's
    catch-all message (it is then no recognised mistake and does not belong in the guide).
    """
    from vaegan_edu.exercises import check

    out = []
    for label, function in [(None, f) for f in known_mistakes(name).values()] + list(
        STUDENT_ATTEMPTS.get(name, {}).items()
    ):
        with np.errstate(all="ignore"):
            feedback = check(name, function)
        what = label or "a mistake the checker lists"
        if feedback.passed:
            raise ValueError(f"{name}: {what} passes its checker; the checker or the attempt is wrong.")
        if label and feedback.message.startswith("your values differ from the reference"):
            raise ValueError(f"{name}: the attempt {label!r} is not recognised by the checker: {feedback.message}")
        out.append((label, feedback.message))
    return out


def _summary(name: str) -> str:
    """The first line of the checker's docstring without 'Check': "``answer_fn(x)``: what it computes"."""
    from vaegan_edu.exercises import checking

    doc = inspect.getdoc(checking._exercise(name).check) or ""
    first = doc.split("\n\n")[0].replace("\n", " ").strip().removeprefix("Check ").rstrip(".")
    return first.replace("``", "`")


def chapter_exercises(chapter: str, notebook_text: str = "") -> list[str]:
    """The checked exercises of ``chapter`` in the order the chapter poses them (then any it never mentions)."""
    from vaegan_edu.exercises import list_exercises

    names = list_exercises(chapter)

    def position(name):
        hits = [notebook_text.find(s) for s in (f'"{name}"', f"check_{name}(") if s in notebook_text]
        return (min(hits) if hits else len(notebook_text) + 1, name)

    return sorted(names, key=position)


def mistakes_markdown(chapter: str, notebook_text: str = "") -> str:
    """The common mistakes of every checked exercise of ``chapter``, each with its checker's exact message."""
    names = chapter_exercises(chapter, notebook_text)
    if not names:
        return "No checked exercise in this chapter."
    blocks = []
    for name in names:
        lines = [f"**`{name}`** ({_summary(name)}; `ve.exercises.check_{name}`):", ""]
        for label, message in mistake_messages(name):
            lines.append(f"- *{label}:* {message}" if label else f"- {message}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def homework_markdown(chapter: str, names: list[str], notebook_text: str = "") -> str:
    """Which checked exercises of ``chapter`` suit homework (``names``) and which suit class (the rest)."""
    offered = chapter_exercises(chapter, notebook_text)
    unknown = [n for n in names if n not in offered]
    if unknown:
        raise ValueError(f"{chapter}: {unknown} is not among its checked exercises {offered}.")

    def listing(chosen):
        return "; ".join(f"`{n}` ({_summary(n)})" for n in chosen) or "none of the checked exercises"

    rest = [n for n in offered if n not in names]
    lines = [f"**Homework:** {listing(names)}."]
    if rest:
        lines.append(f"**In class:** {listing(rest)}.")
    return "\n\n".join(lines)


# === the chapters ===


def _chapter_path(prefix: str, notebooks: Path) -> Path:
    matches = sorted(Path(notebooks).glob(f"{prefix}_*.ipynb"))
    if len(matches) != 1:
        raise ValueError(f"`{{{{ chapter {prefix} }}}}`: expected one notebook {prefix}_*.ipynb, found {matches}.")
    return matches[0]


def _chapter_info(path: Path) -> tuple[str, set[str], str]:
    """(title without '# ', the set of heading texts, the text of all cells) of a chapter."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
    headings, title = set(), path.stem
    for cell, source in zip(nb["cells"], sources):
        if cell["cell_type"] != "markdown":
            continue
        for line in source.splitlines():
            match = re.match(r"(#{1,6})\s+(.*\S)", line)
            if match:
                headings.add(match.group(2))
                if len(match.group(1)) == 1 and title == path.stem:
                    title = match.group(2)
    return title, headings, "\n".join(sources)


# === rendering ===


def render(source_text: str, results_text: str, notebooks: Path = NOTEBOOKS) -> str:
    """The guide's Markdown from the prose ``source_text`` (see the module docstring for the directives).

    Raises
    ------
    ValueError
        An unknown directive, a directive before any ``{{ chapter NN }}``, a section reference that names no
        heading of the chapter, an unknown homework exercise; the message gives the source line.
    """
    one_core = f"## {ONE_CORE_SECTION}" in results_text.splitlines()
    timings = parse_timings(results_text, ONE_CORE_SECTION if one_core else TIMINGS_SECTION)
    out = [
        "<!-- Generated by `python -m vaegan_edu.book guide` from docs/instructor_guide.in.md, "
        "benchmarks/RESULTS.md, the chapters and the exercise checkers. Do not edit by hand. -->",
        "",
    ]
    chapter = path = None
    headings, text = set(), ""
    for number, line in enumerate(source_text.splitlines(), 1):
        try:
            match = _DIRECTIVE.match(line.strip())
            if match:
                name, arg = match.group("name"), match.group("arg").strip()
                if name == "chapter":
                    path = _chapter_path(arg, notebooks)
                    chapter = path.stem
                    title, headings, text = _chapter_info(path)
                    out.append(f"## {title}\n\n[`notebooks/{path.name}`](../notebooks/{path.name})")
                    continue
                if chapter is None:
                    raise ValueError(f"`{line.strip()}` comes before any `{{{{ chapter NN }}}}`")
                if name == "live_training" and not arg:
                    out.append(live_training_line(chapter, timings))
                elif name == "mistakes" and not arg:
                    out.append(mistakes_markdown(chapter, text))
                elif name == "homework" and (arg == ":" or arg.startswith(":")):
                    out.append(homework_markdown(chapter, arg[1:].split(), text))
                else:
                    raise ValueError(
                        f"unknown directive `{line.strip()}`; known: {{{{ chapter NN }}}}, {{{{ live_training }}}}, "
                        f"{{{{ mistakes }}}}, {{{{ homework: name ... }}}}"
                    )
                continue

            def section(m):
                heading = m.group("heading")
                if chapter is None or heading not in headings:
                    raise ValueError(f"§[{heading}] is no heading of {chapter or 'any chapter (none chosen yet)'}")
                return f"§ *{heading}*"

            out.append(_SECTION_REF.sub(section, line))
        except ValueError as exc:
            raise ValueError(f"docs/instructor_guide.in.md, line {number}: {exc}") from None
    return "\n".join(out).rstrip("\n") + "\n"


def generate() -> str:
    """The guide from the checkout's source, RESULTS.md and chapters."""
    for needed in (SOURCE, RESULTS, NOTEBOOKS):
        if not needed.exists():
            raise ValueError(f"{needed} is missing: `{COMMAND}` runs in a checkout of the book.")
    return render(SOURCE.read_text(encoding="utf-8"), RESULTS.read_text(encoding="utf-8"), NOTEBOOKS)


def write() -> Path:
    """Write ``docs/instructor_guide.md``; returns its path."""
    text = generate()
    tmp = GUIDE.with_name(GUIDE.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(GUIDE)
    return GUIDE


def check() -> str | None:
    """None when the committed guide is what :func:`generate` writes; otherwise what differs and the fix."""
    import difflib

    wanted = generate()
    have = GUIDE.read_text(encoding="utf-8") if GUIDE.exists() else ""
    if have == wanted:
        return None
    diff = difflib.unified_diff(have.splitlines(True), wanted.splitlines(True), "committed", "generated", n=1)
    diff = "".join(list(diff)[:40])  # the first differences are enough to see what changed
    return f"{GUIDE.relative_to(ROOT)} is out of date: run `{COMMAND}` and commit it.\n{diff}"

"""Graded assignments from the chapters (nbgrader), and the marks that name each exercise's cells.

Every exercise of the book is posed the same way: a **starter** cell where the student writes ``def my_...``
(pre-filled with a deliberately wrong first attempt) and runs the checker on it, the checker's **feedback**
(in the same cell or the next one) naming the mistake, then the **solution**: ``show_solution(...)``, hidden until
clicked, and the reference put through the checker, so a lecturer's run and CI check it. This module finds those
cells from their code (:func:`find_exercise_cells`), so nothing has to be maintained by hand, and

* ``python -m vaegan_edu.book exercises`` writes what it found into each cell's metadata
  (``metadata["vaegan_edu"] = {"exercise": "gaussian_kl", "role": "starter" | "feedback" | "solution"}``), for
  tools and readers of the files (to leave solutions out of slides or handouts, to see which cell is which), and
  re-renders the stored outputs of ``show_solution`` cells in their current, hidden form. It is idempotent;
  ``--check`` writes nothing and says what is out of date. A registered exercise whose cells are not found is an
  error that says which cell to add.
* ``python -m vaegan_edu.book assignment 01 --course DIR`` writes an nbgrader *source* notebook,
  ``DIR/source/<chapter>/<chapter>.ipynb``: the chapter with each starter cell turned into an autograded answer
  cell (``### BEGIN SOLUTION`` ... ``### END SOLUTION`` around the reference solution's body, which nbgrader
  replaces by ``raise NotImplementedError()`` in the students' copy), followed by a locked autograded test cell
  worth ``points`` that prints ``ve.exercises.grade(name, my_...)``: it fails with the checker's own message, so
  the feedback nbgrader gives a student names the mistake. The wrong first attempt, its feedback and the
  solution cells are left out. With no ``nbgrader_config.py`` in ``DIR`` it writes one (fast mode, a cell
  timeout). Then nbgrader's own ``generate_assignment``, ``autograde`` and ``generate_feedback`` do the rest.

The package ships the reference solutions (``show_solution``), so a student who looks for them finds them: use
the assignments for practice and feedback, not for an exam.

Used by lecturers and authors (README: "For lecturers: graded assignments"); not taught in a chapter.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import os
import re
import textwrap
import tokenize
from pathlib import Path

from vaegan_edu import exercises

METADATA_KEY = "vaegan_edu"  # cell.metadata[METADATA_KEY] = {"exercise": ..., "role": ...}
ROLES = ("starter", "feedback", "solution")
CELL_TIMEOUT_S = 120  # per cell when nbgrader grades a chapter in fast mode (seconds; the slowest take ~10 s)
NBGRADER_CONFIG = '''\
# Written by `python -m vaegan_edu.book assignment` (edit freely; it is not written again while it exists).
import os
import sys

c = get_config()  # noqa: F821 (nbgrader defines it)

# nbgrader runs `alembic` (its gradebook's migrations) from PATH: find it beside this Python even when the
# environment is not activated (.venv/bin/nbgrader ...).
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])

# Grade in the book's fast mode: the graded cells check functions on small fixed inputs, and the chapter's
# training cells then take seconds, not minutes. Set it to "0" to run chapters as in class.
os.environ.setdefault("VAEGAN_EDU_FAST", "1")

# A cell running longer than this is stopped and fails (an answer that loops forever cannot hang the run; the
# graded cells also stop an answer after ve.exercises.checking.GRADE_TIME_LIMIT_S with a message).
c.Execute.timeout = {timeout}
'''


class ExerciseCellsError(ValueError):
    """A chapter's exercise cells could not be found (or are ambiguous); the message lists every problem."""


@dataclasses.dataclass(frozen=True)
class ExerciseCells:
    """Where one exercise lives in a chapter: cell indices by role, and how the chapter calls the checker."""

    name: str
    function: str  # the student's function, e.g. "my_gaussian_kl"
    prefix: str  # how the chapter reaches the checkers, e.g. "ve.exercises."
    starter: int
    feedback: tuple[int, ...]
    solution: tuple[int, ...]

    def roles(self) -> dict[int, str]:
        """{cell index: role}."""
        out = {self.starter: "starter"}
        out.update({i: "feedback" for i in self.feedback})
        out.update({i: "solution" for i in self.solution})
        return out


# === finding the cells ==========================================================================================


@dataclasses.dataclass
class _Call:
    exercise: str
    kind: str  # "check" (a checker run on something) or "show" (show_solution)
    argument: ast.expr | None
    prefix: str


def _parse(source: str) -> ast.Module | None:
    """The cell's code as an AST (IPython magics turned into Python first); None when it is not Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except ImportError:  # pragma: no cover (IPython comes with ipykernel)
        pass
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _calls(tree: ast.Module, names: set[str]) -> list[_Call]:
    """The checker and ``show_solution`` calls of the exercises ``names`` in a cell."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        prefix = ast.unparse(func.value) + "." if isinstance(func, ast.Attribute) else ""
        text_args = [a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if attr and attr.startswith("check_") and attr[6:] in names and len(node.args) == 1:
            found.append(_Call(attr[6:], "check", node.args[0], prefix))
        elif attr in ("check", "grade") and text_args and text_args[0] in names and len(node.args) == 2:
            found.append(_Call(text_args[0], "check", node.args[1], prefix))
        elif attr == "show_solution" and text_args and text_args[0] in names:
            found.append(_Call(text_args[0], "show", None, prefix))
    return found


def _top_level_defs(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


_EXERCISE_ITEM = re.compile(r"^\s*(\*\*)?\d+\.\s", re.MULTILINE)  # "2. Train ..." or "**2. Spot ...**"


def _is_solution_note(cell) -> bool:
    """A short Markdown cell that only introduces a solution ("The reference solution, for checking ...")."""
    text = cell.source
    return (
        cell.cell_type == "markdown" and len(text) <= 300 and "solution" in text.lower()
        and not _EXERCISE_ITEM.search(text)
    )  # fmt: skip


def find_exercise_cells(nb, chapter: str) -> list[ExerciseCells]:
    """Find the cells of every exercise registered for ``chapter`` in notebook ``nb``, from their code.

    * **starter**: the cell with a top-level ``def f(...)`` that a later (or the same) cell passes to the checker,
      ``check_<name>(f)`` or ``check("<name>", f)``;
    * **feedback**: another cell that runs the checker on ``f``;
    * **solution**: the cells that call ``show_solution("<name>")`` or run the checker on something else (the
      reference: ``solution.function``), and a short Markdown cell between the feedback and the solution.

    Raises
    ------
    ExerciseCellsError
        An exercise without a starter cell or without a solution cell, two starter cells for one exercise, or a
        cell with two roles; the message lists every problem and what to add.
    """
    names = set(exercises.list_exercises(chapter))
    trees = {i: _parse(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    trees = {i: t for i, t in trees.items() if t is not None}
    defined_in: dict[str, list[int]] = {}  # function name -> cells with a top-level def of it
    starters: dict[str, set[tuple[int, str]]] = {n: set() for n in names}
    feedback: dict[str, set[int]] = {n: set() for n in names}
    solution: dict[str, set[int]] = {n: set() for n in names}
    prefixes: dict[str, str] = {}
    for i in sorted(trees):
        for fname in _top_level_defs(trees[i]):
            defined_in.setdefault(fname, []).append(i)
        for call in _calls(trees[i], names):
            prefixes.setdefault(call.exercise, call.prefix)
            arg = call.argument
            own = [j for j in defined_in.get(arg.id, []) if j <= i] if isinstance(arg, ast.Name) else []
            if call.kind == "check" and own:
                starters[call.exercise].add((own[-1], arg.id))
                if own[-1] != i:
                    feedback[call.exercise].add(i)
            else:
                solution[call.exercise].add(i)
    problems, found = [], []
    for name in sorted(names):
        if not starters[name]:
            problems.append(
                f"{name}: no starter cell (a code cell with `def my_{name}(...)` pre-filled with a wrong first "
                f"attempt, then `feedback = ve.exercises.check_{name}(my_{name})`)"
            )
        elif len(starters[name]) > 1:
            cells = sorted(c for c, _ in starters[name])
            problems.append(f"{name}: several starter cells ({cells}); keep one `def` passed to the checker")
        if not any("show_solution" in nb.cells[i].source for i in solution[name]):
            problems.append(f'{name}: no cell shows its solution (`ve.exercises.show_solution("{name}")`)')
        if len(starters[name]) == 1 and solution[name]:
            (start, function), = starters[name]
            sol = sorted(solution[name])
            note = sol[0] - 1  # the Markdown cell that introduces the solution, when it sits right before it
            previous = max([start, *feedback[name]])
            if note - 1 == previous and note not in sol and _is_solution_note(nb.cells[note]):
                sol.insert(0, note)
            fed = tuple(sorted(feedback[name]))
            found.append(ExerciseCells(name, function, prefixes[name], start, fed, tuple(sol)))
    seen: dict[int, str] = {}
    for cells in found:
        for i, role in cells.roles().items():
            if i in seen:
                problems.append(f"cell {i} is {seen[i]} and {cells.name} {role}: give each exercise its own cells")
            seen[i] = f"{cells.name} {role}"
    if problems:
        raise ExerciseCellsError(f"{chapter}: " + "; ".join(problems))
    return sorted(found, key=lambda c: c.starter)


# === marking the chapters =======================================================================================


def _solution_bundle(name: str) -> dict:
    """The output data a kernel stores for ``show_solution(name)`` (what IPython's formatter makes of it)."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(exercises.show_solution(name))
    return data


def _refresh_solution_outputs(nb) -> int:
    """Re-render stored ``show_solution`` outputs (any earlier form) in today's form; returns how many changed."""
    known = set(exercises.list_exercises())
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown", "") if "data" in output else ""
            text = "".join(text) if isinstance(text, list) else text
            name = text[len("Solution of `") :].split("`", 1)[0] if text.startswith("Solution of `") else None
            if name in known:
                bundle = _solution_bundle(name)
                if dict(output["data"]) != bundle:
                    output["data"] = bundle
                    changed += 1
    return changed


def mark(nb, chapter: str) -> list[str]:
    """Write each exercise cell's role into its metadata and refresh stored solution outputs; returns the changes.

    Only the keys ``exercise`` and ``role`` of ``cell.metadata["vaegan_edu"]`` are written (other keys there stay);
    cells that are no longer exercise cells lose them. Running it twice changes nothing the second time.

    Raises
    ------
    ExerciseCellsError
        As :func:`find_exercise_cells` (the solution outputs are refreshed before it is raised).
    """
    refreshed = _refresh_solution_outputs(nb)
    changes = [f"{refreshed} stored solution output(s) hidden"] if refreshed else []
    try:
        found = find_exercise_cells(nb, chapter)
    except ExerciseCellsError as exc:
        exc.changes = changes
        raise
    return changes + _write_marks(nb, found)


def _write_marks(nb, found: list[ExerciseCells]) -> list[str]:
    changes, roles = [], {}
    for cells in found:
        roles.update({i: {"exercise": cells.name, "role": role} for i, role in cells.roles().items()})
    for i, cell in enumerate(nb.cells):
        ours = cell.metadata.get(METADATA_KEY, {})
        old = {k: ours[k] for k in ("exercise", "role") if k in ours}
        new = roles.get(i, {})
        if old != new:
            rest = {k: v for k, v in ours.items() if k not in ("exercise", "role")}
            if rest or new:
                cell.metadata[METADATA_KEY] = {**rest, **new}
            else:
                cell.metadata.pop(METADATA_KEY, None)
            changes.append(f"cell {i}: " + (f"{new['exercise']} {new['role']}" if new else "mark removed"))
    return changes


def mark_files(paths: list[Path], check: bool = False) -> tuple[list[str], list[str]]:
    """:func:`mark` the chapter files ``paths`` in place; with ``check=True`` write nothing.

    Returns (report lines, problems): a problem is a chapter whose exercise cells are not found, or, with
    ``check``, one that is out of date.
    """
    import nbformat

    lines, problems = [], []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        try:
            changes = mark(nb, path.stem)
            found = ", ".join(f"{c.name} (cells {_span(c.roles())})" for c in find_exercise_cells(nb, path.stem))
        except ExerciseCellsError as exc:
            problems.append(str(exc))
            changes, found = getattr(exc, "changes", []), "exercise cells NOT MARKED (see the problems)"
        marks = sum(c.startswith("cell ") for c in changes)
        short = [c for c in changes if not c.startswith("cell ")] + ([f"{marks} cell mark(s)"] if marks else [])
        if changes and check:
            problems.append(f"{path.stem}: out of date ({', '.join(short)})")
        elif changes:
            new_text = nbformat.writes(nb)
            _write_atomic(path, new_text + "\n" * (text.endswith("\n") and not new_text.endswith("\n")))
        verb = "would change" if check else "changed"
        lines.append(f"{path.stem}: {found or 'no exercises'}" + (f"; {verb}: {', '.join(short)}" if short else ""))
    return lines, problems


def _span(cells) -> str:
    cells = sorted(cells)
    return f"{cells[0]}-{cells[-1]}" if cells == list(range(cells[0], cells[-1] + 1)) else str(cells)[1:-1]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# === writing an nbgrader source notebook ========================================================================


def _body_after_signature(source: str) -> str:
    """The lines of a function's source after its ``def ...:`` line(s), dedented (comments kept)."""
    depth, started = 0, False
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string == "def":
            started = True
        elif started and tok.type == tokenize.OP:
            depth += tok.string in "([{"
            depth -= tok.string in ")]}"
            if tok.string == ":" and depth == 0:
                return textwrap.dedent("".join(source.splitlines(keepends=True)[tok.end[0] :]))
    raise ValueError(f"no function definition in {source[:60]!r}")


def answer_source(cells: ExerciseCells, starter_source: str) -> str:
    """The autograded answer cell: the starter's ``def`` line around the reference solution's body.

    Raises
    ------
    ValueError
        When the starter's function and the reference solution take different arguments.
    """
    starter = _top_level_defs(_parse(starter_source))[cells.function]
    reference = exercises.checking._exercise(cells.name).solution
    source = textwrap.dedent(inspect.getsource(reference))
    ref_def = _top_level_defs(ast.parse(source))[reference.__name__]
    if ast.unparse(starter.args) != ast.unparse(ref_def.args):
        raise ValueError(
            f"{cells.name}: the starter's {cells.function}({ast.unparse(starter.args)}) and the reference solution "
            f"({ast.unparse(ref_def.args)}) take different arguments; make them agree"
        )
    body = textwrap.indent(_body_after_signature(source).strip("\n"), "    ")
    return f"def {cells.function}({ast.unparse(starter.args)}):\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION"


def _bound_and_used(tree: ast.Module | None) -> tuple[set[str], set[str]]:
    """(names a cell binds, names it reads without binding them)."""
    if tree is None:
        return set(), set()
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):  # a parameter: local to its function, so never read from elsewhere
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, used - bound


def _nbgrader_meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: float | None = None):
    meta = dict(grade=grade, grade_id=grade_id, locked=locked, schema_version=3, solution=solution, task=False)
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def assignment_notebook(nb, chapter: str, points: float = 1):
    """An nbgrader source notebook made from chapter notebook ``nb`` (a new notebook; ``nb`` is unchanged).

    Raises
    ------
    ExerciseCellsError
        The chapter's exercise cells are not found (:func:`find_exercise_cells`).
    ValueError
        A cell the assignment keeps reads a name bound only in a cell it leaves out (the wrong first attempt,
        its feedback or the solution), or a starter and its reference solution take different arguments.
    """
    import copy

    import nbformat

    found = find_exercise_cells(nb, chapter)
    if not found:
        raise ExerciseCellsError(f"{chapter}: no registered exercise, so nothing to grade")
    by_starter = {c.starter: c for c in found}
    dropped = {i for c in found for i in (*c.feedback, *c.solution)}
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(dict(nb.metadata)))
    out.metadata.pop("widgets", None)
    only_dropped: dict[str, int] = {}  # name -> the left-out cell that binds it (and no kept cell does)
    kept_bound: set[str] = set()
    problems = []
    for i, cell in enumerate(nb.cells):
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        bound, used = _bound_and_used(tree)
        if i in dropped or i in by_starter:
            kept = kept_bound | ({by_starter[i].function} if i in by_starter else set())
            only_dropped.update({n: i for n in bound - kept})
        else:
            for n in sorted(used & set(only_dropped)):
                where = f"bound only in cell {only_dropped[n]}, which the assignment leaves out"
                problems.append(f"cell {i} reads `{n}`, {where}: bind it in a cell of its own")
            kept_bound |= bound
            for n in bound:
                only_dropped.pop(n, None)
        if i in dropped:
            continue
        if i not in by_starter:
            new = copy.deepcopy(cell)
            if new.cell_type == "code":
                new.outputs, new.execution_count = [], None
            new.metadata.pop(METADATA_KEY, None)
            out.cells.append(new)
            continue
        ex = by_starter[i]
        note = (
            f"**Your answer** (graded): write `{ex.function}` in the next cell, in place of "
            f"`raise NotImplementedError()`. The locked cell after it grades your function with the chapter's "
            f"checker: run it to see the feedback, which names the mistake when there is one."
        )
        answer_meta = _nbgrader_meta(f"{ex.name}_answer", solution=True, grade=False, locked=False)
        test_meta = _nbgrader_meta(f"{ex.name}_test", solution=False, grade=True, locked=True, points=points)
        out.cells.append(nbformat.v4.new_markdown_cell(note))
        out.cells.append(nbformat.v4.new_code_cell(answer_source(ex, cell.source), metadata=answer_meta))
        # Printed, not returned: nbgrader reads a test cell's returned value as partial credit when it is a number
        # and warns about anything else; text on stdout leaves the points to the error (or none).
        test = f'print({ex.prefix}grade("{ex.name}", {ex.function}))'
        out.cells.append(nbformat.v4.new_code_cell(test, metadata=test_meta))
    if problems:
        raise ValueError(f"{chapter}: " + "; ".join(problems))
    out.nbformat, out.nbformat_minor = 4, 5
    for k, cell in enumerate(out.cells):
        cell["id"] = f"cell-{k}"  # stable ids: the same chapter gives the same file
    nbformat.validate(out)
    return out


def write_assignment(path: Path, course: Path, name: str | None = None, points: float = 1) -> list[Path]:
    """Write ``course/source/<name>/<chapter>.ipynb`` from chapter file ``path`` (and ``course/nbgrader_config.py``
    when there is none); ``name`` is the assignment's (default: the chapter's). Returns the files written.

    Raises
    ------
    ValueError
        As :func:`assignment_notebook`; a ``name`` that is not a bare name (it would write outside
        ``course/source``), or ``points`` that are not finite and positive.
    """
    import math
    import re

    import nbformat

    path = Path(path)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points <= 0:
        raise ValueError(f"`points` must be a finite number above 0 (points per exercise, e.g. 1 or 2.5); received "
                         f"{points!r}.")  # fmt: skip
    if name is not None and (not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name)
                             or ".." in name):  # fmt: skip
        raise ValueError(f"`name` must be a bare assignment name (letters, digits, '_', '-', '.'; no folders), as "
                         f"nbgrader uses it for a folder, e.g. hw1; received {name!r}.")  # fmt: skip
    source = assignment_notebook(nbformat.read(path, as_version=4), path.stem, points)
    folder = Path(course) / "source" / (name or path.stem)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    _write_atomic(target, nbformat.writes(source))
    written = [target]
    config = Path(course) / "nbgrader_config.py"
    if not config.exists():
        _write_atomic(config, NBGRADER_CONFIG.format(timeout=CELL_TIMEOUT_S))
        written.append(config)
    return written

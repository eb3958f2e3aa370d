"""The checking machinery shared by every exercise: :class:`Feedback`, :func:`compare` and the registry.

The registry (:func:`register`, :func:`check`, :func:`grade`, :func:`show_solution`, :func:`list_exercises`)
starts empty; each topic module of :mod:`vaegan_edu.exercises` fills it with ``@register`` when the package is
imported. This module imports none of them, so the topic modules can import it without a cycle.

Taught in: 01_kl_divergence
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import signal
import textwrap
import threading
import warnings
from typing import Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Feedback:
    """The result of checking an answer: ``passed``, a precise ``message`` and the ``max_error`` found.

    Taught in: 01_kl_divergence
    """

    name: str
    passed: bool
    message: str
    max_error: float | None = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'Correct' if self.passed else 'Not yet'}: {self.name}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        mark = "✅ **Correct**" if self.passed else "❌ **Not yet**"
        return f"{mark} (`{self.name}`): {self.message}"


@dataclasses.dataclass(frozen=True)
class Exercise:
    """A registered exercise: its checker, the chapter that poses it and its reference solution."""

    name: str
    chapter: str
    check: Callable
    solution: Callable


@dataclasses.dataclass(frozen=True)
class Solution:
    """A reference solution, hidden until asked for, and the function itself.

    A notebook shows it as a collapsed block ("Solution of ...: click to show") that opens on a click: its HTML
    form (``<details>``), which JupyterLab, Notebook 7 and nbconvert's HTML (the HTML book) rank above Markdown.
    A front end that takes the Markdown or plain-text form instead (a PDF, a terminal) reads how to see the code,
    not the code. ``print(solution)`` prints it; ``solution.function`` is the reference solution, so a
    lecturer's run (and CI) puts it through the checker.
    """

    name: str
    source: str
    function: Callable = dataclasses.field(repr=False, compare=False)  # no memory address in outputs

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"Solution of {self.name!r}, hidden: {self._reveal_call()} shows it (try the exercise first)."

    def _reveal_call(self) -> str:
        return f'print(ve.exercises.show_solution("{self.name}"))'

    def _repr_html_(self) -> str:
        return (
            f'<details class="vaegan-edu-solution"><summary>Solution of <code>{html.escape(self.name)}</code>: '
            f"click to show (try the exercise first)</summary>\n"
            f'<pre><code class="language-python">{html.escape(self.source)}</code></pre></details>'
        )

    def _repr_markdown_(self) -> str:
        return f"Solution of `{self.name}`, hidden: `{self._reveal_call()}` shows it (try the exercise first)."


_REGISTRY: dict[str, Exercise] = {}


def register(chapter: str, solution: Callable):
    """Decorator that registers ``check_<name>`` as the checker of exercise ``<name>``.

    Parameters
    ----------
    chapter : str
        The notebook that poses the exercise, e.g. ``"01_kl_divergence"``.
    solution : callable
        The reference solution, shown by :func:`show_solution`.

    Raises
    ------
    ValueError
        If the checker's name does not start with ``check_`` or the name is already taken.
    """

    def decorate(check: Callable) -> Callable:
        if not check.__name__.startswith("check_"):
            raise ValueError(f"A checker's name must start with 'check_'; received {check.__name__!r}.")
        name = check.__name__[len("check_") :]
        if name in _REGISTRY:
            raise ValueError(f"An exercise named {name!r} is already registered; choose another name.")
        _REGISTRY[name] = Exercise(name=name, chapter=chapter, check=check, solution=solution)
        return check

    return decorate


def _exercise(name: str) -> Exercise:
    if name not in _REGISTRY:
        raise ValueError(f"No exercise named {name!r}. Known exercises: {sorted(_REGISTRY)}.")
    return _REGISTRY[name]


def list_exercises(chapter: str | None = None) -> list[str]:
    """Names of the registered exercises, all or those of one chapter (e.g. ``"02_elbo"``)."""
    return sorted(n for n, e in _REGISTRY.items() if chapter is None or e.chapter == chapter)


def check(name: str, answer_fn: Callable) -> Feedback:
    """Check ``answer_fn`` with the checker of exercise ``name`` (same as ``check_<name>(answer_fn)``)."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be an exercise's name (a str, see list_exercises()); received {name!r}.")
    exercise = _exercise(name)
    if not callable(answer_fn):
        raise TypeError(
            f"`answer_fn` must be your function (pass it without calling it: check({name!r}, my_function)); "
            f"received a {type(answer_fn).__name__}."
        )
    return exercise.check(answer_fn)


def show_solution(name: str) -> Solution:
    """The reference solution of exercise ``name``; a notebook shows it collapsed, and opens it on a click.

    ``print(show_solution(name))`` prints the code; ``show_solution(name).function`` is the function.

    Raises
    ------
    ValueError
        If no exercise has that name (the message lists the known ones).

    Taught in: 01_kl_divergence
    """
    function = _exercise(name).solution
    return Solution(name=name, source=textwrap.dedent(inspect.getsource(function)), function=function)


GRADE_TIME_LIMIT_S = 10.0  # the checkers' inputs are tiny: a right answer takes milliseconds


class _TimeUp(BaseException):
    """Raised by the alarm in :func:`grade`; a BaseException, so the checkers' ``except Exception`` lets it pass."""


def grade(name: str, answer_fn: Callable, time_limit_s: float | None = GRADE_TIME_LIMIT_S) -> Feedback:
    """Check ``answer_fn`` like :func:`check`, and raise ``AssertionError`` with the feedback when it is not right.

    The form for graded assignments (``python -m vaegan_edu.book assignment`` writes
    ``print(ve.exercises.grade(...))`` into each autograded test cell): nbgrader gives a test cell its points when
    it runs without an error, and shows the error, here the checker's message naming the mistake, as the
    student's feedback. Warnings are silenced while checking (nbgrader fails a test cell that writes to stderr).

    Parameters
    ----------
    name : str
        The exercise (see :func:`list_exercises`).
    answer_fn : callable
        The student's function.
    time_limit_s : float or None
        The answer fails, with a message, when checking it takes longer (an endless loop). Enforced with
        ``SIGALRM`` where there is one (not on Windows) in the main thread, when no other timer is running;
        elsewhere nbgrader's own cell timeout still stops the run. ``None``: no limit.

    Returns
    -------
    Feedback
        When the answer passes (a notebook shows it as one line).

    Raises
    ------
    AssertionError
        With ``str(feedback)``: "Not yet: <name>: <what is wrong>".

    Taught in: 01_kl_divergence
    """
    try:
        # No warnings: nbgrader takes anything on stderr in a test cell as a failure, and a right answer may warn
        # (a log of 0 on the way). The feedback is the verdict.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            feedback = _with_time_limit(lambda: check(name, answer_fn), time_limit_s)
    except _TimeUp:
        message = (
            f"your function did not return within {time_limit_s:g} s on the checker's small inputs: an endless "
            f"loop (a `while` whose condition never turns false?), or far more work than the exercise needs."
        )
        feedback = Feedback(name, False, message)
    if not feedback.passed:
        raise AssertionError(str(feedback))
    return feedback


def _with_time_limit(fn: Callable, seconds: float | None):
    """``fn()``, interrupted by :class:`_TimeUp` after ``seconds`` where an alarm signal can be used."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # someone else's timer (pytest-timeout ...): leave it
    )
    if not usable:
        return fn()

    def on_alarm(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call(answer_fn, inputs: dict):
    """Run the answer on copies of the inputs (so it cannot change them); return (output, error)."""
    try:
        out = answer_fn(**{k: np.array(v, copy=True) for k, v in inputs.items()})
    except Exception as error:  # noqa: BLE001  (any error of the student's code is feedback, not a crash)
        return None, error
    if out is None:
        return None, None
    if isinstance(out, (str, bytes, dict, set)) or inspect.isgenerator(out) or callable(out):
        return None, _AnswerTypeError(
            f"it returned a {type(out).__name__}; it must return numbers (a float, a NumPy array or a tensor)"
        )
    try:
        if _is_plain(out):  # NumPy needs no backend: checking a NumPy answer does not import Keras
            values = np.asarray(out)
        else:
            import keras  # only needed to convert a backend tensor the student may return

            values = np.asarray(keras.ops.convert_to_numpy(out))
    except Exception as error:  # noqa: BLE001  (a ragged list, an object the backend cannot convert)
        return None, _AnswerTypeError(f"its result cannot be read as numbers ({type(error).__name__}: {error})")
    if values.dtype.kind == "c":
        return None, _AnswerTypeError("it returned complex numbers; the answer is real (a log of a negative number?)")
    if values.dtype.kind not in "biuf":
        return None, _AnswerTypeError(f"it returned values of dtype {values.dtype}; it must return real numbers")
    return values.astype(np.float64), None


def _is_plain(out) -> bool:
    """Python or NumPy numbers and arrays, possibly in (nested) tuples or lists."""
    if isinstance(out, (tuple, list)):
        return all(_is_plain(o) for o in out)
    return isinstance(out, (np.ndarray, np.generic, int, float))


class _AnswerTypeError(TypeError):
    """The student's function returned something that is not numbers."""


def _close(a, b, rtol=1e-6, atol=1e-8) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def compare(
    name: str,
    answer_fn: Callable,
    reference_fn: Callable,
    cases: list[dict],
    mistakes: dict[str, Callable] | None = None,
    shape_hints: dict[tuple, str] | None = None,
    nonfinite_hint: str = "",
) -> Feedback:
    """Run ``answer_fn`` and ``reference_fn`` on each case and explain the first difference found.

    Parameters
    ----------
    name : str
        The exercise's name, for the feedback.
    answer_fn, reference_fn : callable
        Called with the keyword arguments of each case.
    cases : list of dict
        Inputs (NumPy arrays) by argument name.
    mistakes : dict, optional
        ``{description: fn}``: a function that makes a known mistake; if the answer matches it on every
        case, the description is the feedback.
    shape_hints : dict, optional
        ``{wrong_shape: explanation}`` for outputs of a wrong shape (shapes of the first case).
    nonfinite_hint : str
        Added to the feedback when the answer gives NaN/inf where the reference is finite.

    Returns
    -------
    Feedback

    Taught in: 01_kl_divergence
    """
    answers, references, low_precision = [], [], False
    for case in cases:
        out, error = _call(answer_fn, case)
        if isinstance(error, _AnswerTypeError):
            return Feedback(name, False, f"your function's result is not numbers: {error}.")
        if isinstance(error, NotImplementedError) and not str(error):  # nbgrader's stub: `raise NotImplementedError()`
            return Feedback(name, False, "not written yet: replace `raise NotImplementedError()` by your code.")
        if error is not None:
            return Feedback(name, False, f"your function raised {type(error).__name__}: {error}")
        if out is None:
            return Feedback(name, False, "your function returned None: did you forget `return`?")
        answers.append(out)
        reference = np.asarray(reference_fn(**case))
        low_precision = low_precision or reference.dtype != np.float64
        references.append(reference.astype(np.float64))
    # The package computes in float32 where the backend lacks float64 (JAX without JAX_ENABLE_X64).
    rtol, atol = (2e-5, 1e-5) if low_precision else (1e-6, 1e-8)

    first_shape, expected_shape = answers[0].shape, references[0].shape
    if first_shape != expected_shape or any(a.shape != r.shape for a, r in zip(answers, references)):
        hint = (shape_hints or {}).get(first_shape, "")
        return Feedback(
            name, False, f"wrong shape: expected {expected_shape}, got {first_shape}. {hint}".strip()
        )

    max_error = max(float(np.max(np.abs(a - r), initial=0.0)) for a, r in zip(answers, references))
    if all(_close(a, r, rtol, atol) for a, r in zip(answers, references)):
        checked = sum(r.size for r in references)  # each case is a batch: count the values compared
        return Feedback(
            name, True, f"matches the reference on {len(cases)} random test cases, {checked} values in all (max "
            f"error {max_error:.1e}).", max_error,
        )  # fmt: skip

    for description, mistake_fn in (mistakes or {}).items():
        wrong = [np.asarray(mistake_fn(**case), dtype=np.float64) for case in cases]
        if all(_close(a, w, rtol, atol) for a, w in zip(answers, wrong)):
            return Feedback(name, False, description, max_error)

    answer, reference = np.concatenate([a.ravel() for a in answers]), np.concatenate(
        [r.ravel() for r in references]
    )
    if not np.all(np.isfinite(answer)):
        return Feedback(
            name, False,
            f"your function returns NaN or infinity where the correct value is finite. {nonfinite_hint}".strip(),
        )
    nonzero = np.abs(reference) > 1e-9
    if np.any(nonzero):
        ratio = answer[nonzero] / reference[nonzero]
        if np.allclose(ratio, ratio[0], rtol=rtol):
            return Feedback(name, False, _ratio_message(float(ratio[0])), max_error)
    offset = answer - reference
    if np.allclose(offset, offset[0], rtol=rtol, atol=atol):
        return Feedback(
            name, False,
            f"your values are off by the same constant {offset[0]:+.6g} everywhere: a constant term "
            f"(such as a normalising constant or a -1 inside a sum) is missing or extra.",
            max_error,
        )
    worst = int(np.argmax(np.abs(answer - reference)))
    return Feedback(
        name, False,
        f"your values differ from the reference (max error {max_error:.3g}; e.g. expected "
        f"{reference[worst]:.6g}, got {answer[worst]:.6g}). Check each term of the formula against the text.",
        max_error,
    )


def _ratio_message(ratio: float) -> str:
    known = {
        -1.0: "wrong sign: your values are the negative of the correct ones (did you return the loss, "
        "or maximise what should be minimised?).",
        2.0: "your values are exactly twice the correct ones: a factor 1/2 is missing.",
        0.5: "your values are exactly half the correct ones: there is an extra factor 1/2.",
        -2.0: "wrong sign, and a factor 1/2 is missing.",
    }
    for value, message in known.items():
        if abs(ratio - value) < 1e-6:
            return message
    return f"your values are {ratio:.6g} times the correct ones: a constant factor is wrong."

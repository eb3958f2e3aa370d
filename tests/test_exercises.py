"""Tests of the exercise framework and of the chapter 01-02 checkers, on right and on typical wrong answers."""

import html
import re
import signal

import numpy as np
import pytest
from scipy.special import logsumexp

from vaegan_edu import exercises as ex
from vaegan_edu.probability import _float64_available

# --- the framework ---------------------------------------------------------------------------------


def test_registry_lists_chapters_and_shows_solutions():
    assert {"gaussian_kl", "kl_monte_carlo"} <= set(ex.list_exercises("01_kl_divergence"))
    assert {"linear_gaussian_elbo", "iwae_bound"} <= set(ex.list_exercises("02_elbo"))
    solution = ex.show_solution("iwae_bound")
    assert solution.source.startswith("def _solution_iwae_bound(log_p_xz, log_q_zx):")
    assert str(solution) == solution.source  # print(solution) shows the code
    with pytest.raises(ValueError, match="No exercise named 'nope'. Known exercises:"):
        ex.show_solution("nope")


@pytest.mark.parametrize("name", ex.list_exercises())
def test_solutions_are_hidden_until_clicked_in_every_form(name):
    """HTML (JupyterLab, Notebook 7, the nbconvert HTML book): a closed <details> holding the escaped code.
    Markdown and plain text (front ends without HTML): how to see it, never the code."""
    from IPython.core.formatters import DisplayFormatter

    solution = ex.show_solution(name)
    data, _ = DisplayFormatter().format(solution)  # what a kernel sends to the front end
    assert set(data) == {"text/html", "text/markdown", "text/plain"}
    page = data["text/html"]
    assert page.startswith('<details class="vaegan-edu-solution"><summary>') and page.endswith("</details>")
    assert "<details open" not in page and "click to show" in page
    assert html.unescape(re.search(r"<code class=\"language-python\">(.*)</code>", page, re.S)[1]) == solution.source
    body = [line.strip() for line in solution.source.splitlines()[1:] if line.strip()]
    for text in (data["text/markdown"], data["text/plain"]):
        assert f'print(ve.exercises.show_solution("{name}"))' in text and "hidden" in text
        assert not any(line in text for line in body), text


def test_the_html_book_shows_solutions_collapsed():
    """nbconvert's HTML (the HTML book, book.py) takes the <details> form; its PDF/LaTeX route the Markdown hint."""
    import nbformat
    from IPython.core.formatters import DisplayFormatter
    from nbconvert import HTMLExporter

    data, _ = DisplayFormatter().format(ex.show_solution("gaussian_kl"))
    cell = nbformat.v4.new_code_cell('ve.exercises.show_solution("gaussian_kl")', execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", data=data, execution_count=1)]
    body, _ = HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    assert '<details class="vaegan-edu-solution"><summary>' in body
    assert "shows it (try the exercise first)" not in body  # the Markdown and text forms are not used
    assert body.count("# the inputs are log-variances") == 1  # the code once, inside the closed block


def test_solution_html_escapes_the_code():
    solution = ex.Solution("demo", "def f(a, b):\n    return a < b & (b > 0)  # <script>\n", function=len)
    page = solution._repr_html_()
    assert "<script>" not in page and "a &lt; b &amp; (b &gt; 0)" in page


def test_grade_returns_feedback_or_raises_the_checkers_message():
    feedback = ex.grade("gaussian_kl", ex.show_solution("gaussian_kl").function)
    assert feedback.passed
    # the success line counts what was compared: 2 cases, batches of 5 and 4 KLs (vaegan_edu/exercises/kl.py)
    assert "matches the reference on 2 random test cases, 9 values in all (max error" in str(feedback)
    wrong, expected = KL_WRONG["mean"]
    with pytest.raises(AssertionError, match="^Not yet: gaussian_kl: you averaged over the latent dimensions"):
        ex.grade("gaussian_kl", wrong)
    with pytest.raises(AssertionError, match="your function raised KeyError"):
        ex.grade("gaussian_kl", lambda **kwargs: {}["oops"])
    def stub(mu_q, log_var_q, mu_p, log_var_p):
        raise NotImplementedError()  # what nbgrader leaves in the students' copy

    with pytest.raises(AssertionError, match=r"not written yet: replace `raise NotImplementedError\(\)`"):
        ex.grade("gaussian_kl", stub)
    with pytest.raises(ValueError, match="No exercise named"):
        ex.grade("gausian_kl", wrong)


def test_grade_warns_nothing_for_an_answer_that_warns():
    """nbgrader takes any stderr output of a test cell as a failure: a right answer that warns must still pass."""
    import warnings

    right = ex.show_solution("gaussian_kl").function

    def noisy(**kwargs):
        warnings.warn("a harmless warning", RuntimeWarning)
        np.log(np.zeros(1))  # NumPy's own divide-by-zero warning
        return right(**kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escaped grade() would raise here
        assert ex.grade("gaussian_kl", noisy).passed


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the time limit uses SIGALRM (not on Windows)")
def test_grade_stops_an_answer_that_never_returns():
    def loops(mu_q, log_var_q, mu_p, log_var_p):
        while True:
            pass

    handler = signal.getsignal(signal.SIGALRM)
    with pytest.raises(AssertionError, match=r"did not return within 0.5 s on the checker's small inputs: an endless"):
        ex.grade("gaussian_kl", loops, time_limit_s=0.5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the timer is off and the handler restored
    assert signal.getsignal(signal.SIGALRM) is handler


def test_register_rejects_bad_and_duplicate_names():
    with pytest.raises(ValueError, match="must start with 'check_'"):
        ex.register(chapter="01_kl_divergence", solution=len)(lambda f: f)
    with pytest.raises(ValueError, match="already registered"):

        @ex.register(chapter="01_kl_divergence", solution=len)
        def check_gaussian_kl(answer_fn):  # same name as an existing exercise
            return answer_fn


@pytest.mark.parametrize("name", ["gaussian_kl", "kl_monte_carlo", "linear_gaussian_elbo", "iwae_bound"])
def test_each_solution_passes_its_checker(name):
    feedback = ex.check(name, ex.show_solution(name).function)
    assert feedback.passed and bool(feedback)
    # float32 on JAX without JAX_ENABLE_X64: the reference itself is then only good to ~1e-5 relative
    assert feedback.max_error < (1e-9 if _float64_available() else 1e-3)
    assert "Correct" in feedback._repr_markdown_()


def test_errors_and_none_in_the_answer_become_feedback():
    def raises(**kwargs):
        raise KeyError("oops")

    feedback = ex.check_gaussian_kl(lambda mu_q, log_var_q, mu_p, log_var_p: raises())
    assert not feedback.passed and "raised KeyError" in feedback.message
    feedback = ex.check_gaussian_kl(lambda mu_q, log_var_q, mu_p, log_var_p: None)
    assert "forget `return`" in feedback.message


# --- Gaussian KL (chapter 01) ----------------------------------------------------------------------


def _kl_parts(mu_q, log_var_q, mu_p, log_var_p):
    return 0.5 * (log_var_p - log_var_q + (np.exp(log_var_q) + (mu_q - mu_p) ** 2) / np.exp(log_var_p) - 1)


def _kl_var(mu_q, v_q, mu_p, v_p):
    return 0.5 * np.sum(np.log(v_p) - np.log(v_q) + (v_q + (mu_q - mu_p) ** 2) / v_p - 1, axis=-1)


KL_WRONG = {
    "per-dimension": (lambda **a: _kl_parts(**a), "one KL per latent dimension: sum over the last axis"),
    "mean": (lambda **a: _kl_parts(**a).mean(-1), "averaged over the latent dimensions"),
    "sign": (lambda **a: -_kl_parts(**a).sum(-1), "wrong sign"),
    "missing half": (lambda **a: 2 * _kl_parts(**a).sum(-1), "a factor 1/2 is missing"),
    "sigma for log_var": (
        lambda mu_q, log_var_q, mu_p, log_var_p: _kl_var(mu_q, np.exp(log_var_q / 2), mu_p, np.exp(log_var_p / 2)),
        "sigma = exp\\(log_var / 2\\) where the variance",
    ),
    "log_var as variance": (
        lambda mu_q, log_var_q, mu_p, log_var_p: _kl_var(mu_q, log_var_q, mu_p, log_var_p),
        "treated `log_var` as the variance",
    ),
    "log_var as sigma": (
        lambda mu_q, log_var_q, mu_p, log_var_p: _kl_var(mu_q, log_var_q**2, mu_p, log_var_p**2),
        "treated `log_var` as sigma",
    ),
    "reversed": (
        lambda mu_q, log_var_q, mu_p, log_var_p: _kl_parts(mu_p, log_var_p, mu_q, log_var_q).sum(-1),
        "KL\\(p \\|\\| q\\), the other direction",
    ),
    "batch summed": (lambda **a: _kl_parts(**a).sum(), "reduced over the batch too"),
    "forgot -1": (lambda **a: (_kl_parts(**a) + 0.5).sum(-1), "left out the -1"),
    "unrecognised": (lambda **a: _kl_parts(**a).sum(-1) + a["mu_q"][..., 0] ** 2, "differ from the reference"),
}


@pytest.mark.parametrize("mistake", sorted(KL_WRONG))
def test_gaussian_kl_checker_names_each_mistake(mistake):
    wrong_fn, expected = KL_WRONG[mistake]
    with np.errstate(all="ignore"):
        feedback = ex.check_gaussian_kl(wrong_fn)
    assert not feedback.passed
    assert re.search(expected, feedback.message), feedback.message


# --- Monte Carlo KL (chapter 01) -------------------------------------------------------------------


def _mc_answer(error_fn, sign=1.0):
    def answer(log_q, log_p):
        d = log_q - log_p
        return sign * d.mean(0), error_fn(d)

    return answer


MC_WRONG = {
    "std": (_mc_answer(lambda d: d.std(0, ddof=1)), "divided by sqrt"),
    "over n": (_mc_answer(lambda d: d.std(0, ddof=1) / len(d)), "divides by sqrt"),
    "variance": (_mc_answer(lambda d: d.var(0, ddof=1) / len(d)), "square root"),
    "sign": (_mc_answer(lambda d: d.std(0, ddof=1) / np.sqrt(len(d)), sign=-1.0), "log p - log q"),
    "ddof": (_mc_answer(lambda d: d.std(0) / np.sqrt(len(d))), "ddof=1"),
    "estimate only": (lambda log_q, log_p: (log_q - log_p).mean(0), "not the estimate alone"),
    "wrong axis": (lambda log_q, log_p: ((log_q - log_p).mean(-1), (log_q - log_p).std(-1)), "samples are on axis 0"),
}


@pytest.mark.parametrize("mistake", sorted(MC_WRONG))
def test_kl_monte_carlo_checker_names_each_mistake(mistake):
    wrong_fn, expected = MC_WRONG[mistake]
    feedback = ex.check_kl_monte_carlo(wrong_fn)
    assert not feedback.passed
    assert expected in feedback.message, feedback.message


# --- linear-Gaussian ELBO (chapter 02) -------------------------------------------------------------


def _elbo_parts(x, q_mean, q_log_var, W, b, noise_std):
    """(error at the mean, trace term, normaliser, kl) written independently of the package."""
    x_hat = q_mean @ W.T + b
    sq_err = ((x - x_hat) ** 2).sum(-1)
    trace = (np.exp(q_log_var) * (W**2).sum(0)).sum(-1)
    norm = -0.5 * x.shape[-1] * np.log(2 * np.pi * noise_std**2)
    kl = -0.5 * (1 + q_log_var - q_mean**2 - np.exp(q_log_var)).sum(-1)
    return sq_err, trace, norm, kl


def _elbo_wrong(combine):
    def answer(x, q_mean, q_log_var, W, b, noise_std):
        se, tr, norm, kl = _elbo_parts(x, q_mean, q_log_var, W, b, noise_std)
        return combine(se, tr, norm, kl, noise_std**2, x.shape[-1])

    return answer


ELBO_WRONG = {
    "no KL": (_elbo_wrong(lambda se, tr, n, kl, s2, d: n - (se + tr) / (2 * s2)), "left out the KL term"),
    "plus KL": (_elbo_wrong(lambda se, tr, n, kl, s2, d: n - (se + tr) / (2 * s2) + kl), "added the KL"),
    "log squared error": (_elbo_wrong(lambda se, tr, n, kl, s2, d: np.log(se) - kl), "log of the squared"),
    "no trace": (_elbo_wrong(lambda se, tr, n, kl, s2, d: n - se / (2 * s2) - kl), "q's variance"),
    "mean over pixels": (_elbo_wrong(lambda se, tr, n, kl, s2, d: (n - (se + tr) / (2 * s2)) / d - kl), "averaged"),
    "no normaliser": (_elbo_wrong(lambda se, tr, n, kl, s2, d: -(se + tr) / (2 * s2) - kl), "normalising constant"),
    "loss": (_elbo_wrong(lambda se, tr, n, kl, s2, d: -(n - (se + tr) / (2 * s2) - kl)), "wrong sign"),
    "batch mean": (_elbo_wrong(lambda se, tr, n, kl, s2, d: np.mean(n - (se + tr) / (2 * s2) - kl)), "averaged over the batch"),
}


@pytest.mark.parametrize("mistake", sorted(ELBO_WRONG))
def test_linear_gaussian_elbo_checker_names_each_mistake(mistake):
    wrong_fn, expected = ELBO_WRONG[mistake]
    feedback = ex.check_linear_gaussian_elbo(wrong_fn)
    assert not feedback.passed
    assert expected in feedback.message, feedback.message


def test_elbo_checker_catches_noise_std_used_as_variance():
    def answer(x, q_mean, q_log_var, W, b, noise_std):
        se, tr, _, kl = _elbo_parts(x, q_mean, q_log_var, W, b, noise_std)
        return -0.5 * x.shape[-1] * np.log(2 * np.pi * noise_std) - (se + tr) / (2 * noise_std) - kl

    assert "as the variance" in ex.check_linear_gaussian_elbo(answer).message


# --- IWAE bound (chapter 02) -----------------------------------------------------------------------

IWAE_WRONG = {
    "mean of logs": (lambda log_p_xz, log_q_zx: (log_p_xz - log_q_zx).mean(0), "averaged the log-weights"),
    "naive": (
        lambda log_p_xz, log_q_zx: np.log(np.mean(np.exp(log_p_xz - log_q_zx), axis=0)),
        "log-sum-exp trick",
    ),
    "no log K": (lambda log_p_xz, log_q_zx: logsumexp(log_p_xz - log_q_zx, axis=0), "subtract log K"),
    "reversed": (
        lambda log_p_xz, log_q_zx: logsumexp(log_q_zx - log_p_xz, axis=0) - np.log(len(log_p_xz)),
        "log q - log p",
    ),
    "wrong axis": (
        lambda log_p_xz, log_q_zx: logsumexp(log_p_xz - log_q_zx, axis=-1) - np.log(log_p_xz.shape[-1]),
        "K samples are on axis 0",
    ),
    "sign": (
        lambda log_p_xz, log_q_zx: np.log(len(log_p_xz)) - logsumexp(log_p_xz - log_q_zx, axis=0),
        "wrong sign",
    ),
}


@pytest.mark.parametrize("mistake", sorted(IWAE_WRONG))
def test_iwae_checker_names_each_mistake(mistake):
    wrong_fn, expected = IWAE_WRONG[mistake]
    with np.errstate(all="ignore"):
        feedback = ex.check_iwae_bound(wrong_fn)
    assert not feedback.passed
    assert expected in feedback.message, feedback.message

r"""Exercise checkers for every chapter: run the student's function, say precisely what is wrong.

The framework is small on purpose:

* A checker is a function ``check_<name>(answer_fn) -> Feedback``. It calls ``answer_fn`` on fixed random
  inputs (the same every time, so the feedback is reproducible), compares with the package's reference
  implementation and returns a :class:`Feedback`: ``.passed`` (bool), ``.message`` and ``.max_error``.
  In a notebook the feedback displays itself as one line of Markdown.
* Most checkers are three lines: build the inputs, then call :func:`compare` with the reference and a
  dictionary of **known mistakes** (description -> a function that makes that mistake). When the answer
  matches a known mistake the student reads its description (wrong sign, mean instead of sum, sigma where
  log sigma^2 was given ...). :func:`compare` also recognises a wrong output shape, NaN/inf where the
  reference is finite, a constant factor (-1: a sign; 2: a missing 1/2) and a constant offset.
* ``@register(chapter=..., solution=...)`` adds a checker to the registry under its name without the
  ``check_`` prefix; :func:`show_solution` shows the reference solution's source, so a lecturer can run a
  chapter top to bottom; :func:`list_exercises` lists what a chapter offers.

Solutions are plain NumPy, written as a student would; the tests check every solution with its own
checker, and every listed mistake against the checker's message.

Each engineer adds exercises in their own section below.
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
from typing import Callable

import numpy as np

# === framework (all chapters) ===


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
    """A solution: its source code (displayed as a Python code block) and the function itself.

    ``solution.function`` is the reference solution, so a lecturer can run it through the checker.
    """

    name: str
    source: str
    function: Callable = dataclasses.field(repr=False, compare=False)  # no memory address in outputs

    def __str__(self) -> str:
        return self.source

    def _repr_markdown_(self) -> str:
        return f"Solution of `{self.name}`:\n\n```python\n{self.source}```"


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
    return _exercise(name).check(answer_fn)


def show_solution(name: str) -> Solution:
    """The reference solution of exercise ``name``; a notebook displays it as a code block.

    Raises
    ------
    ValueError
        If no exercise has that name (the message lists the known ones).

    Taught in: 01_kl_divergence
    """
    function = _exercise(name).solution
    return Solution(name=name, source=textwrap.dedent(inspect.getsource(function)), function=function)


def _call(answer_fn, inputs: dict):
    """Run the answer on copies of the inputs (so it cannot change them); return (output, error)."""
    try:
        out = answer_fn(**{k: np.array(v, copy=True) for k, v in inputs.items()})
    except Exception as error:  # noqa: BLE001  (any error of the student's code is feedback, not a crash)
        return None, error
    if out is None:
        return None, None
    import keras  # only needed to convert a backend tensor the student may return

    return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64), None


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
        return Feedback(
            name, True, f"matches the reference on {len(cases)} random inputs (max error {max_error:.1e}).",
            max_error,
        )

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


# === KL divergence and ELBO (chapters 01-02) ===


def _solution_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):
    # KL(q || p) between diagonal Gaussians, summed over the last axis (the latent dimensions).
    var_q, var_p = np.exp(log_var_q), np.exp(log_var_p)  # the inputs are log-variances
    per_dim = 0.5 * (log_var_p - log_var_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0)
    return np.sum(per_dim, axis=-1)


def _gaussian_kl_cases() -> list[dict]:
    rng = np.random.default_rng(0)
    return [
        dict(
            mu_q=rng.normal(size=(batch, dim)), log_var_q=rng.normal(size=(batch, dim)),
            mu_p=rng.normal(size=(batch, dim)), log_var_p=rng.normal(size=(batch, dim)),
        )
        for batch, dim in [(5, 3), (4, 2)]
    ]


def _kl_with_variances(mu_q, var_q, mu_p, var_p):
    """The Gaussian KL written with variances (for the mistakes that misread log_var)."""
    return 0.5 * np.sum(np.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0, axis=-1)


@register(chapter="01_kl_divergence", solution=_solution_gaussian_kl)
def check_gaussian_kl(answer_fn) -> Feedback:
    """Check ``answer_fn(mu_q, log_var_q, mu_p, log_var_p)``: KL(q || p) of diagonal Gaussians, shape (batch,).

    Taught in: 01_kl_divergence
    """
    from vaegan_edu.probability import kl_normal

    def reference(**c):
        return kl_normal(**c)

    with np.errstate(all="ignore"):  # some mistakes take the log of a negative number on purpose
        return compare(
            "gaussian_kl", answer_fn, reference, _gaussian_kl_cases(),
            mistakes={
                "you averaged over the latent dimensions: the KL of a diagonal Gaussian is the *sum* of the "
                "per-dimension KLs (use `.sum(axis=-1)`, not `.mean(axis=-1)`).":
                    lambda **c: np.asarray(kl_normal(**c)) / c["mu_q"].shape[-1],
                "you computed KL(p || q), the other direction: the KL is not symmetric. The expectation is "
                "under q, so q's variance goes in the numerator.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: kl_normal(mu_p, log_var_p, mu_q, log_var_q),
                "you used sigma = exp(log_var / 2) where the variance sigma^2 = exp(log_var) belongs.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(
                        mu_q, np.exp(0.5 * log_var_q), mu_p, np.exp(0.5 * log_var_p)),
                "you treated `log_var` as the variance itself: the inputs are log sigma^2, so the variance "
                "is exp(log_var).":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(mu_q, log_var_q, mu_p, log_var_p),
                "you left out the -1 in each dimension's term: with it, KL(q || q) = 0 as it must be.":
                    lambda **c: np.asarray(kl_normal(**c)) + 0.5 * c["mu_q"].shape[-1],
                "you treated `log_var` as sigma: the inputs are log sigma^2, so the variance is exp(log_var), "
                "not log_var ** 2.":
                    lambda mu_q, log_var_q, mu_p, log_var_p: _kl_with_variances(
                        mu_q, log_var_q**2, mu_p, log_var_p**2),
            },
            shape_hints={
                (5, 3): "You returned one KL per latent dimension: sum over the last axis.",
                (): "You reduced over the batch too: keep one KL per example (sum over axis=-1 only).",
                (3,): "You summed over the batch axis: sum over the last axis (axis=-1) instead.",
            },
        )  # fmt: skip


def _solution_kl_monte_carlo(log_q, log_p):
    # log_q, log_p: (num_samples, batch), evaluated at the same samples z_s ~ q.
    diff = log_q - log_p  # one single-sample KL estimate per sample
    estimate = np.mean(diff, axis=0)
    standard_error = np.std(diff, axis=0, ddof=1) / np.sqrt(diff.shape[0])  # std of the mean
    return estimate, standard_error


def _kl_monte_carlo_cases() -> list[dict]:
    rng = np.random.default_rng(3)
    return [
        dict(log_q=rng.normal(size=(num_samples, batch)), log_p=rng.normal(size=(num_samples, batch)) - 1.0)
        for num_samples, batch in [(200, 3), (50, 2)]
    ]


def _mc_pair(estimate_fn, error_fn):
    """A wrong (estimate, standard error) answer built from two functions of log q - log p."""
    return lambda log_q, log_p: np.stack([estimate_fn(log_q - log_p), error_fn(log_q - log_p)])


@register(chapter="01_kl_divergence", solution=_solution_kl_monte_carlo)
def check_kl_monte_carlo(answer_fn) -> Feedback:
    """Check ``answer_fn(log_q, log_p) -> (estimate, standard_error)``, samples on axis 0, each of shape (batch,).

    Taught in: 01_kl_divergence
    """
    from vaegan_edu.probability import kl_monte_carlo

    def reference(log_q, log_p):
        return np.stack([np.asarray(t) for t in kl_monte_carlo(log_q, log_p)])

    def mean(d):
        return d.mean(axis=0)

    def sqrt_n(d):
        return np.sqrt(d.shape[0])

    return compare(
        "kl_monte_carlo", answer_fn, reference, _kl_monte_carlo_cases(),
        mistakes={
            "your standard error is the standard deviation of the single-sample estimates: the error of "
            "their *mean* is that divided by sqrt(num_samples).":
                _mc_pair(mean, lambda d: d.std(axis=0, ddof=1)),
            "you divided the standard deviation by num_samples: the standard error divides by "
            "sqrt(num_samples).":
                _mc_pair(mean, lambda d: d.std(axis=0, ddof=1) / d.shape[0]),
            "your standard error is a variance (var / num_samples): take its square root.":
                _mc_pair(mean, lambda d: d.var(axis=0, ddof=1) / d.shape[0]),
            "you estimated KL(q || p) with log p - log q: the sign of the estimate is wrong.":
                _mc_pair(lambda d: -mean(d), lambda d: d.std(axis=0, ddof=1) / sqrt_n(d)),
            "almost: your standard deviation divides by num_samples (NumPy's default ddof=0); the unbiased "
            "sample variance divides by num_samples - 1 (np.std(..., ddof=1)).":
                _mc_pair(mean, lambda d: d.std(axis=0) / sqrt_n(d)),
        },
        shape_hints={
            (3,): "Return the pair (estimate, standard_error), not the estimate alone.",
            (2, 200): "You reduced over the batch (the last axis): the samples are on axis 0.",
        },
    )  # fmt: skip


def _solution_linear_gaussian_elbo(x, q_mean, q_log_var, W, b, noise_std):
    # ELBO = E_q[log p(x | z)] - KL(q(z) || N(0, I)) for x | z ~ N(W z + b, noise_std^2 I).
    data_dim = x.shape[-1]
    q_var = np.exp(q_log_var)  # (batch, latent_dim)
    x_hat = q_mean @ W.T + b  # decoder mean at z = q_mean, (batch, data_dim)
    # E_q ||x - W z - b||^2 = ||x - x_hat||^2 + sum_j q_var_j ||W[:, j]||^2
    expected_sq_err = np.sum((x - x_hat) ** 2, axis=-1) + np.sum(q_var * np.sum(W**2, axis=0), axis=-1)
    reconstruction = -0.5 * data_dim * np.log(2 * np.pi * noise_std**2) - 0.5 * expected_sq_err / noise_std**2
    kl = 0.5 * np.sum(q_var + q_mean**2 - 1.0 - q_log_var, axis=-1)
    return reconstruction - kl


def _elbo_cases() -> list[dict]:
    rng = np.random.default_rng(1)
    cases = []
    for batch, data_dim, latent_dim in [(5, 4, 2), (3, 6, 3)]:
        cases.append(
            dict(
                x=rng.normal(size=(batch, data_dim)), q_mean=rng.normal(size=(batch, latent_dim)),
                q_log_var=rng.normal(size=(batch, latent_dim)), W=rng.normal(size=(data_dim, latent_dim)),
                b=rng.normal(size=data_dim), noise_std=0.5 + rng.random(),
            )
        )
    return cases


def _elbo_terms(x, q_mean, q_log_var, W, b, noise_std):
    """(reconstruction term, KL term, squared error at the mean, Gaussian normaliser) of the reference."""
    from vaegan_edu.probability import LinearGaussian, kl_normal

    model = LinearGaussian(W, b, noise_std)
    kl = np.asarray(kl_normal(q_mean, q_log_var))
    reconstruction = np.asarray(model.elbo(x, q_mean, q_log_var)) + kl
    sq_err = np.sum((x - q_mean @ W.T - b) ** 2, axis=-1)
    normaliser = -0.5 * x.shape[-1] * np.log(2 * np.pi * noise_std**2)
    return reconstruction, kl, sq_err, normaliser


@register(chapter="02_elbo", solution=_solution_linear_gaussian_elbo)
def check_linear_gaussian_elbo(answer_fn) -> Feedback:
    """Check ``answer_fn(x, q_mean, q_log_var, W, b, noise_std)``: the linear-Gaussian ELBO, shape (batch,).

    Taught in: 02_elbo
    """
    from vaegan_edu.probability import LinearGaussian

    def reference(x, q_mean, q_log_var, W, b, noise_std):
        return LinearGaussian(W, b, noise_std).elbo(x, q_mean, q_log_var)

    def mistake(combine):
        return lambda **c: combine(*_elbo_terms(**c), c)

    return compare(
        "linear_gaussian_elbo", answer_fn, reference, _elbo_cases(),
        mistakes={
            "you left out the KL term: the ELBO is the reconstruction term *minus* KL(q(z|x) || p(z)). "
            "Without it nothing keeps q close to the prior, and the result is no bound on log p(x).":
                mistake(lambda rec, kl, se, norm, c: rec),
            "you added the KL term: the ELBO subtracts KL(q(z|x) || p(z)).":
                mistake(lambda rec, kl, se, norm, c: rec + kl),
            "you took the log of the squared reconstruction error (as the origin article does): "
            "log sum (x - x_hat)^2 is not a log-density and not a lower bound on log p(x). Use the Gaussian "
            "log-likelihood -d/2 log(2 pi sigma^2) - E||x - W z - b||^2 / (2 sigma^2).":
                mistake(lambda rec, kl, se, norm, c: np.log(se) - kl),
            "you left out q's variance in the reconstruction term: E_q||x - W z - b||^2 also contains "
            "sum_j exp(q_log_var_j) ||W[:, j]||^2, not only the error at z = q_mean.":
                mistake(lambda rec, kl, se, norm, c: norm - 0.5 * se / c["noise_std"] ** 2 - kl),
            "you averaged the reconstruction term over the data dimensions but summed the KL: both must be "
            "sums (a mean divides the reconstruction by data_dim and over-weights the KL).":
                mistake(lambda rec, kl, se, norm, c: rec / c["x"].shape[-1] - kl),
            "you left out the Gaussian normalising constant -d/2 log(2 pi sigma^2): without it the value "
            "is not the ELBO (and sigma cannot be learned).":
                mistake(lambda rec, kl, se, norm, c: rec - norm - kl),
            "you used `noise_std` as the variance: the variance is noise_std ** 2.":
                lambda x, q_mean, q_log_var, W, b, noise_std: reference(
                    x, q_mean, q_log_var, W, b, np.sqrt(noise_std)),
        },
        shape_hints={
            (): "You averaged over the batch: return one ELBO per example (shape (batch,)).",
        },
    )  # fmt: skip


def _solution_iwae_bound(log_p_xz, log_q_zx):
    # log (1/K) sum_k exp(log_w_k), with log_w = log p(x, z_k) - log q(z_k | x) and K on axis 0.
    log_w = log_p_xz - log_q_zx  # (K, batch)
    max_log_w = np.max(log_w, axis=0)  # subtract the largest weight so that exp cannot under/overflow
    return max_log_w + np.log(np.mean(np.exp(log_w - max_log_w), axis=0))


def _iwae_cases() -> list[dict]:
    rng = np.random.default_rng(2)
    small = dict(log_p_xz=rng.normal(size=(7, 3)), log_q_zx=rng.normal(size=(7, 3)))
    # realistic magnitudes: log p(x, z) of an image is in the hundreds of nats
    large = dict(log_p_xz=-1000.0 + 5 * rng.normal(size=(50, 4)), log_q_zx=rng.normal(size=(50, 4)))
    return [small, large]


@register(chapter="02_elbo", solution=_solution_iwae_bound)
def check_iwae_bound(answer_fn) -> Feedback:
    """Check ``answer_fn(log_p_xz, log_q_zx)``: the IWAE bound over K samples on axis 0, shape (batch,).

    Taught in: 02_elbo
    """
    from vaegan_edu.probability import iwae_bound

    def log_sum_exp(log_w):
        return np.log(np.sum(np.exp(log_w - log_w.max(0)), axis=0)) + log_w.max(0)

    with np.errstate(all="ignore"):  # a naive answer underflows on purpose in the second case
        return compare(
            "iwae_bound", answer_fn, lambda **c: iwae_bound(**c), _iwae_cases(),
            mistakes={
                "you averaged the log-weights: mean_k log w_k is the (K-sample) ELBO, not the IWAE bound. "
                "Average the weights themselves, then take the log: log mean_k exp(log w_k).":
                    lambda log_p_xz, log_q_zx: np.mean(log_p_xz - log_q_zx, axis=0),
                "you summed the weights instead of averaging them: subtract log K.":
                    lambda log_p_xz, log_q_zx: log_sum_exp(log_p_xz - log_q_zx),
                "you used log q - log p: the importance weight is p(x, z) / q(z | x).":
                    lambda log_p_xz, log_q_zx: iwae_bound(log_q_zx, log_p_xz),
            },
            shape_hints={
                (7,): "You reduced over the batch (the last axis): the K samples are on axis 0.",
                (): "You reduced over everything: reduce over the K samples (axis 0) only.",
                (7, 3): "You returned one value per sample: reduce over the K samples (axis 0).",
            },
            nonfinite_hint="With log-weights near -1000, exp(log_w) underflows to 0 and log(0) = -inf: "
            "subtract the largest log-weight before exponentiating (the log-sum-exp trick).",
        )  # fmt: skip


# === GAN (chapters 05-06) ===


def _solution_gan_generator_loss(d_fake):
    # Non-saturating generator loss (Goodfellow et al. 2014): minimise -E[log D(G(z))].
    return -np.mean(np.log(d_fake))


def _solution_gan_discriminator_loss(d_real, d_fake):
    # The discriminator maximises V = E[log D(x)] + E[log(1 - D(G(z)))]; as a loss to minimise: -V.
    return -(np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)))


def _solution_optimal_discriminator(p_data, p_g):
    # D*(x) = p_data(x) / (p_data(x) + p_g(x)) maximises p_data log D + p_g log(1 - D) pointwise.
    return p_data / (p_data + p_g)


def _solution_frechet_distance_diagonal(mu_a, var_a, mu_b, var_b):
    # Diagonal covariances commute, so (Sigma_a Sigma_b)^(1/2) = diag(sqrt(var_a * var_b)).
    return np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - 2.0 * np.sqrt(var_a * var_b))


def _gan_probability_cases(*names, seed=5):
    rng = np.random.default_rng(seed)
    return [{name: rng.uniform(0.02, 0.98, size=n) for name in names} for n in (64, 9)]


@register(chapter="05_gan_game", solution=_solution_gan_generator_loss)
def check_gan_generator_loss(answer_fn) -> Feedback:
    """Check ``answer_fn(d_fake)``: the non-saturating generator loss from D(G(z)) in (0, 1), a scalar.

    Taught in: 05_gan_game
    """
    return compare(
        "gan_generator_loss", answer_fn, _solution_gan_generator_loss, _gan_probability_cases("d_fake"),
        mistakes={
            "this is the origin article's G_loss = mean(log D(G(z))): minimising it makes D(G(z)) *smaller*, "
            "so the generator learns to be caught. Minimise -mean(log D(G(z))).":
                lambda d_fake: np.mean(np.log(d_fake)),
            "this is the saturating (minimax) loss mean(log(1 - D(G(z)))): it is correct for the game but its "
            "gradient vanishes when D rejects the samples; the exercise asks for the non-saturating one.":
                lambda d_fake: np.mean(np.log(1.0 - d_fake)),
            "you summed over the batch: use the mean, so the loss does not grow with the batch size.":
                lambda d_fake: -np.sum(np.log(d_fake)),
        },
        shape_hints={(64,): "Return one number: average over the batch."},
    )  # fmt: skip


@register(chapter="05_gan_game", solution=_solution_gan_discriminator_loss)
def check_gan_discriminator_loss(answer_fn) -> Feedback:
    """Check ``answer_fn(d_real, d_fake)``: the discriminator's loss (to minimise) from D(x) and D(G(z)).

    Taught in: 05_gan_game
    """
    return compare(
        "gan_discriminator_loss", answer_fn, _solution_gan_discriminator_loss,
        _gan_probability_cases("d_real", "d_fake"),
        mistakes={
            "this is the origin article's D_loss = mean(log D(x)) + mean(log(1 - D(G(z)))), minimised: that is "
            "V itself, which the discriminator must *maximise*. Minimise -V.":
                lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)),
            "you swapped the roles: real data should get D(x) -> 1 (term -log D(x)) and generated data "
            "D(G(z)) -> 0 (term -log(1 - D(G(z)))).":
                lambda d_real, d_fake: -(np.mean(np.log(1.0 - d_real)) + np.mean(np.log(d_fake))),
            "the generated-data term is missing: the discriminator must also push D(G(z)) towards 0.":
                lambda d_real, d_fake: -np.mean(np.log(d_real)),
        },
        shape_hints={(64,): "Return one number: average each term over its batch."},
    )  # fmt: skip


@register(chapter="05_gan_game", solution=_solution_optimal_discriminator)
def check_optimal_discriminator(answer_fn) -> Feedback:
    """Check ``answer_fn(p_data, p_g)``: the optimal discriminator D*(x) from the two densities at x.

    Taught in: 05_gan_game
    """
    rng = np.random.default_rng(6)
    cases = [{"p_data": rng.uniform(0.01, 3.0, size=n), "p_g": rng.uniform(0.01, 3.0, size=n)} for n in (50, 7)]
    return compare(
        "optimal_discriminator", answer_fn, _solution_optimal_discriminator, cases,
        mistakes={
            "you returned p_g / (p_data + p_g), the probability that x is *generated*; D(x) is the probability "
            "that x is real.":
                lambda p_data, p_g: p_g / (p_data + p_g),
            "you returned the density ratio p_data / p_g: D* must be a probability in (0, 1); normalise by "
            "p_data + p_g.":
                lambda p_data, p_g: p_data / p_g,
        },
    )  # fmt: skip


@register(chapter="06_gan", solution=_solution_frechet_distance_diagonal)
def check_frechet_distance_diagonal(answer_fn) -> Feedback:
    """Check ``answer_fn(mu_a, var_a, mu_b, var_b)``: the Fréchet distance of two diagonal Gaussians.

    Taught in: 06_gan
    """
    rng = np.random.default_rng(7)
    cases = [
        {"mu_a": rng.normal(size=d), "var_a": rng.uniform(0.1, 3, size=d),
         "mu_b": rng.normal(size=d), "var_b": rng.uniform(0.1, 3, size=d)}
        for d in (8, 3)
    ]  # fmt: skip
    return compare(
        "frechet_distance_diagonal", answer_fn, _solution_frechet_distance_diagonal, cases,
        mistakes={
            "the cross term needs a factor 2: tr(Sigma_a + Sigma_b - 2 (Sigma_a Sigma_b)^(1/2)).":
                lambda mu_a, var_a, mu_b, var_b: np.sum((mu_a - mu_b) ** 2)
                + np.sum(var_a + var_b - np.sqrt(var_a * var_b)),
            "you took the square root of the sum of squared mean differences: the Fréchet distance uses "
            "the squared distance ||mu_a - mu_b||^2.":
                lambda mu_a, var_a, mu_b, var_b: np.sqrt(np.sum((mu_a - mu_b) ** 2))
                + np.sum(var_a + var_b - 2.0 * np.sqrt(var_a * var_b)),
            "you compared standard deviations as if they were variances: var_a and var_b are already "
            "variances; the cross term is 2 sqrt(var_a * var_b).":
                lambda mu_a, var_a, mu_b, var_b: np.sum((mu_a - mu_b) ** 2)
                + np.sum(var_a + var_b - 2.0 * var_a * var_b),
        },
        shape_hints={(8,): "Return one number: sum over the feature dimensions."},
    )  # fmt: skip


# === VAE (chapters 03-04) ===


def _solution_reparameterize(mu, log_var, eps):
    # z = mu + sigma * eps with sigma = exp(log_var / 2): log_var is log sigma^2, not sigma.
    return mu + np.exp(0.5 * log_var) * eps


@register(chapter="03_vae", solution=_solution_reparameterize)
def check_reparameterize(answer_fn) -> Feedback:
    """Check ``answer_fn(mu, log_var, eps)``: the reparameterised sample z, shape (batch, latent_dim).

    Taught in: 03_vae
    """
    rng = np.random.default_rng(30)
    cases = [{k: rng.normal(size=(b, d)) for k in ("mu", "log_var", "eps")} for b, d in [(6, 2), (3, 5)]]
    return compare(
        "reparameterize", answer_fn, _solution_reparameterize, cases,
        mistakes={
            "you multiplied eps by the variance exp(log_var): the noise is scaled by the standard deviation "
            "sigma = exp(log_var / 2).":
                lambda mu, log_var, eps: mu + np.exp(log_var) * eps,
            "you used log_var itself as the standard deviation: the encoder outputs log sigma^2, so "
            "sigma = exp(log_var / 2).":
                lambda mu, log_var, eps: mu + log_var * eps,
            "you forgot the mean: z = mu + sigma * eps.":
                lambda mu, log_var, eps: np.exp(0.5 * log_var) * eps,
        },
    )  # fmt: skip


def _solution_vae_negative_elbo(x, logits, mu, log_var):
    # x, logits: (batch, height, width, 1); mu, log_var: (batch, latent_dim). One value per image, in nats.
    log_px_z = np.sum(x * logits - np.logaddexp(0.0, logits), axis=(1, 2, 3))  # log p(x|z), Bernoulli
    kl = -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)  # KL(q(z|x) || N(0, I))
    return -log_px_z + kl


def _vae_elbo_cases() -> list[dict]:
    rng = np.random.default_rng(31)
    return [
        dict(x=rng.random((b, 4, 4, 1)), logits=rng.normal(scale=2, size=(b, 4, 4, 1)),
             mu=rng.normal(size=(b, d)), log_var=rng.normal(scale=0.5, size=(b, d)))
        for b, d in [(5, 3), (2, 2)]
    ]  # fmt: skip


@register(chapter="03_vae", solution=_solution_vae_negative_elbo)
def check_vae_negative_elbo(answer_fn) -> Feedback:
    """Check ``answer_fn(x, logits, mu, log_var)``: the one-sample negative ELBO of each image, shape (batch,).

    Among the known mistakes is the origin article's "lower bound" (the log of a squared error).

    Taught in: 03_vae
    """

    def rec(x, logits):
        return -np.sum(x * logits - np.logaddexp(0.0, logits), axis=(1, 2, 3))

    def kl(mu, log_var):
        return -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)

    def sigmoid(t):
        return 1.0 / (1.0 + np.exp(-t))

    with np.errstate(all="ignore"):
        return compare(
            "vae_negative_elbo", answer_fn, _solution_vae_negative_elbo, _vae_elbo_cases(),
            mistakes={
                "this is the origin article's formula, log(sum((x - x_hat)^2)) - KL: the log of a squared "
                "error is not a log-likelihood, and subtracting the KL rewards moving q away from the prior. "
                "Use -sum(x log x_hat + (1 - x) log(1 - x_hat)) + KL.":
                    lambda x, logits, mu, log_var: np.log(np.sum((x - sigmoid(logits)) ** 2, axis=(1, 2, 3)))
                    - kl(mu, log_var),
                "you subtracted the KL term: the negative ELBO *adds* KL(q(z|x) || p(z)).":
                    lambda x, logits, mu, log_var: rec(x, logits) - kl(mu, log_var),
                "you left out the KL term: without it the model is a plain autoencoder, not a VAE.":
                    lambda x, logits, mu, log_var: rec(x, logits),
                "you averaged the reconstruction over pixels: the log-likelihood of an image is the *sum* over "
                "its pixels (averaging silently gives the KL a much larger weight, like a big beta).":
                    lambda x, logits, mu, log_var: rec(x, logits) / np.prod(x.shape[1:]) + kl(mu, log_var),
                "you used the squared error as the reconstruction term: with a Bernoulli decoder it is the "
                "cross-entropy -sum(x log x_hat + (1 - x) log(1 - x_hat)).":
                    lambda x, logits, mu, log_var: np.sum((x - sigmoid(logits)) ** 2, axis=(1, 2, 3))
                    + kl(mu, log_var),
                "you used the logits as if they were probabilities: x_hat = sigmoid(logits).":
                    lambda x, logits, mu, log_var: -np.sum(x * np.log(logits) + (1 - x) * np.log(1 - logits),
                                                           axis=(1, 2, 3)) + kl(mu, log_var),
            },
            shape_hints={(): "Return one value per image (shape (batch,)), not the batch mean."},
            nonfinite_hint="Write the Bernoulli term with logits, x * logits - log(1 + exp(logits)) "
                           "(np.logaddexp(0, logits)), to avoid log(0).",
        )  # fmt: skip


def _solution_active_units(mu, threshold):
    # mu: (num_images, latent_dim) posterior means. A latent is active when its mean moves across the data.
    return np.sum(np.var(mu, axis=0) > threshold)


@register(chapter="03_vae", solution=_solution_active_units)
def check_active_units(answer_fn) -> Feedback:
    """Check ``answer_fn(mu, threshold)``: how many latents have Var_x(mu_j(x)) > threshold (an int).

    Taught in: 03_vae
    """
    rng = np.random.default_rng(32)
    scales = np.array([1.0, 0.3, 0.05, 0.01, 0.0, 0.2])
    cases = [dict(mu=rng.normal(size=(500, 6)) * scales + rng.normal(size=6) * 3, threshold=np.array(t))
             for t in (0.01, 0.001)]  # fmt: skip
    return compare(
        "active_units", answer_fn, _solution_active_units, cases,
        mistakes={
            "you compared the standard deviation with the threshold: the criterion (Burda et al.) is on the "
            "variance of mu_j over the data.":
                lambda mu, threshold: np.sum(np.std(mu, axis=0) > threshold),
            "you took the variance across the latents of each image (axis=1): a latent is active when *its* "
            "mean varies across images (axis=0).":
                lambda mu, threshold: np.sum(np.var(mu, axis=1) > threshold),
            "you compared the mean, not the variance: a latent can be far from 0 and still carry no "
            "information if it is the same for every image.":
                lambda mu, threshold: np.sum(np.abs(np.mean(mu, axis=0)) > threshold),
        },
    )  # fmt: skip


def _solution_mig_from_mutual_info(mutual_info, entropy):
    # mutual_info: (latent_dim, num_factors) I(z_j; v_k); entropy: (num_factors,) H(v_k).
    top2 = np.sort(mutual_info, axis=0)[::-1][:2]  # best and runner-up latent for each factor
    return np.mean((top2[0] - top2[1]) / entropy)


@register(chapter="04_vae_interpretability", solution=_solution_mig_from_mutual_info)
def check_mig_from_mutual_info(answer_fn) -> Feedback:
    """Check ``answer_fn(mutual_info, entropy)``: the MIG from a mutual-information matrix (a float).

    Taught in: 04_vae_interpretability
    """
    rng = np.random.default_rng(40)
    cases = []
    for latents, factors in [(6, 4), (5, 3)]:
        entropy = rng.uniform(0.5, 2.5, size=factors)
        cases.append(dict(mutual_info=rng.uniform(0, 1, size=(latents, factors)) * entropy, entropy=entropy))
    return compare(
        "mig_from_mutual_info", answer_fn, _solution_mig_from_mutual_info, cases,
        mistakes={
            "you forgot to divide by each factor's entropy H(v_k): without it the score is not in [0, 1] "
            "and factors with many values dominate.":
                lambda mutual_info, entropy: np.mean(np.sort(mutual_info, axis=0)[-1] - np.sort(mutual_info, axis=0)[-2]),
            "you used the best latent's information alone: MIG is the *gap* between the best and the "
            "second-best latent.":
                lambda mutual_info, entropy: np.mean(np.max(mutual_info, axis=0) / entropy),
            "you took the gap over factors for each latent (axis=1): for each *factor* compare the latents "
            "(sort along axis 0).":
                lambda mutual_info, entropy: np.mean(
                    (np.sort(mutual_info, axis=1)[:, -1] - np.sort(mutual_info, axis=1)[:, -2])),
        },
    )  # fmt: skip


# === VAE against GAN (chapter 07) ===


def _solution_nearest_training_distance(samples, train):
    # Euclidean distance from each sample (row) to its nearest training image (row), shape (n,).
    squared = (samples**2).sum(1)[:, None] + (train**2).sum(1)[None, :] - 2.0 * samples @ train.T  # (n, m)
    return np.sqrt(np.maximum(squared, 0.0).min(axis=1))  # round-off can make tiny negatives


def _solution_class_kl_to_uniform(labels, num_classes):
    # KL(h || u) = sum_c h_c log(C h_c) over the classes that occur (0 log 0 = 0).
    h = np.bincount(labels, minlength=int(num_classes)) / len(labels)
    nz = h > 0
    return np.sum(h[nz] * np.log(int(num_classes) * h[nz]))


@register(chapter="07_vae_vs_gan", solution=_solution_nearest_training_distance)
def check_nearest_training_distance(answer_fn) -> Feedback:
    """Check ``answer_fn(samples, train)``: each flattened sample's Euclidean distance to its nearest training row.

    Taught in: 07_vae_vs_gan
    """
    rng = np.random.default_rng(8)
    cases = [{"samples": rng.uniform(size=(n, d)), "train": rng.uniform(size=(m, d))}
             for n, m, d in [(6, 9, 5), (4, 7, 12)]]  # fmt: skip

    def distances(samples, train):
        return np.sqrt(((samples[:, None, :] - train[None, :, :]) ** 2).sum(-1))  # (n, m)

    return compare(
        "nearest_training_distance", answer_fn, _solution_nearest_training_distance, cases,
        mistakes={
            "you returned squared distances: take the square root of the smallest sum of squares.":
                lambda samples, train: distances(samples, train).min(1) ** 2,
            "you returned the *index* of the nearest training image (argmin), not its distance (min).":
                lambda samples, train: distances(samples, train).argmin(1),
            "you averaged the distances over the training set: memorisation is about the *nearest* image, "
            "so take the minimum.":
                lambda samples, train: distances(samples, train).mean(1),
            "you used the root-mean-square difference per pixel: the Euclidean distance sums the squared "
            "differences over all pixels before the square root (do not divide by the number of pixels).":
                lambda samples, train: distances(samples, train).min(1) / np.sqrt(samples.shape[1]),
        },
        shape_hints={(6, 9): "You returned every sample-to-training distance: keep the smallest per sample.",
                     (): "You reduced over the samples too: return one distance per sample."},
    )  # fmt: skip


@register(chapter="07_vae_vs_gan", solution=_solution_class_kl_to_uniform)
def check_class_kl_to_uniform(answer_fn) -> Feedback:
    """Check ``answer_fn(labels, num_classes)``: KL(h || uniform) of the histogram h of integer labels.

    Taught in: 07_vae_vs_gan
    """
    rng = np.random.default_rng(9)
    cases = [
        {"labels": rng.integers(0, 10, size=200), "num_classes": np.int64(10)},
        {"labels": rng.choice([0, 1, 3], p=[0.6, 0.3, 0.1], size=50), "num_classes": np.int64(4)},  # class 2 dropped
    ]

    def histogram(labels, num_classes):
        return np.bincount(labels, minlength=int(num_classes)) / len(labels)

    def reverse(labels, num_classes):
        h = histogram(labels, num_classes)
        return np.sum(np.log(1.0 / (num_classes * h)) / num_classes)

    with np.errstate(all="ignore"):  # the reversed KL divides by an empty class on purpose
        return compare(
            "class_kl_to_uniform", answer_fn, _solution_class_kl_to_uniform, cases,
            mistakes={
                "you computed KL(u || h), the other direction: it is infinite as soon as one class is never "
                "generated (a dropped mode). KL(h || u) weighs by the generated frequencies h and stays finite.":
                    reverse,
                "you used log base 2: the book measures KL in nats (natural log).":
                    lambda labels, num_classes: _solution_class_kl_to_uniform(labels, num_classes) / np.log(2),
                "you used raw counts instead of frequencies: divide the counts by the number of labels first.":
                    lambda labels, num_classes: np.sum([c * np.log(num_classes * c) for c in
                                                        np.bincount(labels, minlength=int(num_classes)) if c > 0]),
            },
            shape_hints={(10,): "You returned one term per class: sum them."},
            nonfinite_hint="A class that never occurs contributes 0 log 0 = 0: skip empty classes.",
        )  # fmt: skip


# === The questions students ask (chapter 08) ===


def _solution_generator_logit_gradient(logits, loss):
    # d(generator loss)/d(logit) per sample, for D(G(z)) = sigmoid(logit).
    d = 1.0 / (1.0 + np.exp(-logits))
    if loss == "minimax":  # L = log(1 - D): slope -D, which vanishes when D rejects the sample (D -> 0)
        return -d
    return -(1.0 - d)  # non_saturating, L = -log D: slope -(1 - D), close to -1 when D -> 0


@register(chapter="08_student_questions", solution=_solution_generator_logit_gradient)
def check_generator_logit_gradient(answer_fn) -> Feedback:
    r"""Check ``answer_fn(logits, loss)``: the slope of each generator loss with respect to the logit.

    With :math:`D = \sigma(\ell)`: minimax :math:`\log(1 - \sigma(\ell))` has slope :math:`-\sigma(\ell)`,
    non-saturating :math:`-\log\sigma(\ell)` has slope :math:`-(1 - \sigma(\ell))`.

    Taught in: 08_student_questions
    """
    rng = np.random.default_rng(10)
    cases = [{"logits": rng.normal(-3.0, 2.0, size=n), "loss": loss}
             for n, loss in [(7, "minimax"), (5, "non_saturating"), (6, "minimax"), (4, "non_saturating")]]  # fmt: skip

    def sigmoid(logits):
        return 1.0 / (1.0 + np.exp(-logits))

    def swapped(logits, loss):
        return _solution_generator_logit_gradient(logits, "non_saturating" if loss == "minimax" else "minimax")

    def with_respect_to_d(logits, loss):
        d = sigmoid(logits)
        return -1.0 / (1.0 - d) if loss == "minimax" else -1.0 / d

    return compare(
        "generator_logit_gradient", answer_fn, _solution_generator_logit_gradient, cases,
        mistakes={
            "you swapped the two losses: the minimax loss log(1 - D) has slope -D (it vanishes when D is "
            "near 0), the non-saturating -log D has slope -(1 - D).": swapped,
            "you differentiated with respect to D, not the logit: multiply by dD/dlogit = D (1 - D).":
                with_respect_to_d,
            "you used the logit itself where D = sigmoid(logit) belongs: apply the sigmoid first.":
                lambda logits, loss: -logits if loss == "minimax" else -(1.0 - logits),
        },
        shape_hints={(): "You averaged over the samples: return one slope per logit."},
    )  # fmt: skip

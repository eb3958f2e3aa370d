r"""Statistics over seeds: confidence intervals, paired differences and the book's verdicts.

A claim such as "spectral norm gives a lower Frechet distance than the baseline" is a statement about
what happens on average over training runs, and one run (one seed) says little about it: two seeds of
the same GAN may differ by as much as two variants do. So every verdict-bearing study trains each variant
on several seeds and reports

* the mean over seeds with a Student-t confidence interval (:func:`mean_interval`; clipped to the values the
  metric can take, so no precision below 0), and the range one new run is expected in
  (:func:`prediction_interval`),
* the difference between two variants, seed by seed when they share seeds (:func:`paired_difference`)
  or as a difference of means when they do not (:func:`welch_difference`),
* a three-way :func:`verdict`: *supported* when the whole interval of the difference lies on the
  claimed side, *contradicted* when it lies wholly on the other side, *inconclusive* otherwise.

Everything here is NumPy and SciPy; no Keras.

Taught in: 09_vae_vs_gan
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
from scipy import stats as _scipy_stats

_NAN_POLICIES = ("raise", "omit")
_STATUSES = ("supported", "contradicted", "inconclusive")
_BETTER = ("lower", "higher")
_MINUS = "\N{MINUS SIGN}"


# === intervals ===


@dataclasses.dataclass(frozen=True)
class Interval:
    """An estimate with a confidence interval, and how it was obtained.

    ``low`` and ``high`` are NaN when no interval can be given (a single value: no spread is known).
    ``str(interval)`` rounds to two significant digits of the half-width; ``interval.format(".2f")``
    (or ``f"{interval:.2f}"``) uses a fixed format instead.

    Taught in: 09_vae_vs_gan
    """

    estimate: float  # the point estimate (a mean, or a mean difference)
    low: float  # lower end of the interval (NaN when none can be given)
    high: float  # upper end of the interval (NaN when none can be given)
    n: int  # number of values (or pairs) the estimate rests on
    confidence: float  # nominal coverage, e.g. 0.95
    method: str  # how the interval was made, e.g. "Student-t CI"

    @property
    def has_spread(self) -> bool:
        """Whether the interval is known (False for a single value, whose ends are NaN)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    def numbers(self, spec: str | None = None, minus: str = "-") -> str:
        """``"estimate [low, high]"`` (or ``"estimate"`` alone when there is no interval) in format ``spec``.

        ``spec=None`` chooses the decimals from two significant digits of the half-width; ``minus`` is
        the character written for negative signs (``"\N{MINUS SIGN}"`` for typeset text).
        """
        spec = _auto_spec(self) if spec is None else spec
        text = format(self.estimate, spec).replace("-", minus)
        if not self.has_spread:
            return text
        low, high = (format(end, spec).replace("-", minus) for end in (self.low, self.high))
        return f"{text} [{low}, {high}]"

    def describe(self) -> str:
        """What goes in the parentheses after the numbers, e.g. ``"95 % Student-t CI, n = 5"``."""
        if not self.has_spread:  # the method then says why there is no interval
            return f"{self.method}, n = {self.n}"
        return f"{_percent(self.confidence)} % {self.method}, n = {self.n}"

    def format(self, spec: str = ".2f") -> str:
        """The interval as text with every number in format ``spec``: ``"12.30 [10.10, 14.50] (95 % ...)"``."""
        return f"{self.numbers(spec)} ({self.describe()})"

    def __format__(self, spec: str) -> str:
        return self.format(spec) if spec else str(self)

    def __str__(self) -> str:
        return f"{self.numbers()} ({self.describe()})"


def _percent(confidence: float) -> str:
    """0.95 -> '95', 0.995 -> '99.5'."""
    return f"{100 * confidence:g}"


def _auto_spec(interval: Interval) -> str:
    """Fixed-point format with two significant digits of the half-width ('.4g' when it is 0 or unknown)."""
    half_width = (interval.high - interval.low) / 2 if interval.has_spread else 0.0
    if not half_width > 0:
        return ".4g"
    return f".{max(0, 1 - math.floor(math.log10(half_width)))}f"


def _check_confidence(confidence) -> float:
    """Validate a confidence level in (0, 1); return it as a float."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.integer, np.floating)) or not (
        0 < confidence < 1
    ):
        raise ValueError(
            f"Invalid value received for argument `confidence`. Expected a probability strictly between 0 and 1 "
            f"such as 0.95 (a 95 % interval). Received: confidence={confidence!r}. A percentage must be divided by "
            f"100."
        )
    return float(confidence)


def _check_nan_policy(nan_policy) -> str:
    """Validate ``nan_policy`` ("raise" or "omit"); return it."""
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(
            f"Invalid value received for argument `nan_policy`. Expected one of {_NAN_POLICIES}. "
            f"Received: nan_policy={nan_policy!r}."
        )
    return nan_policy


def _as_values(name: str, values) -> np.ndarray:
    """A 1-D float array of one value per seed from a sequence, an array or a {seed: value} mapping."""
    if isinstance(values, Mapping):
        values = list(values.values())
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"`{name}` must hold one number per seed (a list, a 1-D array or a {{seed: value}} dict); could not "
            f"convert it to floats: {error}."
        ) from None
    if array.ndim != 1:
        raise ValueError(
            f"`{name}` must be one-dimensional (one number per seed); received shape {array.shape}. For a table "
            f"of runs pass one column, e.g. `[row['fd'] for row in rows]`."
        )
    if len(array) == 0:
        raise ValueError(f"`{name}` is empty; an interval needs at least one value (one per seed).")
    return array


def _non_finite(name: str, array: np.ndarray, nan_policy: str) -> np.ndarray:
    """Mask of the finite entries; raises under nan_policy='raise' when any entry is NaN or infinite."""
    finite = np.isfinite(array)
    if nan_policy == "raise" and not finite.all():
        positions = np.flatnonzero(~finite).tolist()
        raise ValueError(
            f"`{name}` holds {len(positions)} non-finite value(s) (NaN or infinite) at position(s) {positions}, "
            f"e.g. from a diverged run. Fix: pass nan_policy=\"omit\" to drop them, and report how many runs were "
            f"dropped (a variant that diverges more often is worse in a way the mean no longer shows)."
        )
    return finite


def _dropped_note(num_dropped: int, singular: str, plural: str) -> str:
    """Text appended to an interval's method when non-finite values were dropped ('' when none were)."""
    if num_dropped == 0:
        return ""
    return f", {num_dropped} {singular if num_dropped == 1 else plural} dropped"


def _t_interval(x: np.ndarray, confidence: float, method: str, one_value: str) -> Interval:
    """Student-t interval of the mean of ``x`` (finite, non-empty): :func:`scipy.stats.ttest_1samp`'s
    ``confidence_interval``."""
    n = len(x)
    mean = float(np.mean(x))
    if n == 1:
        return Interval(mean, math.nan, math.nan, 1, confidence, one_value)
    if np.all(x == x[0]):  # no spread: the mean is known exactly (scipy would divide 0 by 0)
        return Interval(mean, mean, mean, n, confidence, method)
    ci = _scipy_stats.ttest_1samp(x, 0.0).confidence_interval(confidence)
    return Interval(mean, float(ci.low), float(ci.high), n, confidence, method)


def mean_interval(values, confidence: float = 0.95, nan_policy: str = "raise", bounds=None) -> Interval:
    r"""Mean over seeds with a Student-t confidence interval.

    .. math::
        \bar x \pm t_{1-\alpha/2,\; n-1}\, \frac{s}{\sqrt n}, \qquad
        s^2 = \frac{1}{n-1} \sum_{i=1}^n (x_i - \bar x)^2, \qquad \alpha = 1 - \text{confidence}

    where :math:`t_{q,\nu}` is the :math:`q`-quantile of Student's t distribution with :math:`\nu` degrees
    of freedom. It covers the true mean with probability ``confidence`` when the values are independent
    draws from one normal distribution; with 5 seeds the t quantile (2.78 for 95 %) is much wider than the
    normal one (1.96), which is the price of estimating :math:`s` from 5 values.

    A metric that can only take values in :math:`[a, b]` (a precision in [0, 1], a distance :math:`\ge 0`) has
    its true mean there too, so ``bounds=(a, b)`` intersects the interval with :math:`[a, b]`: the clipped
    interval contains the true mean whenever the unclipped one does (same coverage), and it no longer shows
    impossible values such as a precision of −0.06, which the symmetric t interval gives for a mean near a bound.

    Parameters
    ----------
    values : sequence, 1-D array or {seed: value} dict of floats, one per seed
    confidence : float in (0, 1)
    nan_policy : "raise" (default) or "omit"
        What to do with NaN or infinite values (diverged runs): raise, or drop them; the interval's
        ``method`` then says how many were dropped.
    bounds : None or (low, high)
        The range the metric can take (``None`` or an infinite end: unbounded on that side); the ``method``
        says when an end was clipped.

    Returns
    -------
    Interval
        With ``n`` the number of values used. For ``n == 1`` ``low`` and ``high`` are NaN: one value says
        nothing about the spread.

    Raises
    ------
    ValueError
        If ``values`` is empty (or empty after dropping), not 1-D, holds non-finite values under
        ``nan_policy="raise"``, holds a value outside ``bounds``, or ``confidence`` / ``nan_policy`` /
        ``bounds`` is invalid.

    Examples
    --------
    >>> print(mean_interval([10.0, 12.0, 14.0]))
    12.0 [7.0, 17.0] (95 % Student-t CI, n = 3)
    >>> print(mean_interval([0.0, 0.0, 0.3], bounds=(0, 1)))
    0.10 [0.00, 0.53] (95 % Student-t CI clipped to [0, 1], n = 3)

    Taught in: 09_vae_vs_gan
    """
    confidence, nan_policy = _check_confidence(confidence), _check_nan_policy(nan_policy)
    low, high = _check_bounds(bounds)
    x, note = _finite_values(values, nan_policy, low, high)
    one_value = "no interval: one value, no spread known" + note
    return _clip(_t_interval(x, confidence, "Student-t CI" + note, one_value), "Student-t CI", low, high)


def _finite_values(values, nan_policy: str, low: float, high: float) -> tuple:
    """The finite values (one per seed) as an array, and the note saying how many non-finite ones were dropped;
    raises when none is left or a value lies outside ``[low, high]``."""
    x = _as_values("values", values)
    finite = _non_finite("values", x, nan_policy)
    if not finite.any():
        raise ValueError(f"`values` has no finite value left after dropping non-finite ones (received {x.tolist()}); "
                         f"every run diverged, so there is no mean to report.")  # fmt: skip
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(x[finite]))))  # rounding, e.g. a KL of -1e-17
    outside = x[finite][(x[finite] < low - tolerance) | (x[finite] > high + tolerance)]
    if outside.size:
        raise ValueError(f"`values` holds {outside.tolist()}, outside `bounds`=({low:g}, {high:g}), the range the "
                         f"metric can take. Fix: pass the metric's true range as `bounds` (or None), or find why a "
                         f"run reported an impossible value.")  # fmt: skip
    return x[finite], _dropped_note(int((~finite).sum()), "non-finite value", "non-finite values")


def _clip(interval: Interval, name: str, low: float, high: float) -> Interval:
    """``interval`` intersected with ``[low, high]``; its method (which starts with ``name``) says so when an end
    moved."""
    if not interval.has_spread or (interval.low >= low and interval.high <= high):
        return interval
    ends = f"[{low:g}, {high:g}]" if math.isfinite(low) and math.isfinite(high) else (
        f"\N{GREATER-THAN OR EQUAL TO} {low:g}" if math.isfinite(low) else f"\N{LESS-THAN OR EQUAL TO} {high:g}")
    method = interval.method.replace(name, f"{name} clipped to {ends}", 1)
    return dataclasses.replace(interval, low=max(interval.low, low), high=min(interval.high, high), method=method)


def _check_bounds(bounds) -> tuple:
    """``bounds`` of :func:`mean_interval` as ``(low, high)`` floats (infinite where unbounded)."""
    if bounds is None:
        return -math.inf, math.inf
    try:
        if isinstance(bounds, (str, bytes)):
            raise TypeError("a string is not a pair of numbers")
        low, high = bounds
        low, high = -math.inf if low is None else float(low), math.inf if high is None else float(high)
    except (TypeError, ValueError):  # not a pair, or not numbers
        low = high = math.nan
    if not low < high:  # also catches NaN, a wrong length and a non-number
        raise ValueError(f"Invalid value received for argument `bounds`. Expected None or (low, high) with low < "
                         f"high, e.g. (0, 1) for a precision or (0, None) for a distance. Received: bounds={bounds!r}.")  # fmt: skip
    return low, high


def prediction_interval(values, confidence: float = 0.95, nan_policy: str = "raise", bounds=None) -> Interval:
    r"""Where one *new* run is expected to land, from the runs so far: a Student-t prediction interval.

    .. math::
        \bar x \pm t_{1-\alpha/2,\; n-1}\, s \sqrt{1 + \frac1n}

    with :math:`\bar x`, :math:`s` and :math:`t` as in :func:`mean_interval`. It is wider than the
    interval of the mean by :math:`\sqrt{n + 1}`: it must hold the new run's own seed-to-seed spread
    (:math:`s`), not only the uncertainty of :math:`\bar x` (:math:`s / \sqrt n`). It holds one new value
    drawn from the same normal distribution with probability ``confidence``; use it to say whether a
    live replicate agrees with shipped results.

    Parameters
    ----------
    values, confidence, nan_policy, bounds : as for :func:`mean_interval` (a new run of a metric in [0, 1]
        lands in [0, 1], so clipping to ``bounds`` keeps the coverage here too)

    Returns
    -------
    Interval
        ``estimate`` is the mean; NaN ends for a single value.

    Raises
    ------
    ValueError
        As :func:`mean_interval`.

    Examples
    --------
    >>> print(prediction_interval([10.0, 12.0, 14.0]))
    12.0 [2.1, 21.9] (95 % Student-t prediction interval for one new run, n = 3)

    Taught in: 09_vae_vs_gan
    """
    confidence, nan_policy = _check_confidence(confidence), _check_nan_policy(nan_policy)
    low, high = _check_bounds(bounds)
    x, note = _finite_values(values, nan_policy, low, high)
    name = "Student-t prediction interval for one new run"
    mean = _t_interval(x, confidence, name + note, "no interval: one value, no spread known" + note)
    if not mean.has_spread:
        return mean
    half_width = (mean.high - mean.estimate) * math.sqrt(mean.n + 1)  # s/sqrt(n) -> s sqrt(1 + 1/n)
    interval = dataclasses.replace(mean, low=mean.estimate - half_width, high=mean.estimate + half_width)
    return _clip(interval, name, low, high)


def proportion_interval(successes, trials, confidence: float = 0.95) -> Interval:
    r"""A proportion :math:`\hat p = k / n` with its Wilson score interval (e.g. how often a conditional GAN
    draws the digit it was asked for).

    .. math::
        \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4 n^2}}}{1 + \frac{z^2}{n}},
        \qquad z = \Phi^{-1}\big(\tfrac{1 + \text{confidence}}{2}\big)

    Unlike :math:`\hat p \pm z \sqrt{\hat p(1-\hat p)/n}` it stays inside [0, 1] and does not shrink to a
    point at :math:`\hat p = 0` or 1 (Wilson 1927; computed by :func:`scipy.stats.binomtest`).

    Parameters
    ----------
    successes : int, 0 <= successes <= trials
    trials : int >= 1
    confidence : float in (0, 1)

    Returns
    -------
    Interval

    Examples
    --------
    >>> print(proportion_interval(50, 100))
    0.500 [0.404, 0.596] (95 % Wilson score interval, n = 100)

    Taught in: 08_gan
    """
    confidence = _check_confidence(confidence)
    for name, value in (("successes", successes), ("trials", trials)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"`{name}` must be an int (a count); received {value!r} of type {type(value).__name__}.")
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"Need 0 <= successes <= trials and trials >= 1; received successes={successes}, "
                         f"trials={trials}. Fix: count successes among the trials, e.g. np.sum(predicted == asked).")  # fmt: skip
    ci = _scipy_stats.binomtest(int(successes), int(trials)).proportion_ci(confidence, method="wilson")
    return Interval(successes / trials, float(ci.low), float(ci.high), int(trials), confidence,
                    "Wilson score interval")  # fmt: skip


def _paired_arrays(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Align two per-seed results: by key for two dicts, by position for two sequences."""
    if isinstance(a, Mapping) != isinstance(b, Mapping):
        raise TypeError(
            f"`a` and `b` must both be {{seed: value}} dicts (paired by seed) or both sequences (paired by position); "
            f"received {type(a).__name__} and {type(b).__name__}. Convert the sequence with dict(zip(seeds, values))."
        )
    if isinstance(a, Mapping):
        only_a, only_b = [k for k in a if k not in b], [k for k in b if k not in a]
        if only_a or only_b:
            raise ValueError(
                f"`a` and `b` must have the same seeds (keys) to be paired; seeds only in `a`: {only_a}, only in "
                f"`b`: {only_b}. Fix: run the missing seeds, or pair the common ones with "
                f"`{{s: a[s] for s in a if s in b}}` (and the same for `b`) and say which were left out."
            )
        keys = list(a)
        return _as_values("a", [a[k] for k in keys]), _as_values("b", [b[k] for k in keys])
    x_a, x_b = _as_values("a", a), _as_values("b", b)
    if len(x_a) != len(x_b):
        raise ValueError(
            f"`a` and `b` must have one value per seed for the same seeds to be paired; received lengths {len(x_a)} "
            f"and {len(x_b)}. Fix: pass {{seed: value}} dicts so the seeds are matched by name, or use paired=False "
            f"(a Welch comparison of the means) when the runs do not share seeds."
        )
    return x_a, x_b


def paired_difference(a, b, confidence: float = 0.95, nan_policy: str = "raise") -> Interval:
    r"""Mean of the seed-by-seed differences :math:`d_i = a_i - b_i`, with a Student-t interval.

    .. math::
        \bar d \pm t_{1-\alpha/2,\; n-1}\, \frac{s_d}{\sqrt n}, \qquad
        s_d^2 = \frac{1}{n-1} \sum_{i=1}^n (d_i - \bar d)^2

    Pairing helps when both variants share a seed's data order and initialisation: what the seed does
    to both cancels in :math:`d_i`, so :math:`s_d` can be far smaller than the spread of either variant.

    Parameters
    ----------
    a, b : sequences (paired by position) or {seed: value} dicts (paired by key) of floats
    confidence : float in (0, 1)
    nan_policy : "raise" (default) or "omit"
        "omit" drops every pair in which either value is NaN or infinite. Beware: if one variant diverges
        more often, dropping its diverged seeds hides exactly that; report the count.

    Returns
    -------
    Interval of the mean difference a - b, ``n`` = number of pairs used (NaN ends for one pair)

    Raises
    ------
    TypeError
        If one of ``a``, ``b`` is a dict and the other is not.
    ValueError
        If the lengths or keys differ, a value is non-finite under ``nan_policy="raise"``, or an argument
        is invalid.

    Examples
    --------
    >>> print(paired_difference({0: 10.0, 1: 12.0}, {1: 13.0, 0: 11.5}))
    -1.2 [-4.4, 1.9] (95 % paired Student-t CI, n = 2)

    Taught in: 09_vae_vs_gan
    """
    confidence, nan_policy = _check_confidence(confidence), _check_nan_policy(nan_policy)
    x_a, x_b = _paired_arrays(a, b)
    finite = _non_finite("a", x_a, nan_policy) & _non_finite("b", x_b, nan_policy)
    if not finite.any():
        raise ValueError("`a` and `b` have no pair of finite values left after dropping non-finite ones; every "
                         "seed diverged in at least one variant.")  # fmt: skip
    d = x_a[finite] - x_b[finite]
    note = _dropped_note(int((~finite).sum()), "pair with a non-finite value", "pairs with a non-finite value")
    one_pair = "no interval: one seed, no uncertainty known"
    return _t_interval(d, confidence, "paired Student-t CI" + note, one_pair + note)


def welch_difference(a, b, confidence: float = 0.95, nan_policy: str = "raise") -> Interval:
    r"""Difference of means :math:`\bar a - \bar b` of two independent groups, with Welch's t interval.

    .. math::
        (\bar a - \bar b) \pm t_{1-\alpha/2,\; \nu}\, \mathrm{se}, \qquad
        \mathrm{se}^2 = \frac{s_a^2}{n_a} + \frac{s_b^2}{n_b}, \qquad
        \nu = \frac{\mathrm{se}^4}{\dfrac{(s_a^2/n_a)^2}{n_a - 1} + \dfrac{(s_b^2/n_b)^2}{n_b - 1}}

    (Welch-Satterthwaite degrees of freedom :math:`\nu`; the variances need not be equal). Use it when
    the runs of the two variants do not share seeds; when they do, :func:`paired_difference` is sharper.

    Parameters
    ----------
    a, b : sequences, 1-D arrays or {seed: value} dicts of floats (keys are ignored; lengths may differ)
    confidence : float in (0, 1)
    nan_policy : "raise" (default) or "omit" (drop non-finite values of each group)

    Returns
    -------
    Interval of :math:`\bar a - \bar b` with ``n = n_a + n_b``; NaN ends when a group has one value.

    Raises
    ------
    ValueError
        If a group is empty, holds a non-finite value under ``nan_policy="raise"``, or an argument is invalid.

    Examples
    --------
    >>> print(welch_difference([1.0, 2.0, 3.0], [4.0, 6.0, 8.0, 10.0]))
    -5.0 [-8.9, -1.1] (95 % Welch t CI, 3 vs 4 seeds, n = 7)

    Taught in: 09_vae_vs_gan
    """
    confidence, nan_policy = _check_confidence(confidence), _check_nan_policy(nan_policy)
    groups, dropped = [], 0
    for name, values in (("a", a), ("b", b)):
        x = _as_values(name, values)
        finite = _non_finite(name, x, nan_policy)
        if not finite.any():
            raise ValueError(f"`{name}` has no finite value left after dropping non-finite ones; every run diverged.")
        groups.append(x[finite])
        dropped += int((~finite).sum())
    x_a, x_b = groups
    n_a, n_b = len(x_a), len(x_b)
    seeds = f"{n_a} vs {n_b} seeds" + _dropped_note(dropped, "non-finite value", "non-finite values")
    difference = float(np.mean(x_a) - np.mean(x_b))
    if min(n_a, n_b) < 2:
        return Interval(difference, math.nan, math.nan, n_a + n_b, confidence,
                        f"no interval: one seed in a group, no uncertainty known; {seeds}")  # fmt: skip
    if np.all(x_a == x_a[0]) and np.all(x_b == x_b[0]):  # both constant: the difference is known exactly
        low = high = difference  # (and nu is 0/0)
    else:  # scipy's Welch test: the interval above, with the Welch-Satterthwaite nu
        ci = _scipy_stats.ttest_ind(x_a, x_b, equal_var=False).confidence_interval(confidence)
        low, high = float(ci.low), float(ci.high)
    return Interval(difference, low, high, n_a + n_b, confidence, f"Welch t CI, {seeds}")


# === verdicts ===


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The outcome of testing "a is better than b" on one metric, with the interval it rests on.

    ``markdown()`` gives the one-line sentence the book prints; a notebook cell whose last line is a
    Verdict shows it rendered (``_repr_markdown_``).

    Taught in: 09_vae_vs_gan
    """

    claim: str  # the claim in words, e.g. "spectral norm has lower FD than the baseline"
    status: str  # "supported", "contradicted" or "inconclusive"
    effect: Interval  # the difference a - b with its interval
    better: str  # "lower" or "higher": which direction of the metric is better
    margin: float  # smallest difference that counts (>= 0, in the metric's units)

    def __post_init__(self):
        if self.status not in _STATUSES:
            raise ValueError(f"`status` must be one of {_STATUSES}; received {self.status!r}.")
        _check_better(self.better)

    def _sentence(self) -> str:
        """The text after the status: claim, difference, interval and why."""
        text = (f"{self.claim} \N{EM DASH} difference {self.effect.numbers(minus=_MINUS)} "
                f"({self.effect.describe()})")  # fmt: skip
        if self.margin > 0:
            text += f"; margin {format(self.margin, '.4g')}"
        if self.status == "inconclusive" and self.effect.has_spread:  # without spread, describe() says why
            zone = "0" if self.margin == 0 else f"the margin {_MINUS}{self.margin:.4g} to {self.margin:.4g}"
            text += f" \N{EM DASH} the interval is not clear of {zone}"
        return text

    def markdown(self) -> str:
        """One Markdown line, e.g. ``**supported**: spectral norm has lower FD ... \N{EM DASH} difference ...``."""
        return f"**{self.status}**: {self._sentence()}"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        return f"{self.status}: {self._sentence()}"


def _check_better(better) -> str:
    """Validate ``better`` ("lower" or "higher"); return it."""
    if better not in _BETTER:
        raise ValueError(
            f"Invalid value received for argument `better`. Expected \"lower\" (e.g. for FD or a loss) or \"higher\" "
            f"(e.g. for recall or an ELBO). Received: better={better!r}."
        )
    return better


def verdict(claim: str, a, b, better: str = "lower", paired: bool = True, confidence: float = 0.95,
            margin: float = 0.0, nan_policy: str = "raise") -> Verdict:  # fmt: skip
    r"""Test the claim "variant ``a`` is better than variant ``b``" on one metric over seeds.

    The effect is the difference :math:`\Delta = a - b` with a confidence interval :math:`[L, H]`:
    :func:`paired_difference` when ``paired`` (the runs share seeds), else :func:`welch_difference`.
    With margin :math:`m \ge 0` (the smallest difference that matters), for ``better="lower"``

    .. math::
        \text{supported if } H < -m, \qquad \text{contradicted if } L > m, \qquad \text{inconclusive otherwise,}

    and the mirror image (:math:`L > m` supported, :math:`H < -m` contradicted) for ``better="higher"``.
    "Contradicted" means ``a`` is clearly *worse*; an interval inside :math:`[-m, m]` (no difference that
    matters) is also "inconclusive" for the claim. With fewer than two seeds (pairs, or per group) no
    interval is known and the verdict is always "inconclusive".

    Parameters
    ----------
    claim : str, the claim in words ("spectral norm has lower FD than the baseline")
    a, b : per-seed values of the metric for the two variants (sequences or {seed: value} dicts)
    better : "lower" or "higher"
    paired : bool, whether ``a[i]`` and ``b[i]`` come from the same seed
    confidence : float in (0, 1)
    margin : float >= 0, in the metric's units
    nan_policy : "raise" or "omit", passed on (see :func:`paired_difference`)

    Returns
    -------
    Verdict

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, with what was expected and how to fix it.

    Examples
    --------
    >>> v = verdict("SN has lower FD", [30.0, 28.0, 31.0, 27.0, 29.0], [40.0, 41.0, 39.0, 42.0, 40.0])
    >>> v.status
    'supported'
    >>> print(v)
    supported: SN has lower FD — difference −11.4 [−14.8, −8.0] (95 % paired Student-t CI, n = 5)

    Taught in: 09_vae_vs_gan
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError(f"`claim` must be a non-empty sentence such as \"spectral norm has lower FD than the "
                         f"baseline\"; received {claim!r}.")  # fmt: skip
    better = _check_better(better)
    if not isinstance(paired, (bool, np.bool_)):
        raise ValueError(f"`paired` must be True (runs share seeds) or False; received {paired!r}.")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.integer, np.floating)) or not (
        0 <= margin < math.inf
    ):
        raise ValueError(
            f"Invalid value received for argument `margin`. Expected a finite number >= 0 in the metric's units "
            f"(0 counts any difference; e.g. 2.0 ignores FD differences under 2). Received: margin={margin!r}."
        )
    difference = paired_difference if paired else welch_difference
    effect = difference(a, b, confidence=confidence, nan_policy=nan_policy)
    status = "inconclusive"
    if effect.has_spread:
        sign = 1.0 if better == "lower" else -1.0  # flip "higher" onto "lower"
        low, high = sorted((sign * effect.low, sign * effect.high))
        if high < -margin:
            status = "supported"
        elif low > margin:
            status = "contradicted"
    return Verdict(claim=claim, status=status, effect=effect, better=better, margin=float(margin))


# === Multiple comparisons: one family of tests, Holm's step-down correction (issue 31) ===


def holm_adjust(p_values) -> np.ndarray:
    r"""Holm's (1979) step-down adjusted p-values: reject every hypothesis whose adjusted p is below α, and the
    chance of rejecting any true one stays below α over the whole family, whatever the tests' dependence.

    With the m p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math::
        \tilde p_{(i)} = \min\Big(1,\ \max_{j \le i}\, (m - j + 1)\, p_{(j)}\Big)

    and each adjusted value goes back to its hypothesis's place. Holm is uniformly more powerful than Bonferroni
    (which multiplies every p by m) and makes no assumption about how the tests depend on one another.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]

    Taught in: 10_student_questions
    """
    p = _as_values("p_values", p_values)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"`p_values` must be probabilities in [0, 1]; received {p.tolist()}.")
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


@dataclasses.dataclass(frozen=True)
class FamilyTest:
    """One paired comparison of a family, with its raw and Holm-adjusted p-value and its status after correction."""

    claim: str
    effect: Interval  # the paired difference a - b with its (uncorrected) 95 % interval
    p_value: float  # two-sided paired Student t-test (scipy.stats.ttest_rel)
    p_holm: float  # after Holm's correction over the family
    status: str  # "supported" / "contradicted" when p_holm < alpha (by the sign of the effect), else "inconclusive"


def paired_family(comparisons: dict, better: dict | str = "lower", alpha: float = 0.05) -> list[FamilyTest]:
    """Paired t-tests of a family of comparisons, corrected together with :func:`holm_adjust`.

    Parameters
    ----------
    comparisons : {claim: (a, b)}
        Each ``a``, ``b`` as for :func:`paired_difference` (sequences paired by position, or {seed: value}).
        Every comparison a study draws a verdict from belongs in one family: the chance that any of them is a
        false "supported" is what the correction bounds.
    better : "lower" / "higher", or {claim: "lower" / "higher"}
        Which direction of each metric is better: a significant difference in that direction supports the claim
        "a is better than b", one in the other direction contradicts it.
    alpha : float in (0, 1)
        The family-wise error rate.

    Returns
    -------
    list of :class:`FamilyTest`, in the order of ``comparisons``

    Taught in: 10_student_questions
    """
    if not isinstance(comparisons, dict) or not comparisons:
        raise ValueError("`comparisons` must be a non-empty dict {claim: (a, b)}, one entry per test of the family.")
    alpha = _check_confidence(alpha)
    rows = []
    for claim, pair in comparisons.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"`comparisons[{claim!r}]` must be the pair (a, b); received {type(pair).__name__}.")
        x_a, x_b = _paired_arrays(*pair)
        if len(x_a) < 2:
            raise ValueError(f"`comparisons[{claim!r}]` has {len(x_a)} pair(s); a t-test needs at least 2 seeds.")
        d = x_a - x_b
        effect = paired_difference(*pair)  # raises on a non-finite value, naming the fix
        if np.all(d == d[0]):  # no spread: no difference (p = 1), or the same shift at every seed (t infinite, p 0)
            p = 1.0 if d[0] == 0 else 0.0
        else:
            p = float(_scipy_stats.ttest_rel(x_a, x_b).pvalue)
        rows.append((claim, effect, p))
    adjusted = holm_adjust([p for _, _, p in rows])
    out = []
    for (claim, effect, p), p_holm in zip(rows, adjusted):
        direction = _check_better(better if isinstance(better, str) else better[claim])
        status = "inconclusive"
        if p_holm < alpha:
            improves = effect.estimate < 0 if direction == "lower" else effect.estimate > 0
            status = "supported" if improves else "contradicted"
        out.append(FamilyTest(claim, effect, p, float(p_holm), status))
    return out

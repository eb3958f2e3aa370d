"""Intervals over seeds and verdicts: checked against scipy, by simulated coverage and on constructed data."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from vaegan_edu.experiments import stats
from vaegan_edu.experiments.stats import (Interval, Verdict, mean_interval, paired_difference, prediction_interval,
                                          verdict, welch_difference)

FD_A = [31.2, 28.9, 30.4, 27.7, 29.5]  # a made-up metric over 5 seeds


# === mean_interval ===


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_mean_interval_matches_scipy_t_interval(confidence):
    x = np.array(FD_A)
    low, high = scipy_stats.t.interval(confidence, len(x) - 1, loc=x.mean(), scale=scipy_stats.sem(x))
    interval = mean_interval(FD_A, confidence=confidence)
    assert interval.estimate == pytest.approx(x.mean())
    assert (interval.low, interval.high) == pytest.approx((low, high), rel=1e-12)
    assert (interval.n, interval.confidence, interval.method) == (5, confidence, "Student-t CI")


def test_mean_interval_accepts_a_seed_dict():
    assert mean_interval(dict(enumerate(FD_A))) == mean_interval(FD_A)


@pytest.mark.parametrize("n", [2, 5])
def test_mean_interval_covers_the_true_mean_at_the_nominal_rate(n):
    # 2000 intervals: the coverage's standard error is sqrt(0.95 * 0.05 / 2000) = 0.005, so 0.93-0.97 is
    # +-4 s.e.; a normal quantile (1.96) instead of t would cover only ~0.88 for n = 5 and ~0.70 for n = 2.
    rng = np.random.default_rng(0)
    draws = rng.normal(3.0, 2.0, size=(2000, n))
    intervals = [mean_interval(row) for row in draws]
    coverage = np.mean([iv.low <= 3.0 <= iv.high for iv in intervals])
    assert 0.93 <= coverage <= 0.97


def test_one_value_has_no_interval():
    interval = mean_interval([4.2])
    assert interval.estimate == 4.2 and interval.n == 1
    assert math.isnan(interval.low) and math.isnan(interval.high) and not interval.has_spread
    assert "one value" in interval.method
    assert str(interval) == "4.2 (no interval: one value, no spread known, n = 1)"


def test_non_finite_values_raise_by_default_and_name_the_fix():
    with pytest.raises(ValueError, match=r'`values` holds 2 non-finite value.*\[1, 3\].*nan_policy="omit"'):
        mean_interval([1.0, np.nan, 2.0, np.inf])


def test_nan_policy_omit_drops_diverged_runs_and_says_how_many():
    interval = mean_interval([1.0, np.nan, 2.0, 4.0], nan_policy="omit")
    reference = mean_interval([1.0, 2.0, 4.0])
    assert (interval.estimate, interval.low, interval.high, interval.n) == (
        reference.estimate, reference.low, reference.high, 3)  # fmt: skip
    assert interval.method == "Student-t CI, 1 non-finite value dropped"
    with pytest.raises(ValueError, match="no finite value left"):
        mean_interval([np.nan, np.nan], nan_policy="omit")


def test_bounds_clip_the_interval_to_the_metrics_range_without_losing_coverage():
    # a precision near 0 over 3 seeds: the t interval reaches -0.35, a value no precision can take
    raw, clipped = mean_interval([0.0, 0.0, 0.3]), mean_interval([0.0, 0.0, 0.3], bounds=(0, 1))
    assert raw.low < 0 and (clipped.estimate, clipped.high) == (raw.estimate, raw.high) and clipped.low == 0.0
    assert clipped.method == "Student-t CI clipped to [0, 1]" and "clipped to [0, 1]" in str(clipped)
    assert mean_interval([0.9, 1.0, 1.0], bounds=(None, 1)).method == "Student-t CI clipped to ≤ 1"
    assert mean_interval([0.0, 1.0, 9.0], bounds=(0, None)).method == "Student-t CI clipped to ≥ 0"
    assert mean_interval(FD_A, bounds=(0, None)) == mean_interval(FD_A)  # far from the bound: unchanged
    assert mean_interval([0.2], bounds=(0, 1)) == mean_interval([0.2])  # no interval to clip
    assert mean_interval([0.0, 0.3], bounds=(None, None)) == mean_interval([0.0, 0.3])  # unbounded both sides
    assert mean_interval([0.0, -1e-17], bounds=(0, 1)).estimate <= 0  # rounding below a bound is not an error
    # clipping keeps coverage: shares in [0, 1] with a true mean of 0.05, 5 seeds
    rng = np.random.default_rng(1)
    draws = rng.beta(0.2, 3.8, size=(2000, 5))
    covered = [(lambda iv: iv.low <= 0.05 <= iv.high)(mean_interval(row, bounds=(0, 1))) for row in draws]
    unclipped = [(lambda iv: iv.low <= 0.05 <= iv.high)(mean_interval(row)) for row in draws]
    assert covered == unclipped


def test_prediction_interval_is_clipped_to_the_bounds_too():
    raw, clipped = prediction_interval([0.0, 0.1, 0.3]), prediction_interval([0.0, 0.1, 0.3], bounds=(0, 1))
    assert raw.low < 0 < raw.high < 1 and (clipped.low, clipped.high) == (0.0, raw.high)
    assert clipped.method == "Student-t prediction interval for one new run clipped to [0, 1]"
    unclipped_mean = mean_interval([0.0, 0.1, 0.3])  # the width comes from the unclipped interval of the mean
    assert raw.high - raw.estimate == pytest.approx((unclipped_mean.high - unclipped_mean.estimate) * 2.0)
    with pytest.raises(ValueError, match="outside `bounds`"):
        prediction_interval([0.5, 1.5], bounds=(0, 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(values=[0.5, 1.2], bounds=(0, 1)), r"`values` holds \[1.2\], outside `bounds`=\(0, 1\)"),
        (dict(values=[0.5], bounds=(1, 0)), r"argument `bounds`.*low < high.*Received: bounds=\(1, 0\)"),
        (dict(values=[0.5], bounds=(0,)), "argument `bounds`"),
        (dict(values=[0.5], bounds="01"), "argument `bounds`"),
        (dict(values=[]), "`values` is empty"),
        (dict(values=[[1.0, 2.0], [3.0, 4.0]]), r"`values` must be one-dimensional.*\(2, 2\)"),
        (dict(values=["a", "b"]), "`values` must hold one number per seed"),
        (dict(values=FD_A, confidence=95), "argument `confidence`.*Received: confidence=95"),
        (dict(values=FD_A, confidence=1.0), "argument `confidence`"),
        (dict(values=FD_A, confidence=True), "argument `confidence`"),
        (dict(values=FD_A, nan_policy="drop"), r"argument `nan_policy`.*\('raise', 'omit'\).*'drop'"),
    ],
)
def test_mean_interval_rejects_bad_input_with_the_argument_name(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        mean_interval(**kwargs)


# === prediction_interval ===


def test_prediction_interval_matches_its_formula():
    x = np.array(FD_A)
    half_width = scipy_stats.t.ppf(0.975, df=4) * x.std(ddof=1) * np.sqrt(1 + 1 / 5)
    interval = prediction_interval(FD_A)
    assert (interval.estimate, interval.n) == (pytest.approx(x.mean()), 5)
    assert (interval.low, interval.high) == pytest.approx((x.mean() - half_width, x.mean() + half_width), rel=1e-12)
    assert interval.method == "Student-t prediction interval for one new run"
    assert not prediction_interval([3.0]).has_spread


def test_prediction_interval_holds_one_new_run_at_the_nominal_rate():
    # The interval of the mean would hold a new draw far less often (about 0.60 for n = 5).
    rng = np.random.default_rng(2)
    draws = rng.normal(3.0, 2.0, size=(2000, 6))
    hits = [(iv := prediction_interval(row[:5])).low <= row[5] <= iv.high for row in draws]
    assert 0.93 <= np.mean(hits) <= 0.97


# === formatting ===


def test_interval_text():
    interval = Interval(12.3, 10.1, 14.5, 5, 0.95, "Student-t CI")
    assert str(interval) == "12.3 [10.1, 14.5] (95 % Student-t CI, n = 5)"  # 2 significant digits of 2.2
    assert interval.format() == "12.30 [10.10, 14.50] (95 % Student-t CI, n = 5)"
    assert f"{interval:.0f}" == "12 [10, 14] (95 % Student-t CI, n = 5)"
    assert str(Interval(1234.0, 1180.0, 1288.0, 5, 0.995, "Student-t CI")) == (
        "1234 [1180, 1288] (99.5 % Student-t CI, n = 5)")  # fmt: skip
    assert str(Interval(0.0123, 0.0118, 0.0128, 5, 0.9, "m")) == "0.01230 [0.01180, 0.01280] (90 % m, n = 5)"


# === paired_difference ===


def test_paired_difference_of_identical_runs_is_exactly_zero():
    interval = paired_difference(FD_A, list(FD_A))
    assert (interval.estimate, interval.low, interval.high, interval.n) == (0.0, 0.0, 0.0, 5)


@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_paired_difference_matches_scipy_ttest_rel(confidence):
    b = [33.0, 29.1, 33.5, 28.0, 31.9]
    reference = scipy_stats.ttest_rel(FD_A, b).confidence_interval(confidence)
    interval = paired_difference(FD_A, b, confidence=confidence)
    assert interval.estimate == pytest.approx(np.mean(np.subtract(FD_A, b)))
    assert (interval.low, interval.high) == pytest.approx((reference.low, reference.high), rel=1e-12)
    assert interval.method == "paired Student-t CI"


def test_paired_difference_pairs_dicts_by_seed_not_by_order():
    a = {0: 1.0, 1: 5.0, 2: 2.0}
    b = {2: 1.5, 0: 0.0, 1: 4.0}  # same seeds, another order
    assert paired_difference(a, b) == paired_difference([1.0, 5.0, 2.0], [0.0, 4.0, 1.5])


def test_paired_difference_omits_a_pair_with_a_diverged_run():
    interval = paired_difference([1.0, 2.0, 3.0, 4.0], [0.5, np.nan, 2.0, 3.0], nan_policy="omit")
    reference = paired_difference([1.0, 3.0, 4.0], [0.5, 2.0, 3.0])
    method = "paired Student-t CI, 1 pair with a non-finite value dropped"
    assert interval == dataclasses.replace(reference, method=method)


@pytest.mark.parametrize(
    "a, b, error, message",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], ValueError, "`a` and `b` must have one value per seed.*lengths 3 and 2"),
        ({0: 1.0, 1: 2.0, 2: 3.0}, {0: 1.0, 1: 2.0, 7: 3.0}, ValueError,
         r"same seeds.*only in `a`: \[2\], only in `b`: \[7\]"),
        ({0: 1.0, 1: 2.0}, [1.0, 2.0], TypeError, "both be \\{seed: value\\} dicts.*dict and list"),
        ([1.0, 2.0], [1.0, np.nan], ValueError, '`b` holds 1 non-finite value.*nan_policy="omit"'),
        ([], [], ValueError, "`a` is empty"),
    ],
)  # fmt: skip
def test_paired_difference_rejects_unpairable_input_naming_the_argument(a, b, error, message):
    with pytest.raises(error, match=message):
        paired_difference(a, b)


# === welch_difference ===


@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_welch_difference_matches_scipy_ttest_ind(confidence):
    b = [35.0, 29.1, 40.5, 28.0, 31.9, 36.6, 30.0]
    reference = scipy_stats.ttest_ind(FD_A, b, equal_var=False).confidence_interval(confidence)
    interval = welch_difference(FD_A, b, confidence=confidence)
    assert interval.estimate == pytest.approx(np.mean(FD_A) - np.mean(b))
    assert (interval.low, interval.high) == pytest.approx((reference.low, reference.high), rel=1e-12)
    assert (interval.n, interval.method) == (12, "Welch t CI, 5 vs 7 seeds")


def test_welch_difference_covers_the_true_difference_with_unequal_variances():
    rng = np.random.default_rng(1)
    hits = []
    for _ in range(2000):
        interval = welch_difference(rng.normal(1.0, 0.5, 5), rng.normal(0.0, 3.0, 8))
        hits.append(interval.low <= 1.0 <= interval.high)
    assert 0.93 <= np.mean(hits) <= 0.97


def test_welch_difference_of_constant_groups_is_exact_and_one_seed_has_no_interval():
    interval = welch_difference([2.0, 2.0, 2.0], [1.5, 1.5])
    assert (interval.estimate, interval.low, interval.high) == (0.5, 0.5, 0.5)
    single = welch_difference([2.0, 3.0, 4.0], [1.0])
    assert single.estimate == 2.0 and not single.has_spread and "one seed in a group" in single.method


# === verdict ===

BASELINE = [40.1, 41.3, 38.9, 42.0, 40.4]


def test_clear_improvement_is_supported():
    better = [x - 10.0 + e for x, e in zip(BASELINE, [0.3, -0.4, 0.2, -0.1, 0.5])]
    result = verdict("spectral norm has lower FD than the baseline", better, BASELINE, better="lower")
    assert result.status == "supported"
    assert result.effect.high < 0 and result.effect.n == 5
    claim = "**supported**: spectral norm has lower FD than the baseline"
    assert result.markdown().startswith(claim + " — difference −9.")
    assert result.markdown().endswith("(95 % paired Student-t CI, n = 5)")
    assert result._repr_markdown_() == result.markdown()
    assert str(result).startswith("supported: spectral norm")


def test_clear_worsening_is_contradicted_and_higher_is_the_mirror_image():
    worse = [x + 5.0 + e for x, e in zip(BASELINE, [0.3, -0.4, 0.2, -0.1, 0.5])]
    assert verdict("a has lower FD", worse, BASELINE, better="lower").status == "contradicted"
    assert verdict("a has higher recall", worse, BASELINE, better="higher").status == "supported"
    assert verdict("a has higher recall", BASELINE, worse, better="higher").status == "contradicted"


def test_noise_is_inconclusive():
    noise = [x + e for x, e in zip(BASELINE, [1.0, -1.2, 0.4, -0.7, 0.3])]
    result = verdict("a has lower FD", noise, BASELINE)
    assert result.effect.low < 0 < result.effect.high
    assert result.status == "inconclusive"
    assert result.markdown().endswith("— the interval is not clear of 0")


def test_one_seed_is_always_inconclusive_and_says_why():
    result = verdict("a has lower FD", [10.0], [50.0])  # a huge difference, but one seed
    assert result.status == "inconclusive" and result.effect.estimate == -40.0
    assert "one seed, no uncertainty known" in result.markdown()
    unpaired = verdict("a has lower FD", [10.0, 11.0, 12.0], [50.0], paired=False)
    assert unpaired.status == "inconclusive" and "one seed in a group" in unpaired.markdown()


def test_a_margin_turns_a_small_real_effect_inconclusive():
    small = [x - 1.0 + e for x, e in zip(BASELINE, [0.1, -0.1, 0.05, 0.0, -0.05])]
    assert verdict("a has lower FD", small, BASELINE).status == "supported"
    result = verdict("a has lower FD", small, BASELINE, margin=2.0)
    assert result.status == "inconclusive" and result.effect.high < 0
    assert result.markdown().endswith("; margin 2 — the interval is not clear of the margin −2 to 2")


def test_pairing_removes_the_seed_effect_that_hides_a_difference():
    seed_effect = np.array([0.0, 8.0, -6.0, 3.0, -4.0])  # what each seed does to both variants
    a, b = 30.0 + seed_effect - 1.0 + np.array([0.1, -0.1, 0.0, 0.1, -0.1]), 30.0 + seed_effect
    assert verdict("a has lower FD", a, b, paired=True).status == "supported"
    unpaired = verdict("a has lower FD", a, b, paired=False)
    assert unpaired.status == "inconclusive" and "Welch t CI, 5 vs 5 seeds" in unpaired.markdown()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(better="smaller"), r"argument `better`.*\"lower\".*\"higher\".*better='smaller'"),
        (dict(margin=-1.0), "argument `margin`.*>= 0.*margin=-1.0"),
        (dict(margin=math.inf), "argument `margin`"),
        (dict(confidence=0.0), "argument `confidence`"),
        (dict(claim=""), "`claim` must be a non-empty sentence"),
        (dict(paired="yes"), "`paired` must be True"),
        (dict(b=[1.0, np.nan, 2.0, 3.0, 4.0]), "`b` holds 1 non-finite value"),
    ],
)
def test_verdict_rejects_bad_arguments_naming_them(kwargs, message):
    arguments = dict(claim="a has lower FD", a=FD_A, b=BASELINE) | kwargs
    with pytest.raises(ValueError, match=message):
        verdict(**arguments)


def test_verdict_checks_its_fields():
    effect = mean_interval(FD_A)
    with pytest.raises(ValueError, match="`status` must be one of"):
        Verdict("claim", "proven", effect, "lower", 0.0)
    with pytest.raises(ValueError, match="argument `better`"):
        Verdict("claim", "supported", effect, "less", 0.0)


def test_module_is_pure_numpy_scipy():
    source = open(stats.__file__, encoding="utf-8").read()
    assert "import keras" not in source and "from keras" not in source


def test_proportion_interval_is_wilsons():
    # Wilson's interval by its formula, for a few known cases
    for k, n in ((50, 100), (0, 10), (10, 10), (935, 1000)):
        z = 1.959963984540054
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        got = stats.proportion_interval(k, n)
        assert got.estimate == p and got.n == n
        assert got.low == pytest.approx(centre - half, abs=1e-9) and got.high == pytest.approx(centre + half, abs=1e-9)
    with pytest.raises(ValueError, match="successes"):
        stats.proportion_interval(11, 10)
    with pytest.raises(TypeError, match="successes"):
        stats.proportion_interval(0.5, 10)


# === Holm's correction over a family of paired tests (issue 31 item 6) ===


def test_holm_adjusts_like_its_definition():
    from itertools import accumulate

    rng = np.random.default_rng(0)
    for m in (1, 2, 5, 32):
        p = rng.uniform(0, 0.2, m)
        order = np.argsort(p)
        expected = np.empty(m)
        expected[order] = np.minimum(1, list(accumulate(((m - i) * p[j] for i, j in enumerate(order)), max)))
        np.testing.assert_allclose(stats.holm_adjust(p), expected)
    assert stats.holm_adjust([0.01, 0.04, 0.03, 0.005]).round(3).tolist() == [0.03, 0.06, 0.06, 0.02]
    with pytest.raises(ValueError, match="probabilities in"):
        stats.holm_adjust([0.5, 1.5])


def test_a_family_of_paired_t_tests_uses_scipy_and_corrects_together():
    from scipy import stats as scipy_stats

    a, b = [1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.7, 3.4, 4.9, 5.6]
    [test] = stats.paired_family({"a lower than b": (a, b)})
    assert test.p_value == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue) and test.p_holm == test.p_value
    assert test.status == "supported" and test.effect.estimate == pytest.approx(-0.62)
    [flipped] = stats.paired_family({"a higher than b": (a, b)}, better="higher")
    assert flipped.status == "contradicted"
    noise = {f"null {i}": (list(np.random.default_rng(i).normal(size=5)), [0.0] * 5) for i in range(20)}
    family = stats.paired_family(noise)
    assert all(t.p_holm >= t.p_value for t in family) and sum(t.status != "inconclusive" for t in family) == 0


def test_a_family_without_spread_in_the_differences():
    """No difference at any seed: p = 1; the same shift at every seed: p = 0 (t is infinite); NaN: an error."""
    same, shifted = stats.paired_family({"same": ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
                                         "shifted": ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])})
    assert (same.p_value, same.status) == (1.0, "inconclusive")
    assert (shifted.p_value, shifted.status) == (0.0, "supported")
    with pytest.raises(ValueError, match="non-finite"):
        stats.paired_family({"diverged": ([1.0, float("nan"), 3.0], [2.0, 3.0, 4.0])})


def test_the_tricks_study_corrected_as_the_review_found():
    """Review chapters-05-08 finding 7: of chapter 08's 32 tests none survives Holm; of the 8 FD tests, two."""
    from vaegan_edu import experiments

    result = experiments.load("tricks")
    metrics = {"frechet_distance": "lower", "precision": "higher", "recall": "higher", "class_kl": "lower"}
    comparisons = {(v, m): (result.values(v, m), result.values("baseline", m)) for v in result.variants[1:]
                   for m in metrics}  # fmt: skip
    family = stats.paired_family({f"{v} · {m}": pair for (v, m), pair in comparisons.items()},
                                 {f"{v} · {m}": metrics[m] for v, m in comparisons})  # fmt: skip
    assert len(family) == 32 and all(t.status == "inconclusive" for t in family)
    fd = stats.paired_family({v: pair for (v, m), pair in comparisons.items() if m == "frechet_distance"})
    assert sorted(t.claim for t in fd if t.status == "supported") == ["WGAN-GP", "learning rate x10"]

"""Figures of studies over seeds: the bars, error bars, lines and bands they draw equal the intervals."""

import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from vaegan_edu import plots  # noqa: E402
from vaegan_edu.experiments.stats import mean_interval  # noqa: E402

INTERVALS = {
    "baseline": mean_interval([40.1, 41.3, 38.9, 42.0, 40.4]),
    "spectral norm": mean_interval([30.2, 31.0, 29.1, 33.5, 30.0]),
    "one seed": mean_interval([35.0]),  # no interval: drawn without an error bar
}


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_interval_bars_draw_one_bar_and_one_error_bar_per_variant(ax):
    returned = plots.interval_bars(INTERVALS, ax=ax, ylabel="FD", better="lower", reference=35.5)
    assert returned is ax
    estimates = [iv.estimate for iv in INTERVALS.values()]
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], estimates)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(INTERVALS)
    (errorbars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    segments = errorbars.lines[2][0].get_segments()
    for i, name in enumerate(["baseline", "spectral norm"]):
        np.testing.assert_allclose(segments[i], [[i, INTERVALS[name].low], [i, INTERVALS[name].high]])
    assert len(segments[2]) == 0  # the one-seed variant: no spread known, no bar
    assert [t.get_text() for t in ax.texts] == [f"{e:.3g}" for e in estimates]
    assert ax.texts[0].xy == pytest.approx((0, INTERVALS["baseline"].high))  # written above the error bar
    assert ax.texts[2].xy == pytest.approx((2, 35.0))
    assert ax.get_ylabel() == "FD (lower is better)"
    (reference,) = [line for line in ax.lines if line.get_linestyle() == "--"]  # the others are error-bar caps
    np.testing.assert_allclose(reference.get_ydata(), [35.5, 35.5])


def test_interval_bars_write_every_number_in_one_format(ax):
    # review turn 3 (chapter 05's sweep figure): ".3g" wrote 0.0696 beside 0.08; one fixed format for all
    plots.interval_bars({"a": mean_interval([0.0696] * 3), "b": mean_interval([0.08] * 3)}, ax=ax,
                        number_format=".2f")  # fmt: skip
    assert [t.get_text() for t in ax.texts] == ["0.07", "0.08"]


def test_interval_bars_accept_any_object_with_estimate_low_high_and_make_an_axes():
    ax = plots.interval_bars({"a": SimpleNamespace(estimate=2.0, low=1.0, high=4.0)})
    (errorbars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_allclose(errorbars.lines[2][0].get_segments()[0], [[0, 1.0], [0, 4.0]])
    assert ax.get_ylabel() == "metric"
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]  # no reference line unless asked
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(intervals={}), ValueError, "`intervals` is empty"),
        (dict(intervals=INTERVALS, better="smaller"), ValueError, "argument `better`.*better='smaller'"),
        (dict(intervals={"a": 3.0}), TypeError, "`intervals` must hold intervals.*float.*mean_interval"),
    ],
)
def test_interval_bars_reject_bad_input(ax, kwargs, error, message):
    with pytest.raises(error, match=message):
        plots.interval_bars(ax=ax, **kwargs)


def test_interval_curves_draw_mean_lines_and_bands_equal_to_the_intervals(ax):
    seconds = np.array([5.0, 10.0, 20.0])
    rng = np.random.default_rng(0)
    curves = {
        "VAE": [mean_interval(60.0 / t + rng.normal(0, 1, 5)) for t in seconds],
        "GAN": [mean_interval(90.0 / t + rng.normal(0, 3, 5)) for t in seconds],
    }
    returned = plots.interval_curves(seconds, curves, ax=ax, ylabel="FD")
    assert returned is ax
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    for line, band, intervals in zip(ax.lines, ax.collections, curves.values()):
        np.testing.assert_allclose(line.get_xdata(), seconds)
        np.testing.assert_allclose(line.get_ydata(), [iv.estimate for iv in intervals])
        np.testing.assert_allclose(matplotlib.colors.to_rgb(line.get_color()), band.get_facecolor()[0][:3])
        vertices = np.concatenate([path.vertices for path in band.get_paths()])
        for t, iv in zip(seconds, intervals):
            at_t = vertices[np.isclose(vertices[:, 0], t), 1]
            assert at_t.min() == pytest.approx(iv.low) and at_t.max() == pytest.approx(iv.high)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["VAE", "GAN"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("training time [s]", "FD")


def test_interval_curves_need_one_interval_per_x(ax):
    with pytest.raises(ValueError, match="Curve 'VAE' of `curves` has 2 intervals but `x` has 3 points"):
        plots.interval_curves([1, 2, 3], {"VAE": [INTERVALS["baseline"]] * 2}, ax=ax)
    with pytest.raises(ValueError, match="`curves` is empty"):
        plots.interval_curves([1, 2, 3], {}, ax=ax)
    with pytest.raises(TypeError, match="Curve 'VAE' of `curves` must hold intervals"):
        plots.interval_curves([1], {"VAE": [(1.0, 0.5, 1.5)]}, ax=ax)


def test_plots_does_not_import_the_experiments_layer_at_module_level():
    source = Path(plots.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^(from|import) +(vaegan_edu\.|\.)experiments", source, flags=re.MULTILINE)


def test_time_to_target_draws_each_repeat_the_median_and_censored_runs_at_the_cap(ax):
    times = {"default": [30.0, 34.0, 32.0], "sgd": [np.nan, 110.0, np.inf], "fast": [12.0, 14.0, 13.0]}
    returned = plots.plot_time_to_target(times, cap=120.0, ax=ax)
    assert returned is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == list(times)
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    reached = {(x, y) for x, y in points if x != 120.0}
    assert reached == {(30.0, 0), (34.0, 0), (32.0, 0), (110.0, 1), (12.0, 2), (14.0, 2), (13.0, 2)}
    assert (120.0, 1) in {(x, y) for x, y in points}  # the censored repeats of row 1, at the cap
    assert [t.get_text() for t in ax.texts] == ["2 not reached"]
    medians = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert medians == [32.0, 13.0]  # row 1's median falls on a censored repeat: not drawn
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first row on top


@pytest.mark.parametrize(
    "times, cap, error, message",
    [
        ([30.0], 120.0, TypeError, r"`times` must be a dict"),
        ({}, 120.0, ValueError, r"`times` is empty"),
        ({"a": []}, 120.0, ValueError, r"Row 'a' of `times` is empty"),
        ({"a": [-1.0]}, 120.0, ValueError, r"negative seconds"),
        ({"a": [1.0]}, 0.0, ValueError, r"`cap`"),
    ],
)
def test_time_to_target_rejects_bad_input(ax, times, cap, error, message):
    with pytest.raises(error, match=message):
        plots.plot_time_to_target(times, cap=cap, ax=ax)


def test_grid_sensitivity_draws_each_seed_the_mean_and_diverged_runs(ax):
    per_seed = {0: {0.5: 10.0, 1.0: 4.0, 4.0: 3.0}, 1: {1.0: 6.0, 0.5: 8.0, 4.0: np.nan}}
    returned = plots.plot_grid_sensitivity(per_seed, ax=ax, ylabel="late FD")
    assert returned is ax
    lines = ax.get_lines()
    seed_lines = [line for line in lines if line.get_linewidth() == 1]
    np.testing.assert_allclose(seed_lines[0].get_ydata(), [10.0, 4.0, 3.0])
    np.testing.assert_allclose(seed_lines[1].get_xdata(), [0.5, 1.0, 4.0])  # sorted by grid value
    [mean] = [line for line in lines if line.get_label() == "mean over seeds"]
    np.testing.assert_allclose(mean.get_ydata(), [9.0, 5.0, np.nan])  # no mean where a run diverged
    [crosses] = [line for line in lines if line.get_label() == "diverged"]
    np.testing.assert_allclose(crosses.get_xdata(), [4.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x1/2", "x1", "x4"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


@pytest.mark.parametrize(
    "per_seed, error, message",
    [
        ([1.0], TypeError, r"`per_seed` must be a dict"),
        ({}, ValueError, r"`per_seed` is empty"),
        ({0: {}}, ValueError, r"Row 0 of `per_seed` must be a non-empty dict"),
        ({0: {0.0: 1.0}}, ValueError, r"grid value <= 0"),
    ],
)
def test_grid_sensitivity_rejects_bad_input(ax, per_seed, error, message):
    with pytest.raises(error, match=message):
        plots.plot_grid_sensitivity(per_seed, ax=ax)

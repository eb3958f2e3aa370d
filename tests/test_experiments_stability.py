"""The ``stability`` protocol (issue 31): DCGAN variants on 14x14 digits over seeds and a learning-rate grid, and
its summaries in the manner of Lucic et al. 2018 (best-tuned mean, median and worst over the grid, divergence)."""

import math

import keras
import numpy as np
import pytest
from scipy import stats as scipy_stats

from vaegan_edu import experiments, models
from vaegan_edu.experiments import stability, tricks  # tricks.train_scored is the training loop
from vaegan_edu.experiments.stats import holm_adjust, mean_interval, proportion_interval
from vaegan_edu.validation import UnknownNameError

BASE = {"baseline": stability.VARIANTS["baseline"]}  # the test runs train the baseline only: seconds, not minutes


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """The quick protocol for one seed, the baseline at two learning rates (saved like the real study)."""
    directory = tmp_path_factory.mktemp("stability")
    result = experiments.run("stability", quick=True, seeds=[0], directory=directory, say=lambda t: None,
                             variants=BASE, lr_factors=[1.0, 4.0])  # fmt: skip
    return result, directory


def test_the_quick_protocol_writes_a_result_with_curves_and_late_windows(quick_run):
    result, directory = quick_run
    assert (directory / "stability.quick.json").exists()
    reread = experiments.results.read(directory / "stability.quick.json")
    assert reread["config"]["lr_factors"] == [1.0, 4.0] and reread["config"]["downsample"] == 2
    assert result.variants == ["baseline · lr x1", "baseline · lr x4"]
    steps = result.config["budget"]["steps"]
    assert result.checkpoints("frechet_distance") == [3, 6, 9, 10] and steps == 10
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        assert row["train_steps"] == steps and row["diverged"] == 0.0 and row["train_seconds"] > 0
        for metric in stability.SCORED:
            assert row[metric] == row[f"{metric}@10"]
        # the window is round(0.3 * 10) = 3 steps: late = checkpoints 9 and 10, before = checkpoint 6
        late = (row["frechet_distance@9"] + row["frechet_distance@10"]) / 2
        assert row["frechet_distance_late"] == pytest.approx(late)
        assert row["frechet_distance_late_gain"] == pytest.approx(1 - late / row["frechet_distance@6"])
        assert 0 < row["frechet_distance"] < 1e4 and 0 <= row["precision"] <= 1
    rows = result.payload["seeds"]["0"]["variants"]  # the learning rate changed what was trained
    assert rows["baseline · lr x1"]["frechet_distance"] != rows["baseline · lr x4"]["frechet_distance"]


def test_a_resumed_seed_gives_the_same_runs(quick_run):
    result, _ = quick_run
    cfg = result.config
    saved = result.payload["seeds"]["0"]["variants"]
    resumed = stability.run_seed(cfg, 0, lambda t: None, finished={"baseline · lr x1": saved["baseline · lr x1"]})
    assert resumed["baseline · lr x1"] is saved["baseline · lr x1"]  # kept, not retrained
    for metric in ("frechet_distance_late", "recall@6"):  # trained without the x1 run before it
        np.testing.assert_allclose(resumed["baseline · lr x4"][metric], saved["baseline · lr x4"][metric], rtol=1e-5)


def test_the_data_are_14x14_and_each_variant_scales_every_learning_rate():
    cfg = experiments.get("stability").configured(quick=True)
    x_train, x_test = stability.small_dataset(cfg)
    assert x_train.shape == (500, 14, 14, 1) and x_test.shape == (200, 14, 14, 1)
    assert stability.at_rate(stability.VARIANTS["TTUR"], 4.0) == {"d_learning_rate": 1.6e-3, "g_learning_rate": 4e-4}
    wgan = models.make_gan_variant((14, 14, 1), seed=0, width=stability.WIDTH,
                                   **stability.at_rate(stability.VARIANTS["WGAN-GP"], 0.5))  # fmt: skip
    lr = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in (wgan.d_optimizer, wgan.g_optimizer)]
    np.testing.assert_allclose(lr, [5e-5, 5e-5])
    assert wgan.d_steps == 5 and (wgan.d_optimizer.beta_1, wgan.d_optimizer.beta_2) == (0.0, 0.9)
    assert stability.variant_name("WGAN-GP", 0.5) == "WGAN-GP · lr x0.5"
    assert experiments.get("stability").baseline == "baseline · lr x1"


def test_a_run_whose_samples_blow_up_is_scored_as_diverged(monkeypatch):
    cfg = experiments.get("stability").configured(quick=True)
    x_train, x_test = stability.small_dataset(cfg)
    reference = stability.small_reference(x_test[:50], 2)
    monkeypatch.setattr(tricks, "draw_samples", lambda gan, n, seed: np.full((n, 14, 14, 1), np.nan, "float32"))
    row = stability.train_and_score(x_train, BASE["baseline"], seed=0, steps=4, eval_every=2, reference=reference,
                                    num_samples=50, batch_size=32, width=4)  # fmt: skip
    assert row["diverged"] == 1.0 and math.isnan(row["frechet_distance"]) and math.isnan(row["recall@2"])
    assert row["train_steps"] == 4


def test_late_window_known_answers():
    row = {f"frechet_distance@{c}": fd for c, fd in zip(range(500, 6_500, 500), [90, 80, 70, 60, 50, 40, 30, 26, 24,
                                                                                   22, 21, 20])}  # fmt: skip
    # 6,000 steps: window 1,800; late (4,200, 6,000] = 4,500..6,000; before (2,400, 4,200] = 2,500..4,000
    out = stability.late_window(row, 6_000)
    assert out["frechet_distance_late"] == pytest.approx((24 + 22 + 21 + 20) / 4)
    assert out["frechet_distance_late_gain"] == pytest.approx(1 - 21.75 / np.mean([50, 40, 30, 26]))
    # at 3,000 steps (window 900) the later checkpoints are ignored: late 2,500..3,000, before 1,500..2,000
    out = stability.late_window(row, 3_000)
    assert out["frechet_distance_late"] == pytest.approx(45.0) and out["frechet_distance_late_gain"] == pytest.approx(
        1 - 45 / 65)  # fmt: skip
    assert stability.late_window({"frechet_distance@10": 5.0}, 10) == {}  # no window before the late one
    out = stability.late_window({**row, "frechet_distance@5500": float("nan")}, 6_000)
    assert math.isnan(out["frechet_distance_late"]) and math.isnan(out["frechet_distance_late_gain"])


# --- the summaries on a hand-made result with known answers -------------------------------------------------

LATE = {  # variant -> factor -> late FD of seeds 0, 1, 2 (NaN: diverged)
    "baseline": {0.5: [10.0, 12.0, 14.0], 1.0: [8.0, 9.0, 10.0], 4.0: [20.0, math.nan, 30.0]},
    "WGAN-GP": {0.5: [9.0, 9.5, 10.5], 1.0: [8.5, 9.5, 11.0], 4.0: [9.0, 10.0, 11.5]},
    "TTUR": {0.5: [15.0, 16.0, 200.0], 1.0: [math.nan] * 3, 4.0: [9.0, 12.0, 14.0]},  # 200: above FAILED_FD
}


@pytest.fixture(scope="module")
def hand_made():
    cfg = experiments.get("stability").configured(variants={v: stability.VARIANTS[v] for v in LATE},
                                                  lr_factors=[0.5, 1.0, 4.0])  # fmt: skip
    rows = [{"model": stability.variant_name(v, f), "seed": s, "frechet_distance_late": fd,
             "diverged": float(math.isnan(fd))}
            for v, grid in LATE.items() for f, fds in grid.items() for s, fd in enumerate(fds)]  # fmt: skip
    return experiments.Result.from_rows("stability", rows, cfg)


def test_spread_reports_best_mean_median_worst_and_divergence(hand_made):
    base = stability.spread(hand_made, "baseline")
    assert base.best_factor == 1.0 and stability.best_rate(hand_made, "baseline") == 1.0
    t = scipy_stats.t.ppf(0.975, df=2) * 1.0 / math.sqrt(3)  # s = 1 over seeds 8, 9, 10
    assert (base.best.estimate, base.best.low, base.best.high) == pytest.approx((9.0, 9.0 - t, 9.0 + t))
    assert base.median == 12.0 and base.worst == 25.0  # per-lr means 12, 9 and 25 (the diverged seed left out)
    assert base.by_factor[4.0].n == 2 and base.diverged == base.failed == proportion_interval(1, 9)
    wgan = stability.spread(hand_made, "WGAN-GP")  # means 29/3, 29/3 and 10.1666: the first of the tie
    assert wgan.best_factor == 0.5 and wgan.worst == pytest.approx(30.5 / 3) and wgan.diverged.estimate == 0.0
    ttur = stability.spread(hand_made, "TTUR")  # every run at x1 diverged: no worst, a third of the runs diverged
    assert ttur.best_factor == 4.0 and math.isnan(ttur.worst) and ttur.median == pytest.approx((77 + 35 / 3) / 2)
    assert ttur.diverged == proportion_interval(3, 9) and ttur.failed == proportion_interval(4, 9)  # and FD 200
    table = stability.spread_table(hand_made)
    assert "| baseline | x1 | 9 [6.52, 11.5] | 12 | 25 | 1/9 (1 diverged) |" in table
    assert "| TTUR | x4 |" in table and "every run diverged | 4/9 (3 diverged) |" in table
    strict = stability.spread(hand_made, "WGAN-GP", failed_above=10.0)  # 10.5, 11.0 and 11.5 are above 10
    assert strict.failed == proportion_interval(3, 9) and strict.diverged.estimate == 0.0
    assert mean_interval([8.0, 9.0, 10.0]) == base.best


def test_grid_range_is_worst_minus_best_per_seed(hand_made):
    spread = stability.grid_range(hand_made, "baseline")
    assert spread[0] == 12.0 and math.isnan(spread[1]) and spread[2] == 20.0
    assert stability.grid_range(hand_made, "WGAN-GP") == pytest.approx({0: 0.5, 1: 0.5, 2: 1.0})


def test_compare_is_one_holm_family_of_paired_tests(hand_made):
    comparison = stability.compare(hand_made)
    claims = [t.claim for t in comparison.tests]
    assert claims == [
        "baseline at lr x0.5 has lower frechet_distance_late than at x1",
        "WGAN-GP at its best lr (x0.5) has lower frechet_distance_late than baseline at its best",
        "WGAN-GP's frechet_distance_late varies less over the lr grid than baseline's",
        "WGAN-GP at lr x0.5 has lower frechet_distance_late than at x1",
        "TTUR at its best lr (x4) has lower frechet_distance_late than baseline at its best",
    ]
    # TTUR's range needs all three of its rates, and x1 always diverged: neither pairs with x1, and said so
    assert list(comparison.left_out) == ["TTUR's frechet_distance_late varies less over the lr grid than baseline's",
                                         "TTUR at lr x0.5 has lower frechet_distance_late than at x1"]  # fmt: skip
    raw = [scipy_stats.ttest_rel([10.0, 12.0, 14.0], [8.0, 9.0, 10.0]).pvalue,  # the article's smaller rate
           scipy_stats.ttest_rel([9.0, 9.5, 10.5], [8.0, 9.0, 10.0]).pvalue,
           scipy_stats.ttest_rel([0.5, 1.0], [12.0, 20.0]).pvalue,  # seed 1 of the baseline diverged at x4
           scipy_stats.ttest_rel([9.0, 9.5, 10.5], [8.5, 9.5, 11.0]).pvalue,
           scipy_stats.ttest_rel([9.0, 12.0, 14.0], [8.0, 9.0, 10.0]).pvalue]  # fmt: skip
    np.testing.assert_allclose([t.p_value for t in comparison.tests], raw)
    np.testing.assert_allclose([t.p_holm for t in comparison.tests], holm_adjust(raw))
    assert comparison.tests[0].effect.estimate == pytest.approx(3.0)  # 10-8, 12-9, 14-10
    assert comparison.tests[1].effect.estimate == pytest.approx(2 / 3)


def test_summaries_name_the_bad_argument_and_the_fix(hand_made):
    with pytest.raises(ValueError, match=r"`variant` must be one of the study's variants \['baseline', 'WGAN-GP', "
                                         r"'TTUR'\] \(without the learning rate"):  # fmt: skip
        stability.spread(hand_made, "WGAN-GP · lr x1")
    with pytest.raises(TypeError, match=r"`result` must be a Result of the 'stability' protocol .* Fix: load it"):
        stability.spread({"baseline": 1}, "baseline")
    with pytest.raises(UnknownNameError, match=r"No metric 'fid' .*argument `metric`"):
        stability.spread(hand_made, "baseline", metric="fid")
    with pytest.raises(ValueError, match=r"`failed_above` must be a Fréchet distance > 0 such as 150.0"):
        stability.spread(hand_made, "baseline", failed_above=-1)
    cfg = experiments.get("stability").configured(variants={"TTUR": stability.VARIANTS["TTUR"]}, lr_factors=[1.0])
    only_ttur = experiments.Result.from_rows(
        "stability",
        [{"model": "TTUR · lr x1", "seed": s, "frechet_distance_late": 5.0 + s, "diverged": 0.0} for s in range(2)],
        cfg,
    )
    with pytest.raises(ValueError, match="`result` has no 'baseline' variant to compare with"):
        stability.compare(only_ttur)
    no_window = experiments.Result.from_rows("stability", [  # seed 1 never reached a late window: failed, not diverged
        {"model": "TTUR · lr x1", "seed": 0, "frechet_distance_late": 5.0, "diverged": 0.0},
        {"model": "TTUR · lr x1", "seed": 1, "frechet_distance_late": math.nan, "diverged": 0.0}], cfg)  # fmt: skip
    summary = stability.spread(no_window, "TTUR")
    assert summary.failed == proportion_interval(1, 2) and summary.diverged == proportion_interval(0, 2)
    diverged = experiments.Result.from_rows(
        "stability",
        [{"model": "TTUR · lr x1", "seed": s, "frechet_distance_late": math.nan, "diverged": 1.0} for s in range(2)],
        cfg,
    )
    with pytest.raises(ValueError, match="Every run of 'TTUR' diverged"):
        stability.spread(diverged, "TTUR")

"""The ``mode_collapse`` protocol (issue 14, item 7): four 2-D GANs on the ring and the grid, PacGAN's set-up."""

import numpy as np
import pytest

from vaegan_edu import data, experiments, metrics, models
from vaegan_edu.experiments import mode_collapse as mc


def test_quick_run_scores_every_model_on_both_datasets(tmp_path):
    result = experiments.run("mode_collapse", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    assert result.variants == [mc.variant_name(d, m) for d in ("ring8", "grid25") for m in mc.MODELS]
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        num_modes = 8 if variant.startswith("ring8") else 25
        assert 0 <= row["modes_captured"] <= num_modes and 0.0 <= row["high_quality"] <= 1.0
        assert 0.0 <= row["reverse_kl"] <= np.log(num_modes) + 1e-9
        assert row["modes_captured"] == row["modes_captured@10"] and "high_quality@5" in row
    # grid verdicts are paired against the grid's own GAN, not the protocol's (ring) baseline
    assert "than grid25 · GAN" in result.verdict("grid25 · PacGAN2", "modes_captured", against="grid25 · GAN").claim


def test_models_change_one_knob_and_follow_the_papers():
    wgan = models.make_gan_2d(seed=0, data_scale=4.0, **mc.MODELS["WGAN-GP"])
    assert (wgan.loss_name, wgan.d_steps, wgan.gp_weight) == ("wasserstein_gp", 5, 0.1)
    assert float(wgan.d_optimizer.beta_2) == 0.9
    assert models.make_gan_2d(seed=0, **mc.MODELS["PacGAN4"]).pack == 4
    x, modes, std = data.toy_2d("grid25", 100, seed=0)
    assert std == 0.05 and np.abs(modes).max() == 4.0  # PacGAN's grid, which the generator's scale 4 spans
    with pytest.raises(ValueError, match="`beta_2` must be a number in"):
        models.make_gan_2d(beta_2=1.5)


def test_the_published_tables_cover_the_models_compared():
    pacgan = mc.PUBLISHED["PacGAN (Lin et al. 2018), Table 1, 10 trials"]
    assert set(pacgan) == {"GAN", "PacGAN2", "PacGAN4"} <= set(mc.MODELS)
    for table in mc.PUBLISHED.values():
        for row in table.values():
            assert set(row) == set(mc.DATASETS) and all(len(cell) == 3 for cell in row.values())


def test_checkpoint_metrics_read_as_curves(tmp_path):
    result = experiments.run("mode_collapse", quick=True, seeds=[0, 1], directory=tmp_path, say=lambda t: None,
                             datasets={"ring8": mc.DATASETS["ring8"] | {"n": 1_000}})
    assert result.checkpoints("modes_captured") == [5, 10]
    curve = [result.interval("ring8 · PacGAN2", f"modes_captured@{s}") for s in result.checkpoints("modes_captured")]
    assert all(np.isfinite(c.estimate) for c in curve)
    with pytest.raises(KeyError, match="METRIC@STEP"):
        result.interval("ring8 · GAN", "modes_captured@late")
    with pytest.raises(KeyError, match="No metric 'fd@5'"):
        result.values("ring8 · GAN", "fd@5")


# === mode_collapse_plateau (issue 31): trained to the plateau, read over the late window, beside uniform noise ===


def test_late_window_averages_the_last_30_percent_and_measures_the_gain():
    row = {f"{m}@{s}": v for s, v in zip(range(100, 1100, 100), np.linspace(0.1, 1.0, 10))
           for m in mc.SCORED}  # fmt: skip
    late = mc.late_window(row, 1_000)
    assert late["high_quality_late"] == pytest.approx(np.mean([0.8, 0.9, 1.0]))  # steps 800, 900, 1000
    assert late["high_quality_late_gain"] == pytest.approx(0.9 - 0.6)  # minus steps 500-700
    flat = {k: 0.9 for k in row}
    assert mc.late_window(flat, 1_000)["high_quality_late_gain"] == pytest.approx(0.0)  # a plateau gains nothing
    assert mc.late_window({"high_quality@1000": 1.0}, 1_000) == {}  # no window before it: nothing to compare


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_uniform_spray_counts_modes_at_almost_no_high_quality(dataset):
    x, modes, std = data.toy_2d(dataset, 100, seed=0)
    coverage = metrics.mode_coverage(mc.spray(dataset, 2_500, 0), modes, std)
    assert coverage.modes_captured >= 0.6 * len(modes) and coverage.high_quality < 0.05, coverage
    assert np.array_equal(mc.spray(dataset, 10, 3), mc.spray(dataset, 10, 3))  # one seed, one draw


def test_plateau_quick_run_adds_the_spray_row_and_late_scores(tmp_path):
    result = experiments.run("mode_collapse_plateau", quick=True, seeds=[0], directory=tmp_path,
                             say=lambda t: None, datasets={"ring8": mc.DATASETS["ring8"] | {"n": 1_000}})  # fmt: skip
    assert result.variants == ["ring8 · uniform spray"] + [f"ring8 · {m}" for m in mc.MODELS]
    rows = result.payload["seeds"]["0"]["variants"]
    for variant, row in rows.items():
        assert {"high_quality_late", "modes_captured_late", "reverse_kl_late", "high_quality_late_gain"} <= set(row)
    assert rows["ring8 · uniform spray"]["high_quality_late"] < 0.05
    proto = experiments.get("mode_collapse_plateau")
    assert proto.config["budget"]["steps"] == 20_000 and proto.config["seeds"] >= 5

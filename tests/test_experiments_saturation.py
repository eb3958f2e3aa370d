"""The ``saturation`` protocol (issue 14): minimax against non-saturating loss, Adam or SGD, with D ahead or not."""

import keras
import numpy as np
import pytest

from vaegan_edu import data, experiments, models
from vaegan_edu.experiments import saturation


def test_quick_run_measures_every_variant(tmp_path):
    result = experiments.run("saturation", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    assert result.variants == list(saturation.VARIANTS) and len(result.variants) == 8
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        assert 0 <= row["modes_captured"] <= 8 and 0 <= row["high_quality"] <= 1
        assert row["start_gradient"] > 0 and 0 < row["start_d_fake"] < 1
    assert result.payload["data"] is None  # 2-D points are drawn from a seed, not a cached dataset


def test_a_head_start_makes_d_reject_the_samples_and_flattens_the_minimax_gradient():
    """The regime of the textbook argument, measured: D(G(z)) near 0, the minimax gradient far smaller than the
    non-saturating one on the same networks."""
    x, _, _ = data.toy_2d("ring8", 5000, seed=0)
    signal = {}
    for loss in ("minimax", "non_saturating"):
        gan = models.make_gan_2d(loss=loss, seed=0)
        saturation.discriminator_head_start(gan, x, 300, 512)
        signal[loss] = saturation.generator_signal(gan)
    assert signal["minimax"][1] < 0.05 and signal["non_saturating"][1] < 0.05
    assert signal["non_saturating"][0] > 20 * signal["minimax"][0]


def test_make_gan_2d_optimizers():
    sgd = models.make_gan_2d(optimizer="sgd", lr=0.05, seed=0)
    assert isinstance(sgd.d_optimizer, keras.optimizers.SGD) and isinstance(sgd.g_optimizer, keras.optimizers.SGD)
    assert isinstance(models.make_gan_2d(seed=0).g_optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="`optimizer` must be 'adam', 'sgd' or 'momentum'"):
        models.make_gan_2d(optimizer="rmsprop")
    with pytest.raises(ValueError, match="`lr` must be a positive number"):
        models.make_gan_2d(lr=0)


def test_make_gan_variant_trains_with_sgd_when_asked():
    sgd = models.make_gan_variant((28, 28, 1), seed=0, optimizer="sgd", learning_rate=0.05, loss="minimax")
    assert isinstance(sgd.d_optimizer, keras.optimizers.SGD) and isinstance(sgd.g_optimizer, keras.optimizers.SGD)
    assert float(sgd.g_optimizer.learning_rate) == pytest.approx(0.05)
    adam = models.make_gan_variant((28, 28, 1), seed=0)
    assert isinstance(adam.g_optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="`optimizer` must be 'adam', 'sgd' or 'momentum'"):
        models.make_gan_variant((28, 28, 1), optimizer="rmsprop")


def test_digits_protocol_quick_run_scores_every_variant_with_its_optimizer(tmp_path):
    result = experiments.run("saturation_digits", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    assert result.variants == list(saturation.DIGITS_VARIANTS) and result.checkpoints("frechet_distance") == [5, 10]
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        assert row["diverged"] in (0.0, 1.0) and row["train_steps"] == 10
        assert row["diverged"] == 1.0 or row["frechet_distance"] > 0
    # the two losses differ only in the loss, the two optimisers only in the optimiser: the same first weights
    spec = saturation.DIGITS_VARIANTS
    assert spec["minimax, SGD"] == {**spec["non-saturating, SGD"], "loss": "minimax"}
    assert spec["minimax, Adam"] == {**spec[saturation.DIGITS_BASELINE], "loss": "minimax"}


def test_the_plateau_protocol_gives_every_arm_the_same_search_and_picks_the_best_rate():
    config = experiments.get("saturation_plateau").config
    arms = {name.rsplit(", lr ", 1)[0] for name in config["variants"]}
    assert arms == set(saturation.PLATEAU_ARMS) and len(config["variants"]) == 3 * len(arms)
    assert all(v["d_ahead"] == saturation.PLATEAU_HEAD_START for v in config["variants"].values())
    rows = [
        {"model": name, "seed": seed, "high_quality_late": 0.1 * (i % 3) + 0.01 * seed}
        for i, name in enumerate(config["variants"])
        for seed in range(2)
    ]
    result = experiments.Result.from_rows("saturation_plateau", rows)
    assert saturation.best_rate(result, "minimax, SGD") == "minimax, SGD, lr 0.2"
    assert saturation.best_rate(result, saturation.BASELINE) == "non-saturating, Adam, lr 0.003"
    with pytest.raises(ValueError, match="`arm` must be one of"):
        saturation.best_rate(result, "hinge, Adam")


def test_a_plateau_run_records_the_start_signal_and_the_late_window(tmp_path):
    result = experiments.run("saturation_plateau", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    row = result.payload["seeds"]["0"]["variants"][result.variants[0]]
    assert row["start_gradient"] > 0 and 0 < row["start_d_fake"] < 1
    assert {"high_quality_late", "modes_captured_late", "high_quality@20"} <= set(row)


def test_the_plateau_family_compares_adam_outcomes_and_both_gradients_on_a_log_scale():
    from vaegan_edu.experiments import saturation

    result = experiments.load("saturation_plateau")
    family = saturation.plateau_family(result)
    assert [t.claim.split(" · ")[1] for t in family] == [
        "log10 gradient at the start",
        "high-quality share",
        "modes",
        "reverse KL",
        "log10 gradient at the start",
    ]
    assert [t.claim.split(":")[0] for t in family] == ["Adam"] * 4 + ["SGD"]  # no outcome of an untrained arm
    ns, mm = (saturation.best_rate(result, arm) for arm in ("non-saturating, Adam", "minimax, Adam"))
    a, b = result.values(ns, "start_gradient"), result.values(mm, "start_gradient")
    ratios = [np.log10(a[s] / b[s]) for s in result.seeds]
    np.testing.assert_allclose(family[0].effect.estimate, np.mean(ratios))
    assert all(t.p_holm >= t.p_value for t in family)

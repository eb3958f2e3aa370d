"""The fairer duel (protocol ``duel_tuned``, issue 31 item 4): matched networks, curves read at exact budgets,
learning rates chosen on validation images, and the Holm-corrected family of verdicts."""

import math

import numpy as np
import pytest
import scipy.stats

import vaegan_edu as ve  # noqa: F401  (before keras: the package's environment settings)
from vaegan_edu import experiments, models
from vaegan_edu.experiments import duel_tuned as dt
from vaegan_edu.experiments.results import Result

# --- the matched networks ---------------------------------------------------------------------------------------


def test_matched_encoder_and_discriminator_differ_by_the_last_layer_only():
    vae, gan = models.make_twins((14, 14, 1), seed=0, width=8, matched=True)
    _, dcgan = models.make_twins((14, 14, 1), seed=0, width=8)
    assert vae.encoder.count_params() == 102_680
    assert gan.discriminator.count_params() == 102_809 == vae.encoder.count_params() + 2 * vae.latent_dim + 1
    assert dcgan.discriminator.count_params() == 2_985  # stability's DCGAN discriminator, a linear logit
    # the VAE's decoder is the GAN's generator network (same layers and shapes; 14x14 strides on both)
    assert [w.shape for w in vae.decoder.weights] == [w.shape for w in gan.generator.weights]
    assert gan.generator.count_params() == 55_521 and vae.image_shape == (14, 14, 1)


def test_matched_twins_at_28x28():
    vae, gan = models.make_twins(seed=0, matched=True)
    assert (vae.encoder.count_params(), gan.discriminator.count_params()) == (434_912, 435_041)


def test_default_twins_are_unchanged_by_the_matched_option():
    _, gan = models.make_twins(seed=3)
    dcgan = models.make_dcgan(seed=3)
    assert gan.discriminator.count_params() == 36_513
    for a, b in zip(gan.get_weights(), dcgan.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_gan_with_a_hidden_discriminator_layer_survives_get_config():
    gan = models.make_gan_variant((14, 14, 1), seed=1, width=8, hidden=16)
    again = models.GAN.from_config(gan.get_config())
    assert again.discriminator.count_params() == gan.discriminator.count_params() == 2_200 + 784 * 16 + 16 + 17
    again.discriminator.set_weights(gan.discriminator.get_weights())
    x = np.random.default_rng(0).uniform(size=(3, 14, 14, 1)).astype("float32")
    assert [layer.name for layer in again.discriminator.layers] == [layer.name for layer in gan.discriminator.layers]
    np.testing.assert_allclose(np.asarray(again.discriminator(x)), np.asarray(gan.discriminator(x)), rtol=1e-5)


@pytest.mark.parametrize("hidden", [0, -3, 2.5, True, "128"])
def test_bad_hidden_units_are_refused(hidden):
    with pytest.raises(ValueError, match=r"`hidden`.*integer >= 1"):
        models.dcgan_discriminator((14, 14, 1), 8, strides=(2, 1), hidden=hidden)


def test_bad_twin_options_are_refused():
    with pytest.raises(TypeError, match="`matched`"):
        models.make_twins((14, 14, 1), width=8, matched="yes")
    with pytest.raises(ValueError, match="`gan_learning_rate`"):
        models.make_twins((14, 14, 1), width=8, gan_learning_rate=0.0)


# --- reading a curve at exact budgets ---------------------------------------------------------------------------

ROW = {"fd@100": 40.0, "fd@1000": 10.0, "fd@10000": 4.0,
       "train_seconds@100": 1.0, "train_seconds@1000": 10.0, "train_seconds@10000": 100.0}  # fmt: skip


def test_read_curve_interpolates_in_log_time_by_hand():
    assert dt.read_curve(ROW, "fd", seconds=10.0) == 10.0  # a checkpoint: exactly its value
    assert dt.read_curve(ROW, "fd", seconds=math.sqrt(10.0)) == pytest.approx(25.0)  # halfway in log-time
    # 50 s: log10(5) = 0.69897 of the way from 10 s to 100 s; "the last checkpoint within 50 s" would say 10.0
    assert dt.read_curve(ROW, "fd", seconds=50.0) == pytest.approx(10.0 + math.log10(5.0) * (4.0 - 10.0))
    assert dt.read_curve(ROW, "fd", steps=1000) == 10.0
    assert dt.read_curve(ROW, "fd", steps=3162.2776601683795) == pytest.approx(7.0)  # halfway in log-steps
    for budget in (0.5, 100.5):  # never extrapolated
        assert math.isnan(dt.read_curve(ROW, "fd", seconds=budget))
    assert math.isnan(dt.read_curve({**ROW, "fd@10000": float("nan")}, "fd", seconds=50.0))


def test_steps_and_seconds_convert_linearly_within_a_segment():
    assert dt.steps_at_seconds(ROW, 55.0) == pytest.approx(5_500.0)
    assert dt.seconds_at_steps(ROW, 5_500) == pytest.approx(55.0)
    assert math.isnan(dt.steps_at_seconds(ROW, 200.0))


def test_read_curve_refuses_bad_budgets():
    with pytest.raises(ValueError, match="exactly one budget"):
        dt.read_curve(ROW, "fd", steps=10, seconds=1.0)
    with pytest.raises(ValueError, match="exactly one budget"):
        dt.read_curve(ROW, "fd")
    with pytest.raises(ValueError, match="`seconds`"):
        dt.read_curve(ROW, "fd", seconds=-1.0)
    with pytest.raises(TypeError, match="`row`"):
        dt.read_curve([1, 2], "fd", steps=10)
    with pytest.raises(ValueError, match="increasing"):
        dt.read_curve({**ROW, "train_seconds@1000": 0.5}, "fd", seconds=5.0)


# --- oscillation -------------------------------------------------------------------------------------------------


def test_oscillation_measures_by_hand():
    zigzag = {f"frechet_distance@{c}": v for c, v in zip(range(1, 11), [50, 40, 30, 20, 15, 13, 10, 12, 10, 12])}
    out = dt.oscillation_measures(zigzag, steps=10, share=0.4)  # the window (6, 10]: 10, 12, 10, 12
    assert out["frechet_distance_jitter"] == pytest.approx(math.sqrt(12 / 6))
    assert out["frechet_distance_relative_jitter"] == pytest.approx(math.sqrt(2) / 11)
    assert out["frechet_distance_drift"] == pytest.approx(0.4 * 3 / 11)  # least-squares slope 0.4 per step
    line = {f"frechet_distance@{c}": 11.0 - c for c in range(1, 11)}  # 4, 3, 2, 1 in the window: a trend
    out = dt.oscillation_measures(line, steps=10, share=0.4)
    assert out["frechet_distance_jitter"] == pytest.approx(math.sqrt(0.5))
    assert out["frechet_distance_drift"] == pytest.approx(-3 / 2.5)
    assert dt.oscillation_measures(line, steps=10, share=0.2) == {}  # 2 checkpoints: no jitter to measure


# --- choosing on validation, comparing on test --------------------------------------------------------------------


def _result(runs: dict) -> Result:
    """A hand-made duel_tuned Result: runs = {(model, factor): {seed: {step: (val FD, test FD, seconds)}}}."""
    rows = []
    for (model, factor), seeds in runs.items():
        for seed, points in seeds.items():
            row = {"model": dt.variant_name(model, factor), "seed": seed}
            for step, (val, test, seconds) in points.items():
                row.update({f"val_frechet_distance@{step}": val, f"frechet_distance@{step}": test,
                            f"train_seconds@{step}": seconds})  # fmt: skip
            rows.append(row)
    return Result.from_rows("duel_tuned", rows)


def _flat(val, test, seeds=(0, 1, 2), steps=(1000, 2000)):
    """Runs whose validation and test FD are ``val[i]`` and ``test[i]`` for seed i at every checkpoint."""
    return {s: {c: (val[i], test[i], c / 100) for c in steps} for i, s in enumerate(seeds)}


def test_the_rate_is_chosen_on_validation_images_among_rates_that_never_failed():
    third, one, three = dt.LR_FACTORS
    result = _result({
        ("VAE", third): _flat([5.0, 5.0, 5.0], [50.0, 50.0, 50.0]),  # best on validation
        ("VAE", one): _flat([6.0, 6.0, 6.0], [2.0, 2.0, 2.0]),  # best on test: must not be chosen
        ("VAE", three): _flat([1.0, 1.0, float("nan")], [1.0, 1.0, float("nan")]),  # a seed diverged
        ("GAN", one): _flat([9.0, 9.0, 9.0], [9.0, 9.0, 9.0]),
    })  # fmt: skip
    factor, means = dt.choose_rate(result, "VAE", steps=1500)
    assert factor == third and means == {third: 5.0, one: 6.0}
    assert dt.choose_rate(result, "VAE", seconds=15.0)[0] == third
    assert dt.choose_rate(result, "GAN", steps=1500)[0] == one
    assert dt.choose_rate(result, "VAE", steps=5000) == (None, {})  # past every run's end
    with pytest.raises(ValueError, match="`model`"):
        dt.choose_rate(result, "AE", steps=1000)


def _holm(p):
    """Holm's adjusted p-values, written out independently of the package."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, (len(p) - rank) * p[i])
        out[i] = min(1.0, running)
    return out


def test_the_duel_is_one_holm_family_over_both_axes():
    seeds = (0, 1, 2, 3)
    vae_1000, gan_1000 = [10.0, 11.0, 12.0, 13.0], [20.0, 20.5, 22.0, 23.0]  # the VAE clearly lower
    vae_2000, gan_2000 = [5.0, 6.0, 7.0, 8.0], [5.5, 5.0, 8.0, 7.9]  # no clear difference

    def runs(at_1000, at_2000, seconds):
        return {s: {1000: (at_1000[i], at_1000[i], seconds), 2000: (at_2000[i], at_2000[i], 2 * seconds)}
                for i, s in enumerate(seeds)}  # fmt: skip

    result = _result({("VAE", 1.0): runs(vae_1000, vae_2000, 10.0), ("GAN", 1.0): runs(gan_1000, gan_2000, 20.0)})
    d = dt.duel(result, step_budgets=(1000, 2000), seconds_budgets=(20.0, 30.0), best=False)
    # 20 s: the VAE at step 2000 (its end), the GAN at step 1000; 30 s: past the VAE's run, not tested
    assert [r.test is None for r in d.readings] == [False, False, False, True]
    assert "VAE" in d.readings[3].left_out and len(d.tests) == 3
    raw = [scipy.stats.ttest_rel(vae_1000, gan_1000).pvalue, scipy.stats.ttest_rel(vae_2000, gan_2000).pvalue,
           scipy.stats.ttest_rel(vae_2000, gan_1000).pvalue]  # fmt: skip
    for test, p, p_holm in zip(d.tests, raw, _holm(raw)):
        assert test.p_value == pytest.approx(p) and test.p_holm == pytest.approx(p_holm)
        assert test.effect.n == 4
    assert [t.status for t in d.tests] == ["supported", "inconclusive", "supported"]
    assert d.tests[0].effect.estimate == pytest.approx(np.mean(np.subtract(vae_1000, gan_1000)))
    # each step budget is labelled with the seconds each model really took, each seconds budget with its steps
    assert d.readings[1].seconds == {"VAE": 20.0, "GAN": 40.0} and d.readings[2].steps == {"VAE": 2000.0, "GAN": 1000.0}
    assert d.readings[1].label() == "2,000 steps (VAE 20 s, GAN 40 s)"
    assert "| 2,000 steps (VAE 20 s, GAN 40 s) | x1, x1 |" in d.markdown()
    with pytest.raises(ValueError, match="`metric`.*ELBO"):
        dt.duel(result, metric="elbo_bpd")
    with pytest.raises(TypeError, match="`result`"):
        dt.duel({"seeds": {}})
    with pytest.raises(ValueError, match="`step_budgets`"):
        dt.duel(result, step_budgets=(0,))


def test_the_best_checkpoint_is_early_stopping_on_validation_images():
    third, one, _ = dt.LR_FACTORS
    seeds = (0, 1, 2)
    # the GAN at x1 is best at step 2000 and then gets worse; at x1/3 it is never as good; test FD disagrees
    gan_one = {s: {1000: (9.0, 9.0, 10.0), 2000: (4.0 + s, 40.0, 20.0), 3000: (8.0, 1.0, 30.0)} for s in seeds}
    gan_third = {s: {1000: (20.0, 1.0, 10.0), 2000: (15.0, 1.0, 20.0), 3000: (6.5 + s, 1.0, 30.0)} for s in seeds}
    gan_third[2][3000] = (math.nan, math.nan, 30.0)  # a failed checkpoint is never chosen
    vae = {s: {1000: (7.0, 7.0 + s, 5.0), 2000: (6.0, 6.0 + s, 10.0), 3000: (6.0, 6.5, 15.0)} for s in seeds}
    result = _result({("GAN", one): gan_one, ("GAN", third): gan_third, ("VAE", one): vae})
    assert dt.best_checkpoint(result, "GAN") == (one, 2000)  # mean 5.0 beats 15.0 and 8.0
    assert dt.best_checkpoint(result, "VAE") == (one, 2000)  # the first of equal means
    d = dt.duel(result, step_budgets=(1000,), seconds_budgets=(10.0,))
    last = d.readings[-1]
    assert last.axis == "best" and last.factors == {"VAE": one, "GAN": one}
    assert last.steps == {"VAE": 2000.0, "GAN": 2000.0} and last.seconds == {"VAE": 10.0, "GAN": 20.0}
    assert last.label() == "each at its best checkpoint (VAE 2,000 steps, 10 s, GAN 2,000 steps, 20 s)"
    assert last.test.effect.estimate == pytest.approx(np.mean([6.0, 7.0, 8.0]) - 40.0)  # on test images
    assert len(d.tests) == 3 and len(dt.duel(result, step_budgets=(1000,), seconds_budgets=(10.0,), best=False).tests) == 2
    with pytest.raises(TypeError, match="`best`"):
        dt.duel(result, best="yes")


def test_calibrated_puts_every_checkpoint_on_the_median_step_cost():
    rows = [{"model": dt.variant_name(m, 1.0), "seed": s, "train_seconds@100": 7.0, "train_seconds@200": 9.0,
             "frechet_distance@100": 1.0, "frechet_distance@200": 1.0, "seconds_per_step": cost}
            for m, costs in (("VAE", (0.01, 0.03, 0.02)), ("GAN", (0.1, 0.1, 0.4))) for s, cost in enumerate(costs)]  # fmt: skip
    result = dt.calibrated(Result.from_rows("duel_tuned", rows))
    gan = result.values(dt.variant_name("GAN", 1.0), "train_seconds@200")
    vae = result.values(dt.variant_name("VAE", 1.0), "train_seconds@100")
    assert gan == {0: pytest.approx(20.0), 1: pytest.approx(20.0), 2: pytest.approx(20.0)}
    assert vae[0] == pytest.approx(2.0)
    assert result.values(dt.variant_name("VAE", 1.0), "measured_seconds@200")[1] == 9.0
    with pytest.raises(ValueError, match="`seconds_per_step`"):
        dt.calibrated(result, {"VAE": 0.01})


def test_oscillation_compares_the_chosen_rates_relative_jitter_paired_by_seed():
    def rows(model, factor, val_late, jitter, drift):
        return [{"model": dt.variant_name(model, factor), "seed": s, "val_frechet_distance_late": val_late,
                 "frechet_distance_relative_jitter": j, "frechet_distance_drift": d}
                for s, (j, d) in enumerate(zip(jitter, drift))]  # fmt: skip

    gan_jitter = [0.20, 0.25, 0.22, 0.30]
    result = Result.from_rows("duel_tuned", [
        *rows("VAE", 1.0, 5.0, [0.01, 0.02, 0.015, 0.01], [-0.05, -0.04, -0.06, -0.05]),
        *rows("VAE", 3.0, 9.0, [0.5, 0.5, 0.5, 0.5], [0.0] * 4),  # not chosen: worse on validation
        *rows("GAN", 1.0, 7.0, gan_jitter, [0.01, -0.02, 0.0, 0.01]),
    ])  # fmt: skip
    osc = dt.oscillation(result)
    assert osc.factors == {"VAE": 1.0, "GAN": 1.0}
    assert osc.relative_jitter["GAN"] == dict(enumerate(gan_jitter))
    jitter, drift = osc.tests  # one Holm family of two: jitter, then drift
    assert jitter.status == "supported" and jitter.effect.n == 4
    assert jitter.effect.estimate == pytest.approx(np.mean(np.subtract(gan_jitter, [0.01, 0.02, 0.015, 0.01])))
    raw = [scipy.stats.ttest_rel(gan_jitter, [0.01, 0.02, 0.015, 0.01]).pvalue,
           scipy.stats.ttest_rel([0.01, -0.02, 0.0, 0.01], [-0.05, -0.04, -0.06, -0.05]).pvalue]  # fmt: skip
    assert [t.p_holm for t in osc.tests] == pytest.approx(_holm(raw))
    assert drift.effect.estimate == pytest.approx(0.05) and "drifts upward" in drift.claim
    short = Result.from_rows("duel_tuned", [*rows("VAE", 1.0, 5.0, [math.nan] * 4, [math.nan] * 4),
                                            *rows("GAN", 1.0, 7.0, gan_jitter, [0.0] * 4)])  # fmt: skip
    with pytest.raises(ValueError, match="at least 3 checkpoints in its late window"):
        dt.oscillation(short)


# --- the protocol ------------------------------------------------------------------------------------------------


def test_the_protocol_is_registered_with_an_equal_grid_and_a_long_budget():
    protocol = experiments.get("duel_tuned")
    config = protocol.config
    assert config["budget"] == {"steps": 48_000} and config["seeds"] == 5 and config["matched"] is True
    assert len(config["lr_factors"]) >= 3 and config["learning_rates"] == {"VAE": 1e-3, "GAN": 2e-4}
    assert config["num_validation"] < config["data"]["num_test"] and config["width"] == 8
    assert protocol.saves_variants and protocol.baseline == "GAN · lr x1"
    assert dt.checkpoint_steps(48_000, **config["checkpoints"])[:5] == [250, 500, 1000, 2000, 3000]


def test_the_validation_cut_must_leave_test_images():
    config = experiments.get("duel_tuned").configured(quick=True, num_validation=300)
    with pytest.raises(ValueError, match="`num_validation`"):
        dt.split(config)


def test_a_tiny_run_end_to_end():
    result = experiments.run("duel_tuned", quick=True, store=False, seeds=[0], lr_factors=[1.0],
                             budget={"steps": 15}, say=lambda text: None)  # fmt: skip
    assert result.variants == ["VAE · lr x1", "GAN · lr x1"]
    assert result.checkpoints("frechet_distance") == [5, 10, 15]
    for variant in result.variants:
        row = result.rows()[result.variants.index(variant)]
        seconds = [row[f"train_seconds@{c}"] for c in (5, 10, 15)]
        assert 0 < seconds[0] < seconds[1] < seconds[2] and row["seconds_per_step"] > 0
        assert 0 < row["frechet_distance"] < 1_000 and 0 < row["val_frechet_distance"] < 1_000
        assert row["diverged"] == 0.0 and row["train_steps"] == 15
    vae, gan = result.rows()
    assert 0 < vae["val_elbo_bpd@15"] <= 8.5 and math.isfinite(vae["train_elbo_bpd@10"])
    assert math.isnan(gan["elbo_bpd"]) and math.isfinite(gan["d_loss@15"]) and math.isnan(vae["d_loss@15"])
    assert vae["learning_rate"] == pytest.approx(1e-3) and gan["learning_rate"] == pytest.approx(2e-4)


def test_the_step_cost_protocol_times_both_models_alone_and_sets_the_clock():
    costs = experiments.run("duel_tuned_step_cost", quick=True, store=False, seeds=[0, 1], say=lambda text: None)
    assert sorted(costs.variants) == ["GAN", "VAE"] and costs.seeds == [0, 1]
    for row in costs.rows():
        assert 0 < row["seconds_per_step_min"] <= row["seconds_per_step"]
    per_step = dt.step_costs(costs)
    assert per_step["GAN"] == pytest.approx(np.median(list(costs.values("GAN", "seconds_per_step").values())))
    rows = [{"model": dt.variant_name(m, 1.0), "seed": 0, "train_seconds@100": 99.0, "frechet_distance@100": 1.0,
             "seconds_per_step": 1.0} for m in dt.MODELS]  # fmt: skip
    clocked = dt.calibrated(Result.from_rows("duel_tuned", rows), per_step)
    assert clocked.values(dt.variant_name("VAE", 1.0), "train_seconds@100")[0] == pytest.approx(100 * per_step["VAE"])
    with pytest.raises(ValueError, match="duel_tuned_step_cost"):
        dt.step_costs(Result.from_rows("duel_tuned", rows))

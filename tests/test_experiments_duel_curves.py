"""Chapter 09's protocol ``duel_curves``: twin networks, the checkpoint schedule, the quick run, reading curves."""

import math

import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu.experiments import duel_curves
from vaegan_edu.experiments.results import Result


def test_the_twins_generate_with_the_same_network():
    vae, gan = ve.models.make_twins(seed=3)
    dec, gen = vae.decoder, gan.generator
    assert [type(l).__name__ for l in dec.layers] == [type(l).__name__ for l in gen.layers]
    assert dec.count_params() == gen.count_params()
    assert [tuple(w.shape) for w in dec.weights] == [tuple(w.shape) for w in gen.weights]
    # the VAE's mean image is the sigmoid of its decoder: the same function a generator with these weights computes
    gen.set_weights(dec.get_weights())
    z = np.random.default_rng(0).standard_normal((5, vae.latent_dim)).astype("float32")
    np.testing.assert_allclose(vae.decode(z), np.asarray(gen(z, training=False)), atol=1e-6)
    # the encoder mirrors the discriminator: the same convolutions, then heads
    enc_convs = [tuple(w.shape) for l in vae.encoder.layers if "conv" in l.name for w in l.weights]
    disc_convs = [tuple(w.shape) for l in gan.discriminator.layers if "conv" in l.name for w in l.weights]
    assert enc_convs == disc_convs and enc_convs
    assert vae.likelihood == "discretized_logistic" and vae.latent_dim == gan.latent_dim == 64


def test_the_twins_are_seeded():
    a, _ = ve.models.make_twins(seed=1)
    b, _ = ve.models.make_twins(seed=1)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_checkpoint_schedule():
    assert duel_curves.checkpoint_steps(5000) == [50, 100, 200, 400, 800, 1600, 3200, 4800]
    assert duel_curves.checkpoint_steps(8, first=2, doubling_until=4, every=2) == [2, 4, 6, 8]
    with pytest.raises(ValueError, match="limit"):
        duel_curves.checkpoint_steps(0)


def test_grey_fraction_rises_with_blur_and_is_zero_for_binary_images():
    x = ve.data.load("glyphs", num_train=200, num_test=100, seed=0).x_test
    values = [ve.metrics.grey_fraction(x)] + [ve.metrics.grey_fraction(ve.metrics.blur(x, s)) for s in (0.5, 1.0, 2.0)]
    assert all(a < b for a, b in zip(values, values[1:])), values
    assert ve.metrics.grey_fraction((x > 0.5).astype("float32")) == 0.0
    with pytest.raises(ValueError, match="band"):
        ve.metrics.grey_fraction(x, band=(0.9, 0.1))


def test_quick_run_records_curves_and_reads_them(tmp_path):
    result = ve.experiments.run("duel_curves", quick=True, seeds=[0, 1], store=False)
    assert result.variants == ["VAE", "GAN"]
    steps = result.checkpoints("frechet_distance")
    assert steps[:2] == [2, 4]
    for variant in result.variants:
        for seed in result.seeds:
            row = result.payload["seeds"][str(seed)]["variants"][variant]
            times = [row[f"train_seconds@{s}"] for s in steps if f"train_seconds@{s}" in row]
            assert times == sorted(times) and times[0] >= 0  # cumulative, tracing left out
            assert row["compile_seconds"] >= 0 and row["train_steps"] in steps
    vae_bpd = result.values("VAE", "iwae_bpd")
    assert all(0 < v < 16 for v in vae_bpd.values())
    assert all(math.isnan(v) for v in result.values("GAN", "iwae_bpd").values())  # a GAN has no density
    assert all(math.isnan(v) for v in result.values("GAN", "elbo_bpd@2").values())
    curves = duel_curves.budget_intervals(result, "frechet_distance", budgets=(1e-6, 1e6))
    assert set(curves) == {"VAE", "GAN"} and all(len(c) == 2 for c in curves.values())
    verdicts = duel_curves.budget_verdicts(result, "frechet_distance", budgets=(1e6,))
    assert verdicts[0][1].status in ("supported", "contradicted", "inconclusive")
    guide = duel_curves.guide_markdown(result, {"which digits": "frechet_distance"}, budgets=(1e6,))
    assert guide.count("\n") == 2 and "Fréchet distance" in guide


def _constructed(times_vae, times_gan, fd_vae, fd_gan):
    """A result with 3 seeds, checkpoints at steps 10 and 20, the given training times and FDs per step."""
    rows = []
    for seed in range(3):
        for model, times, fds in (("VAE", times_vae, fd_vae), ("GAN", times_gan, fd_gan)):
            row = {"model": model, "seed": seed}
            for step, t, fd in zip((10, 20), times, fds):
                row[f"train_seconds@{step}"] = t
                row[f"frechet_distance@{step}"] = fd + seed * 0.1
            rows.append(row)
    return Result.from_rows("duel_curves", rows)


def test_values_at_budget_take_the_last_checkpoint_reached_in_time():
    result = _constructed((5.0, 50.0), (20.0, 200.0), (40.0, 30.0), (60.0, 10.0))
    assert duel_curves.values_at_budget(result, "VAE", "frechet_distance", 60)[0] == 30.0
    assert duel_curves.values_at_budget(result, "GAN", "frechet_distance", 60)[0] == 60.0
    assert math.isnan(duel_curves.values_at_budget(result, "GAN", "frechet_distance", 10)[0])
    # at one minute the VAE is ahead, at ten the GAN: the guide must say so budget by budget
    (_, early), (_, late) = duel_curves.budget_verdicts(result, "frechet_distance", budgets=(60, 600))
    assert (duel_curves.winner(early), duel_curves.winner(late)) == ("VAE", "GAN")
    (_, none_yet), = duel_curves.budget_verdicts(result, "frechet_distance", budgets=(10,))
    assert duel_curves.winner(none_yet) == "inconclusive"


def test_result_at_budget_gives_the_curves_values_under_plain_names():
    result = _constructed((5.0, 50.0), (20.0, 200.0), (40.0, 30.0), (60.0, 10.0))
    at_minute = duel_curves.result_at_budget(result, 60)
    assert at_minute.values("VAE", "frechet_distance") == pytest.approx({0: 30.0, 1: 30.1, 2: 30.2})
    assert at_minute.values("GAN", "frechet_distance") == pytest.approx({0: 60.0, 1: 60.1, 2: 60.2})
    assert "inside" in at_minute.agreement(at_minute, "frechet_distance")


def test_the_weights_builder_trains_the_protocols_vae_exactly():
    config = duel_curves.PROTOCOL.configured(quick=True, max_steps=4)
    data = ve.experiments.protocol.load_dataset(config)
    reference = ve.metrics.make_reference(data.x_test, config["num_samples"])
    vae, _ = ve.models.make_twins(data.image_shape, seed=2)
    row = duel_curves.train_and_score(vae, "VAE", data, reference, config, seed=2)
    assert row["train_steps"] == 4
    built = duel_curves.train_twin_vae(seed=2, steps=4, config=config)
    for a, b in zip(vae.get_weights(), built.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="checkpoints"):
        duel_curves.train_twin_vae(seed=2, steps=3, config=config)


def test_agreement_says_plainly_when_the_shipped_seeds_cannot_judge():
    one_seed = Result.from_rows("duel_curves", [{"model": "VAE", "seed": 0, "frechet_distance": 30.0}])
    live = Result.from_rows("duel_curves", [{"model": "VAE", "seed": 7, "frechet_distance": 31.0}])
    line = one_seed.agreement(live, "frechet_distance")
    assert "cannot be judged: fewer than 2 shipped seeds" in line and "nan" not in line


def test_the_step_cost_quick_run_times_both_models():
    costs = ve.experiments.run("duel_step_cost", quick=True, seeds=[0, 1], store=False)
    for kind in ("VAE", "GAN"):
        per_step = costs.values(kind, "seconds_per_step")
        assert set(per_step) == {0, 1} and all(0 < v < 60 for v in per_step.values())
        fastest = costs.values(kind, "seconds_per_step_min")
        assert all(fastest[s] <= per_step[s] for s in per_step)
    assert set(duel_curves.step_costs(costs)) == {"VAE", "GAN"}


def _costs(vae, gan):
    return Result.from_rows("duel_step_cost", [
        {"model": m, "seed": s, "seconds_per_step": c * (1 + 0.1 * s), "seconds_per_step_min": c}
        for s in range(3) for m, c in (("VAE", vae), ("GAN", gan))])  # fmt: skip


def test_calibrated_puts_each_checkpoint_at_steps_times_the_models_median_step_cost():
    result = _constructed((5.0, 50.0), (20.0, 200.0), (40.0, 30.0), (60.0, 10.0))  # checkpoints at steps 10, 20
    rows = [{**r, "train_steps": 20, "train_seconds": r["train_seconds@20"]} for r in result.rows()]
    result = Result.from_rows("duel_curves", rows)
    costs = _costs(vae=2.0, gan=1.0)  # medians over seeds 0-2: VAE 2.2, GAN 1.1 s per step
    assert duel_curves.step_costs(costs) == pytest.approx({"VAE": 2.2, "GAN": 1.1})
    clocked = duel_curves.calibrated(result, costs)
    assert clocked.values("VAE", "train_seconds@20")[0] == pytest.approx(44.0)
    assert clocked.values("GAN", "train_seconds@10")[1] == pytest.approx(11.0)
    assert clocked.values("GAN", "measured_seconds@20")[2] == 200.0  # the run's own seconds are kept
    assert clocked.values("VAE", "train_seconds")[0] == pytest.approx(44.0)
    assert clocked.values("VAE", "measured_seconds")[0] == 50.0
    assert clocked.values("VAE", "frechet_distance@20") == result.values("VAE", "frechet_distance@20")
    # on the measured clock the GAN had not reached step 20 within 60 s; on the calibrated one it has (22 s)
    assert duel_curves.values_at_budget(result, "GAN", "frechet_distance", 60)[0] == 60.0
    assert duel_curves.values_at_budget(clocked, "GAN", "frechet_distance", 60)[0] == 10.0


def test_calibrated_refuses_costs_of_another_protocol_or_model():
    result = _constructed((5.0, 50.0), (20.0, 200.0), (40.0, 30.0), (60.0, 10.0))
    with pytest.raises(ValueError, match="duel_step_cost"):
        duel_curves.calibrated(result, result)
    only_vae = Result.from_rows("duel_step_cost", [{"model": "VAE", "seed": 0, "seconds_per_step": 1.0,
                                                    "seconds_per_step_min": 1.0}])  # fmt: skip
    with pytest.raises(ValueError):
        duel_curves.calibrated(result, only_vae)

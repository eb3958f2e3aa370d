"""Chapter 05's protocol ``beta_sweep``: the quick run, the convergence rule, the scores' wiring, the directions."""

import math
import types

import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu.experiments import beta_sweep

VARIANTS = ["β = 1", "β = 2", "β = 4", "β = 8", "β = 16"]


@pytest.fixture(scope="module")
def quick():
    return ve.experiments.run("beta_sweep", quick=True, seeds=[0, 1], store=False, say=lambda text: None)


def test_quick_run_gives_every_metric_for_every_variant_and_seed(quick):
    assert quick.variants == VARIANTS and quick.seeds == [0, 1]
    cfg = ve.experiments.get("beta_sweep").configured(quick=True)
    latent_dim = cfg["latent_dim"]
    for seed in quick.seeds:
        for variant in VARIANTS:
            row = quick.payload["seeds"][str(seed)]["variants"][variant]
            missing = [m for m in beta_sweep.METRICS if row.get(m) is None]  # None: absent or not finite
            assert not missing, (seed, variant, missing)
            assert row["epochs"] == 2 and row["train_steps"] == 2 * math.ceil(500 / 128)
            for factor in beta_sweep.FACTORS:  # the MI table and its argmax, for naming what each latent does
                table = [row[f"mi_{factor}_z{j}"] for j in range(latent_dim)]
                assert row[f"best_latent_{factor}"] == int(np.argmax(table))
            kl = [row[f"kl_z{j}"] for j in range(latent_dim)]
            assert sum(kl) == pytest.approx(row["kl"], rel=1e-4)
            assert row["active_latents"] == sum(k > beta_sweep.USED_KL for k in kl)
            assert 0 <= row["mig"] <= 1 and 1 <= row["probe_latents_90_x"] <= latent_dim
    assert quick.checkpoints("neg_elbo_beta") == [1, 2] and quick.checkpoints("mig") == [1, 2]
    for variant in VARIANTS:  # the last point of the MIG curve is the final MIG (both on the test images)
        assert quick.values(variant, "mig@2") == quick.values(variant, "mig")


def test_the_weighted_and_plain_objectives_differ_by_beta_minus_one_kls(quick):
    for variant in VARIANTS:
        beta = float(variant.split("=")[1])
        for seed in quick.seeds:
            row = quick.payload["seeds"][str(seed)]["variants"][variant]
            assert row["neg_elbo"] == pytest.approx(row["reconstruction"] + row["kl"], rel=1e-6)
            assert row["neg_elbo_beta"] == pytest.approx(row["neg_elbo"] + (beta - 1) * row["kl"], rel=1e-6)


def test_verdicts_read_in_the_chapters_words(quick):
    v = beta_sweep.verdict(quick, "β = 4", "mig")
    assert v.claim == "β = 4 has higher MIG than β = 1" and v.effect.n == 2
    assert v.status in ("supported", "contradicted", "inconclusive")
    paired = quick.verdict("β = 4", "mig")  # the same numbers as the plain Result.verdict
    assert (v.effect.estimate, v.status) == (paired.effect.estimate, paired.status)
    assert beta_sweep.verdict(quick, "β = 16", "neg_elbo", against="β = 4").claim == \
        "β = 16 has lower −ELBO (β = 1) than β = 4"
    assert beta_sweep.label("neg_elbo_beta@12") == "β-weighted −ELBO after epoch 12"
    price = beta_sweep.verdict(quick, "β = 16", "neg_elbo", direction="higher")  # the textbook's trade-off
    plain = beta_sweep.verdict(quick, "β = 16", "neg_elbo")
    assert price.claim == "β = 16 has higher −ELBO (β = 1) than β = 1"
    assert price.effect.estimate == plain.effect.estimate  # the same differences, read the other way
    flipped = {"supported": "contradicted", "contradicted": "supported", "inconclusive": "inconclusive"}
    assert price.status == flipped[plain.status]
    with pytest.raises(ValueError, match="`direction`"):
        quick.verdict("β = 4", "mig", direction="up")


def test_the_table_names_columns_in_the_protocols_words(quick):
    table = quick.table_markdown(metrics=["mig", "neg_elbo", "epochs"], labels=beta_sweep.LABELS,
                                 undirected=beta_sweep.UNDIRECTED)
    assert table.splitlines()[0] == "| variant | seeds | MIG ↑ | −ELBO (β = 1) ↓ | epochs to convergence |"
    assert "| mig ↑ |" in quick.table_markdown(metrics=["mig"])  # without labels: the generic name
    with pytest.raises(TypeError, match="`labels`"):
        quick.table_markdown(metrics=["mig"], labels=["MIG"])


def _geometric(epochs, floor=70.0, start=70.0, ratio=0.5):
    return [floor + start * ratio**e for e in range(1, epochs + 1)]


def test_convergence_rule_stops_where_the_constructed_curve_flattens():
    curve = _geometric(30)
    # by hand: b_{e-3} - b_e = 70 * 0.5**e * 7 < 0.005 * 70 * (1 + 8 * 0.5**e)  <=>  0.5**e < 0.005 / 6.96
    expected = next(e for e in range(4, 31) if 0.5**e < 0.005 / (7 - 0.04))
    assert expected == 11
    assert beta_sweep.stopping_epoch(curve, 0.005, 3, min_epochs=1) == 11
    assert not beta_sweep.converged(curve[:10], 0.005, 3, min_epochs=1)
    assert beta_sweep.converged(curve[:11], 0.005, 3, min_epochs=1)
    assert beta_sweep.stopping_epoch(curve, 0.005, 3, min_epochs=15) == 15  # never before min_epochs
    flat = [100.0, 80.0] + [79.9] * 20
    assert beta_sweep.stopping_epoch(flat, 0.005, 3, min_epochs=10) == 10


def test_convergence_rule_keeps_going_while_it_improves_and_ignores_one_bad_epoch():
    improving = [100.0 * 0.99**e for e in range(60)]  # 1 % per epoch: 3 % per window, never flat
    assert beta_sweep.stopping_epoch(improving, 0.005, 3, min_epochs=1) is None
    spike = [100.0, 90.0, 80.0, 75.0, 95.0, 70.0, 66.0, 62.0]  # one noisy epoch (5), then better again
    assert beta_sweep.stopping_epoch(spike, 0.005, 3, min_epochs=1) is None
    worse = [100.0, 90.0, 80.0, 81.0, 82.0, 83.0]  # three epochs worse than the best: stop
    assert beta_sweep.stopping_epoch(worse, 0.005, 3, min_epochs=1) == 6
    with pytest.raises(ValueError, match="`tolerance`"):
        beta_sweep.converged([1.0, 1.0], tolerance=0.0)
    with pytest.raises(ValueError, match="`curve`"):
        beta_sweep.converged([1.0, float("nan")])


class _Stub:
    """A stand-in model for the training loop: counts fit calls and the images each saw."""

    def __init__(self):
        self.fits = []

    def fit(self, x, epochs, batch_size, shuffle, verbose):
        assert epochs == 1 and not shuffle
        self.fits.append(np.asarray(x).copy())


@pytest.mark.parametrize("tolerance, track_every, expected_epochs, expected_converged, tracked", [
    (0.005, 1, 11, 1.0, list(range(1, 12))),  # the rule stops it at epoch 11 (see the test above)
    (0.005, 5, 11, 1.0, [5, 10, 11]),  # tracked every 5 epochs and at the last one
    (1e-9, 5, 14, 0.0, [5, 10, 14]),  # never flat enough: stopped at max_epochs, not converged
])  # fmt: skip
def test_training_loop_follows_the_rule_and_records_the_curve(monkeypatch, tolerance, track_every, expected_epochs,
                                                              expected_converged, tracked):  # fmt: skip
    curve = iter(_geometric(40))
    monkeypatch.setattr(beta_sweep, "_objectives", lambda model, x, beta, seed: (next(curve), 1.0, 0.0, 0.0))
    cfg = {"batch_size": 4, "track_every": track_every,
           "convergence": {"tolerance": tolerance, "window": 3, "min_epochs": 5, "max_epochs": 14}}  # fmt: skip
    model, x_fit = _Stub(), np.arange(10.0)[:, None]
    row = beta_sweep.train_to_convergence(model, x_fit, None, 4.0, cfg, seed=3, track=lambda m: {"mig": len(m.fits)})
    assert row["epochs"] == expected_epochs == len(model.fits) and row["converged"] == expected_converged
    assert row["train_steps"] == 3 * expected_epochs
    np.testing.assert_allclose([row[f"neg_elbo_beta@{e}"] for e in range(1, expected_epochs + 1)],
                               _geometric(expected_epochs))  # fmt: skip
    assert sorted(int(k[4:]) for k in row if k.startswith("mig@")) == tracked
    assert all(row[f"mig@{e}"] == e for e in tracked)  # recorded after that epoch's training
    assert all(sorted(x[:, 0]) == list(range(10)) for x in model.fits)  # every epoch sees every image once,
    assert not np.array_equal(model.fits[0], model.fits[1])  # in a new order


def test_score_names_what_each_latent_does(monkeypatch):
    """A stand-in 'model' whose code is known: z3 = x, y spread over z1 and z5, scale in z0, the rest noise."""
    rng = np.random.default_rng(0)
    n, names = 3000, beta_sweep.FACTORS
    factors = np.stack([rng.integers(0, 3, n), rng.choice(np.linspace(0.5, 1, 6), n),
                        rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 1, n), rng.uniform(0, 1, n)], axis=1)  # fmt: skip
    mu = 0.3 * rng.standard_normal((n, 8))
    mu[:, 3] = factors[:, 3]
    mu[:, 1], mu[:, 5] = factors[:, 4] + mu[:, 1], factors[:, 4] - mu[:, 1]  # y = (z1 + z5) / 2
    mu[:, 0] = 4 * factors[:, 1]

    class Coded:
        def encode(self, x):  # x holds the images' row numbers
            return mu[np.asarray(x, int)[:, 0]], np.zeros((len(x), 8))

    monkeypatch.setattr(beta_sweep, "_objectives", lambda model, x, beta, seed: (9.0, 7.0, 5.0, 2.0))
    monkeypatch.setattr(ve.metrics, "kl_per_dimension", lambda model, x: np.array([1.5, 0.3, 0, 0.2, 0, 0, 0, 0.0]))
    test = np.arange(2000, n)[:, None]
    data = types.SimpleNamespace(x_test=test, factors_test=factors[2000:], factor_names=names)
    row = beta_sweep.score(Coded(), data, np.arange(2000)[:, None], factors[:2000], beta=2.0, seed=0)
    assert (row["probe_r2_x"], row["probe_r2_y"], row["probe_r2_scale"]) == pytest.approx((1, 1, 1), abs=1e-9)
    assert abs(row["probe_r2_rotation"]) < 0.02  # no latent knows the angle
    assert row["probe_latents_90_x"] == 1 and row["probe_latents_90_y"] == 2
    assert (row["best_latent_x"], row["best_latent_scale"]) == (3, 0) and row["best_latent_y"] in (1, 5)
    assert row["mig_x"] > 0.5 and row["mig_y"] < row["mig_x"]  # y is present but shared by two latents
    assert row["active_latents"] == 3 and row["active_units"] == 8
    assert (row["neg_elbo_beta"], row["neg_elbo"], row["kl"]) == (9.0, 7.0, 2.0)


def test_metric_directions_and_the_chapters_model():
    proto = ve.experiments.get("beta_sweep")
    m = proto.metrics
    assert m == beta_sweep.METRICS
    higher = {"mig", "mig_x", "mig_y", "probe_r2_x", "probe_r2_y", "probe_r2_scale", "converged"}
    lower = {"neg_elbo_beta", "neg_elbo", "reconstruction", "kl", "active_latents", "probe_latents_90_x",
             "probe_latents_90_y", "epochs"}  # fmt: skip
    assert {k for k in higher} == {k for k in higher if m[k] == "higher"}
    assert {k for k in lower} == {k for k in lower if m[k] == "lower"}
    assert set(m.values()) == {"lower", "higher"}
    cfg = proto.config
    assert proto.baseline == "β = 1" == beta_sweep.variant_name(cfg["betas"][0])
    assert {1.0, 2.0, 4.0, 8.0} <= set(cfg["betas"]) and cfg["seeds"] >= 5
    shipped = ve.weights.read_manifest()["betavae_sprites_beta8"]  # chapter 05's pictures: the sweep's seed 0
    assert ve.weights.RECIPES["betavae_sprites_beta8"].builder.endswith("beta_sweep:train_sweep_model")
    assert (cfg["latent_dim"], cfg["data"]["name"]) == (shipped["latent_dim"], shipped["data"]["name"])
    assert cfg["learning_rate"] == ve.weights.VAE_LEARNING_RATE
    assert beta_sweep.variant_name(16) == "β = 16" and beta_sweep.variant_name(0.5) == "β = 0.5"


def test_a_seed_resumed_after_one_variant_gives_the_same_results():
    cfg = ve.experiments.get("beta_sweep").configured(quick=True, betas=[1.0, 4.0])
    saved = {}
    whole = beta_sweep.run_seed(cfg, 1, lambda t: None, on_variant=saved.__setitem__)
    assert list(saved) == ["β = 1", "β = 4"]
    resumed = beta_sweep.run_seed(cfg, 1, lambda t: None, finished={"β = 1": saved["β = 1"]})
    assert resumed["β = 1"] is saved["β = 1"]
    for metric in ("mig", "neg_elbo_beta", "probe_r2_x", "neg_elbo@1"):  # β = 4 trained without β = 1 before it
        np.testing.assert_allclose(resumed["β = 4"][metric], whole["β = 4"][metric], rtol=1e-5)

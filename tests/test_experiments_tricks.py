"""The ``tricks`` protocol (issue 14): nine DCGAN variants, scored along the way with the validated metrics."""

import math

import keras
import numpy as np
import pytest

from vaegan_edu import data, experiments, models
from vaegan_edu.experiments import tricks


@pytest.fixture(scope="module")
def glyphs():
    return data.load("glyphs", seed=0, num_train=400, num_test=200)


def test_quick_run_scores_every_variant_at_every_checkpoint(tmp_path):
    result = experiments.run("tricks", quick=True, seeds=[0], directory=tmp_path, say=lambda t: None)
    assert (tmp_path / "tricks.quick.json").exists()
    assert result.variants == list(tricks.VARIANTS) and len(result.variants) == 9
    for variant in result.variants:
        row = result.payload["seeds"]["0"]["variants"][variant]
        assert row["train_steps"] == 10 and row["diverged"] in (0.0, 1.0)
        for metric in tricks.SCORED:
            assert row[metric] == row[tricks.checkpoint_metric(metric, 10)]
            assert tricks.checkpoint_metric(metric, 5) in row
    assert "| baseline |" in result.table_markdown(metrics=["frechet_distance", "perceptual_precision"])


def test_a_seed_resumed_after_some_variants_gives_the_same_results(tmp_path):
    cfg = experiments.get("tricks").configured(quick=True)
    cfg["variants"] = {k: tricks.VARIANTS[k] for k in ("baseline", "spectral norm", "PacGAN2")}
    saved = {}
    whole = tricks.run_seed(cfg, 1, lambda t: None, on_variant=saved.__setitem__)
    assert list(saved) == list(cfg["variants"])
    resumed = tricks.run_seed(cfg, 1, lambda t: None, finished={"baseline": saved["baseline"]})
    for variant in ("spectral norm", "PacGAN2"):  # trained without the baseline run before them
        for metric in tricks.SCORED:
            np.testing.assert_allclose(resumed[variant][metric], whole[variant][metric], rtol=1e-6)


def test_variants_change_one_knob(glyphs):
    ttur = models.make_gan_variant(glyphs.image_shape, seed=0, **tricks.VARIANTS["TTUR (D 4e-4, G 1e-4)"])
    lr = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in (ttur.d_optimizer, ttur.g_optimizer)]
    np.testing.assert_allclose(lr, [4e-4, 1e-4])
    wgan = models.make_gan_variant(glyphs.image_shape, seed=0, **tricks.VARIANTS["WGAN-GP"])
    assert wgan.loss_name == "wasserstein_gp" and wgan.d_steps == 5
    assert (wgan.d_optimizer.beta_1, wgan.d_optimizer.beta_2) == (0.0, 0.9)
    pac = models.make_gan_variant(glyphs.image_shape, seed=0, **tricks.VARIANTS["PacGAN2"])
    assert pac.pack == 2
    with pytest.raises(ValueError, match="`beta_2` must be a number in"):
        models.make_gan_variant(glyphs.image_shape, beta_2=1.0)
    with pytest.raises(ValueError, match="`d_learning_rate` must be a positive number"):
        models.make_gan_variant(glyphs.image_shape, d_learning_rate=-1.0)


def test_a_run_whose_samples_blow_up_is_scored_as_diverged(glyphs, monkeypatch):
    from vaegan_edu.metrics import make_reference

    monkeypatch.setattr(tricks, "draw_samples", lambda gan, n, seed: np.full((n, 28, 28, 1), np.nan, "float32"))
    row = tricks.train_and_score(glyphs, {}, seed=0, steps=4, eval_every=2, reference=make_reference(glyphs.x_test),
                                 num_samples=50, batch_size=32)  # fmt: skip
    assert row["diverged"] == 1.0 and math.isnan(row["frechet_distance"]) and math.isnan(row["recall@2"])
    assert row["train_steps"] == 4 and row["train_seconds"] > 0

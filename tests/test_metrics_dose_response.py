"""A "looks real" score with a dose-response (issue 31): density and coverage, the realism score, the definition
of "graded", the dose-response study, and the shipped result file."""

import json
from pathlib import Path

import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu import metrics

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "benchmarks" / "results" / "metric_dose_response.json"


def _brute_density_coverage(real, fake, k):
    """Naeem et al.'s definitions written as loops."""
    radii = [sorted(np.linalg.norm(real - x, axis=1))[k] for x in real]
    inside = [[np.linalg.norm(f - x) <= r for x, r in zip(real, radii)] for f in fake]
    density = sum(sum(row) for row in inside) / (k * len(fake))
    coverage = np.mean([any(inside[j][i] for j in range(len(fake))) for i in range(len(real))])
    return density, coverage


def _brute_realism(real, fake, k, prune_quantile):
    """Kynkäänniemi et al.'s realism score written as loops."""
    radii = np.array([sorted(np.linalg.norm(real - x, axis=1))[k] for x in real])
    kept = radii <= np.quantile(radii, prune_quantile)
    return np.array([max(r / np.linalg.norm(f - x) for x, r, keep in zip(real, radii, kept) if keep) for f in fake])


# --- density and coverage -------------------------------------------------------------------------------------


def test_density_coverage_against_the_definition():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(40, 3)), rng.normal(0.3, 1.2, size=(25, 3))
    np.testing.assert_allclose(metrics.density_coverage(real, fake, k=4), _brute_density_coverage(real, fake, 4))


def test_density_of_a_set_against_itself_and_against_a_new_draw():
    x = np.random.default_rng(1).normal(size=(300, 5))
    assert metrics.density_coverage(x, x, k=5) == (pytest.approx(6 / 5), 1.0)  # each ball: centre + 5 neighbours
    density, coverage = metrics.density_coverage(x, np.random.default_rng(2).normal(size=(300, 5)), k=5)
    assert 0.85 < density < 1.15 and coverage > 0.9  # a new draw of the same distribution: about 1
    assert metrics.density_coverage(x, x + 50.0, k=5) == (0.0, 0.0)


# --- the realism score ------------------------------------------------------------------------------------------


def test_realism_scores_against_the_definition():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(40, 4)), rng.normal(size=(15, 4))
    for prune in (0.5, 1.0):
        np.testing.assert_allclose(metrics.realism_scores(real, fake, k=3, prune_quantile=prune),
                                   _brute_realism(real, fake, 3, prune), rtol=1e-9)  # fmt: skip


def test_realism_at_least_one_is_precisions_test_without_pruning():
    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(200, 6)), rng.normal(0.2, 1.1, size=(150, 6))
    scores = metrics.realism_scores(real, fake, k=3, prune_quantile=1.0)
    precision, _ = metrics.precision_recall(real, fake, k=3)
    assert np.mean(scores >= 1 - 1e-9) == pytest.approx(precision)
    # and the capped mean counts those as 1 and the rest in part: never below precision
    assert precision < metrics.realism(real, fake, prune_quantile=1.0) < 1


def test_realism_of_a_set_against_itself_and_far_away():
    x = np.random.default_rng(5).normal(size=(100, 3))
    assert metrics.realism(x, x, prune_quantile=1.0) == 1.0  # every sample is a ball's centre
    assert (metrics.realism_scores(x, x, prune_quantile=1.0) > 1e6).all()  # on a centre: unbounded
    kept_half = metrics.realism(x, x)  # the paper's pruning: the kept half's centres count 1, the rest in part
    assert 0.5 <= kept_half < 1.0
    assert metrics.realism(x, x + 100.0) < 0.02


def test_realism_falls_gradually_where_precision_falls_off_a_cliff():
    """The same shift of every sample, growing: precision's indicator drops to 0 within a few steps, realism
    falls step by step (the reason the book uses it; the dose-response study measures it on digits)."""
    rng = np.random.default_rng(6)
    real, fresh = rng.normal(size=(500, 64)), rng.normal(size=(500, 64))
    direction = np.ones(64) / 8.0  # unit vector; the typical distance to a nearest neighbour is about 10
    shifts = [0.0, 4.0, 8.0, 12.0, 16.0, 20.0]
    realism = [metrics.realism(real, fresh + s * direction) for s in shifts]
    precision = [metrics.precision_recall(real, fresh + s * direction)[0] for s in shifts]
    assert all(a > b for a, b in zip(realism, realism[1:]))
    assert metrics.graded_response(realism, tolerance=0.01, min_total=0.1).graded
    assert not metrics.graded_response(precision, tolerance=0.01, min_total=0.1).graded


def test_realism_and_density_refuse_bad_arguments():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"`k`=5 needs more than k samples in `real_features`"):
        metrics.realism(x, x, k=5)
    with pytest.raises(ValueError, match=r"`prune_quantile` must be a number in \(0, 1\]"):
        metrics.realism_scores(np.eye(6), np.eye(6), prune_quantile=0.0)
    with pytest.raises(ValueError, match=r"`k` must be a positive integer \(5 in the paper\)"):
        metrics.density_coverage(x, x, k=True)
    with pytest.raises(ValueError, match="same number of features"):
        metrics.density_coverage(np.zeros((9, 2)), np.zeros((3, 3)))


# --- the definition of "graded" ---------------------------------------------------------------------------------


@pytest.mark.parametrize("values, higher, expected", [
    ([0.9, 0.75, 0.6, 0.45, 0.3], True, (True, True, True, True)),  # a straight line
    ([0.86, 0.0, 0.0, 0.0], True, (True, True, False, False)),  # a cliff at the mildest strength
    ([0.86, 0.44, 0.01, 0.0, 0.0], True, (True, True, True, False)),  # to the floor in two steps, then flat
    ([0.86, 0.86, 0.85, 0.86], True, (False, True, False, False)),  # flat: no response
    ([0.9, 0.6, 0.7, 0.4, 0.3], True, (True, False, True, True)),  # a step back larger than the tolerance
    ([1.5, 3.0, 10.0, 25.0, 40.0], False, (True, True, True, True)),  # a distance that rises gradually
    ([1.5, 2.0, 3.0, 150.0], False, (True, True, False, True)),  # ... or all at once
])  # fmt: skip
def test_graded_response_known_answers(values, higher, expected):
    g = metrics.graded_response(values, tolerance=0.02, min_total=0.1, higher_is_better=higher)
    assert (g.responds, g.monotone, g.no_cliff, g.still_falling) == expected and g.graded == all(expected)


def test_graded_response_numbers_and_errors():
    g = metrics.graded_response([0.9, 0.7, 0.75, 0.3], tolerance=0.1, min_total=0.1)
    assert g.total == pytest.approx(0.6) and g.largest_step == pytest.approx(0.45 / 0.6)
    assert g.worst_reversal == pytest.approx(0.05, abs=1e-12) and g.monotone and not g.no_cliff and not g.graded
    assert metrics.graded_response([0.9, 0.7, 0.5, 0.3], tolerance=0.0, min_total=0.7).responds is False
    with pytest.raises(ValueError, match="at least 4 finite scores"):
        metrics.graded_response([0.9, 0.5, 0.1], tolerance=0.0, min_total=0.0)
    with pytest.raises(ValueError, match="`tolerance` must be a number >= 0"):
        metrics.graded_response([0.9, 0.5, 0.3, 0.1], tolerance=-1, min_total=0.0)
    with pytest.raises(ValueError, match=r"`max_step` must be a share in \(0, 1\]"):
        metrics.graded_response([0.9, 0.5, 0.3, 0.1], tolerance=0.0, min_total=0.0, max_step=2)


# --- damage at a strength, and the study on a small fixed set ---------------------------------------------------


@pytest.fixture(scope="module")
def small_glyphs():
    return ve.data.load("glyphs", seed=0, num_train=400, num_test=300)


def test_mix_grey_blobs_replaces_the_stated_share_nested(small_glyphs):
    x = small_glyphs.x_test[:40]
    quarter = metrics.mix_grey_blobs(x, small_glyphs.x_train, 0.25, seed=1)
    half = metrics.mix_grey_blobs(x, small_glyphs.x_train, 0.5, seed=1)
    changed = [int((~np.all(m == x, axis=(1, 2, 3))).sum()) for m in (quarter, half)]
    assert changed == [10, 20]
    np.testing.assert_array_equal(half[:10], quarter[:10])  # nested: a larger share adds blobs
    np.testing.assert_array_equal(half[20:], x[20:])
    np.testing.assert_array_equal(metrics.mix_grey_blobs(x, small_glyphs.x_train, 1.0, seed=1),
                                  metrics.grey_blobs(small_glyphs.x_train, 40, seed=1))  # fmt: skip
    with pytest.raises(ValueError, match=r"`share` is the fraction of images replaced, in \(0, 1\]"):
        metrics.mix_grey_blobs(x, small_glyphs.x_train, 1.5)


def test_perceptual_realism_falls_monotonically_under_increasing_blur(small_glyphs):
    """The study's machinery on 60 images per set: the perceptual realism falls at every blur strength,
    gradually; perceptual precision loses more than half of its value in one step (sigma 0.5 to 0.75)."""
    realism_only = {"realism k=3": metrics.CANDIDATES["realism k=3"],
                    "precision k=3": metrics.CANDIDATES["precision k=3"]}  # fmt: skip
    result = metrics.dose_response(small_glyphs.x_test, small_glyphs.x_train, num=60, noise_sets=3,
                                   spaces={"perceptual": metrics.perceptual_features}, candidates=realism_only,
                                   doses={"blur": (0.5, 0.75, 1.0, 1.5, 2.0)})  # fmt: skip
    realism = result.scores["perceptual"]["realism k=3"]["blur"]
    precision = result.scores["perceptual"]["precision k=3"]["blur"]
    assert len(realism) == 6 and all(a > b for a, b in zip(realism[1:], realism[2:]))
    assert realism[-1] < realism[0] - 0.3 and result.gradings["perceptual"]["realism k=3"]["blur"].graded
    assert precision[2] < 0.5 * precision[1] and not result.gradings["perceptual"]["precision k=3"]["blur"].graded
    assert result.real_scores["perceptual"]["realism k=3"][0] == realism[0]  # the damaged set's clean score
    assert result.graded() == {"perceptual": {"realism k=3": True, "precision k=3": False}}
    table = result.table_markdown("blur")
    assert "| blur 2 |" in table and table.splitlines()[-1] == "| graded | ✓ | ✗ |"


def test_dose_response_refuses_bad_arguments(small_glyphs):
    x, train = small_glyphs.x_test, small_glyphs.x_train
    with pytest.raises(ValueError, match=r"`x_test` holds 300 images; num=100 with noise_sets=4 needs 500"):
        metrics.dose_response(x, train, num=100)
    with pytest.raises(ValueError, match="at least 3 increasing positive strengths"):
        metrics.dose_response(x, train, num=20, doses={"blur": (2.0, 1.0, 3.0)})
    with pytest.raises(ValueError, match="`doses` must map some of"):
        metrics.dose_response(x, train, num=20, doses={"jpeg": (1, 2, 3)})
    with pytest.raises(ValueError, match="`kind` must be one of"):
        metrics.damage(x[:2], train, "rotate", 1.0)


# --- the shipped study ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_study_has_its_documented_structure(shipped):
    dr, ckpt = shipped["dose_response"], shipped["checkpoints"]
    assert dr["doses"] == {k: list(v) for k, v in metrics.DOSES.items()} and dr["num"] == 1000
    assert set(dr["scores"]) == {"classifier", "perceptual"} and set(dr["scores"]["perceptual"]) == set(
        metrics.CANDIDATES)  # fmt: skip
    for kind, strengths in metrics.DOSES.items():
        assert len(dr["scores"]["perceptual"]["realism k=3"][kind]) == len(strengths) + 1
    assert len(ckpt["steps"]) == 8 and ckpt["steps"] == sorted(ckpt["steps"])
    assert shipped["provenance"]["versions"]["keras"] and shipped["wall_seconds"]["checkpoint_training"] > 0
    assert {t["title"].split(",")[0] for t in shipped["tables"][:3]} == {"Dose-response"}


def test_shipped_verdicts_follow_from_the_shipped_numbers(shipped):
    """Each graded flag is graded_response of the stored scores with the stored noise; each rho is Spearman's of the
    stored checkpoint scores."""
    from scipy.stats import spearmanr

    dr, ckpt = shipped["dose_response"], shipped["checkpoints"]
    for space, by_c in dr["scores"].items():
        for c, kinds in by_c.items():
            sd = float(np.std(dr["real_scores"][space][c], ddof=1))
            assert dr["noise_sd"][space][c] == pytest.approx(sd)
            for kind, values in kinds.items():
                g = metrics.graded_response(values, tolerance=2 * sd, min_total=4 * sd,
                                            higher_is_better=metrics.CANDIDATES[c][1])  # fmt: skip
                assert dr["gradings"][space][c][kind]["graded"] == g.graded, (space, c, kind)
            rho = spearmanr(ckpt["scores"][space][c], ckpt["scores"]["classifier"]["frechet_distance"])[0]
            assert ckpt["agreement"][space][c]["rho_fd"] == pytest.approx(rho)
    # the book's choice: the perceptual realism is graded under every damage, perceptual precision is not
    assert dr["graded_everywhere"]["perceptual"]["realism k=3"] and not dr["graded_everywhere"]["perceptual"][
        "precision k=3"]  # fmt: skip


def test_shipped_numbers_are_what_the_code_computes():
    """Two of the shipped scores recomputed from the data and the package (the first 1,000 test images are the
    reference, the next 1,000 the damaged set)."""
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    cfg = shipped["config"]["data"]
    assert (cfg["name"], cfg["seed"], cfg["num_test"]) == ("glyphs", 0, 5000)
    # the test images do not depend on num_train (a fifth of the time to generate); the study used 20,000
    ds = ve.data.load("glyphs", seed=0, num_train=1000, num_test=5000)
    ref = metrics.perceptual_features(ds.x_test[:1000])
    blurred = metrics.perceptual_features(metrics.blur(ds.x_test[1000:2000], 1.0))
    scores = shipped["dose_response"]["scores"]["perceptual"]
    assert metrics.realism(ref, blurred) == pytest.approx(scores["realism k=3"]["blur"][4], abs=1e-6)
    assert metrics.precision_recall(ref, blurred)[0] == pytest.approx(scores["precision k=3"]["blur"][4], abs=1e-6)

"""Shipped weights: checksum-verified safe loading; missing, truncated, corrupted and mismatched files; the data
each was trained on; rebuild."""

import json
import shutil

import numpy as np
import pytest

from vaegan_edu import data, weights
from vaegan_edu.models import VAE


@pytest.fixture
def shipped_copy(tmp_path):
    """A private copy of the shipped folder, so a test can damage files freely."""
    shutil.copytree(weights.weights_dir(), tmp_path / "weights")
    return tmp_path / "weights"


def _set_entry(folder, name, **changes):
    manifest = json.loads((folder / weights.MANIFEST_NAME).read_text())
    manifest["files"][name].update(changes)
    (folder / weights.MANIFEST_NAME).write_text(json.dumps(manifest))


def test_every_shipped_file_verifies_and_has_a_recipe():
    manifest = weights.read_manifest()
    assert "vae_glyphs_2d" in manifest
    for name, entry in manifest.items():
        assert weights.verify(name) == weights.weights_dir() / entry["file"]
        assert name in weights.RECIPES and entry["command"] == f"python -m vaegan_edu.weights build {name}"


def test_every_shipped_weight_names_one_of_the_books_datasets():
    """Each weight records its data.load call and fingerprint, and that fingerprint is a book dataset's today.

    Cheap (nothing is generated): the fingerprints in data.BOOK_DATASETS are themselves checked against freshly
    generated data in tests/test_data.py, so together they say the shipped weights describe today's data.
    """
    book = {b.fingerprint: label for label, b in data.BOOK_DATASETS.items()}
    for name, entry in weights.read_manifest().items():
        record = entry["data"]
        assert set(record) == {"name", "kwargs", "fingerprint"} and record["name"] in data.IMAGE_DATASETS, name
        assert record["fingerprint"] in book, (
            f"{name} was trained on {record}, which is none of data.BOOK_DATASETS today: rebuild it with "
            f"`python -m vaegan_edu.weights build {name}`"
        )
        label = book[record["fingerprint"]]
        assert record["name"] == data.BOOK_DATASETS[label].name, name


def test_weights_trained_on_other_data_are_refused_with_the_rebuild_command(shipped_copy):
    recorded = weights.read_manifest(shipped_copy)["vae_glyphs_2d"]["data"]
    _set_entry(shipped_copy, "vae_glyphs_2d", data={**recorded, "fingerprint": "0123456789abcdef"})
    current = data.fingerprint(recorded["name"], **recorded["kwargs"])
    with pytest.raises(weights.StaleWeightsError) as info:
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    message = str(info.value)
    assert "trained on data.load('glyphs', seed=0, num_train=20000, num_test=5000)" in message
    assert f"fingerprint 0123456789abcdef; this package now generates data with fingerprint {current}" in message
    assert "not loaded" in message and "`python -m vaegan_edu.weights build vae_glyphs_2d`" in message
    assert isinstance(weights.load_pretrained("vae_glyphs_2d", shipped_copy, check_data=False), VAE)  # the opt-out


def test_an_entry_that_does_not_name_its_data_is_refused(shipped_copy):
    manifest = json.loads((shipped_copy / weights.MANIFEST_NAME).read_text())
    del manifest["files"]["betavae_sprites"]["data"]
    (shipped_copy / weights.MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(weights.StaleWeightsError, match="does not say which data.*weights build betavae_sprites"):
        weights.load_pretrained("betavae_sprites", shipped_copy)


def test_cli_verify_reports_stale_data_and_fails(shipped_copy, capsys):
    recorded = weights.read_manifest(shipped_copy)["digit_classifier"]["data"]
    _set_entry(shipped_copy, "digit_classifier", data={**recorded, "fingerprint": "0123456789abcdef"})
    assert weights.main(["--dir", str(shipped_copy), "verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    failed = [line for line in lines if ": FAILED: " in line]
    assert len(failed) == 1 and failed[0].startswith("digit_classifier: FAILED: The weights 'digit_classifier'")
    assert "weights build digit_classifier" in failed[0]
    assert sum(": ok (" in line for line in lines) == len(weights.read_manifest(shipped_copy)) - 1
    assert lines[-1] == "1 of 5 failed: digit_classifier"


def test_load_pretrained_vae():
    vae = weights.load_pretrained("vae_glyphs_2d")
    assert isinstance(vae, VAE) and vae.latent_dim == 2 and vae.image_shape == (28, 28, 1)
    images = vae.decode(np.zeros((1, 2)))
    assert images.shape == (1, 28, 28, 1) and 0.0 < images.mean() < 0.5  # a digit: mostly dark background


def test_corrupted_file_is_refused(shipped_copy):
    path = shipped_copy / "vae_glyphs_2d.keras"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(weights.WeightsError, match="Checksum mismatch.*not loaded.*weights build vae_glyphs_2d"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def test_truncated_file_is_refused(shipped_copy):
    path = shipped_copy / "vae_glyphs_2d.keras"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(weights.WeightsError, match="truncated: 1000 bytes"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def test_missing_and_unknown_files(shipped_copy):
    (shipped_copy / "vae_glyphs_2d.keras").unlink()
    with pytest.raises(FileNotFoundError, match="missing.*weights build vae_glyphs_2d"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    with pytest.raises(weights.WeightsError, match="No pretrained weights named 'vae_mnist'"):
        weights.load_pretrained("vae_mnist", shipped_copy)


def test_mismatched_class_is_refused(shipped_copy):
    _set_entry(shipped_copy, "vae_glyphs_2d", **{"class": "GAN"})
    with pytest.raises(weights.WeightsError, match="holds a VAE, but the manifest says .* is a GAN"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def test_a_file_keras_cannot_rebuild_is_refused(shipped_copy):
    path = shipped_copy / "vae_glyphs_2d.keras"
    path.write_bytes(b"not a keras archive")
    _set_entry(shipped_copy, "vae_glyphs_2d", sha256=weights.sha256_of(path), bytes=path.stat().st_size)
    with pytest.raises(weights.WeightsError, match="Keras could not load"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


@pytest.fixture
def tiny_recipe(monkeypatch):
    recipe = weights.Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="digits8", latent_dim=2, epochs_setting="sweep_epochs"),
        seed=3,
        description="test only",
    )
    monkeypatch.setitem(weights.RECIPES, "tiny_vae", recipe)
    return "tiny_vae"


def test_build_writes_a_verifiable_file_and_keeps_other_entries(tmp_path, tiny_recipe):
    (tmp_path / weights.MANIFEST_NAME).write_text(json.dumps({"files": {"other": {"file": "o.keras"}}}))
    entry = weights.build(tiny_recipe, tmp_path)
    assert entry["seed"] == 3 and entry["class"] == "VAE"
    assert set(weights.read_manifest(tmp_path)) == {"other", "tiny_vae"}
    model = weights.load_pretrained(tiny_recipe, tmp_path)
    assert model.latent_dim == 2 and getattr(model, "optimizer", None) is None  # no optimizer state shipped


def test_build_records_the_data_the_builder_loaded(tmp_path, tiny_recipe):
    entry = weights.build(tiny_recipe, tmp_path)
    assert entry["data"] == {"name": "digits8", "kwargs": {"seed": 3, "num_train": None, "num_test": None},
                             "fingerprint": data.load("digits8").fingerprint}  # fmt: skip
    assert weights.read_manifest(tmp_path)[tiny_recipe]["data"] == entry["data"]


def test_build_refuses_a_builder_that_does_not_name_its_data(tmp_path, monkeypatch):
    def builder(seed):  # trains on arrays that did not come from data.load
        return VAE(image_shape=(8, 8, 1), latent_dim=2, seed=seed)

    monkeypatch.setattr(weights, "untraceable_builder", builder, raising=False)
    monkeypatch.setitem(weights.RECIPES, "untraceable", weights.Recipe("vaegan_edu.weights:untraceable_builder", {}))
    with pytest.raises(weights.WeightsError, match="loaded 0 datasets through vaegan_edu.data.load \\(none\\)"):
        weights.build("untraceable", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_build_leaves_the_old_file_and_manifest(tmp_path, tiny_recipe, monkeypatch):
    weights.build(tiny_recipe, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def dies(model, path):
        raise KeyboardInterrupt("injected interrupt while saving")

    monkeypatch.setattr("vaegan_edu.training.save_atomic", dies)
    with pytest.raises(KeyboardInterrupt):
        weights.build(tiny_recipe, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    weights.verify(tiny_recipe, tmp_path)


def test_cli_list_and_verify(capsys):
    assert weights.main(["verify", "vae_glyphs_2d"]) == 0
    assert "vae_glyphs_2d: ok" in capsys.readouterr().out
    assert weights.main(["list"]) == 0
    assert weights.read_manifest()["vae_glyphs_2d"]["sha256"][:12] in capsys.readouterr().out


def test_readme_lists_the_current_checksums_of_the_vae_files():
    readme = (weights.weights_dir().parent / "README.md").read_text(encoding="utf-8")
    for name in ("vae_glyphs_2d", "betavae_sprites"):
        entry = weights.read_manifest()[name]
        assert entry["sha256"] in readme, f"data/README.md is stale for {name}: copy the sha256 from the manifest"
        assert entry["command"] in readme

"""Shipped weights: checksum-verified safe loading; missing, truncated, corrupted and mismatched files; rebuild."""

import json
import shutil

import numpy as np
import pytest

from vaegan_edu import weights
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

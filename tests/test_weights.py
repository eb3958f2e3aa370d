"""Shipped weights: checksum-verified safe loading; missing, wrong-size, corrupted and mismatched files; the data
each was trained on; files outside the manifest's folder; malformed manifests; the loaded bytes are the hashed
bytes; the loaded model's interface (a consistent swap is refused); rebuild."""

import json
import os
import shutil
from pathlib import Path

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
    del manifest["files"]["betavae_sprites_beta8"]["data"]
    (shipped_copy / weights.MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(weights.StaleWeightsError, match="does not say which data.*weights build betavae_sprites_beta8"):
        weights.load_pretrained("betavae_sprites_beta8", shipped_copy)


def test_cli_verify_reports_stale_data_and_fails(shipped_copy, capsys):
    recorded = weights.read_manifest(shipped_copy)["digit_classifier"]["data"]
    _set_entry(shipped_copy, "digit_classifier", data={**recorded, "fingerprint": "0123456789abcdef"})
    assert weights.main(["--dir", str(shipped_copy), "verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    failed = [line for line in lines if ": FAILED: " in line]
    assert len(failed) == 1 and failed[0].startswith("digit_classifier: FAILED: The weights 'digit_classifier'")
    assert "weights build digit_classifier" in failed[0]
    assert sum(": ok (" in line for line in lines) == len(weights.read_manifest(shipped_copy)) - 1
    assert lines[-1] == f"1 of {len(weights.RECIPES)} failed: digit_classifier"


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


@pytest.mark.parametrize("new_size", [1000, 1928160 + 1], ids=["smaller", "bigger"])
def test_a_file_of_the_wrong_size_is_refused_as_such(shipped_copy, new_size):
    """Reported as the wrong size, bigger or smaller (not "truncated"), with both sizes."""
    path = shipped_copy / "vae_glyphs_2d.keras"
    original = path.read_bytes()
    assert len(original) == 1928160  # the manifest's size, which the ids above name
    path.write_bytes((original + b"\0")[:new_size])
    with pytest.raises(weights.WeightsError, match=f"wrong size: expected 1928160 bytes, found {new_size} ") as info:
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    assert "truncated" not in str(info.value) and "weights build vae_glyphs_2d" in str(info.value)


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
    with pytest.raises(weights.WeightsError, match="is not a Keras archive with a readable config.json"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def test_weights_that_do_not_fit_the_model_built_in_code_are_refused(shipped_copy):
    # the sprites VAE's archive under the glyph VAE's name, its class and config rewritten to the glyph VAE's:
    # the package builds the glyph VAE, whose layers the sprites weights do not fit
    import io
    import zipfile

    glyphs, sprites = (shipped_copy / f"{n}.keras" for n in ("vae_glyphs_2d", "betavae_sprites_beta8"))
    out = io.BytesIO()
    with zipfile.ZipFile(sprites) as src, zipfile.ZipFile(glyphs) as cfg, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, cfg.read("config.json") if item.filename == "config.json" else src.read(item))
    glyphs.write_bytes(out.getvalue())
    _set_entry(shipped_copy, "vae_glyphs_2d", sha256=weights.sha256_of(glyphs), bytes=glyphs.stat().st_size)
    with pytest.raises(weights.WeightsError, match="do not fit the VAE this package builds for 'vae_glyphs_2d'"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


@pytest.mark.parametrize("version", ["3.12.1", "2.15.0", "3.9.0"])
def test_a_keras_too_old_is_named_with_the_minimum_and_the_file_is_not_blamed(version):
    with pytest.raises(weights.WeightsError) as info:
        weights.check_keras_version(version)
    message = str(info.value)
    assert f"Keras {version} is installed" in message and "keras>=3.13" in message
    assert "the files themselves are fine" in message and "Rebuild" not in message


@pytest.mark.parametrize("version", ["3.13.2", "3.15.1", "4.0.0", "3.14.0.dev2025"])
def test_supported_kerases_pass_the_version_check(version):
    weights.check_keras_version(version)


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
    assert (entry["image_shape"], entry["latent_dim"], entry["num_classes"]) == ([8, 8, 1], 2, None)  # the interface
    assert set(weights.read_manifest(tmp_path)) == {"other", "tiny_vae"}
    model = weights.load_pretrained(tiny_recipe, tmp_path)
    assert model.latent_dim == 2 and getattr(model, "optimizer", None) is None  # no optimizer state shipped


def test_train_vae_binarized_trains_on_binary_images(monkeypatch):
    """chapter 04's binarised VAE: every batch train_vae feeds is 0/1, drawn afresh (BinarizedImages)."""
    from vaegan_edu import training

    seen = []
    original = training.BinarizedImages.__getitem__
    monkeypatch.setattr(training.BinarizedImages, "__getitem__",
                        lambda self, i: seen.append(original(self, i)) or seen[-1])  # fmt: skip
    vae = weights.train_vae(seed=1, dataset="digits8", latent_dim=2, epochs_setting="sweep_epochs", binarized=True)
    batches = np.concatenate([b[0] if isinstance(b, tuple) else b for b in seen])
    assert vae.latent_dim == 2 and len(seen) > 0 and set(np.unique(batches)) <= {0.0, 1.0}
    with pytest.raises(TypeError, match="binarized"):
        weights.train_vae(dataset="digits8", latent_dim=2, epochs_setting="sweep_epochs", binarized="yes")


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


def test_readme_lists_the_current_checksums_of_every_shipped_file():
    readme = (weights.weights_dir().parent / "README.md").read_text(encoding="utf-8")
    assert set(weights.read_manifest()) == set(weights.RECIPES)
    for name, entry in weights.read_manifest().items():
        assert entry["sha256"] in readme, f"data/README.md is stale for {name}: copy the sha256 from the manifest"
        assert entry["command"] in readme


# --- trust only what the package shipped (issue 18, item 5) -----------------------------------------------------


@pytest.fixture
def outside_copy(shipped_copy):
    """A valid copy of vae_glyphs_2d.keras *outside* the weights folder: what an escaping manifest would load."""
    target = shipped_copy.parent / "outside" / "vae_glyphs_2d.keras"
    target.parent.mkdir()
    shutil.copy(shipped_copy / "vae_glyphs_2d.keras", target)
    return target


@pytest.mark.parametrize(
    "file, problem",
    [
        ("../outside/vae_glyphs_2d.keras", "climbs out of the folder with `..`"),
        ("ABSOLUTE", "is an absolute path"),
        ("outside/../../outside/vae_glyphs_2d.keras", "climbs out of the folder with `..`"),
        ("..\\outside\\vae_glyphs_2d.keras", "climbs out of the folder with `..`"),
        ("sub/vae_glyphs_2d.keras", "contains a path separator"),
        ("C:vae_glyphs_2d.keras", "is an absolute path"),
        (".", "names the folder itself"),
    ],
)
def test_a_manifest_may_only_name_files_in_its_own_folder(shipped_copy, outside_copy, file, problem):
    file = str(outside_copy) if file == "ABSOLUTE" else file
    _set_entry(shipped_copy, "vae_glyphs_2d", file=file)
    with pytest.raises(weights.WeightsError) as info:
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    message = str(info.value)
    assert f"The manifest entry 'vae_glyphs_2d' in {shipped_copy / weights.MANIFEST_NAME}" in message
    assert f'names the file "file": {file!r}, which {problem}' in message
    assert 'Fix: copy the weights file into that folder and write its bare name, e.g. "file": "vae_glyphs_2d.keras"'\
        in message  # fmt: skip


def test_a_link_leading_out_of_the_folder_is_refused_and_one_inside_is_followed(shipped_copy, outside_copy):
    inside = shipped_copy / "vae_glyphs_2d.keras"
    os.replace(inside, shipped_copy / "real.keras")
    inside.symlink_to(shipped_copy / "real.keras")  # a link within the folder: fine
    assert isinstance(weights.load_pretrained("vae_glyphs_2d", shipped_copy), VAE)
    inside.unlink()
    inside.symlink_to(outside_copy)  # same bytes, same checksum, but outside: refused
    with pytest.raises(weights.WeightsError, match=f"which is a link to {outside_copy}, outside the folder"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def _entry(**changes):
    """A manifest edit: change fields of vae_glyphs_2d's entry (here a value of None deletes the field)."""

    def edit(manifest):
        entry = manifest["files"]["vae_glyphs_2d"]
        entry.update(changes)
        for key in [k for k, v in changes.items() if v is None]:
            del entry[key]
        return json.dumps(manifest)

    return edit


MALFORMED = {
    "not JSON": (lambda m: '{"files": {"vae_glyphs_2d": ', r"is not valid JSON \(JSONDecodeError: Expecting"),
    "not UTF-8": (lambda m: b"\xff\xfe{}", r"is not valid JSON \(.*utf-8"),
    "a list": (lambda m: json.dumps([m]), r'must be a JSON object \{"files".*received a JSON list'),
    "no files": (lambda m: json.dumps({"weights": m["files"]}), r"received an object without `files` \(its keys: "
                 r"\['weights'\]\)"),  # fmt: skip
    "files a list": (lambda m: json.dumps({"files": list(m["files"].values())}), r"received `files` as a list"),
    "entry a string": (lambda m: json.dumps({"files": {"vae_glyphs_2d": "vae_glyphs_2d.keras"}}),
                       r"entry must be a JSON object; received str 'vae_glyphs_2d.keras'"),
    "bytes negative": (_entry(bytes=-1928160), r"`bytes` must be the file's size, a positive integer; received "
                       r"-1928160"),  # fmt: skip
    "bytes a string": (_entry(bytes="1928160"), r"`bytes` must be .*; received '1928160'"),
    "bytes true": (_entry(bytes=True), r"`bytes` must be .*; received True"),
    "sha256 not hex": (_entry(sha256="g" * 64), r"`sha256` must be 64 lowercase hexadecimal digits; received 'ggg"),
    "sha256 short": (_entry(sha256="afd6d154"), r"`sha256` must be 64 .*; received 'afd6d154'"),
    "file missing": (_entry(file=None), r"`file` is missing \(expected the name of a file"),
    "file a number": (_entry(file=3), r"`file` must be the name of a file in the manifest's folder; received 3"),
    "no interface (an old entry)": (_entry(image_shape=None, latent_dim=None, num_classes=None),
                                    r"`image_shape` is missing .*; `latent_dim` is missing .*; `num_classes` is "
                                    r"missing"),  # fmt: skip
    "image_shape a string": (_entry(image_shape="28x28"), r"`image_shape` must be the shape of one image"),
    "latent_dim zero": (_entry(latent_dim=0), r"`latent_dim` must be a positive integer, or null"),
    "data a string": (_entry(data="glyphs"), r"`data` must be \{\"name\": str, .*received 'glyphs'"),
}


@pytest.mark.parametrize("label", list(MALFORMED))
def test_a_malformed_manifest_gets_a_clear_error_with_the_fix(shipped_copy, label):
    edit, pattern = MALFORMED[label]
    path = shipped_copy / weights.MANIFEST_NAME
    text = edit(json.loads(path.read_text()))
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(weights.WeightsError, match=pattern) as info:
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    message = str(info.value)
    assert str(path) in message and "`python -m vaegan_edu.weights verify` then checks every entry" in message
    whole_file = label in ("not JSON", "not UTF-8", "a list", "no files", "files a list")
    assert "weights build" in message and ("entry 'vae_glyphs_2d'" in message) != whole_file  # the entry is named


def test_cli_verify_reports_a_malformed_manifest_without_a_traceback(shipped_copy, capsys):
    (shipped_copy / weights.MANIFEST_NAME).write_text("{not json")
    assert weights.main(["--dir", str(shipped_copy), "verify"]) == 1
    assert capsys.readouterr().out.startswith(f"FAILED: The weights manifest {shipped_copy / weights.MANIFEST_NAME}")


def test_load_pretrained_refuses_a_name_that_is_not_a_string():
    with pytest.raises(TypeError, match=r"`name` must be the name of a shipped weight .*received list \['vae'\]"):
        weights.load_pretrained(["vae"])


@pytest.mark.parametrize(
    "name, impostor, difference",
    [
        ("vae_glyphs_2d", "betavae_sprites_beta8", "image_shape [32, 32, 1] where the manifest records [28, 28, 1]; "
                                             "latent_dim 8 where the manifest records 2"),
        ("dcgan_glyphs", "cgan_glyphs", "num_classes 10 where the manifest records None"),
    ],
)
def test_a_consistent_swap_of_one_model_for_another_is_refused(shipped_copy, name, impostor, difference):
    """Another model's file under this name, its size and checksum copied into the manifest: only the loaded
    model's interface (image shape, latent size, classes) tells, and it is checked."""
    entries = weights.read_manifest(shipped_copy)
    shutil.copy(shipped_copy / entries[impostor]["file"], shipped_copy / entries[name]["file"])
    _set_entry(shipped_copy, name, sha256=entries[impostor]["sha256"], bytes=entries[impostor]["bytes"])
    with pytest.raises(weights.WeightsError) as info:
        weights.load_pretrained(name, shipped_copy)
    message = str(info.value)
    assert f"holds another {entries[name]['class']} than the manifest describes for {name!r}: {difference}." in message
    assert "it was not used" in message and f"weights build {name}" in message


def test_keras_loads_the_bytes_that_were_hashed_not_the_path_again(shipped_copy, monkeypatch):
    """The file is replaced (by another valid model) after its checksum was taken: Keras must still get the bytes
    that were hashed, from a private copy that is gone afterwards, never the shipped path reopened; and it only
    reads weights into a model the package built (its deserialiser is never called)."""
    import keras

    shipped = shipped_copy / "vae_glyphs_2d.keras"
    hashed = shipped.read_bytes()
    impostor = (shipped_copy / "betavae_sprites_beta8.keras").read_bytes()
    real_load_weights = keras.Model.load_weights
    given = []

    def replace_then_load(model, filepath, **kwargs):
        shipped.write_bytes(impostor)  # the swap happens between the check and the use
        given.append((Path(filepath), Path(filepath).read_bytes()))
        return real_load_weights(model, filepath, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("load_pretrained must not deserialise the file's config")

    monkeypatch.setattr(keras.Model, "load_weights", replace_then_load)
    monkeypatch.setattr(keras.saving, "load_model", never)
    monkeypatch.setattr(keras.saving, "deserialize_keras_object", never)
    model = weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    assert model.latent_dim == 2 and model.image_shape == (28, 28, 1)  # the model that was checked
    [(path, content)] = given
    assert path != shipped and content == hashed
    assert not path.exists() and not path.parent.exists()  # the private copy and its folder are deleted


def test_every_shipped_model_loads_with_the_weights_keras_reads_from_the_file():
    """Built in code, loaded with weights: every array equals what Keras's own loader rebuilds from the archive."""
    import keras
    import numpy as np

    for name in sorted(weights.read_manifest()):
        ours = weights.load_pretrained(name)
        theirs = keras.saving.load_model(weights.weights_dir() / f"{name}.keras", compile=False, safe_mode=True)
        assert type(ours) is type(theirs), name
        assert len(ours.weights) == len(theirs.weights) > 0, name
        for a, b in zip(ours.weights, theirs.weights):
            assert a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b)), (name, a.path)


def test_every_shipped_entry_records_its_models_interface():
    """The fields the swap check compares are present for every shipped weight (load_pretrained of each checks
    their values: test_cli_verify_reports_stale_data_and_fails and the packaging test load them all)."""
    for name, entry in weights.read_manifest().items():
        assert {"class", "image_shape", "latent_dim", "num_classes"} <= set(entry), name
    assert weights.read_manifest()["betavae_sprites_beta8"]["image_shape"] == [32, 32, 1]


# === limits (issue 33): nothing hangs, nothing inflates without bound ===


def test_a_manifest_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    import os

    os.mkfifo(tmp_path / weights.MANIFEST_NAME)  # reading it would block for ever
    with pytest.raises(weights.WeightsError, match="is not a regular file"):
        weights.read_manifest(tmp_path)
    with pytest.raises(weights.WeightsError, match="is not a regular file"):
        weights.load_pretrained("vae_glyphs_2d", tmp_path)
    assert weights.main(["--dir", str(tmp_path), "verify"]) != 0


def test_a_weights_file_larger_than_the_cap_is_not_read(shipped_copy):
    _set_entry(shipped_copy, "vae_glyphs_2d", bytes=weights.MAX_WEIGHTS_BYTES + 1)
    with pytest.raises(weights.WeightsError, match="more than the .* a weights file may have"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)


def test_an_archive_that_inflates_past_the_cap_is_refused_before_reading(shipped_copy, monkeypatch):
    # a real bomb would take gigabytes to build: the cap is lowered below the shipped archive's inflated size
    monkeypatch.setattr(weights, "MAX_INFLATED_BYTES", 1_000_000)
    with pytest.raises(weights.WeightsError, match="inflates to .* bytes, more than the 1,000,000"):
        weights.load_pretrained("vae_glyphs_2d", shipped_copy)
    assert weights.MAX_INFLATED_BYTES < 4 << 30 and weights.MAX_WEIGHTS_BYTES < 4 << 30  # below Keras's guard


def test_a_huge_or_deeply_nested_manifest_is_a_weights_error(tmp_path):
    (tmp_path / weights.MANIFEST_NAME).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(weights.WeightsError, match="is not valid JSON"):
        weights.read_manifest(tmp_path)
    (tmp_path / weights.MANIFEST_NAME).write_bytes(b" " * (weights.MAX_MANIFEST_BYTES + 1))
    with pytest.raises(weights.WeightsError, match="more than the"):
        weights.read_manifest(tmp_path)

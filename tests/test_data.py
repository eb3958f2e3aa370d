import dataclasses
import importlib.metadata
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vaegan_edu import config, data

SMALL = dict(num_train=300, num_test=100)


@pytest.fixture(scope="module")
def glyphs():
    return data.load("glyphs", seed=0, **SMALL)


@pytest.fixture(scope="module")
def sprites():
    return data.load("sprites", seed=0, **SMALL)


def _check_images(x, shape):
    assert x.dtype == np.float32
    assert x.shape[1:] == shape
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert 0.02 < x.mean() < 0.5  # ink on a dark background, neither empty nor flooded


def test_digits8_is_the_real_sklearn_set_with_a_fixed_disjoint_split():
    from sklearn.datasets import load_digits

    ds = data.load("digits8")
    assert (len(ds.x_train), len(ds.x_test)) == (1437, 360)
    _check_images(ds.x_train, (8, 8, 1))
    assert ds.x_train.max() == 1.0
    real = load_digits().images.reshape(len(load_digits().images), -1) / 16.0
    both = np.concatenate([ds.x_train, ds.x_test]).reshape(-1, 64)
    # every image of the split is a row of the original and no row is used twice
    rows = {r.tobytes() for r in real.astype(np.float32)}
    assert all(r.tobytes() in rows for r in both)
    assert len({r.tobytes() for r in both}) == len({r.tobytes() for r in real.astype(np.float32)})
    assert set(np.unique(ds.y_test)) == set(range(10))
    np.testing.assert_array_equal(data.load("digits8", seed=5).x_test, ds.x_test)  # the split is fixed


def test_glyphs_shapes_ranges_labels_and_factors(glyphs):
    _check_images(glyphs.x_train, (28, 28, 1))
    assert glyphs.y_train.dtype == np.int64 and set(np.unique(glyphs.y_train)) == set(range(10))
    assert glyphs.factor_names == data.GLYPH_FACTORS
    assert glyphs.factors_train.shape == (300, len(data.GLYPH_FACTORS))
    np.testing.assert_array_equal(glyphs.factors_train[:, 0], glyphs.y_train)
    fonts = glyphs.factors_train[:, 1]
    assert fonts.min() >= 0 and fonts.max() < len(data.GLYPH_FONTS) and len(np.unique(fonts)) > 10


def test_glyphs_are_centred_by_mass_and_fit_the_mnist_box(glyphs):
    x = glyphs.x_train[..., 0]
    c = np.arange(28) - 13.5
    mass = x.sum(axis=(1, 2))
    com_x = (x.sum(axis=1) * c).sum(axis=1) / mass
    com_y = (x.sum(axis=2) * c).sum(axis=1) / mass
    assert np.abs(com_x).max() < 1.0 and np.abs(com_y).max() < 1.0
    border = np.concatenate([x[:, :2], x[:, -2:], x[:, :, :2].transpose(0, 2, 1), x[:, :, -2:].transpose(0, 2, 1)], 1)
    assert (border.max(axis=(1, 2)) > 0.5).mean() < 0.05  # a blank margin as in MNIST, nearly always
    height = (x.max(axis=2) > 0.5).sum(axis=1)
    assert 16 <= np.median(height) <= 21  # MNIST fits the digit's larger side into a 20-pixel box


def test_glyph_classes_are_distinguishable(glyphs):
    """A linear classifier separates the rendered digits far above chance: the labels match the pictures."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=300).fit(glyphs.x_train.reshape(300, -1), glyphs.y_train)
    assert clf.score(glyphs.x_test.reshape(100, -1), glyphs.y_test) > 0.5  # chance is 0.1


@pytest.mark.parametrize("name", ["glyphs", "sprites"])
def test_generated_sets_are_deterministic_by_seed(name):
    a = data.load(name, seed=1, num_train=50, num_test=20, cache=False)
    b = data.load(name, seed=1, num_train=50, num_test=20, cache=False)
    c = data.load(name, seed=2, num_train=50, num_test=20, cache=False)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.factors_test, b.factors_test)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", ["glyphs", "sprites"])
def test_first_images_do_not_depend_on_how_many_are_asked_for(name):
    small = data.load(name, num_train=40, num_test=10, cache=False)
    large = data.load(name, num_train=80, num_test=30, cache=False)
    np.testing.assert_array_equal(small.x_train, large.x_train[:40])
    np.testing.assert_array_equal(small.x_test, large.x_test[:10])


def test_glyph_train_and_test_are_disjoint(glyphs):
    train = {x.tobytes() for x in glyphs.x_train}
    assert not any(x.tobytes() in train for x in glyphs.x_test)


def test_sprites_factors_grid_and_disjoint_combinations(sprites):
    _check_images(sprites.x_train, (32, 32, 1))
    assert sprites.factor_names == ("shape", "scale", "rotation", "x", "y")
    for j, values in enumerate(data.SPRITE_GRID.values()):
        assert set(np.unique(sprites.factors_train[:, j])) <= set(values.tolist())
    train = {f.tobytes() for f in sprites.factors_train}
    assert not any(f.tobytes() in train for f in sprites.factors_test)
    np.testing.assert_array_equal(sprites.y_train, sprites.factors_train[:, 0])


def test_sprite_position_and_scale_move_the_ink(sprites):
    x, f = sprites.x_train[..., 0], sprites.factors_train
    cols = (x.sum(axis=1) * np.arange(32)).sum(axis=1) / x.sum(axis=(1, 2))
    rows = (x.sum(axis=2) * np.arange(32)).sum(axis=1) / x.sum(axis=(1, 2))
    assert np.corrcoef(cols, f[:, 3])[0, 1] > 0.95  # x factor moves the shape right
    assert np.corrcoef(rows, f[:, 4])[0, 1] > 0.95  # y factor moves it down, as in dSprites
    area = x.sum(axis=(1, 2))
    for shape in range(3):
        m = f[:, 0] == shape
        assert np.corrcoef(area[m], f[m, 1] ** 2)[0, 1] > 0.9  # area grows with scale squared


def _never(*args, **kwargs):
    pytest.fail("this call should not happen")


def test_cache_is_reused_and_a_damaged_file_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    first = data.load("glyphs", num_train=30, num_test=10)
    files = list(tmp_path.glob("glyphs-*.npz"))
    assert len(files) == 1 and not list(tmp_path.glob(".*.tmp*"))
    with monkeypatch.context() as m:  # the second load reads the file: nothing is generated, nothing written
        m.setattr(data, "_atomic_savez", _never)
        again = data.load("glyphs", num_train=30, num_test=10)
    np.testing.assert_array_equal(again.x_train, first.x_train)
    assert again.fingerprint == first.fingerprint
    files[0].write_bytes(files[0].read_bytes()[:100])  # a half-written file
    again = data.load("glyphs", num_train=30, num_test=10)
    np.testing.assert_array_equal(again.x_train, first.x_train)
    with np.load(files[0]) as f:  # and the damaged file was replaced by a good one
        np.testing.assert_array_equal(f["x_train"], first.x_train)
        assert str(f["fingerprint"]) == first.fingerprint


def test_a_cache_file_whose_arrays_no_longer_match_its_fingerprint_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    good = data.load("sprites", num_train=20, num_test=5)
    (path,) = tmp_path.glob("sprites-*.npz")
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["x_train"][3, 10, 10, 0] += 0.5  # a valid archive holding other pixels than its fingerprint says
    np.savez(path, **arrays)
    again = data.load("sprites", num_train=20, num_test=5)
    np.testing.assert_array_equal(again.x_train, good.x_train)
    with np.load(path) as f:
        np.testing.assert_array_equal(f["x_train"], good.x_train)


# --- data identity -------------------------------------------------------------------------------


def test_fingerprint_changes_with_any_byte_dtype_or_shape_of_any_array():
    a = data.load("glyphs", num_train=40, num_test=10, cache=False)
    b = data.load("glyphs", num_train=40, num_test=10, cache=False)
    assert a.fingerprint == b.fingerprint and re.fullmatch(r"[0-9a-f]{16}", a.fingerprint)
    x = a.x_train.copy()
    x[7, 3, 20, 0] = np.nextafter(x[7, 3, 20, 0], 2.0)  # one pixel, one unit in the last place
    y = a.y_test.copy()
    y[0] = (y[0] + 1) % 10
    variants = {
        "one pixel": dataclasses.replace(a, x_train=x),
        "one label": dataclasses.replace(a, y_test=y),
        "one factor": dataclasses.replace(a, factors_train=a.factors_train * np.float32(1.0001)),
        "dtype": dataclasses.replace(a, y_train=a.y_train.astype(np.int32)),
        "shape": dataclasses.replace(a, x_train=a.x_train.reshape(40, 28, 1, 28)),  # same bytes
        "no labels": dataclasses.replace(a, y_train=None),
        "subset": data.load("glyphs", num_train=39, num_test=10, cache=False),
        "factor names": dataclasses.replace(a, factor_names=a.factor_names[::-1]),
    }
    fingerprints = {what: ds.fingerprint for what, ds in variants.items()}
    assert a.fingerprint not in fingerprints.values(), fingerprints
    assert len(set(fingerprints.values())) == len(fingerprints)


def test_fingerprint_function_reads_the_cache_and_loads_only_when_cold(tmp_path, monkeypatch):
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path / "warm"))
    expected = data.load("glyphs", seed=3, num_train=30, num_test=10).fingerprint
    assert data.fingerprint("digits8") == data.load("digits8").fingerprint
    monkeypatch.setattr(data, "load", _never)  # warm: the stored value, no arrays loaded
    assert data.fingerprint("glyphs", seed=3, num_train=30, num_test=10) == expected
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path / "cold"))
    with pytest.raises(pytest.fail.Exception):  # cold: it has to load (and so generate)
        data.fingerprint("glyphs", seed=3, num_train=30, num_test=10)


def test_cache_key_follows_the_generators_code_constants_and_libraries(monkeypatch):
    """The key must change when any code the images come from changes, however deep in the call chain."""
    glyphs_key, sprites_key = data._cache_path("glyphs", 0, 30, 10), data._cache_path("sprites", 0, 30, 10)
    original = data._elastic_field

    def flatter_elastic_field(freq, phase, amplitude):  # three calls below _make_glyphs
        return original(freq, phase, 0.5 * amplitude)

    with monkeypatch.context() as m:
        m.setattr(data, "_elastic_field", flatter_elastic_field)
        assert data._cache_path("glyphs", 0, 30, 10) != glyphs_key
        assert data._cache_path("sprites", 0, 30, 10) == sprites_key  # sprites do not use it
    with monkeypatch.context() as m:
        m.setitem(data._GLYPH_RANGES, "rotation", (-0.1, 0.1))  # a constant the generator reads
        assert data._cache_path("glyphs", 0, 30, 10) != glyphs_key
    version = importlib.metadata.version
    with monkeypatch.context() as m:
        m.setattr(importlib.metadata, "version", lambda lib: "0.0" if lib == "matplotlib" else version(lib))
        assert data._cache_path("glyphs", 0, 30, 10) != glyphs_key
    assert data._cache_path("glyphs", 0, 30, 10) == glyphs_key
    assert data._cache_path("glyphs", 1, 30, 10) != glyphs_key  # and, as before, every parameter


def test_cache_key_is_the_same_in_another_process():
    """No memory address or other per-process value may enter the key, or the cache would never be reused."""
    script = "from vaegan_edu import data; print(data._cache_path('glyphs', 0, 30, 10).name)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == data._cache_path("glyphs", 0, 30, 10).name


def test_a_changed_generator_never_reuses_cached_images(tmp_path, monkeypatch):
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    before = data.load("glyphs", num_train=30, num_test=10)
    original = data._elastic_field

    def no_elastic_field(freq, phase, amplitude):
        return original(freq, phase, 0.0 * amplitude)

    monkeypatch.setattr(data, "_elastic_field", no_elastic_field)
    after = data.load("glyphs", num_train=30, num_test=10)
    assert not np.array_equal(after.x_train, before.x_train) and after.fingerprint != before.fingerprint
    assert len(list(tmp_path.glob("glyphs-*.npz"))) == 2


def test_generated_data_has_the_same_bits_without_the_cpus_simd_extensions():
    """NumPy's np.sin & co. differ in their last bits between SIMD levels; the images must not depend on that.

    A child process runs with every NumPy dispatch target disabled (NPY_DISABLE_CPU_FEATURES), as on a CPU
    without AVX2, and must render the same bits. With np.sin in the renderer it did not.
    """
    from numpy._core import _multiarray_umath

    targets = _multiarray_umath.__cpu_dispatch__
    if not targets:
        pytest.skip("NumPy has no SIMD dispatch targets on this CPU: nothing to compare with")
    sizes = dict(num_train=200, num_test=50, cache=False)
    script = (
        "from numpy.lib import introspect; from vaegan_edu import data; "
        "print(introspect.opt_func_info(func_name='sin', signature='float')['sin']['ff']['current'], "
        f"data.load('glyphs', **{sizes}).fingerprint, data.load('sprites', **{sizes}).fingerprint)"
    )
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(targets)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                         timeout=120)  # fmt: skip
    sin_implementation, glyphs, sprites = out.stdout.split()
    assert sin_implementation.startswith("baseline"), "the child process still used a SIMD np.sin"
    assert (glyphs, sprites) == (data.load("glyphs", **sizes).fingerprint, data.load("sprites", **sizes).fingerprint)


def test_book_datasets_are_the_load_calls_of_the_configured_sizes():
    for mode, sizes in (("full", config._FULL), ("fast", config._FAST)):
        for name in ("glyphs", "sprites"):
            book = data.BOOK_DATASETS[f"{name}-{mode}"]
            assert (book.name, book.kwargs) == (name, dict(seed=0, num_train=sizes["num_train"],
                                                           num_test=sizes["num_test"])), f"{name}-{mode}"  # fmt: skip


def test_readme_lists_the_book_fingerprints():
    readme = (Path(data.__file__).resolve().parents[1] / "data" / "README.md").read_text(encoding="utf-8")
    for label, book in data.BOOK_DATASETS.items():
        row = next((line for line in readme.splitlines() if line.lstrip().startswith(f"| `{label}` | `load(")), "")
        assert f"`{book.fingerprint}`" in row, f"data/README.md is stale for {label}: copy {book.fingerprint} there"


def _made_from(fingerprint):
    """Rebuild commands of the shipped weights and experiment results that record ``fingerprint``."""
    from vaegan_edu import weights

    commands = [f"python -m vaegan_edu.weights build {name}" for name, entry in sorted(weights.read_manifest().items())
                if entry.get("data", {}).get("fingerprint") == fingerprint]  # fmt: skip
    for path in sorted((weights.weights_dir().parent / "experiments").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        if (result.get("data") or {}).get("fingerprint") == fingerprint:
            commands.append(f"python -m vaegan_edu.experiments run {result['protocol']}")
    return commands


@pytest.mark.parametrize("label", sorted(data.BOOK_DATASETS))
def test_book_datasets_regenerate_to_their_recorded_fingerprints(label, tmp_path, monkeypatch):
    """From an empty cache, each of the book's load calls gives exactly the recorded data (full glyphs: ~7 s)."""
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    book = data.BOOK_DATASETS[label]
    now = data.load(book.name, **book.kwargs).fingerprint
    if now != book.fingerprint:
        rebuild = _made_from(book.fingerprint)
        pytest.fail(
            f"load({book.name!r}, **{book.kwargs}) now gives data with fingerprint {now}, but "
            f"vaegan_edu.data.BOOK_DATASETS[{label!r}] records {book.fingerprint}: the generator (or a library it "
            f"uses) makes other data than before. If that is not intended, undo the change. If it is, set that "
            f"fingerprint to {now!r} and rebuild what was made from the old data:\n  "
            + "\n  ".join(rebuild + [
                "python -m vaegan_edu.book run --in-place   (the chapters that load it, in full mode)",
                f"python -m vaegan_edu.experiments run NAME   (each result recording fingerprint {book.fingerprint})",
            ])  # fmt: skip
        )
def _dead_pid() -> int:
    """The id of a process that has exited (almost surely not reused yet)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_cache_write_removes_what_a_killed_writer_left(tmp_path, monkeypatch):
    """A kill -9 mid-write leaves ``.<name>.tmp<pid>-<token>.npz``; the next write of that file removes it (issue 18.6)."""
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    target = data._cache_path("glyphs", 0, 30, 10)
    dead = tmp_path / f".{target.stem}.tmp{_dead_pid()}-k1ll3d.npz"
    dead.write_bytes(b"half an archive")
    alive = tmp_path / f".{target.stem}.tmp{os.getppid()}-busy.npz"  # a write in progress elsewhere: left alone
    alive.write_bytes(b"being written")
    other = tmp_path / f".other.tmp{_dead_pid()}-k1ll3d.npz"  # another file's leftover: not this write's business
    other.write_bytes(b"x")
    data.load("glyphs", num_train=30, num_test=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, target.name])


def test_an_interrupted_cache_write_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "x.npz"

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(KeyboardInterrupt):
        data._atomic_savez(target, a=np.zeros(3))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="cifar"), r"Unknown dataset 'cifar'. Accepted names: \['digits8', 'glyphs'"),
        (dict(name="glyphs", num_train=0), "`num_train` must be a positive integer"),
        (dict(name="glyphs", num_test=-5), "`num_test` must be a positive integer"),
        (dict(name="glyphs", num_train=2.5), "`num_train` must be a positive integer"),
        (dict(name="glyphs", seed=-1), "`seed` must be between 0"),
        (dict(name="glyphs", seed="a"), "`seed` must be a non-negative integer"),
        (dict(name="digits8", num_train=5000), "more than the 1437 examples"),
        (dict(name="sprites", num_train=90_000), "factor combinations"),
    ],
)
def test_bad_arguments_say_what_is_accepted(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load(**kwargs)


def test_digits8_subset():
    ds = data.load("digits8", num_train=100, num_test=10)
    assert ds.x_train.shape == (100, 8, 8, 1) and ds.y_test.shape == (10,)


# --- 2-D toys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, num_modes, std", [("ring8", 8, 0.01), ("grid25", 25, 0.05)])
def test_mixtures_follow_the_pacgan_setup(name, num_modes, std):
    x, modes, s = data.toy_2d(name, 4000, seed=0)
    assert x.shape == (4000, 2) and x.dtype == np.float32 and s == std
    assert modes.shape == (num_modes, 2)
    if name == "ring8":
        np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    else:
        assert sorted(set(modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    d = np.linalg.norm(x[:, None] - modes[None], axis=2)
    nearest = d.argmin(axis=1)
    offsets = x - modes[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.1)  # the stated spread
    counts = np.bincount(nearest, minlength=num_modes)
    assert counts.min() > 0.5 * 4000 / num_modes  # every mode used, about equally


@pytest.mark.parametrize("name", ["moons", "swiss_roll"])
def test_shapes_without_modes(name):
    x, modes, std = data.toy_2d(name, 500, seed=3)
    assert x.shape == (500, 2) and modes is None and std is None
    assert np.abs(x).max() < 3.0 and x.std() > 0.2
    np.testing.assert_array_equal(x, data.toy_2d(name, 500, seed=3)[0])
    assert not np.array_equal(x, data.toy_2d(name, 500, seed=4)[0])


@pytest.mark.parametrize(
    "args, match",
    [
        (("ring", 10), r"Unknown 2-D toy dataset 'ring'. Accepted names: \['ring8'"),
        (("ring8", 0), "`n` must be a positive integer"),
        (("ring8", None), "`n` must be a positive integer"),
        (("ring8", 10, -2), "`seed`"),
    ],
)
def test_toy_2d_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        data.toy_2d(*args)


# --- online datasets -----------------------------------------------------------------------------


@pytest.fixture
def empty_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_keras_datasets_dir", lambda: tmp_path)
    return tmp_path


def _block_network(monkeypatch, behaviour):
    def connect(*args, **kwargs):
        if behaviour == "hang":
            time.sleep(60)  # a black-holed network: packets vanish, nothing answers
        raise OSError("Network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "create_connection", connect)


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
@pytest.mark.parametrize("behaviour", ["refuse", "hang"])
def test_offline_error_is_fast_clear_and_leaves_no_cache(name, behaviour, monkeypatch, empty_keras_cache):
    import keras.datasets  # noqa: F401  (imported before the clock starts: the promise is about the network)

    _block_network(monkeypatch, behaviour)
    monkeypatch.setattr(data, "NETWORK_TIMEOUT_S", 1.0)
    start = time.monotonic()
    with pytest.raises(data.DatasetOfflineError, match="offline") as info:
        data.load(name)
    assert time.monotonic() - start < 15  # the bound the book promises: it never hangs
    assert "'glyphs'" in str(info.value) and "digits8" in str(info.value)
    assert list(empty_keras_cache.iterdir()) == []


def test_offline_error_default_timeout_is_within_the_promise():
    assert data.NETWORK_TIMEOUT_S <= 10


def test_failed_download_removes_partial_files(monkeypatch, empty_keras_cache):
    import keras

    monkeypatch.setattr(data, "_can_reach", lambda *a: True)

    def broken_download(*args, **kwargs):
        (empty_keras_cache / "mnist.npz").write_bytes(b"half a file")
        raise EOFError("connection reset")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", broken_download)
    with pytest.raises(data.DatasetOfflineError, match="partial files were removed"):
        data.load("mnist")
    assert list(empty_keras_cache.iterdir()) == []


def test_cached_online_dataset_loads_without_network(monkeypatch, empty_keras_cache):
    import keras

    (empty_keras_cache / "mnist.npz").write_bytes(b"stand-in for the cached download")
    _block_network(monkeypatch, "refuse")
    rng = np.random.default_rng(0)
    fake = ((rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.arange(6)),
            (rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), np.arange(2)))  # fmt: skip
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: fake)
    ds = data.load("mnist")
    assert ds.x_train.shape == (6, 28, 28, 1) and ds.x_train.dtype == np.float32
    np.testing.assert_allclose(ds.x_test[..., 0], fake[1][0] / 255.0, rtol=1e-6)


@pytest.mark.parametrize("damage", ["nan pixels", "0-255 pixels", "too few images", "int pixels"])
def test_a_consistent_cache_file_with_bad_content_is_regenerated(tmp_path, monkeypatch, damage):
    """A valid archive rewritten with its own matching fingerprint but wrong content is not used (issue 18.6)."""
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(tmp_path))
    good = data.load("glyphs", num_train=20, num_test=5)
    (path,) = tmp_path.glob("glyphs-*.npz")
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    x = arrays["x_train"]
    arrays["x_train"] = {"nan pixels": np.where(x > 0.5, np.nan, x).astype(np.float32), "0-255 pixels": x * 255,
                         "too few images": x[:10], "int pixels": x.astype(np.int64)}[damage]  # fmt: skip
    forged = data.Dataset("glyphs", **{k: arrays[k] for k in data._ARRAYS},
                          factor_names=tuple(str(s) for s in arrays["factor_names"]))  # fmt: skip
    arrays["fingerprint"] = np.array(forged.fingerprint)  # consistent: the checksum alone cannot tell
    np.savez(path, **arrays)
    again = data.load("glyphs", num_train=20, num_test=5)
    np.testing.assert_array_equal(again.x_train, good.x_train)
    assert again.fingerprint == good.fingerprint
    with np.load(path) as f:
        np.testing.assert_array_equal(f["x_train"], good.x_train)


def test_an_unwritable_cache_folder_generates_without_caching_and_warns_once(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VAEGAN_EDU_CACHE", str(blocker / "cache"))  # below a file: cannot be created
    monkeypatch.setattr(data, "_WARNED_CACHE_DIRS", set())
    reference = data.load("glyphs", num_train=12, num_test=4, cache=False)
    with pytest.warns(RuntimeWarning, match=r"Cannot write the dataset cache.*VAEGAN_EDU_CACHE") as caught:
        first = data.load("glyphs", num_train=12, num_test=4)
        second = data.load("glyphs", num_train=12, num_test=4)
    assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 1
    assert first.fingerprint == second.fingerprint == reference.fingerprint


def test_digits8_arrays_belong_to_the_caller():
    ds = data.load("digits8")
    ds.x_train *= 255  # the review's "output array is read-only"
    assert ds.x_train.max() > 1 and data.load("digits8").x_train.max() <= 1.0
    assert ds.fingerprint != data.load("digits8").fingerprint  # a new array: the fingerprint follows


def test_sizes_that_would_exhaust_memory_fail_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"`num_train`=10,000,000 is too many glyphs"):
        data.load("glyphs", num_train=10**7)
    assert time.perf_counter() - start < 1.0


def test_a_damaged_cache_on_a_hanging_network_answers_within_the_promise(monkeypatch, empty_keras_cache):
    import keras

    # the cached file exists but is damaged, so Keras would download it again, and the DNS hangs
    (empty_keras_cache / "mnist.npz").write_bytes(b"damaged")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda *a, **k: time.sleep(60))
    _block_network(monkeypatch, "hang")
    monkeypatch.setattr(data, "NETWORK_TIMEOUT_S", 1.0)
    start = time.monotonic()
    with pytest.raises(data.DatasetOfflineError, match="cached files could not be read and this machine is offline"):
        data.load("mnist")
    assert time.monotonic() - start < 15


# --- binarisation (chapter 04's honest Bernoulli likelihood) -----------------------------------------------


def test_binarize_draws_each_pixel_with_its_grey_level_as_probability():
    grey = np.full((4000, 5, 5, 1), 0.3, dtype=np.float32)
    grey[:, 0, 0, 0], grey[:, 1, 1, 0] = 0.0, 1.0
    b = data.binarize(grey, seed=3)
    assert b.dtype == np.float32 and b.shape == grey.shape and set(np.unique(b)) <= {0.0, 1.0}
    assert np.all(b[:, 0, 0, 0] == 0) and np.all(b[:, 1, 1, 0] == 1)  # certain pixels stay certain
    frac = b[:, 2:, 2:, 0].mean()
    assert abs(frac - 0.3) < 4 * np.sqrt(0.3 * 0.7 / b[:, 2:, 2:, 0].size)
    np.testing.assert_array_equal(b, data.binarize(grey, seed=3))
    assert not np.array_equal(b, data.binarize(grey, seed=4))


@pytest.mark.parametrize("bad", [np.full((2, 3, 3, 1), 255.0), np.full((2, 3, 3, 1), np.nan)])
def test_binarize_refuses_values_that_are_not_probabilities(bad):
    with pytest.raises(ValueError, match=r"`images` must hold probabilities in \[0, 1\]"):
        data.binarize(bad)


# --- downsampling (the stability study's 14x14 glyphs) -----------------------------------------------------


def test_downsample_averages_each_block_and_keeps_the_ink(glyphs):
    x = np.arange(32, dtype=np.float32).reshape(2, 4, 4, 1)
    np.testing.assert_array_equal(data.downsample(x)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(data.downsample(x, 4)[:, 0, 0, 0], [7.5, 23.5])
    np.testing.assert_array_equal(data.downsample(x, 1), x)
    small = data.downsample(glyphs.x_train)
    _check_images(small, (14, 14, 1))
    np.testing.assert_allclose(4 * small.sum(axis=(1, 2, 3)), glyphs.x_train.sum(axis=(1, 2, 3)), rtol=1e-5)


@pytest.mark.parametrize("images, factor, match", [
    (np.zeros((2, 15, 15, 1)), 2, r"`images` must have shape \(n, height, width, channels\) with height and width "
                                  r"divisible by factor=2; received shape \(2, 15, 15, 1\)"),
    (np.zeros((15, 15)), 2, "`images` must have shape"),
    (np.zeros((2, 4, 4, 1)), 0, "`factor` must be a positive integer"),
])  # fmt: skip
def test_downsample_names_the_bad_argument(images, factor, match):
    with pytest.raises(ValueError, match=match):
        data.downsample(images, factor)

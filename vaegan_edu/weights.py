"""Pretrained weights shipped with the book: a manifest, checksums, safe loading and a rebuild command.

Every shipped file in ``data/weights/`` is listed in ``data/weights/MANIFEST.json`` with its SHA-256, its
size, the model's interface (class, image shape, latent size, number of classes), the seed, the exact command
that rebuilds it from scratch, and the data it was trained on: the ``data.load`` call and the fingerprint of the
arrays it gave (``"data": {"name", "kwargs", "fingerprint"}``).

:func:`load_pretrained` trusts only what the manifest vouches for, and checks, in this order: the manifest is
well formed; the entry names a file directly inside the manifest's own folder (no absolute path, no ``..``, no
link to elsewhere); the file has the recorded size; its bytes, read once into memory, have the recorded SHA-256;
this package still generates the data it was trained on (same fingerprint); the package builds the model in its
own code from the plain values the archive's ``config.json`` records (read as JSON, never deserialised by Keras)
and Keras reads *those same bytes*' weights into it (HDF5 arrays only: loading never runs code from the file, and
a file saved by a newer Keras loads on every Keras >= :data:`MIN_KERAS`); the rebuilt model has the recorded
interface, so another model's file put under this name is refused even when its size
and checksum were copied into the manifest. Any failure raises :class:`WeightsError` (or
:class:`FileNotFoundError`; :class:`StaleWeightsError` for other training data) saying what is wrong and how to
rebuild it. A file is never silently used. ``data/README.md`` (section *Trust model*) says why the folder is
trusted.

The files install with the package (package data; :func:`vaegan_edu.resources.shipped_dir` finds them), so a
wheel installed with pip, as on Colab, loads them like a checkout does; ``$VAEGAN_EDU_WEIGHTS`` overrides the
folder. Rebuilding (trains from the recipe's fixed seed, then replaces the file and its manifest entry; in a
checkout, in the repository's ``data/weights``)::

    python -m vaegan_edu.weights list
    python -m vaegan_edu.weights build vae_glyphs_2d
    python -m vaegan_edu.weights verify

Adding a model (any chapter): write a builder ``fn(seed, **kwargs) -> keras.Model`` (a trained, registered,
serialisable model) and add one :class:`Recipe` to :data:`RECIPES`.

Taught in: 03_vae
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import importlib
import inspect
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path, PureWindowsPath

from vaegan_edu import data, resources

WEIGHTS_DIR_ENV = "VAEGAN_EDU_WEIGHTS"
MANIFEST_NAME = "MANIFEST.json"
_CHUNK = 1 << 20  # bytes read at a time when hashing


class WeightsError(ValueError):
    """A weights file that must not be used: truncated, corrupted, mismatched or unknown."""


class StaleWeightsError(WeightsError):
    """A weights file trained on other data than this package generates (or that does not say which data)."""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one shipped file is produced.

    ``builder`` is ``"package.module:function"``; it is called as ``function(seed=seed, **kwargs)`` and
    returns the trained Keras model that is saved. It must load its training data through
    :func:`vaegan_edu.data.load`, exactly one dataset: :func:`build` records that call and its fingerprint.
    """

    builder: str  # "module:function" returning a trained keras.Model
    kwargs: dict  # keyword arguments of the builder (JSON-serialisable)
    seed: int = 0  # the fixed seed of the shipped file
    description: str = ""  # one line: what the model is and where the book uses it


RECIPES: dict[str, Recipe] = {
    # === GAN (chapters 06-09) ===
    "digit_classifier": Recipe(
        builder="vaegan_edu.metrics:train_digit_classifier",
        kwargs=dict(num_train=20_000, epochs=3),
        seed=0,
        description="chapter 08's small CNN on glyph digits: labels and features for FD and precision/recall",
    ),
    "dcgan_glyphs": Recipe(
        builder="vaegan_edu.training:train_dcgan",
        kwargs=dict(conditional=False, learning_rate=2e-3, steps=2_500),
        seed=0,
        description="chapter 08's DCGAN on glyph digits at the tricks study's best setting (learning rate x10, "
                    "2e-3) and budget (2,500 steps): that variant's seed 0",
    ),
    "cgan_glyphs": Recipe(
        builder="vaegan_edu.training:train_dcgan",
        kwargs=dict(conditional=True, learning_rate=2e-3, steps=2_500),
        seed=0,
        description="chapter 08's class-conditional DCGAN on glyph digits (digit in, image out), trained as "
                    "dcgan_glyphs",
    ),
    "twin_vae_glyphs": Recipe(
        builder="vaegan_edu.experiments.duel_curves:train_twin_vae",
        kwargs=dict(steps=11_200),
        seed=0,
        description="chapter 09's VAE twin of the DCGAN: seed 0 of the duel_curves protocol at its last checkpoint "
                    "(11,200 steps; its scores equal the shipped seed 0's there)",
    ),
    # === VAE (chapters 03-05) ===
    "vae_glyphs_2d": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="glyphs", latent_dim=2, architecture="dense", beta=1.0, epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 03's main VAE: dense, 2-D latent space, Bernoulli likelihood, glyph digits",
    ),
    "vae_glyphs_2d_conv": Recipe(
        builder="vaegan_edu.experiments.beta_sweep:train_converged_vae",
        kwargs=dict(dataset="glyphs", latent_dim=2, architecture="conv", beta=1.0),
        seed=0,
        description="chapter 03's converged picture model: convolutional, 2-D latent space, Bernoulli likelihood, "
                    "glyph digits, trained until the held-out ELBO stopped improving",
    ),
    "vae_glyphs_16_binarized": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="glyphs", latent_dim=16, binarized=True, epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 04's Bernoulli VAE on binarised glyph digits (16 latents, a fresh binarisation each "
                    "epoch): the model whose log p(x) the IWAE bound estimates",
    ),
    "vae_glyphs_16": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="glyphs", latent_dim=16, likelihood="bernoulli", epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 04's Bernoulli VAE on grey glyph digits (16 latents), the sigma-VAE's comparison",
    ),
    "sigma_vae_glyphs_16": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="glyphs", latent_dim=16, likelihood="calibrated_gaussian", epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 04's sigma-VAE on grey glyph digits (16 latents, a Gaussian decoder with one learnt "
                    "standard deviation)",
    ),
    "betavae_sprites_beta1": Recipe(
        builder="vaegan_edu.experiments.beta_sweep:train_sweep_model",
        kwargs=dict(beta=1.0),
        seed=0,
        description="chapter 05's beta = 1 VAE of the converged beta_sweep (seed 0, dense, 8 latents, sprites)",
    ),
    "betavae_sprites_beta8": Recipe(
        builder="vaegan_edu.experiments.beta_sweep:train_sweep_model",
        kwargs=dict(beta=8.0),
        seed=0,
        description="chapter 05's beta = 8 VAE of the converged beta_sweep (seed 0, dense, 8 latents, sprites)",
    ),
}


def weights_dir() -> Path:
    """The folder holding the shipped files: ``$VAEGAN_EDU_WEIGHTS``, else the package's own copy (the repository's
    ``data/weights`` in a checkout, package data in an installed wheel: :func:`vaegan_edu.resources.shipped_dir`)."""
    return Path(os.environ.get(WEIGHTS_DIR_ENV) or resources.shipped_dir("weights"))


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json_atomic(path: Path, payload: dict, sort_keys: bool = True) -> None:
    """Write JSON so that a reader (or an interruption) never sees a half-written file: temp file, fsync, rename
    (:mod:`vaegan_edu.files`; a temporary file left by a killed writer is removed by the next write).

    Also used for experiment results (:mod:`vaegan_edu.experiments.runner`), with ``sort_keys=False`` so tables
    keep the order in which a protocol reports its variants."""
    from vaegan_edu.files import remove_dead_temporaries, temporary_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path, path.suffix)
    tmp = temporary_path(path, path.suffix)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2, sort_keys=sort_keys)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _manifest_fix(name: str | None = None) -> str:
    """How to repair a manifest: rebuild the entry (or every entry), or restore the package's own copy."""
    rebuild = f"python -m vaegan_edu.weights build {name or 'NAME'}"
    return (f"Fix: restore {MANIFEST_NAME} from the package (reinstall it; `git checkout` it in a checkout) or "
            f"rebuild the entry with `{rebuild}`; `python -m vaegan_edu.weights verify` then checks every entry.")


def read_manifest(directory=None) -> dict:
    """The manifest as a dict ``{name: entry}`` (empty when there is no manifest yet).

    Checks that the file is JSON holding an object ``{"files": {name: entry}}``; each entry's fields are checked
    when it is used (:func:`verify`), so one broken entry does not block the others.

    Raises
    ------
    WeightsError
        The manifest is not UTF-8 JSON, or not an object with a ``"files"`` object in it.
    """
    path = Path(directory or weights_dir()) / MANIFEST_NAME
    if not path.exists():
        return {}
    if not path.is_file():  # a folder, a FIFO (reading would hang), a device
        raise WeightsError(f"The weights manifest {path} is not a regular file; nothing was read. {_manifest_fix()}")
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise WeightsError(f"The weights manifest {path} has {path.stat().st_size:,} bytes, more than the "
                               f"{MAX_MANIFEST_BYTES:,} a manifest may have. {_manifest_fix()}")  # fmt: skip
        payload = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError, OSError) as error:
        if isinstance(error, WeightsError):
            raise
        raise WeightsError(f"The weights manifest {path} is not valid JSON ({type(error).__name__}: "
                           f"{error}). {_manifest_fix()}") from None  # fmt: skip
    if not isinstance(payload, dict):
        received = f"a JSON {type(payload).__name__}"
    elif "files" not in payload:
        received = f"an object without `files` (its keys: {sorted(payload)})"
    elif not isinstance(payload["files"], dict):
        received = f"`files` as a {type(payload['files']).__name__}"
    else:
        return payload["files"]
    raise WeightsError(
        f'The weights manifest {path} must be a JSON object {{"files": {{name: entry, ...}}}}; received '
        f"{received}. {_manifest_fix()}"
    )


def _is_count(value) -> bool:
    """A positive int, not a bool (JSON ``true`` is not a size)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# The fields an entry must have, what each must be, and the test of it. The last three, with "class", are the
# model's interface (_model_interface), checked against the loaded model.
_ENTRY_FIELDS = {
    "file": ("the name of a file in the manifest's folder", lambda v: isinstance(v, str) and v != ""),
    "bytes": ("the file's size, a positive integer", _is_count),
    "sha256": ("64 lowercase hexadecimal digits", lambda v: isinstance(v, str) and len(v) == 64
               and set(v) <= set("0123456789abcdef")),  # fmt: skip
    "class": ("the model's class name, such as 'VAE'", lambda v: isinstance(v, str) and v.isidentifier()),
    "image_shape": ("the shape of one image, a list of positive integers such as [28, 28, 1]",
                    lambda v: isinstance(v, list) and v != [] and all(_is_count(d) for d in v)),
    "latent_dim": ("a positive integer, or null for a model without a latent space",
                   lambda v: v is None or _is_count(v)),
    "num_classes": ("a positive integer, or null for a model without classes", lambda v: v is None or _is_count(v)),
}
_DATA_FIELDS = {"name": str, "kwargs": dict, "fingerprint": str}  # the optional "data" record (see _check_data)


def _check_entry(name: str, entry, manifest_path: Path) -> None:
    """Raise :class:`WeightsError` unless ``entry`` has every field of :data:`_ENTRY_FIELDS`, each of the right
    kind, and a ``data`` record (when present) with a string name, a kwargs object and a string fingerprint."""
    if not isinstance(entry, dict):
        problems = [f"the entry must be a JSON object; received {type(entry).__name__} {entry!r}"]
    else:
        problems = [f"`{key}` is missing (expected {expected})" if key not in entry else
                    f"`{key}` must be {expected}; received {entry[key]!r}"
                    for key, (expected, valid) in _ENTRY_FIELDS.items()
                    if key not in entry or not valid(entry[key])]  # fmt: skip
        record = entry.get("data")
        if record is not None and not (isinstance(record, dict) and set(record) == set(_DATA_FIELDS)
                                       and all(isinstance(record[k], t) for k, t in _DATA_FIELDS.items())):
            problems.append(f'`data` must be {{"name": str, "kwargs": {{...}}, "fingerprint": str}}; received '
                            f"{record!r}")  # fmt: skip
    if problems:
        raise WeightsError(
            f"The manifest entry {name!r} in {manifest_path} is malformed: {'; '.join(problems)}. Nothing was "
            f"loaded. {_manifest_fix(name)}"
        )


def _file_inside(name: str, file: str, directory: Path) -> Path:
    """The path of the manifest's ``file`` field, checked to be a file directly in ``directory``: not absolute,
    no ``..``, no path separator, and (when it is a link) resolving to a file in ``directory`` itself."""
    parts = file.replace("\\", "/").split("/")
    if file.startswith(("/", "\\")) or PureWindowsPath(file).drive:
        problem = "is an absolute path"
    elif ".." in parts:
        problem = "climbs out of the folder with `..`"
    elif file == ".":
        problem = "names the folder itself"
    elif len(parts) > 1:
        problem = "contains a path separator"
    else:
        path = directory / file
        target = path.resolve()
        if target.parent == directory.resolve():
            return path
        problem = f"is a link to {target}, outside the folder"
    raise WeightsError(
        f'The manifest entry {name!r} in {directory / MANIFEST_NAME} names the file "file": {file!r}, which '
        f"{problem}. A manifest may only name files directly inside its own folder ({directory}); nothing was "
        f"loaded. Fix: copy the weights file into that folder and write its bare name, e.g. "
        f'"file": "{name}.keras". {_manifest_fix(name)}'
    )


def _read_checked(name: str, entry: dict, path: Path) -> bytes:
    """The file's bytes, read once into memory: a regular file of the recorded size whose SHA-256 is the recorded
    one. These bytes, and no second read of ``path``, are what Keras is given (no time-of-check/time-of-use gap)."""
    if not path.exists():
        raise FileNotFoundError(
            f"The weights file {path} listed for {name!r} is missing (the package was installed or copied without "
            f"it; reinstall it, or set {WEIGHTS_DIR_ENV} to a folder that has it). {_rebuild_hint(name)}"
        )
    if not path.is_file():  # a folder, a FIFO (reading would hang), a device
        raise WeightsError(f"The weights path {path} listed for {name!r} is not a regular file; nothing was "
                           f"loaded. {_rebuild_hint(name)}")  # fmt: skip
    if entry["bytes"] > MAX_WEIGHTS_BYTES:
        raise WeightsError(f"The manifest records {entry['bytes']:,} bytes for {name!r}, more than the "
                           f"{MAX_WEIGHTS_BYTES:,} a weights file may have here; nothing was read. "
                           f"{_rebuild_hint(name)}")  # fmt: skip
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size != entry["bytes"]:
            raise WeightsError(
                f"The weights file {path} for {name!r} has the wrong size: expected {entry['bytes']} bytes, found "
                f"{size} (the manifest records its size; a file of another size is damaged or another file). It "
                f"was not loaded. {_rebuild_hint(name)}"
            )
        blob = f.read(entry["bytes"])  # never more than recorded; bytes changed since fstat fail the hash below
    digest = hashlib.sha256(blob).hexdigest()
    if digest != entry["sha256"]:
        raise WeightsError(
            f"Checksum mismatch for {path}: SHA-256 {digest[:16]}..., the manifest says "
            f"{entry['sha256'][:16]}.... The file is corrupted or was replaced; it was not loaded. "
            f"{_rebuild_hint(name)}"
        )
    return blob


def _verified(name: str, directory, check_data: bool) -> tuple[dict, Path, bytes]:
    """The entry, path and checked bytes of ``name``: every check of :func:`verify`, in its order."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be the name of a shipped weight (a str such as 'vae_glyphs_2d'); received "
                        f"{type(name).__name__} {name!r}.")  # fmt: skip
    directory = Path(directory or weights_dir())
    manifest = read_manifest(directory)
    if name not in manifest:
        raise WeightsError(
            f"No pretrained weights named {name!r} in {directory / MANIFEST_NAME}. Available: "
            f"{sorted(manifest) or 'none'}. Recipes that can be built: {sorted(RECIPES)}."
        )
    entry = manifest[name]
    _check_entry(name, entry, directory / MANIFEST_NAME)
    path = _file_inside(name, entry["file"], directory)
    blob = _read_checked(name, entry, path)
    if check_data:
        _check_data(name, entry, path)
    return entry, path, blob


def _rebuild_hint(name: str) -> str:
    return f"Rebuild it with `python -m vaegan_edu.weights build {name}` (or train the model in the chapter)."


def verify(name: str, directory=None, check_data: bool = True) -> Path:
    """Check that the shipped file ``name`` matches its manifest entry and was trained on today's data.

    In order: the manifest is well formed (:func:`read_manifest`) and its entry for ``name`` has every field with
    the right type; the entry's ``file`` is a bare file name inside ``directory`` (not absolute, no ``..``, no
    separator, no link leading outside); the file is a regular file of the recorded size; its bytes, read once,
    have the recorded SHA-256; then (``check_data``) the fingerprint of the dataset the manifest says it was
    trained on equals :func:`vaegan_edu.data.fingerprint` of the same ``load`` call in this package. That
    check takes milliseconds when the dataset is in the cache; on a cold cache it generates the dataset
    once (about 7 s for the full-mode glyphs, 2 s for the sprites on 2 cores), which then stays cached.
    :func:`load_pretrained` runs the same checks and then checks the loaded model's interface.

    Returns
    -------
    Path of the verified file

    Raises
    ------
    TypeError
        ``name`` is not a string.
    WeightsError
        Unknown name, malformed manifest or entry, a file outside the manifest's folder, a file of the wrong
        size, or a checksum mismatch.
    StaleWeightsError
        The data it was trained on is not what this package generates now, or the entry does not say.
    FileNotFoundError
        The file is listed but missing.

    Taught in: 03_vae
    """
    return _verified(name, directory, check_data)[1]


def _load_call(record: dict) -> str:
    """``data.load('glyphs', seed=0, ...)``: a manifest's data record as the call, arguments in load's order."""
    order = list(inspect.signature(data.load).parameters)
    kwargs = sorted(record["kwargs"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    arguments = "".join(f", {k}={v!r}" for k, v in kwargs)
    return f"data.load({record['name']!r}{arguments})"


def _check_data(name: str, entry: dict, path: Path) -> None:
    """Raise :class:`StaleWeightsError` unless this package generates the data ``entry`` was trained on."""
    record = entry.get("data")
    opt_out = "To load it anyway, knowing its data may differ, pass check_data=False."
    if not record:
        raise StaleWeightsError(
            f"The manifest entry of {name!r} does not say which data it was trained on (it was built before "
            f"weights recorded their data), so {path} cannot be checked against the data this package "
            f"generates; it was not loaded. {_rebuild_hint(name)} {opt_out}"
        )
    current = data.fingerprint(record["name"], **record["kwargs"])
    if current != record["fingerprint"]:
        seconds = entry.get("train_seconds")
        cost = f" (about {seconds:.0f} s of training)" if seconds else ""
        raise StaleWeightsError(
            f"The weights {name!r} ({path}) were trained on {_load_call(record)}, whose data had fingerprint "
            f"{record['fingerprint']}; this package now generates data with fingerprint {current} for that call. "
            f"The dataset's generator (or a library it uses) changed since the file was built, so the model "
            f"describes data you do not get; it was not loaded. Rebuild it with "
            f"`python -m vaegan_edu.weights build {name}`{cost}. {opt_out}"
        )


def _model_interface(model) -> dict:
    """What a manifest records of a model and :func:`load_pretrained` checks after loading: its class, the shape of
    one image (a VAE's ``image_shape``, a GAN's ``data_shape``, a plain Keras model's input), its latent size and
    number of classes (a conditional GAN's, a classifier's output width; ``None`` where there is none)."""
    shape = getattr(model, "image_shape", None) or getattr(model, "data_shape", None)
    if shape is None:  # a plain Keras model, such as the digit classifier
        return {"class": type(model).__name__, "image_shape": [int(d) for d in model.input_shape[1:]],
                "latent_dim": None, "num_classes": int(model.output_shape[-1])}  # fmt: skip
    num_classes = getattr(model, "num_classes", None)
    return {"class": type(model).__name__, "image_shape": [int(d) for d in shape], "latent_dim": int(model.latent_dim),
            "num_classes": None if num_classes is None else int(num_classes)}  # fmt: skip


def _check_interface(name: str, entry: dict, model, path: Path) -> None:
    """Raise :class:`WeightsError` unless the loaded model has the class, image shape, latent size and number of
    classes the manifest records: a file of another model under this name is refused even with its size and
    checksum copied into the manifest."""
    found = _model_interface(model)
    if found["class"] != entry["class"]:
        raise WeightsError(
            f"The weights file {path} holds a {found['class']}, but the manifest says {name!r} is a "
            f"{entry['class']}: the file and the manifest do not match. {_rebuild_hint(name)}"
        )
    differences = [f"{key} {found[key]} where the manifest records {entry[key]}"
                   for key in ("image_shape", "latent_dim", "num_classes") if found[key] != entry[key]]  # fmt: skip
    if differences:
        raise WeightsError(
            f"The weights file {path} holds another {found['class']} than the manifest describes for {name!r}: "
            f"{'; '.join(differences)}. Another model's file was put under this name (its size and checksum "
            f"match the manifest, so only its content tells); it was not used. {_rebuild_hint(name)}"
        )


# The oldest Keras that rebuilds every shipped model in code and reads its weights (Colab ships 3.13.2;
# tests/test_colab.py loads every shipped file there).
MIN_KERAS = (3, 13)
# Models whose networks their class's constructor does not build from the recorded values: the manifest's builder
# -> the package function that builds the untrained model (called with the values it takes from the file's
# config, the manifest's image shape and number of classes filling in what the config lacks).
_ARCHITECTURES = {
    "vaegan_edu.metrics:train_digit_classifier": "vaegan_edu.metrics:build_digit_classifier",
    "vaegan_edu.experiments.duel_curves:train_twin_vae": "vaegan_edu.models:make_twin_vae",
}
_MODEL_CLASSES = ("VAE", "GAN")  # the book's own models: their constructors build their networks from plain values
_MAX_CONFIG_BYTES = 1 << 20  # a shipped config.json is 5-18 kB
# Limits far above the shipped files (the largest is 2.8 MB, inflating to 2.8 MB) and far below Keras's own guard
# (4 GiB): a weights file, its inflated archive, and the manifest.
MAX_WEIGHTS_BYTES = 256 << 20
MAX_INFLATED_BYTES = 512 << 20
MAX_MANIFEST_BYTES = 1 << 20


def check_keras_version(version: str | None = None) -> None:
    """Raise :class:`WeightsError` when the installed Keras is older than :data:`MIN_KERAS`.

    The message names the installed version and the minimum, and says how to upgrade: an old Keras is not a
    fault of the file.
    """
    import keras

    version = keras.__version__ if version is None else version
    try:
        found = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:  # a development version such as "3.14.0.dev2025"; its first two parts decide
        found = MIN_KERAS
    if found < MIN_KERAS:
        minimum = ".".join(map(str, MIN_KERAS))
        raise WeightsError(
            f"Keras {version} is installed; the book's weights need Keras >= {minimum}. Upgrade it with "
            f"`pip install 'keras>={minimum}'` (the files themselves are fine)."
        )


def _file_config(name: str, blob: bytes, path: Path) -> dict:
    """The top-level ``config.json`` of the ``.keras`` archive ``blob``: read as JSON, never deserialised."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
            if inflated > MAX_INFLATED_BYTES:  # checked before any member is read: a decompression bomb
                raise WeightsError(f"{path} inflates to {inflated:,} bytes, more than the {MAX_INFLATED_BYTES:,} a "
                                   f"weights archive may hold here; nothing was read. {_rebuild_hint(name)}")  # fmt: skip
            info = archive.getinfo("config.json")
            if info.file_size > _MAX_CONFIG_BYTES:
                raise WeightsError(f"{path}: its config.json inflates to {info.file_size:,} bytes (at most "
                                   f"{_MAX_CONFIG_BYTES:,} expected). {_rebuild_hint(name)}")  # fmt: skip
            config = json.loads(archive.read(info).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WeightsError(f"{path} is not a Keras archive with a readable config.json ({type(error).__name__}: "
                           f"{error}). {_rebuild_hint(name)}") from None  # fmt: skip
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise WeightsError(f"{path}: its config.json does not describe a model. {_rebuild_hint(name)}")
    return config


def _model_in_code(name: str, entry: dict, config: dict, path: Path):
    """The untrained model the file's weights belong to, built by the package's own code.

    A VAE or GAN is made by its constructor from the plain values the file records (shapes, sizes, loss
    settings: JSON numbers, strings and lists, checked by the constructor); the networks it holds are built by
    the package, never read from the file. A model whose networks the constructor does not make (the twin VAE,
    the digit classifier) is built by the function :data:`_ARCHITECTURES` names for its manifest builder.
    Nothing in the file chooses code to run.
    """
    from vaegan_edu import models

    found = config.get("class_name")
    if found != entry["class"]:
        raise WeightsError(f"The weights file {path} holds a {found}, but the manifest says {name!r} is a "
                           f"{entry['class']}: the file and the manifest do not match. {_rebuild_hint(name)}")  # fmt: skip
    nested = {"encoder", "decoder", "generator", "discriminator"}  # networks: the package builds them
    values = {k: v for k, v in config["config"].items() if k not in nested}
    values.update({k: entry[k] for k in ("image_shape", "num_classes") if k not in values})
    if entry.get("builder") in _ARCHITECTURES:
        module_name, function_name = _ARCHITECTURES[entry["builder"]].split(":")
        build_model = getattr(importlib.import_module(module_name), function_name)
    elif found in _MODEL_CLASSES:
        build_model = getattr(models, found)
    else:
        raise WeightsError(f"The package cannot build a {found!r} for {name!r} in code (it builds "
                           f"{', '.join(_MODEL_CLASSES)} and the models of {sorted(_ARCHITECTURES)}). "
                           f"{_rebuild_hint(name)}")  # fmt: skip
    parameters = inspect.signature(build_model).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())  # a keras.Model's name
    kwargs = {k: v for k, v in values.items() if k in parameters or (takes_any and k == "name")}
    if "image_shape" in kwargs:
        kwargs["image_shape"] = tuple(kwargs["image_shape"])
    return build_model(**kwargs)


def _load_bytes(name: str, entry: dict, blob: bytes, path: Path):
    """Build the model of ``name`` in code and load the weights held in ``blob`` into it.

    The architecture comes from the package (:func:`_model_in_code`), not from Keras's deserialiser, so a file
    saved by a newer Keras, whose layer configs an older one cannot read, still loads wherever the package runs
    (Keras >= :data:`MIN_KERAS`), and loading never runs code named by the file. ``keras.Model.load_weights``
    takes only a path, so the checked bytes are written to a fresh file (``mkstemp``: created by us, readable
    only by us) in a private temporary folder; Keras reads that copy, never the shipped path, so a file replaced
    after its checksum was taken is never loaded. Keras reads only the archive's weights (HDF5 arrays) there.
    """
    check_keras_version()
    config = _file_config(name, blob, path)
    try:
        model = _model_in_code(name, entry, config, path)
    except (TypeError, ValueError) as error:
        if isinstance(error, WeightsError):
            raise
        raise WeightsError(f"The package cannot build the model {path} describes for {name!r} ({error}). "
                           f"{_rebuild_hint(name)}") from error  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="vaegan_edu_weights_") as folder:
        handle, copy = tempfile.mkstemp(suffix=".keras", dir=folder)
        with os.fdopen(handle, "wb") as f:
            f.write(blob)
        try:
            # Keras only warns when a part of the model finds no weights in the file (that part would keep its
            # random start): here that is an error too
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                model.load_weights(copy)
        except Exception as error:  # Keras raises many types for weights that do not fit
            raise WeightsError(
                f"The weights in {path} do not fit the {entry['class']} this package builds for {name!r} "
                f"({type(error).__name__}: {error}). {_rebuild_hint(name)}"
            ) from error
    return model


def load_pretrained(name: str, directory=None, check_data: bool = True):
    """Load shipped pretrained weights after checking manifest, place, size, checksum and training data into a model
    the package builds in code, then check the loaded model against the manifest.

    The checks of :func:`verify`, in its order; then the package builds the model (:func:`_model_in_code`) and
    Keras reads the weights of the very bytes that were hashed (read once) into it, every part of the model
    finding its weights; then the loaded model's class, image shape, latent size and number of classes
    must equal the manifest's ``class``, ``image_shape``, ``latent_dim`` and ``num_classes``.

    Parameters
    ----------
    name : str
        A name from the manifest, e.g. ``"vae_glyphs_2d"``.
    directory : path or None
        Default: :func:`weights_dir`.
    check_data : bool
        Check that the data the weights were trained on (the manifest's fingerprint) is what this package
        generates now; see :func:`verify` for the cost (milliseconds on a warm dataset cache). False is for
        experts who want an old file despite a changed generator.

    Returns
    -------
    keras.Model (not compiled; call ``compile`` before training it further)

    Raises
    ------
    TypeError
        ``name`` is not a string.
    WeightsError
        Unknown name, malformed manifest, a file outside the manifest's folder, wrong size, checksum mismatch,
        weights that do not fit the model the package builds, a Keras older than :data:`MIN_KERAS`, or a model other than the manifest describes (class, image shape, latent
        size, number of classes).
    StaleWeightsError
        Trained on other data than this package generates (or the manifest does not say which).
    FileNotFoundError
        The file is missing.

    Taught in: 03_vae
    """
    try:
        entry, path, blob = _verified(name, directory, check_data)
        model = _load_bytes(name, entry, blob, path)
    except WeightsError:
        raise
    except (OSError, RecursionError, ValueError) as error:  # FileNotFoundError keeps its own type and message
        if isinstance(error, FileNotFoundError):
            raise
        raise WeightsError(f"The weights {name!r} could not be read ({type(error).__name__}: {error}). "
                           f"{_rebuild_hint(name) if isinstance(name, str) else ''}") from error  # fmt: skip
    _check_interface(name, entry, model, path)
    return model


def build(name: str, directory=None, seed: int | None = None) -> dict:
    """Train the model of recipe ``name`` from its fixed seed and replace its file and manifest entry.

    The model is saved (without optimizer state) to a temporary file, hashed, then moved into place; the
    manifest is rewritten atomically afterwards. If the process dies between the two, the old manifest
    entry no longer matches the file and :func:`load_pretrained` refuses it (it is never used silently).
    The entry's ``data`` is the one :func:`vaegan_edu.data.load` call the builder made, recorded as it ran
    (:func:`vaegan_edu.data.record_loads`), with the fingerprint of the arrays it returned; its ``class``,
    ``image_shape``, ``latent_dim`` and ``num_classes`` are the saved model's, which :func:`load_pretrained`
    checks after every load.

    Raises
    ------
    WeightsError
        Unknown recipe, or a builder that loaded no dataset or several (nothing is written then).

    Returns
    -------
    dict, the new manifest entry

    Taught in: 03_vae
    """
    if name not in RECIPES:
        raise WeightsError(f"No recipe named {name!r}; known recipes: {sorted(RECIPES)}.")
    recipe = RECIPES[name]
    seed = recipe.seed if seed is None else seed
    module_name, function_name = recipe.builder.split(":")
    builder = getattr(importlib.import_module(module_name), function_name)
    start = time.perf_counter()
    with data.record_loads() as loads:
        model = builder(seed=seed, **recipe.kwargs)
    seconds = time.perf_counter() - start
    if len(loads) != 1:
        raise WeightsError(
            f"The builder {recipe.builder} of {name!r} loaded {len(loads)} datasets through vaegan_edu.data.load "
            f"({', '.join(_load_call(r) for r in loads) or 'none'}); a shipped weight names exactly one, the data "
            f"it was trained on, so nothing was written. Make the builder load its training data with one "
            f"data.load call."
        )

    import keras

    from vaegan_edu.training import save_atomic

    bare = type(model).from_config(model.get_config())  # same weights, no optimizer state in the file
    bare.set_weights(model.get_weights())
    directory = Path(directory or weights_dir())
    directory.mkdir(parents=True, exist_ok=True)
    filename = f"{name}.keras"
    save_atomic(bare, directory / filename)
    entry = {
        "file": filename,
        "sha256": sha256_of(directory / filename),
        "bytes": (directory / filename).stat().st_size,
        **_model_interface(bare),  # class, image_shape, latent_dim, num_classes: checked after every load
        "seed": seed,
        "command": f"python -m vaegan_edu.weights build {name}" + ("" if seed == recipe.seed else f" --seed {seed}"),
        "builder": recipe.builder,
        "kwargs": recipe.kwargs,
        "data": loads[0],
        "description": recipe.description,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "train_seconds": round(seconds, 1),
        "created": datetime.date.today().isoformat(),
    }
    manifest = read_manifest(directory)
    manifest[name] = entry
    write_json_atomic(directory / MANIFEST_NAME, {"files": manifest})
    return entry


# === VAE (chapters 03-05) ===

VAE_LEARNING_RATE = 1e-3  # Adam's step size for every VAE of the book


def train_vae(seed=0, dataset="glyphs", epochs_setting="vae_epochs", callbacks=(), binarized=False, **vae_kwargs):
    """Train a book VAE in full mode from ``seed``: the builder of the VAE recipes.

    Loads ``dataset`` with the full-mode sizes of :func:`vaegan_edu.config.settings`, builds
    ``VAE(image_shape=..., seed=seed, **vae_kwargs)``, compiles it with Adam(``VAE_LEARNING_RATE``) and
    fits it for the number of epochs in the settings field ``epochs_setting``, with a :class:`NaNGuard`.
    ``binarized`` trains on binary images instead of grey levels, drawn afresh each epoch
    (:class:`vaegan_edu.training.BinarizedImages`, seeded from ``seed``), so that a Bernoulli likelihood is a
    true likelihood (chapter 04).

    Returns
    -------
    vaegan_edu.models.VAE, trained

    Taught in: 03_vae
    """
    import keras

    from vaegan_edu import config, data
    from vaegan_edu.models import VAE
    from vaegan_edu.training import BinarizedImages, NaNGuard
    from vaegan_edu.validation import check_bool

    binarized = check_bool("binarized", binarized)
    cfg = config.settings(seed=seed, fast=False)
    # the 8x8 digits are a fixed, small data set: take all of it; generated sets take the full-mode sizes
    sizes = {} if dataset == "digits8" else dict(num_train=cfg.num_train, num_test=cfg.num_test)
    ds = data.load(dataset, seed=seed, **sizes)
    vae = VAE(image_shape=ds.image_shape, seed=seed, **vae_kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(VAE_LEARNING_RATE))
    images = BinarizedImages(ds.x_train, batch_size=cfg.batch_size, seed=seed) if binarized else ds.x_train
    batching = {} if binarized else {"batch_size": cfg.batch_size}  # a Sequence yields its own batches
    vae.fit(images, epochs=getattr(cfg, epochs_setting), verbose=0, callbacks=[NaNGuard(), *callbacks], **batching)
    return vae


def _verify_all(names, directory, out) -> int:
    """Load each named weight as :func:`load_pretrained` does (every check, the loaded model's interface
    included), print ``ok`` or the reason it failed for each; return 1 when any failed."""
    failed = []
    for name in names:
        try:
            model = load_pretrained(name, directory)
        except (WeightsError, FileNotFoundError) as error:
            failed.append(name)
            out.write(f"{name}: FAILED: {error}\n")
        else:
            entry = read_manifest(directory)[name]
            out.write(f"{name}: ok ({Path(directory or weights_dir()) / entry['file']}; data {entry['data']['name']} "
                      f"{entry['data']['fingerprint']}; a {type(model).__name__} as recorded)\n")  # fmt: skip
    if failed:
        out.write(f"{len(failed)} of {len(names)} failed: {', '.join(failed)}\n")
        return 1
    return 0


def main(argv=None) -> int:
    """Command line: ``python -m vaegan_edu.weights {list, build NAME [--seed S], verify [NAME]}``.

    ``verify`` loads every named file (or all of them) with every check of :func:`load_pretrained`, prints
    ``ok`` or the reason it failed for each, and returns 1 when any failed. A malformed manifest is reported
    the same way (``FAILED: ...``, status 1), not as a traceback.
    """
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.weights", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=None, help=f"weights folder (default: {weights_dir()})")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="recipes and shipped files")
    build_parser = sub.add_parser("build", help="train from the fixed seed and replace the file")
    build_parser.add_argument("name", choices=sorted(RECIPES))
    build_parser.add_argument("--seed", type=int, default=None)
    verify_parser = sub.add_parser("verify", help="load each file with every check: place, size, checksum, the "
                                                  "data it was trained on, the loaded model's interface")  # fmt: skip
    verify_parser.add_argument("name", nargs="?")
    args = parser.parse_args(argv)
    out = sys.stdout
    try:
        if args.command == "list":
            manifest = read_manifest(args.dir)
            for name, recipe in sorted(RECIPES.items()):
                status = manifest[name]["sha256"][:12] if name in manifest else "not built"
                out.write(f"{name:24s} {status:14s} {recipe.description}\n")
        elif args.command == "build":
            entry = build(args.name, args.dir, args.seed)
            out.write(f"wrote {entry['file']} ({entry['bytes']} bytes, sha256 {entry['sha256']}) "
                      f"in {entry['train_seconds']} s of training\n")  # fmt: skip
        else:
            return _verify_all([args.name] if args.name else sorted(read_manifest(args.dir)), args.dir, out)
    except WeightsError as error:  # a malformed manifest, an unknown recipe: the message says what to do
        out.write(f"FAILED: {' '.join(str(error).split())}\n")
        return 1
    except (ValueError, TypeError, OSError, ImportError) as error:  # one line with the fix, no traceback
        if args.debug:
            raise
        print(f"python -m vaegan_edu.weights {args.command}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

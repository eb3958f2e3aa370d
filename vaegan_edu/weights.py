"""Pretrained weights shipped with the book: a manifest, checksums, safe loading and a rebuild command.

Every shipped file in ``data/weights/`` is listed in ``data/weights/MANIFEST.json`` with its SHA-256, its
size, the seed, the exact command that rebuilds it from scratch, and the data it was trained on: the
``data.load`` call and the fingerprint of the arrays it gave (``"data": {"name", "kwargs", "fingerprint"}``).
:func:`load_pretrained` checks size and checksum *before* handing the file to Keras, checks that this package
still generates that data (same fingerprint), and loads it with ``safe_mode=True`` (no pickled Python, no
lambdas: loading never runs code from the file). A missing, truncated, corrupted or mismatched file raises
:class:`WeightsError` (or :class:`FileNotFoundError`), and a file trained on other data than the reader gets
raises :class:`StaleWeightsError`; each says what is wrong and how to rebuild it. A file is never silently used.

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
import time
from pathlib import Path

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
    # === GAN (chapters 05-06) ===
    "digit_classifier": Recipe(
        builder="vaegan_edu.metrics:train_digit_classifier",
        kwargs=dict(num_train=20_000, epochs=3),
        seed=0,
        description="chapter 06's small CNN on glyph digits: labels and features for FD and precision/recall",
    ),
    "dcgan_glyphs": Recipe(
        builder="vaegan_edu.training:train_dcgan",
        kwargs=dict(conditional=False),
        seed=0,
        description="chapter 06's DCGAN on glyph digits (non-saturating loss, full-mode settings)",
    ),
    "cgan_glyphs": Recipe(
        builder="vaegan_edu.training:train_dcgan",
        kwargs=dict(conditional=True),
        seed=0,
        description="chapter 06's class-conditional DCGAN on glyph digits (digit in, image out)",
    ),
    # === VAE (chapters 03-04) ===
    "vae_glyphs_2d": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="glyphs", latent_dim=2, architecture="dense", beta=1.0, epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 03's main VAE: dense, 2-D latent space, Bernoulli likelihood, glyph digits",
    ),
    "betavae_sprites": Recipe(
        builder="vaegan_edu.weights:train_vae",
        kwargs=dict(dataset="sprites", latent_dim=8, architecture="dense", beta=4.0, epochs_setting="vae_epochs"),
        seed=0,
        description="chapter 04's main beta-VAE: dense, 8 latents, beta = 4, dSprites-style sprites",
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


def read_manifest(directory=None) -> dict:
    """The manifest as a dict ``{name: entry}`` (empty when there is no manifest yet)."""
    path = Path(directory or weights_dir()) / MANIFEST_NAME
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)["files"]


def write_json_atomic(path: Path, payload: dict, sort_keys: bool = True) -> None:
    """Write JSON so that a reader (or an interruption) never sees a half-written file: temp file, fsync, rename.

    Also used for experiment results (:mod:`vaegan_edu.experiments.runner`), with ``sort_keys=False`` so tables
    keep the order in which a protocol reports its variants."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
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


def _rebuild_hint(name: str) -> str:
    return f"Rebuild it with `python -m vaegan_edu.weights build {name}` (or train the model in the chapter)."


def verify(name: str, directory=None, check_data: bool = True) -> Path:
    """Check that the shipped file ``name`` matches its manifest entry and was trained on today's data.

    Size and SHA-256 first; then (``check_data``) the fingerprint of the dataset the manifest says it was
    trained on against :func:`vaegan_edu.data.fingerprint` of the same ``load`` call in this package. That
    check takes milliseconds when the dataset is in the cache; on a cold cache it generates the dataset
    once (about 7 s for the full-mode glyphs, 2 s for the sprites on 2 cores), which then stays cached.

    Returns
    -------
    Path of the verified file

    Raises
    ------
    WeightsError
        Unknown name, truncated file (fewer bytes than recorded), or a checksum mismatch.
    StaleWeightsError
        The data it was trained on is not what this package generates now, or the entry does not say.
    FileNotFoundError
        The file is listed but missing.

    Taught in: 03_vae
    """
    directory = Path(directory or weights_dir())
    manifest = read_manifest(directory)
    if name not in manifest:
        raise WeightsError(
            f"No pretrained weights named {name!r} in {directory / MANIFEST_NAME}. Available: "
            f"{sorted(manifest) or 'none'}. Recipes that can be built: {sorted(RECIPES)}."
        )
    entry = manifest[name]
    path = directory / entry["file"]
    if not path.exists():
        raise FileNotFoundError(
            f"The weights file {path} listed for {name!r} is missing (the package was installed or copied without "
            f"it; reinstall it, or set {WEIGHTS_DIR_ENV} to a folder that has it). {_rebuild_hint(name)}"
        )
    size = path.stat().st_size
    if size != entry["bytes"]:
        kind = "truncated" if size < entry["bytes"] else "longer than recorded"
        raise WeightsError(
            f"The weights file {path} is {kind}: {size} bytes, the manifest says {entry['bytes']}. It was not "
            f"loaded. {_rebuild_hint(name)}"
        )
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise WeightsError(
            f"Checksum mismatch for {path}: SHA-256 {digest[:16]}..., the manifest says "
            f"{entry['sha256'][:16]}.... The file is corrupted or was replaced; it was not loaded. "
            f"{_rebuild_hint(name)}"
        )
    if check_data:
        _check_data(name, entry, path)
    return path


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


def load_pretrained(name: str, directory=None, check_data: bool = True):
    """Load shipped pretrained weights after checking size, checksum and training data, in Keras's safe mode.

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
    WeightsError
        Unknown, truncated, corrupted or mismatched file (wrong model class, or Keras cannot rebuild it).
    StaleWeightsError
        Trained on other data than this package generates (or the manifest does not say which).
    FileNotFoundError
        The file is missing.

    Taught in: 03_vae
    """
    import keras

    import vaegan_edu.models  # noqa: F401  (registers the book's classes for deserialisation)

    path = verify(name, directory, check_data=check_data)
    entry = read_manifest(directory or weights_dir())[name]
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a file it cannot rebuild
        raise WeightsError(
            f"Keras could not load {path} for {name!r} ({type(error).__name__}: {error}). The file does not "
            f"match this version of the package. {_rebuild_hint(name)}"
        ) from error
    if type(model).__name__ != entry["class"]:
        raise WeightsError(
            f"The weights file {path} holds a {type(model).__name__}, but the manifest says {name!r} is a "
            f"{entry['class']}: the file and the manifest do not match. {_rebuild_hint(name)}"
        )
    return model


def build(name: str, directory=None, seed: int | None = None) -> dict:
    """Train the model of recipe ``name`` from its fixed seed and replace its file and manifest entry.

    The model is saved (without optimizer state) to a temporary file, hashed, then moved into place; the
    manifest is rewritten atomically afterwards. If the process dies between the two, the old manifest
    entry no longer matches the file and :func:`load_pretrained` refuses it (it is never used silently).
    The entry's ``data`` is the one :func:`vaegan_edu.data.load` call the builder made, recorded as it ran
    (:func:`vaegan_edu.data.record_loads`), with the fingerprint of the arrays it returned.

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
        "class": type(model).__name__,
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


# === VAE (chapters 03-04) ===

VAE_LEARNING_RATE = 1e-3  # Adam's step size for every VAE of the book


def train_vae(seed=0, dataset="glyphs", epochs_setting="vae_epochs", callbacks=(), **vae_kwargs):
    """Train a book VAE in full mode from ``seed``: the builder of the VAE recipes.

    Loads ``dataset`` with the full-mode sizes of :func:`vaegan_edu.config.settings`, builds
    ``VAE(image_shape=..., seed=seed, **vae_kwargs)``, compiles it with Adam(``VAE_LEARNING_RATE``) and
    fits it for the number of epochs in the settings field ``epochs_setting``, with a :class:`NaNGuard`.

    Returns
    -------
    vaegan_edu.models.VAE, trained

    Taught in: 03_vae
    """
    import keras

    from vaegan_edu import config, data
    from vaegan_edu.models import VAE
    from vaegan_edu.training import NaNGuard

    cfg = config.settings(seed=seed, fast=False)
    # the 8x8 digits are a fixed, small data set: take all of it; generated sets take the full-mode sizes
    sizes = {} if dataset == "digits8" else dict(num_train=cfg.num_train, num_test=cfg.num_test)
    ds = data.load(dataset, seed=seed, **sizes)
    vae = VAE(image_shape=ds.image_shape, seed=seed, **vae_kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(VAE_LEARNING_RATE))
    vae.fit(ds.x_train, epochs=getattr(cfg, epochs_setting), batch_size=cfg.batch_size, verbose=0,
            callbacks=[NaNGuard(), *callbacks])  # fmt: skip
    return vae


def main(argv=None) -> int:
    """Command line: ``python -m vaegan_edu.weights {list, build NAME [--seed S], verify [NAME]}``.

    ``verify`` checks every named file (or all of them), prints ``ok`` or the reason it failed for each,
    and returns 1 when any failed.
    """
    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.weights", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=None, help=f"weights folder (default: {weights_dir()})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="recipes and shipped files")
    build_parser = sub.add_parser("build", help="train from the fixed seed and replace the file")
    build_parser.add_argument("name", choices=sorted(RECIPES))
    build_parser.add_argument("--seed", type=int, default=None)
    verify_parser = sub.add_parser("verify", help="check sizes, checksums and the data each was trained on")
    verify_parser.add_argument("name", nargs="?")
    args = parser.parse_args(argv)
    out = sys.stdout
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
        names = [args.name] if args.name else sorted(read_manifest(args.dir))
        failed = []
        for name in names:
            try:
                path = verify(name, args.dir)
            except (WeightsError, FileNotFoundError) as error:
                failed.append(name)
                out.write(f"{name}: FAILED: {error}\n")
            else:
                record = read_manifest(args.dir)[name]["data"]
                out.write(f"{name}: ok ({path}; data {record['name']} {record['fingerprint']})\n")
        if failed:
            out.write(f"{len(failed)} of {len(names)} failed: {', '.join(failed)}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

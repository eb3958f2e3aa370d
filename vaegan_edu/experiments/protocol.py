"""What a protocol is, and the registry of the book's protocols.

A *protocol* is a named, deterministic study that carries a verdict of the book: its configuration (models,
data, budget in steps or seconds, number of seeds, metrics) as JSON-serialisable data, and a function that
runs one seed and returns, for every variant it trains, a dict of metric values. The same seed gives the
same models and the same data; a budget in seconds makes the number of steps depend on the machine, and the
configuration says which kind of budget a protocol uses.

Protocols register themselves by name when their module is imported (:mod:`vaegan_edu.experiments.tricks`,
:mod:`vaegan_edu.experiments.speed` ...); :func:`get` and :func:`names` read the registry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Callable

from vaegan_edu.validation import UnknownNameError, check_positive_int

_REGISTRY: dict = {}


@dataclasses.dataclass(frozen=True)
class Protocol:
    """A named study: configuration, one-seed function and the variant it is measured against.

    Attributes
    ----------
    name : str
        The registry key and the stem of its results file, ``data/experiments/<name>.json``.
    title : str
        One line for people: what the study compares.
    config : dict
        The full-strength configuration (JSON-serialisable). Its key ``"seeds"`` is the number of seeds a
        shipped result must have; ``"budget"`` says how long each model trains (``{"steps": N}`` or
        ``{"seconds": T}``); ``"metrics"`` maps each reported metric to ``"lower"`` or ``"higher"`` (which way
        is better).
    run_seed : callable(config, seed, say) -> dict
        Runs one seed and returns ``{variant: {metric: float}}``; ``say(text)`` reports progress.
    saves_variants : bool
        ``run_seed`` also takes ``finished`` (``{variant: row}`` already computed for this seed, not to be
        rerun) and ``on_variant(variant, row)`` (called as each variant finishes), so a run interrupted in the
        middle of a long seed resumes at the next variant, not at the seed's start.
    baseline : str
        The variant every other variant is compared with.
    quick : dict
        Overrides of ``config`` for a smoke run (``--quick``): minutes, not hours; never shipped.
    taught_in : str
        The chapters that render this protocol's verdicts.
    """

    name: str
    title: str
    config: dict
    run_seed: Callable
    baseline: str
    quick: dict = dataclasses.field(default_factory=dict)
    taught_in: str = ""
    saves_variants: bool = False

    def configured(self, quick: bool = False, **overrides) -> dict:
        """The configuration to run: ``config``, then ``quick``'s overrides when asked, then ``overrides``.

        Nested dicts (``budget``, ``data``) are replaced whole, not merged, so an override states its meaning.
        """
        cfg = json.loads(json.dumps(self.config))  # a deep copy that also proves it is JSON
        if quick:
            cfg.update(json.loads(json.dumps(self.quick)))
        unknown = sorted(set(overrides) - set(cfg))
        if unknown:
            raise ValueError(
                f"Unknown configuration key(s) {unknown} for protocol {self.name!r}; its keys are {sorted(cfg)}."
            )
        for key, value in overrides.items():
            _check_override(key, value, cfg[key])
        cfg.update(json.loads(json.dumps(overrides)))
        check_positive_int("seeds", cfg.get("seeds"), 5)
        return cfg

    @property
    def metrics(self) -> dict:
        """``{metric: "lower" | "higher"}``: the reported metrics and which way is better."""
        return dict(self.config["metrics"])


def _kind(value) -> str:
    """The JSON kind of a configuration value: what an override of it must also be."""
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    return {str: "str", dict: "dict", list: "list", tuple: "list"}.get(type(value), type(value).__name__)


def _check_override(key: str, value, current) -> None:
    """An override must be the same kind of value as the one it replaces (a dict for a dict, a number for a
    number), or the protocol would fail deep inside a run, or silently ignore it."""
    if current is not None and _kind(value) != _kind(current):
        raise TypeError(f"`{key}` must be a {_kind(current)} like the protocol's own value {key}={current!r}; "
                        f"received {key}={value!r}. Fix: keep its form and change the value.")  # fmt: skip


def config_hash(config: dict) -> str:
    """SHA-256 (first 16 hex digits) of a configuration's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def register(protocol: Protocol) -> Protocol:
    """Add a protocol to the registry (a second protocol of the same name is an error)."""
    if protocol.name in _REGISTRY and _REGISTRY[protocol.name] is not protocol:
        raise ValueError(f"A protocol named {protocol.name!r} is already registered.")
    if "seeds" not in protocol.config or "metrics" not in protocol.config:
        raise ValueError(f"Protocol {protocol.name!r}: its config needs 'seeds' and 'metrics' keys.")
    _REGISTRY[protocol.name] = protocol
    return protocol


def names() -> list:
    """The registered protocols' names, sorted."""
    return sorted(_REGISTRY)


def get(name: str) -> Protocol:
    """The registered protocol called ``name``; a KeyError lists the known names."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UnknownNameError(f"`name`: no protocol named {name!r}. Known protocols: {names()} "
                               f"(`python -m vaegan_edu.experiments list`).")  # fmt: skip
    return _REGISTRY[name]


def load_dataset(config: dict):
    """The dataset a configuration names under ``"data"``: ``vaegan_edu.data.load(name, **arguments)``."""
    from vaegan_edu import data

    spec = dict(config["data"])
    return data.load(spec.pop("name"), **spec)


def metric_table(rows, config: dict) -> dict:
    """``{variant: {metric: value}}`` from per-model rows, keeping the configured metrics and the training cost."""
    keep = tuple(config["metrics"]) + ("train_seconds", "train_steps")
    return {row["model"]: {k: row[k] for k in keep if k in row} for row in rows}

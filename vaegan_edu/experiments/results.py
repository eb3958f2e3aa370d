"""A protocol's results: the file format, loading, and what a chapter asks of them.

One JSON file per protocol, ``data/experiments/<name>.json``::

    {"protocol": name, "title": ..., "config": {...}, "config_hash": "16 hex digits",
     "data": {"name": ..., "kwargs": {...}, "fingerprint": ...},
     "seeds": {"0": {"variants": {variant: {metric: value}}, "wall_seconds": ..., "finished": ...}, ...},
     "provenance": {"machine": ..., "versions": {...}, "backend": ..., "device": ..., "commit": ..., ...}}

:class:`Result` reads it: per-seed values, means with confidence intervals, paired verdicts between
variants (:func:`vaegan_edu.experiments.stats.verdict`), a Markdown table, and whether a live replicate
agrees with the shipped distribution.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np

from vaegan_edu.experiments import stats
from vaegan_edu.experiments.protocol import config_hash, get
from vaegan_edu.validation import UnknownNameError

EXPERIMENTS_DIR_ENV = "VAEGAN_EDU_EXPERIMENTS"
_LABELS = {"frechet_distance": "Fréchet distance", "class_kl": "class KL", "log_likelihood": "log p(x), nats",
           "sample_seconds": "seconds per 1,000 samples", "train_seconds": "training seconds",
           "train_steps": "training steps", "grey_gap": "grey-pixel gap to data",
           "elbo_bpd": "−ELBO, bits per pixel value", "iwae_bpd": "−log p(x) (IWAE), bits per pixel value",
           "compile_seconds": "tracing and compile seconds",
           "perceptual_frechet_distance": "Fréchet distance (perceptual)",
           "perceptual_precision": "precision (perceptual)", "perceptual_recall": "recall (perceptual)"}  # fmt: skip


_UNIT, _NON_NEGATIVE, _AT_MOST_ONE = (0.0, 1.0), (0.0, None), (None, 1.0)
_RANGES = {
    **dict.fromkeys(("precision", "recall", "perceptual_precision", "perceptual_recall", "high_quality", "start_d_fake",
                     "diverged", "converged", "reached", "mig"), _UNIT),
    **dict.fromkeys(("frechet_distance", "perceptual_frechet_distance", "class_kl", "reverse_kl", "kl", "grey_gap",
                     "modes_captured", "start_gradient", "elbo_bpd", "iwae_bpd", "active_latents", "active_units",
                     "epochs", "sample_seconds", "compile_seconds", "train_seconds", "train_steps", "seconds_to_target",
                     "steps_to_target", "steps_per_second", "seconds_per_step", "seconds_per_step_min"), _NON_NEGATIVE),
}  # fmt: skip
_RANGE_PREFIXES = {"mig_": _UNIT, "kl_z": _NON_NEGATIVE, "mi_": _NON_NEGATIVE, "probe_r2_": _AT_MOST_ONE}


def metric_range(metric: str):
    """The values a metric (or ``"METRIC@STEP"``) can take, as ``(low, high)`` with None for no bound, or None
    when it is unbounded or unknown: shares and MIG lie in [0, 1]; distances, divergences, counts, bits and
    seconds are >= 0; a held-out R^2 is at most 1; a late-window mean ("high_quality_late") has its metric's
    range. :meth:`Result.interval` clips its intervals to it
    (:func:`~vaegan_edu.experiments.stats.mean_interval`)."""
    base = metric.partition("@")[0]
    base = base.removesuffix("_late")  # a late-window mean (vaegan_edu.experiments.mode_collapse.late_window)
    if base in _RANGES:
        return _RANGES[base]
    return next((bounds for prefix, bounds in _RANGE_PREFIXES.items() if base.startswith(prefix)), None)


def metric_label(metric: str) -> str:
    """How a metric is named in tables and verdicts ("frechet_distance" -> "Fréchet distance")."""
    return _LABELS.get(metric, metric.replace("_", " "))


def experiments_dir() -> Path:
    """Where shipped results live: ``$VAEGAN_EDU_EXPERIMENTS``, else the package's shipped copy
    (:func:`vaegan_edu.resources.shipped_dir`: the checkout's ``data/experiments``, or an installed wheel's
    package data)."""
    from vaegan_edu.resources import shipped_dir

    return Path(os.environ.get(EXPERIMENTS_DIR_ENV) or shipped_dir("experiments"))


def results_path(name: str, directory=None) -> Path:
    """The results file of protocol ``name`` in ``directory`` (default :func:`experiments_dir`)."""
    return Path(directory or experiments_dir()) / f"{name}.json"


def run_command(name: str) -> str:
    """The command that (re)computes a protocol's shipped results."""
    return f"python -m vaegan_edu.experiments run {name}"


class ResultsError(ValueError):
    """A results file that is missing, damaged or computed for another configuration (the message says how to
    recompute it)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Result:
    """The per-seed results of one protocol run (shipped or live), and the statistics a chapter reads off them.

    Build one with :func:`load` (a shipped file) or :func:`vaegan_edu.experiments.run` (a live run).
    """

    payload: dict

    @classmethod
    def from_rows(cls, name: str, rows, config: dict | None = None) -> "Result":
        """A Result of protocol ``name`` from flat per-seed rows (``{"model", "seed", metric: value}``), e.g. of
        a live run done with the protocol's own functions in a chapter. ``config`` defaults to the protocol's."""
        seeds = {}
        for row in rows:
            metrics = {k: v for k, v in row.items() if k not in ("model", "seed")}
            seeds.setdefault(str(int(row["seed"])), {"variants": {}})["variants"][row["model"]] = metrics
        config = config or get(name).config
        payload = {"protocol": name, "config": config, "config_hash": config_hash(config), "seeds": {},
                   "provenance": {}}  # fmt: skip
        payload["seeds"] = {s: {"variants": clean_variants(e["variants"], f"rows of seed {s}")} for s, e in seeds.items()}
        return cls(check_payload(payload, "rows"))

    @property
    def name(self) -> str:
        return self.payload["protocol"]

    @property
    def config(self) -> dict:
        return self.payload["config"]

    @property
    def seeds(self) -> list:
        """The finished seeds, ascending."""
        return sorted(int(s) for s in self.payload["seeds"])

    @property
    def variants(self) -> list:
        """Variant names in the order the protocol reports them."""
        seen = {}
        for s in self.seeds:
            seen.update(dict.fromkeys(self.payload["seeds"][str(s)]["variants"]))
        return list(seen)

    @property
    def metrics(self) -> dict:
        """``{metric: "lower" | "higher"}`` from the configuration, in the protocol's order when it is registered
        (a results file stores its keys sorted)."""
        stored = dict(self.config["metrics"])
        try:
            order = list(get(self.name).config["metrics"])
        except KeyError:
            order = []
        return {m: stored[m] for m in order if m in stored} | stored

    def _check(self, variant, metric, variant_name: str = "variant"):
        """Raise :class:`~vaegan_edu.validation.UnknownNameError` (a KeyError and a ValueError) naming the argument
        for a variant or a metric these results do not have."""
        if not isinstance(variant, str) or variant not in self.variants:
            raise UnknownNameError(f"No variant {variant!r} in the {self.name!r} results (argument `{variant_name}`); "
                                   f"variants: {self.variants}.")  # fmt: skip
        base, _, step = metric.partition("@") if isinstance(metric, str) else (None, "", "")
        known = base in self.metrics or base in ("train_seconds", "train_steps", "measured_seconds")
        if not known or (step and not step.isdigit()):
            raise UnknownNameError(
                f"No metric {metric!r} in the {self.name!r} results (argument `metric`); metrics: "
                f"{sorted(self.metrics)} (a metric recorded along training reads 'METRIC@STEP', e.g. "
                f"'{next(iter(self.metrics))}@500')."
            )  # fmt: skip

    def _direction(self, metric: str) -> str:
        """Which way ``metric`` (or ``"METRIC@STEP"``) is better, ``"lower"`` or ``"higher"``, from the configuration."""
        self._check(self.variants[0], metric)
        base = metric.partition("@")[0]
        if base not in self.metrics:
            raise ValueError(f"`metric` {metric!r} is a training cost with no better direction in the {self.name!r} "
                             f"configuration; compare one of {sorted(self.metrics)}.")  # fmt: skip
        return self.metrics[base]

    def checkpoints(self, metric: str) -> list:
        """The steps at which ``metric`` was also recorded along training (keys ``"<metric>@<step>"``), sorted.

        Together with :meth:`interval` on ``f"{metric}@{step}"`` they give a curve with its bands.
        """
        self._check(self.variants[0], metric)
        prefix = f"{metric}@"
        steps = {int(k[len(prefix):]) for s in self.seeds for row in self.payload["seeds"][str(s)]["variants"].values()
                 for k in row if k.startswith(prefix) and k[len(prefix):].isdigit()}  # fmt: skip
        return sorted(steps)

    def values(self, variant: str, metric: str) -> dict:
        """``{seed: value}`` of one metric of one variant (NaN where a run diverged)."""
        self._check(variant, metric)
        out = {}
        for s in self.seeds:
            row = self.payload["seeds"][str(s)]["variants"].get(variant)
            if row is not None:
                value = row.get(metric)
                out[s] = float("nan") if value is None else float(value)
        return out

    def interval(self, variant: str, metric: str, confidence: float = 0.95, nan_policy: str = "omit"):
        """Mean over seeds with its Student-t interval (:func:`~vaegan_edu.experiments.stats.mean_interval`),
        clipped to the values the metric can take (:func:`metric_range`: no precision below 0).

        ``nan_policy="omit"`` drops runs whose metric is not finite (a diverged GAN); :meth:`diverged` counts them.
        """
        values = list(self.values(variant, metric).values())
        return stats.mean_interval(values, confidence, nan_policy=nan_policy, bounds=metric_range(metric))

    def diverged(self, variant: str, metric: str) -> int:
        """How many seeds of ``variant`` have a non-finite ``metric``."""
        return sum(not math.isfinite(v) for v in self.values(variant, metric).values())

    def verdict(self, variant: str, metric: str, against: str | None = None, claim: str | None = None,
                margin: float = 0.0, confidence: float = 0.95, direction: str | None = None):  # fmt: skip
        """Is ``variant`` better than ``against`` (default: the protocol's baseline) on ``metric``?

        Paired by seed (both variants train from the same seeds), in the direction the configuration gives
        for the metric; rendered by :func:`~vaegan_edu.experiments.stats.verdict`. A seed where either run
        diverged (non-finite metric) is left out of the pairs. ``direction`` ("higher" or "lower") tests a claim
        in the other direction instead, e.g. "β = 4 has *higher* −ELBO than β = 1": the price a textbook predicts.
        """
        against = against or get(self.name).baseline
        self._check(variant, metric)
        self._check(against, metric, "against")
        if direction is not None and direction not in ("higher", "lower"):
            raise ValueError(f"`direction` must be 'higher' or 'lower' (the claim's direction); received "
                             f"{direction!r}. Fix: direction='higher'.")  # fmt: skip
        better = direction or self._direction(metric)
        a, b = self.values(variant, metric), self.values(against, metric)
        common = [s for s in a if s in b and math.isfinite(a[s]) and math.isfinite(b[s])]
        claim = claim or f"{variant} has {better} {metric_label(metric)} than {against}"
        return stats.verdict(claim, {s: a[s] for s in common}, {s: b[s] for s in common}, better=better,
                             paired=True, confidence=confidence, margin=margin)  # fmt: skip

    def table_markdown(self, metrics=None, formats=None, variants=None, labels=None, undirected=()) -> str:
        """Markdown table: one row per variant, each metric's mean [95 % interval] over seeds.

        ``formats`` maps a metric to a format spec (default ``".3g"``); ``labels`` maps a metric to its column's
        name (default :func:`metric_label`), e.g. a protocol's own ``LABELS``. An arrow after the name says which
        direction is better, except for the metrics in ``undirected`` (a count or a time that is only reported).
        """
        for name, value in (("metrics", metrics), ("variants", variants)):
            if isinstance(value, str):
                raise TypeError(f"`{name}` must be a list of names; received the string {value!r}. Fix: "
                                f"{name}=[{value!r}].")  # fmt: skip
        metrics = list(metrics or self.metrics)
        formats = formats or {}
        variants = list(variants or self.variants)
        arrow = {"lower": " ↓", "higher": " ↑"}
        if labels is not None and not isinstance(labels, dict):
            raise TypeError(f"`labels` must be a dict {{metric: column name}}; received {type(labels).__name__}. "
                            "Fix: labels={'mig': 'MIG'}.")  # fmt: skip
        name = {**{m: metric_label(m) for m in metrics}, **(labels or {})}
        head = ["variant", "seeds"] + [name[m] + ("" if m in undirected else arrow.get(self.metrics.get(m), ""))
                                       for m in metrics]  # fmt: skip
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for v in variants:
            cells = [v, str(len(self.values(v, metrics[0])))]
            for m in metrics:
                vals = list(self.values(v, m).values())
                if not any(math.isfinite(x) for x in vals):
                    cells.append("n/a")
                    continue
                cell = self.interval(v, m).numbers(formats.get(m, ".3g"))
                bad = self.diverged(v, m)
                cells.append(cell + (f" ({bad} diverged)" if bad else ""))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def rows(self) -> list:
        """Flat rows ``{"model": variant, "seed": s, metric: value, ...}``, one per variant and seed (NaN where the
        file stores null: a diverged run, or a metric a model does not have)."""
        out = []
        for s in self.seeds:
            for v, row in self.payload["seeds"][str(s)]["variants"].items():
                out.append({"model": v, "seed": s, **{k: float("nan") if x is None else x for k, x in row.items()}})
        return out

    def agreement(self, live: "Result", metric: str, variants=None, confidence: float = 0.95) -> str:
        """Does a live replicate fall inside this (shipped) distribution? One Markdown line per variant.

        For each variant, the shipped seeds give a :func:`~vaegan_edu.experiments.stats.prediction_interval`
        for one new run; each live seed's value is inside it or not, and the line says which, either way.
        """
        if not isinstance(live, Result):
            raise TypeError(f"`live` must be the Result of a live replicate, e.g. ve.experiments.run(name, seeds=[0], "
                            f"store=False); received {type(live).__name__}. Fix: for rows of your own use "
                            f"Result.from_rows(name, rows).")  # fmt: skip
        lines = []
        for v in variants or [v for v in live.variants if v in self.variants]:
            shipped = list(self.values(v, metric).values())
            band = stats.prediction_interval(shipped, confidence, nan_policy="omit", bounds=metric_range(metric))
            for seed, x in live.values(v, metric).items():
                if not band.has_spread:
                    lines.append(f"* {v}, live seed {seed}: {metric_label(metric)} {x:.3g} cannot be judged: fewer "
                                 f"than 2 shipped seeds have a finite value ({band.describe()})")  # fmt: skip
                    continue
                if not math.isfinite(x):
                    word = "**outside** (no finite value: the run diverged, or stopped before it was scored)"
                else:
                    word = "**inside**" if band.low <= x <= band.high else "**outside**"
                lines.append(f"* {v}, live seed {seed}: {metric_label(metric)} {x:.3g} is {word} the range "
                             f"{band.low:.3g} to {band.high:.3g} expected of one run from the shipped "
                             f"{band.n} seeds ({band.describe()})")  # fmt: skip
        return "\n".join(lines)


def check_payload(payload: dict, where) -> dict:
    """Raise :class:`ResultsError` unless ``payload`` is a results file: its keys, a config whose hash is the
    recorded one (a config edited by hand with the old hash left in place is refused), seeds keyed by their
    number ("0", "1" ...), and every metric a number (or null for a non-finite value), never a bool or a string."""
    if not isinstance(payload, dict):
        raise ResultsError(f"{where} is not a results file: it holds a {type(payload).__name__}, not a JSON object.")
    missing = [k for k in ("protocol", "config", "config_hash", "seeds", "provenance") if k not in payload]
    if missing:
        raise ResultsError(f"{where} is not a results file: keys {missing} are missing.")
    for key in ("seeds", "partial"):
        if not isinstance(payload.get(key, {}), dict):
            raise ResultsError(f"{where}: `{key}` must map each seed to its table ({{\"0\": {{\"variants\": ...}}}}); "
                               f"found a {type(payload[key]).__name__}.")  # fmt: skip
        for seed, entry in payload.get(key, {}).items():
            if not (isinstance(seed, str) and seed.isdigit() and seed == str(int(seed))):
                raise ResultsError(f"{where}: {seed!r} under `{key}` is not a seed (a number such as \"0\").")
            variants = entry.get("variants") if isinstance(entry, dict) else None
            if not isinstance(variants, dict) or not all(isinstance(r, dict) for r in variants.values()):
                raise ResultsError(f"{where}: seed {seed} has no {{variant: {{metric: value}}}} table.")
            for variant, row in variants.items():
                for metric, value in row.items():
                    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                        raise ResultsError(f"{where}: seed {seed}, {variant!r}, {metric!r} is {value!r}, not a "
                                           f"number.")  # fmt: skip
    if not isinstance(payload["config"], dict) or payload["config_hash"] != config_hash(payload["config"]):
        raise ResultsError(f"{where}: its config does not have the hash it records ({payload['config_hash']!r}): "
                           f"the config was edited after the run, so its numbers may describe another study.")  # fmt: skip
    return payload


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ResultsError(f"the key(s) {repeated} appear twice in one object")
    return dict(pairs)


def read(path) -> dict:
    """A results file's payload, checked (:func:`check_payload`); ResultsError, naming the file, for anything else:
    a missing or unreadable file, something other than a regular file (a FIFO is never opened), bytes that are not
    UTF-8, JSON that does not parse or repeats a key."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ResultsError(f"{path} is not a regular file.")
        text = path.read_bytes().decode("utf-8")
        payload = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except ResultsError as err:
        raise ResultsError(f"{path} cannot be read ({err}).") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ResultsError(f"{path} cannot be read ({type(err).__name__}: {err}).") from None
    return check_payload(payload, path)


def load(name: str, directory=None, check_config: bool = True) -> Result:
    """The shipped results of protocol ``name``.

    Raises
    ------
    FileNotFoundError
        No results file (the message names the command that computes it).
    ResultsError
        A damaged file, or (``check_config``) one computed for another configuration than the protocol's
        current one: its numbers would describe a different study.

    Taught in: 09_vae_vs_gan, 10_student_questions
    """
    protocol = get(name)
    if directory is not None and Path(directory).is_file():
        raise ValueError(f"`directory` must be the folder that holds {name}.json; received the file {directory}. "
                         f"Fix: pass its folder, directory={str(Path(directory).parent)!r}.")  # fmt: skip
    path = results_path(name, directory)
    if not path.exists():
        raise FileNotFoundError(f"No shipped results for protocol {name!r} at {path}. Compute them with "
                                f"`{run_command(name)}`.")  # fmt: skip
    payload = read(path)
    if check_config and payload["config_hash"] != config_hash(protocol.config):
        raise ResultsError(
            f"{path} was computed for another configuration of {name!r} (hash {payload['config_hash']}, the "
            f"protocol's is now {config_hash(protocol.config)}). Recompute it with `{run_command(name)} --restart`."
        )
    return Result(payload)


def finite_or_none(value):
    """JSON has no NaN in strict readers: a non-finite number is stored as null."""
    value = float(value)
    return value if math.isfinite(value) else None


def clean_variants(variants, where) -> dict:
    """Check ``{variant: {metric: number}}`` from a protocol's ``run_seed`` and make it JSON-safe."""
    if not isinstance(variants, dict) or not variants:
        raise ResultsError(f"{where} must return a non-empty {{variant: {{metric: value}}}} dict; got {variants!r}.")
    out = {}
    for v, row in variants.items():
        if not isinstance(row, dict):
            raise ResultsError(f"{where}: variant {v!r} maps to {type(row).__name__}, not a dict of metrics.")
        out[str(v)] = {str(k): finite_or_none(x) for k, x in row.items()
                       if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)}  # fmt: skip
    return out

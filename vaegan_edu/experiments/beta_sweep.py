r"""β against disentanglement on the sprites, trained to convergence: chapter 05's protocol ``beta_sweep``.

The protocol, in the order :func:`run_seed` follows it:

1. **Chapter 05's model, five values of β.** The book's dense β-VAE (dense
   encoder and decoder, 8 latents, Bernoulli likelihood, Adam(1e-3), batch 128) with β = 1, 2, 4, 8 and 16
   (Higgins et al., ICLR 2017), on the book's dSprites-style sprites (``data.load("sprites", seed=0)``:
   20,000 training and 5,000 test images with their five known factors: shape, scale, rotation, x, y). For one
   seed every β starts from the same initial weights and sees the training images in the same order, so the
   verdicts pair β = 4 with β = 1 seed by seed and the seed's own luck cancels. β = 1 is the baseline: a plain
   VAE.
2. **Trained to convergence, defined operationally** (:func:`converged`). The last 2,000 of the 20,000
   training images are held out as validation images (the model trains on the other 18,000). After every epoch
   the β-weighted negative ELBO (the objective being minimised) is evaluated on them, with the same noise every
   epoch so that two epochs differ by the model alone. Training stops after the first epoch :math:`e \ge 20`
   at which the best value so far improved by less than 0.5 % over the last 10 epochs,
   :math:`b_{e-10} - b_e < 0.005\,|b_{e-10}|` with :math:`b_e = \min_{i \le e} L_i`; at the latest after 100
   epochs (``converged`` is then 0). The curve is recorded, ``neg_elbo_beta@EPOCH`` (and the plain −ELBO
   ``neg_elbo@EPOCH``) on the validation images, with the epochs used (``epochs``), and the test MIG every 5
   epochs and at the last (``mig@EPOCH``), so a chapter can show whether MIG was still moving at the stop.
   Why so long a window: the curves have a slow tail and plateaus. In the probes (seed 0, 50 epochs, no
   stopping) "0.5 % over 3 epochs" stopped β = 4 at epoch 16, 4.4 % above its epoch-50 value, with MIG at 0.045
   against 0.13 at epoch 50 (MIG rose all the way); β = 1 sat on a plateau from epoch 20 to 39 and then fell by
   another 6 % by epoch 50, and every 3- or 5-epoch rule tried (0.25 % to 0.5 %) stopped it on that plateau.
   "0.5 % over 10 epochs" stops β = 4 at epoch 50 and keeps β = 1 training past 50. The minimum of 20 epochs
   is a further guard against an early plateau.
3. **Scored on the 5,000 test images** (neither trained nor stopped on): the mutual information gap with all
   five factors (:func:`vaegan_edu.metrics.mutual_information_gap`; ``mig`` and each factor's gap
   ``mig_<factor>``), the β-weighted and the plain (β = 1) negative ELBO, its reconstruction and KL terms, the
   KL of each latent (``kl_z<j>``), the number of latents carrying more than 0.1 nats (``active_latents``) and
   the number whose posterior mean varies by more than 0.01 (``active_units``, Burda et al.'s rule, which also
   counts near-useless latents). **Information present against aligned** (Locatello et al., ICML 2019,
   arXiv:1811.12359): a linear probe (:func:`vaegan_edu.metrics.linear_probe`, least squares fitted on the
   posterior means of 5,000 training images) recovers each continuous factor from μ, with its held-out R²
   (``probe_r2_<factor>``) and, for x and y, how many latents carry 90 % of its weight
   (``probe_latents_90_<factor>``: 1 is aligned, several is spread). Rotation is probed as the raw angle, which
   the images do not determine for the symmetric square (90°) and ellipse (180°): its R² is low for any code.
4. **What each latent does, computed.** The row stores the normalised mutual-information table
   (``mi_<factor>_z<j>`` = :math:`I(z_j; v_k)/H(v_k)`) and its argmax per factor (``best_latent_<factor>``,
   the latent :math:`j`, counted from 0 like μ's columns and ``kl_z<j>``), so a chapter names what each latent
   does from the numbers rather than typing it.

Read with ``Result.verdict("β = 4", "mig")`` ("β = 4 has higher MIG than β = 1"), ``Result.interval`` and
``Result.checkpoints("neg_elbo_beta")`` for the curves. ``kl``, ``active_latents`` and ``active_units`` have
no better direction; they are declared "lower", the way a larger β is meant to move them, so a verdict reads
"β = 4 has lower KL than β = 1".

**Architecture.** Dense, as chapter 05's model: a small probe (β = 4, seed 0, 20 epochs, niced, on the shared
2-core machine at a load of about 7.5) gave the conv encoder/decoder of :mod:`vaegan_edu.models.blocks` a
validation β-weighted −ELBO of 71.8 against the dense model's 72.6 and a test MIG of 0.068 against 0.058 at
epoch 20, but at 4.1 times the time per epoch (15.0 s against 3.65 s), with its MIG flat from epoch 13 while the
dense model's kept rising (0.13 at epoch 50), and lower probe R² (x 0.82, y 0.80 against about 0.9). Not a clear
gain, and it would not fit the budget trained to convergence.

**Cost** (TensorFlow backend, 2 cores). Measured niced on the shared machine (load 7-9 from other jobs): 3.1-3.65
s per dense epoch of 18,000 images, 0.45 s for the validation objective, 0.8 s per test MIG (every 5 epochs),
2-4 s to score a trained model. The seed-0 probes suggest about 40 epochs for β = 16 (flat from epoch 30),
50 for β = 4 and 70-100 for β = 1 (still falling at 50); call it 56 on average over the five values of β, so
25 runs x 56 epochs = 1,400 epochs: about 90 minutes at the loaded rate (3.9 s per epoch in all), about 35
minutes on idle cores (1.4 s per epoch of 20,000 images in ``benchmarks/RESULTS.md``, about 1.5 s in all here).
The cap bounds it: if every run went to 100 epochs, 2,500 epochs, 160 minutes loaded and 65 idle. The run
saves every finished variant and resumes (``python -m vaegan_edu.experiments run beta_sweep``).

Taught in: 05_vae_interpretability
"""

from __future__ import annotations

import time

import numpy as np

from vaegan_edu.experiments.protocol import Protocol, load_dataset, register
from vaegan_edu.validation import check_positive_int

BETAS = (1.0, 2.0, 4.0, 8.0, 16.0)
FACTORS = ("shape", "scale", "rotation", "x", "y")  # vaegan_edu.data.SPRITE_FACTORS, in its order
PROBED = ("x", "y", "scale", "rotation")  # the continuous factors a linear probe recovers from mu
CONCENTRATION = ("x", "y")  # factors whose probe weight is counted latent by latent
PROBE_FRACTION = 0.9  # share of the probe's weight the counted latents carry
USED_KL = 0.1  # nats: a latent above this carries information (chapter 05's threshold)
ACTIVE_VARIANCE = 0.01  # Burda et al.'s threshold on Var_x(mu_j)

METRICS = {
    "mig": "higher",
    **{f"mig_{f}": "higher" for f in FACTORS},  # each factor's normalised gap; mig is their mean
    "neg_elbo_beta": "lower",  # the objective each variant minimises, on test images
    "neg_elbo": "lower",  # the same models' plain negative ELBO (beta = 1): comparable across beta
    "reconstruction": "lower",  # -E_q log p(x | z), nats per image
    "kl": "lower",  # no better direction: "lower" is where a larger beta pushes it
    "active_latents": "lower",  # latents with KL > USED_KL nats (no better direction, as kl)
    "active_units": "lower",  # latents with Var(mu_j) > ACTIVE_VARIANCE (no better direction, as kl)
    **{f"probe_r2_{f}": "higher" for f in PROBED},
    **{f"probe_latents_90_{f}": "lower" for f in CONCENTRATION},  # 1: one latent carries the factor
    "epochs": "lower",
    "converged": "higher",
}
UNDIRECTED = ("kl", "active_latents", "active_units", "epochs")  # reported, no better direction: tables show no arrow


LABELS = {"mig": "MIG", "neg_elbo_beta": "β-weighted −ELBO", "neg_elbo": "−ELBO (β = 1)",
          "reconstruction": "reconstruction error", "kl": "KL", "active_latents": "count of latents above 0.1 nats",
          "active_units": "count of active units", "epochs": "epochs to convergence", "converged": "share converged",
          **{f"mig_{f}": f"MIG gap of {f}" for f in FACTORS},
          **{f"probe_r2_{f}": f"linear-probe R² of {f}" for f in PROBED},
          **{f"probe_latents_90_{f}": f"count of latents carrying 90 % of the {f} probe" for f in CONCENTRATION}}


def label(metric: str) -> str:
    """How a metric of this protocol is named in a sentence ("mig" -> "MIG"; "mig@12" -> "MIG after epoch 12")."""
    base, _, epoch = metric.partition("@")
    return LABELS.get(base, base.replace("_", " ")) + (f" after epoch {epoch}" if epoch else "")


def verdict(result, variant: str, metric: str, against: str | None = None, direction: str | None = None,
            **kwargs):  # fmt: skip
    """``result.verdict(variant, metric, ...)`` with the claim in this protocol's words, e.g. "β = 4 has higher
    MIG than β = 1" (paired by seed; ``kwargs`` go to :meth:`vaegan_edu.experiments.Result.verdict`).
    ``direction="higher"`` on ``"neg_elbo"`` tests the price of β instead: "β = 4 has higher −ELBO (β = 1) than
    β = 1".

    Taught in: 05_vae_interpretability
    """
    against = against or PROTOCOL.baseline
    better = direction or result.metrics[metric.partition("@")[0]]
    claim = f"{variant} has {better} {label(metric)} than {against}"
    return result.verdict(variant, metric, against=against, claim=claim, direction=better, **kwargs)


def variant_name(beta: float) -> str:
    """The variant of one β, as tables and verdicts print it: ``"β = 4"``."""
    return f"β = {float(beta):g}"


def converged(curve, tolerance: float = 0.005, window: int = 10, min_epochs: int = 20) -> bool:
    r"""Has a validation curve (one value per epoch, lower is better) stopped improving?

    .. math::
        b_e = \min_{i \le e} L_i, \qquad \text{converged after epoch } e \iff
        e \ge \max(\text{min\_epochs}, \text{window} + 1) \ \text{and}\
        b_{e-\text{window}} - b_e < \text{tolerance}\cdot|b_{e-\text{window}}|

    The best value so far, not the last one, so that one noisy epoch neither stops training nor keeps it
    going: a curve that gets worse for ``window`` epochs has converged (its best did not improve).

    Parameters
    ----------
    curve : sequence of floats, the held-out objective after epochs 1, 2, ...
    tolerance : float > 0, relative improvement below which the curve counts as flat
    window : int >= 1, epochs over which the improvement is measured
    min_epochs : int >= 1, epochs before which the curve never counts as converged

    Returns
    -------
    bool

    Examples
    --------
    >>> converged([100, 80, 75, 74.9, 74.8, 74.8], window=3, min_epochs=1)
    True
    >>> converged([100, 80, 75, 70, 65, 60], window=3, min_epochs=1)
    False

    Taught in: 05_vae_interpretability
    """
    window = check_positive_int("window", window, 10)
    min_epochs = check_positive_int("min_epochs", min_epochs, 20)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.floating)) or not tolerance > 0:
        raise ValueError(f"`tolerance` must be a number > 0, a relative improvement such as 0.005 (0.5 %); "
                         f"received {tolerance!r}.")  # fmt: skip
    curve = np.asarray(curve, dtype="float64")
    if curve.ndim != 1 or not np.all(np.isfinite(curve)):
        raise ValueError(f"`curve` must be a 1-D sequence of finite numbers, one per epoch; received {curve!r}.")
    if len(curve) < max(min_epochs, window + 1):
        return False
    best = np.minimum.accumulate(curve)
    before, now = best[-1 - window], best[-1]
    return bool(before - now < tolerance * abs(before))


def stopping_epoch(curve, tolerance: float = 0.005, window: int = 10, min_epochs: int = 20):
    """The first epoch (counted from 1) after which :func:`converged` stops training on ``curve``, or None."""
    for epoch in range(1, len(curve) + 1):
        if converged(curve[:epoch], tolerance, window, min_epochs):
            return epoch
    return None


def split(data, num_validation: int):
    """``(x_fit, x_validation)``: the training images without and with only their last ``num_validation``."""
    num_validation = check_positive_int("num_validation", num_validation, 2000)
    if num_validation >= len(data.x_train):
        raise ValueError(f"`num_validation` ({num_validation}) must leave training images; the data has "
                         f"{len(data.x_train)}. Fix: hold out fewer, e.g. a tenth.")  # fmt: skip
    return data.x_train[:-num_validation], data.x_train[-num_validation:]


def build_vae(image_shape, beta: float, config: dict, seed: int):
    """Chapter 04's β-VAE for ``config`` (latent size, architecture, likelihood, Adam's step), compiled, with
    initial weights that depend on ``seed`` only (the same for every β)."""
    import keras

    from vaegan_edu.config import set_seed
    from vaegan_edu.models import VAE

    set_seed(seed)
    vae = VAE(image_shape=image_shape, latent_dim=config["latent_dim"], beta=float(beta),
              architecture=config["architecture"], likelihood=config["likelihood"], seed=seed)  # fmt: skip
    vae.compile(optimizer=keras.optimizers.Adam(config["learning_rate"]))
    return vae


def _objectives(model, x, beta, seed):
    """``(beta-weighted -ELBO, plain -ELBO, reconstruction, KL)`` of ``x``, nats per image."""
    from vaegan_edu.metrics import evaluate_elbo

    out = evaluate_elbo(model, x, seed=seed)  # the same noise for the same seed: epochs differ by the model only
    rec, kl = out["reconstruction"], out["kl"]
    return rec + beta * kl, rec + kl, rec, kl


def train_to_convergence(model, x_fit, x_validation, beta: float, config: dict, seed: int, say=None,
                         track=None) -> dict:  # fmt: skip
    """Train epoch by epoch until :func:`converged` (``config["convergence"]``) or its ``max_epochs``.

    ``track(model)`` (optional) returns more ``{metric: value}`` to record every ``config["track_every"]`` epochs
    (default 1) and after the last one (e.g. the test MIG), stored under ``METRIC@EPOCH`` like the curve.

    Returns
    -------
    dict: ``neg_elbo_beta@E`` and ``neg_elbo@E`` on the validation images for every epoch E, ``epochs``,
    ``converged`` (1.0 when the rule stopped training, 0.0 at ``max_epochs``), ``train_seconds`` (``fit`` only)
    and ``train_steps``

    Taught in: 05_vae_interpretability
    """
    rule = dict(config["convergence"])
    max_epochs = check_positive_int("max_epochs", rule.pop("max_epochs"), 100)
    track_every = check_positive_int("track_every", config.get("track_every", 1), 5)
    batch_size = config["batch_size"]
    order = np.random.default_rng([seed, 1]).permutation  # the data order: the seed's, the same for every beta
    row, curve, seconds, steps, done = {}, [], 0.0, 0, False
    for epoch in range(1, max_epochs + 1):
        x_epoch = x_fit[order(len(x_fit))]
        start = time.perf_counter()
        model.fit(x_epoch, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
        seconds += time.perf_counter() - start
        steps += -(-len(x_fit) // batch_size)
        weighted, plain, _, _ = _objectives(model, x_validation, beta, seed)
        row[f"neg_elbo_beta@{epoch}"], row[f"neg_elbo@{epoch}"] = weighted, plain
        curve.append(weighted)
        done = converged(curve, **rule)
        if track is not None and (epoch % track_every == 0 or done or epoch == max_epochs):
            row.update({f"{metric}@{epoch}": float(value) for metric, value in track(model).items()})
        if say is not None and (done or epoch % 10 == 0):
            say(f"{variant_name(beta)} epoch {epoch}: validation beta-weighted -ELBO {weighted:.2f}")
        if done:
            break
    row.update(epochs=float(len(curve)), converged=float(done), train_seconds=seconds, train_steps=float(steps))
    return row


def score(model, data, x_probe, factors_probe, beta: float, seed: int) -> dict:
    """Every test-set metric of a trained model (see the module's docstring, step 3 and 4)."""
    from vaegan_edu.metrics import kl_per_dimension, linear_probe, mutual_information_gap

    weighted, plain, rec, kl = _objectives(model, data.x_test, beta, seed)
    row = {"neg_elbo_beta": weighted, "neg_elbo": plain, "reconstruction": rec, "kl": kl}
    kl_dims = kl_per_dimension(model, data.x_test)
    mu_test, _ = model.encode(data.x_test)
    row.update({f"kl_z{j}": float(v) for j, v in enumerate(kl_dims)})
    row["active_latents"] = float(np.sum(kl_dims > USED_KL))
    row["active_units"] = float(np.sum(mu_test.astype("float64").var(axis=0) > ACTIVE_VARIANCE))
    names = list(data.factor_names)
    mig = mutual_information_gap(mu_test, data.factors_test)
    normalised = mig.mutual_info / mig.entropy  # (latent_dim, num_factors)
    row["mig"] = mig.mig
    for k, factor in enumerate(names):
        row[f"mig_{factor}"] = float(mig.gaps[k])
        row[f"best_latent_{factor}"] = float(mig.best_latent[k])
        row.update({f"mi_{factor}_z{j}": float(v) for j, v in enumerate(normalised[:, k])})
    mu_probe, _ = model.encode(x_probe)
    for factor in PROBED:
        k = names.index(factor)
        probe = linear_probe(mu_probe, factors_probe[:, k], mu_test, data.factors_test[:, k])
        row[f"probe_r2_{factor}"] = probe.r2
        if factor in CONCENTRATION:
            row[f"probe_latents_90_{factor}"] = float(probe.latents_for(PROBE_FRACTION))
    return row


def run_seed(config: dict, seed: int, say, finished=None, on_variant=None) -> dict:
    """One seed of ``beta_sweep``: every β trained from ``seed`` to convergence, then scored.

    ``finished`` holds variants of this seed that an interrupted run already computed (kept, not retrained:
    each variant builds its own model from ``seed``, so the order changes no result); ``on_variant(name, row)``
    is called as each variant finishes, so the runner can save it.
    """
    data = load_dataset(config)
    if tuple(data.factor_names or ()) != FACTORS:
        raise ValueError(f"beta_sweep needs the sprites' factors {FACTORS}; the configured data "
                         f"{config['data']} has {data.factor_names}.")  # fmt: skip
    x_fit, x_validation = split(data, config["num_validation"])
    num_probe = min(config["num_probe_train"], len(x_fit))
    x_probe, factors_probe = x_fit[:num_probe], data.factors_train[:num_probe]
    table = dict(finished or {})

    def test_mig(model):  # MIG along training, on the test images (nothing is decided on it)
        from vaegan_edu.metrics import mutual_information_gap

        return {"mig": mutual_information_gap(model.encode(data.x_test)[0], data.factors_test).mig}

    for beta in config["betas"]:
        name = variant_name(beta)
        if name in table:
            continue
        say(f"{name} ...")
        model = build_vae(data.image_shape, beta, config, seed)
        row = train_to_convergence(model, x_fit, x_validation, beta, config, seed, say, track=test_mig)
        row.update(score(model, data, x_probe, factors_probe, beta, seed))
        table[name] = row
        say(f"{name}: MIG {row['mig']:.3f}, test -ELBO {row['neg_elbo']:.1f} (beta-weighted {row['neg_elbo_beta']:.1f})"
            f" after {row['epochs']:.0f} epochs, {row['train_seconds']:.0f} s")  # fmt: skip
        if on_variant is not None:
            on_variant(name, row)
    return {variant_name(b): table[variant_name(b)] for b in config["betas"]}


def train_sweep_model(seed: int = 0, beta: float = 1.0):
    """The β-VAE of ``beta_sweep`` for ``seed`` and ``beta``, trained as the study trains it: the recipe of the
    shipped sweep models (``python -m vaegan_edu.weights build betavae_sprites_beta8``).

    Same data, split, initial weights, data order and stopping rule as :func:`run_seed`, so the model is the one
    whose scores the shipped file records for that seed and β (on the machine that ran the study; another
    machine's floating point may differ in the last digits).

    Returns
    -------
    vaegan_edu.models.VAE, trained to convergence (or to the cap of ``max_epochs``)

    Taught in: 05_vae_interpretability
    """
    config = PROTOCOL.config
    data = load_dataset(config)
    x_fit, x_validation = split(data, config["num_validation"])
    model = build_vae(data.image_shape, beta, config, seed)
    train_to_convergence(model, x_fit, x_validation, beta, config, seed,
                         say=lambda line: print(f"[beta_sweep seed {seed}] {line}", flush=True))
    return model


def train_converged_vae(seed=0, dataset="glyphs", num_validation=2_000, max_epochs=100, **vae_kwargs):
    """Train a book VAE to convergence from ``seed``: the builder of the recipes whose pictures the chapters show.

    The full-mode data of ``dataset``; the last ``num_validation`` training images are held out, and training
    runs epoch by epoch with Adam(``VAE_LEARNING_RATE``) until the held-out β-weighted −ELBO improved by less than
    0.5 % over the last 10 epochs (after at least 20), or ``max_epochs``: this study's stopping rule
    (:func:`converged`, :func:`train_to_convergence`). It lives here, not in :mod:`vaegan_edu.weights`, because the
    weights module must not import the experiments (the metrics it uses load shipped weights).

    Returns
    -------
    vaegan_edu.models.VAE, trained

    Taught in: 03_vae
    """
    import keras

    from vaegan_edu import config, data
    from vaegan_edu.models import VAE
    from vaegan_edu.weights import VAE_LEARNING_RATE

    cfg = config.settings(seed=seed, fast=False)
    ds = data.load(dataset, seed=seed, num_train=cfg.num_train, num_test=cfg.num_test)
    x_fit, x_validation = ds.x_train[:-num_validation], ds.x_train[-num_validation:]
    config.set_seed(seed)
    vae = VAE(image_shape=ds.image_shape, seed=seed, **vae_kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(VAE_LEARNING_RATE))
    rule = {"tolerance": 0.005, "window": 10, "min_epochs": 20, "max_epochs": max_epochs}
    train_to_convergence(vae, x_fit, x_validation, vae.beta, {"batch_size": cfg.batch_size, "convergence": rule},
                         seed, say=lambda line: print(f"[{dataset} VAE] {line}", flush=True))  # fmt: skip
    return vae


PROTOCOL = register(Protocol(
    name="beta_sweep",
    title="β against disentanglement (MIG, linear probes) and the ELBO on the sprites, trained to convergence",
    config={
        "seeds": 5,
        "data": {"name": "sprites", "seed": 0, "num_train": 20_000, "num_test": 5_000},
        "betas": list(BETAS),
        "latent_dim": 8,
        "architecture": "dense",
        "likelihood": "bernoulli",
        "learning_rate": 1e-3,
        "batch_size": 128,
        "num_validation": 2_000,
        "convergence": {"tolerance": 0.005, "window": 10, "min_epochs": 20, "max_epochs": 100},
        "track_every": 5,
        "num_probe_train": 5_000,
        "metrics": METRICS,
    },
    run_seed=run_seed,
    baseline=variant_name(1.0),
    quick={"seeds": 2, "data": {"name": "sprites", "seed": 0, "num_train": 600, "num_test": 300},
           "num_validation": 100, "convergence": {"tolerance": 0.005, "window": 1, "min_epochs": 2, "max_epochs": 2},
           "track_every": 1, "num_probe_train": 300},
    taught_in="05_vae_interpretability",
    saves_variants=True,
))  # fmt: skip

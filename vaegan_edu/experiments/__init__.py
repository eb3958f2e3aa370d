"""The book's evidence: named protocols of the verdict-bearing studies, their runner, and their statistics.

* :mod:`~vaegan_edu.experiments.protocol`: what a protocol is (configuration, one-seed function, baseline)
  and the registry (:func:`names`, :func:`get`);
* :mod:`~vaegan_edu.experiments.runner`: :func:`run` (seed by seed, resumable, with progress and provenance)
  and :func:`verify` (shipped files match their protocols and the reader's data);
* :mod:`~vaegan_edu.experiments.distributed`: :func:`run_distributed` (the same run with its seeds as Dask
  tasks: a LocalCluster, a lab's machines or Slurm);
* :mod:`~vaegan_edu.experiments.results`: the results file, :func:`load`, and :class:`Result` (intervals,
  paired verdicts, tables, whether a live replicate agrees);
* :mod:`~vaegan_edu.experiments.stats`: intervals over seeds, paired differences, :func:`verdict`;
* the protocols: :mod:`~vaegan_edu.experiments.beta_sweep` (chapter 05's beta-VAE trained to convergence over beta),
  :mod:`~vaegan_edu.experiments.saturation` (minimax against non-saturating loss with Adam or SGD, chapter 06:
  ``saturation`` on the ring, ``saturation_digits`` on digits), :mod:`~vaegan_edu.experiments.mode_collapse` (ring and
  grid against the PacGAN and VEEGAN tables, chapter 07), :mod:`~vaegan_edu.experiments.tricks` (nine stability tricks
  for chapter 08's DCGAN, trained over 5 seeds; chapters 08 and 10), :mod:`~vaegan_edu.experiments.stability` (four
  of those variants on 14x14 digits over seeds and a learning-rate grid: stability as Lucic et al. 2018 measure it),
  :mod:`~vaegan_edu.experiments.duel_curves` (VAE
  against GAN with one generator network, quality against training time, chapter 09),
  :mod:`~vaegan_edu.experiments.duel_tuned` (the same duel made fairer: matched encoder and discriminator, both
  models tuned on validation images, read at exact budgets of steps and seconds) and
  :mod:`~vaegan_edu.experiments.speed` (training time to a stated quality per optimiser, batch size, XLA and backend,
  chapter 10); and :mod:`~vaegan_edu.experiments.backends` (calling a function in a fresh process of another Keras
  backend).

Command line::

    python -m vaegan_edu.experiments list
    python -m vaegan_edu.experiments run NAME [--seeds N] [--quick] [--restart] [--workers N | --scheduler ADDRESS]
    python -m vaegan_edu.experiments verify

A chapter loads a shipped result (``ve.experiments.load("tricks")``), renders its verdicts
(``result.verdict(...)``), runs a short live replicate (``ve.experiments.run("tricks", seeds=[5],
store=False, ...)``) and says whether it falls inside the shipped distribution (``result.agreement(...)``).
"""

from vaegan_edu.experiments import backends, beta_sweep, duel_curves, duel_tuned, mode_collapse, saturation, speed, stability, tricks  # noqa: F401  (they register protocols)
from vaegan_edu.experiments.protocol import Protocol, config_hash, get, names, register
from vaegan_edu.experiments.results import Result, ResultsError, experiments_dir, load
from vaegan_edu.experiments.runner import run, verify
from vaegan_edu.experiments.distributed import run_distributed  # noqa: E402  (after runner, which it uses)
from vaegan_edu.experiments.stats import Interval, Verdict, mean_interval, paired_difference, verdict

__all__ = ["Interval", "Protocol", "Result", "ResultsError", "Verdict", "config_hash", "experiments_dir", "get",
           "load", "mean_interval", "names", "paired_difference", "register", "run", "run_distributed", "verdict", "verify"]

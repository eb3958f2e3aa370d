r"""Exercise checkers for every chapter: run the student's function, say precisely what is wrong.

The framework is small on purpose:

* A checker is a function ``check_<name>(answer_fn) -> Feedback``. It calls ``answer_fn`` on fixed random
  inputs (the same every time, so the feedback is reproducible), compares with the package's reference
  implementation and returns a :class:`Feedback`: ``.passed`` (bool), ``.message`` and ``.max_error``.
  In a notebook the feedback displays itself as one line of Markdown.
* Most checkers are three lines: build the inputs, then call :func:`compare` with the reference and a
  dictionary of **known mistakes** (description -> a function that makes that mistake). When the answer
  matches a known mistake the student reads its description (wrong sign, mean instead of sum, sigma where
  log sigma^2 was given ...). :func:`compare` also recognises a wrong output shape, NaN/inf where the
  reference is finite, a constant factor (-1: a sign; 2: a missing 1/2) and a constant offset.
* ``@register(chapter=..., solution=...)`` adds a checker to the registry under its name without the
  ``check_`` prefix; :func:`show_solution` shows the reference solution's source collapsed, opened on a
  click, so a student tries first and a lecturer can still run a chapter top to bottom; :func:`grade` raises
  the checker's message for graded assignments (:mod:`vaegan_edu.grading`); :func:`list_exercises` lists what
  a chapter offers.

Solutions are plain NumPy, written as a student would; the tests check every solution with its own
checker, and every listed mistake against the checker's message.

The machinery lives in :mod:`~vaegan_edu.exercises.checking`; the checkers live in one module per topic,
each registering its own on import: :mod:`~vaegan_edu.exercises.kl` (KL divergence),
:mod:`~vaegan_edu.exercises.elbo` (ELBO and IWAE bound), :mod:`~vaegan_edu.exercises.vae` (VAE),
:mod:`~vaegan_edu.exercises.gan` (GAN losses and evaluation) and :mod:`~vaegan_edu.exercises.sample_quality`
(comparing models by their samples). Everything public is re-exported here: ``ve.exercises.check``,
``ve.exercises.show_solution``, ``ve.exercises.check_gaussian_kl`` ...
"""

from vaegan_edu.exercises.checking import (
    Exercise,
    Feedback,
    Solution,
    check,
    compare,
    grade,
    list_exercises,
    register,
    show_solution,
)
from vaegan_edu.exercises.sample_quality import check_class_kl_to_uniform, check_nearest_training_distance
from vaegan_edu.exercises.elbo import check_iwae_bound, check_linear_gaussian_elbo
from vaegan_edu.exercises.gan import (
    check_frechet_distance_diagonal,
    check_gan_discriminator_loss,
    check_gan_generator_loss,
    check_generator_logit_gradient,
    check_optimal_discriminator,
)
from vaegan_edu.exercises.kl import check_gaussian_kl, check_kl_monte_carlo
from vaegan_edu.exercises.vae import (
    check_active_units,
    check_gaussian_total_correlation,
    check_mig_from_mutual_info,
    check_reparameterize,
    check_vae_negative_elbo,
)

__all__ = ["Exercise", "Feedback", "Solution", "check", "compare", "grade", "list_exercises", "register"]
__all__ += ["show_solution"]
__all__ += ["check_gaussian_kl", "check_kl_monte_carlo", "check_iwae_bound", "check_linear_gaussian_elbo"]
__all__ += ["check_active_units", "check_mig_from_mutual_info", "check_reparameterize", "check_vae_negative_elbo"]
__all__ += ["check_gaussian_total_correlation"]
__all__ += [
    "check_frechet_distance_diagonal",
    "check_gan_discriminator_loss",
    "check_gan_generator_loss",
    "check_generator_logit_gradient",
    "check_optimal_discriminator",
]
__all__ += ["check_class_kl_to_uniform", "check_nearest_training_distance"]

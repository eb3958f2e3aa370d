"""Metrics that judge generative models, one module per kind of question:

* :mod:`~vaegan_edu.metrics.sample_quality`: scores of generated samples from arrays or features (mode coverage,
  Fréchet distance, precision/recall, class histograms, nearest training images for
  memorisation);
* :mod:`~vaegan_edu.metrics.digits`: the book's digit classifier, its features, and the scoring of a set of
  samples against held-out images (:class:`Reference`, :func:`evaluate_samples`);
* :mod:`~vaegan_edu.metrics.perceptual`: a perceptual feature space (a fixed random convolutional network);
* :mod:`~vaegan_edu.metrics.degradations`: the suite of damaged real digits with known answers that the
  sample-quality metrics pass, and the definition of a graded response;
* :mod:`~vaegan_edu.metrics.dose_response`: candidate "looks real" scores under damage at rising strengths;
* :mod:`~vaegan_edu.metrics.sampling`: drawing images from a VAE or a GAN the same way, and timing it;
* :mod:`~vaegan_edu.metrics.likelihood`: ELBO, IWAE bound on log p(x), active units, KL per latent;
* :mod:`~vaegan_edu.metrics.disentanglement`: the mutual information gap, a linear probe of each factor;
* :mod:`~vaegan_edu.metrics.saliency`: what a discriminator looks at.

Every public name is re-exported here (``ve.metrics.frechet_distance`` ...).
"""

from vaegan_edu.metrics.sample_quality import (  # noqa: F401
    ModeCoverage, mode_coverage, frechet_distance, precision_recall, class_histogram, kl_to_uniform,
    nearest_training_images, memorisation_threshold, memorised_fraction, density_coverage, REALISM_PRUNE_QUANTILE, realism_scores, realism,
)
from vaegan_edu.metrics.perceptual import (  # noqa: F401
    GREY_BAND, PERCEPTUAL_SEED, PERCEPTUAL_CHANNELS, grey_fraction, perceptual_network, perceptual_features,
)
from vaegan_edu.metrics.digits import (  # noqa: F401
    PR_NEIGHBOURS, MAX_PR_SAMPLES, DIGIT_CLASSIFIER_NAME, build_digit_classifier, train_digit_classifier,
    digit_classifier, classify_digits, digit_features, digit_frechet_distance, digit_features_and_classes,
    Reference, make_reference, evaluate_samples,
)
from vaegan_edu.metrics.degradations import (  # noqa: F401
    SUITE_SAMPLES, CHECKS, Check, SuiteResult, blur, add_noise, grey_blobs, degradation_cases, run_suite,
    mix_grey_blobs, Grading, graded_response, GradedCheck, SERIES,
)
from vaegan_edu.metrics.dose_response import (  # noqa: F401
    BLUR_SIGMAS, NOISE_SIGMAS, BLOB_SHARES, DOSES, CANDIDATES, DoseResponse, damage, score_candidates, dose_response,
)
from vaegan_edu.metrics.sampling import (  # noqa: F401
    SAMPLE_TIMING_COUNT, draw_samples, model_latent_dim, sampling_network, sample_seconds,
)
from vaegan_edu.metrics.likelihood import (  # noqa: F401
    aggregate_posterior_log_density, bits_per_dim, evaluate_elbo, iwae_log_likelihood, latent_activity, active_units,
    kl_per_dimension,
)
from vaegan_edu.metrics.disentanglement import (  # noqa: F401
    MIGResult, mutual_information_gap, LinearProbe, linear_probe, circular_probe, KLDecomposition, kl_decomposition,
)
from vaegan_edu.metrics.saliency import (  # noqa: F401
    discriminator_saliency,
)

__all__ = [
    'aggregate_posterior_log_density', 'circular_probe', 'KLDecomposition', 'kl_decomposition', 'CHECKS', 'DIGIT_CLASSIFIER_NAME', 'GREY_BAND', 'MAX_PR_SAMPLES', 'PERCEPTUAL_CHANNELS', 'PERCEPTUAL_SEED',
    'PR_NEIGHBOURS', 'SAMPLE_TIMING_COUNT', 'SUITE_SAMPLES', 'active_units', 'add_noise', 'bits_per_dim', 'blur',
    'build_digit_classifier', 'Check', 'class_histogram', 'classify_digits', 'degradation_cases',
    'digit_classifier', 'digit_features', 'digit_features_and_classes', 'digit_frechet_distance',
    'discriminator_saliency', 'draw_samples', 'evaluate_elbo', 'evaluate_samples', 'frechet_distance',
    'grey_blobs', 'grey_fraction', 'iwae_log_likelihood', 'kl_per_dimension', 'kl_to_uniform', 'latent_activity', 'LinearProbe', 'linear_probe', 'make_reference',
    'memorisation_threshold', 'memorised_fraction', 'MIGResult', 'mode_coverage', 'ModeCoverage', 'model_latent_dim',
    'mutual_information_gap', 'nearest_training_images', 'perceptual_features', 'perceptual_network',
    'precision_recall', 'Reference', 'run_suite', 'sample_seconds', 'sampling_network', 'SuiteResult',
    'train_digit_classifier',
    'density_coverage', 'REALISM_PRUNE_QUANTILE', 'realism_scores', 'realism', 'mix_grey_blobs', 'Grading',
    'graded_response', 'GradedCheck', 'SERIES', 'BLUR_SIGMAS', 'NOISE_SIGMAS', 'BLOB_SHARES', 'DOSES', 'CANDIDATES',
    'DoseResponse', 'damage', 'score_candidates', 'dose_response',
]

"""The book's digit classifier and what it scores: features for the Fréchet distance and precision/recall on
digit images, predicted classes, and the scoring of a set of samples against held-out images
(:class:`Reference`, :func:`evaluate_samples`).

Taught in: 08_gan, 09_vae_vs_gan
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from vaegan_edu.metrics.perceptual import perceptual_features
from vaegan_edu.metrics.sample_quality import class_histogram, frechet_distance, kl_to_uniform, precision_recall
from vaegan_edu.metrics.sample_quality import realism
from vaegan_edu.validation import check_image_batch, check_positive_int

PR_NEIGHBOURS = 3  # k of the improved precision/recall (Kynkäänniemi et al. 2019)

MAX_PR_SAMPLES = 1_000  # precision/recall compare all pairs: O(n^2) memory and time, so cap n


DIGIT_CLASSIFIER_NAME = "digit_classifier"


def build_digit_classifier(image_shape=(28, 28, 1), num_classes=10, feature_dim=64):
    """A small CNN for 28x28 digits; its ``features`` layer (feature_dim units) feeds the image metrics.

    Taught in: 08_gan
    """
    x_in = keras.Input(image_shape, name="images")
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x_in)  # (batch, 14, 14, 32)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)  # (batch, 7, 7, 64)
    h = keras.layers.Flatten()(h)
    features = keras.layers.Dense(feature_dim, activation="relu", name="features")(h)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(x_in, logits, name=DIGIT_CLASSIFIER_NAME)


def train_digit_classifier(seed=0, num_train=20_000, epochs=3, batch_size=128):
    """Train :func:`build_digit_classifier` on the book's rendered glyph digits (the weight builder).

    Deterministic for a given seed. Its test accuracy is printed by chapter 08 and by the rebuild script.

    Returns
    -------
    keras.Model, trained

    Taught in: 08_gan
    """
    from vaegan_edu import config, data
    from vaegan_edu.validation import check_positive_int

    epochs = check_positive_int("epochs", epochs, 3)  # 0 would return an untrained classifier
    batch_size = check_positive_int("batch_size", batch_size, 128)
    config.set_seed(seed)
    ds = data.load("glyphs", seed=seed, num_train=num_train)
    model = build_digit_classifier(ds.image_shape)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(ds.x_train, ds.y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    return model


@functools.lru_cache(maxsize=1)
def digit_classifier():
    """The book's pretrained digit classifier (loaded once, checksum-verified, built in code).

    It is **not** Inception-v3: Fréchet distances computed with it are not FIDs and must not be compared
    with FIDs in papers (different network, different images, different sample sizes). It is used because
    Inception weights cannot be downloaded offline and were trained on ImageNet photos, not digits.

    Taught in: 08_gan
    """
    from vaegan_edu import weights

    return weights.load_pretrained(DIGIT_CLASSIFIER_NAME)


def _digit_images(images, classifier, name="images"):
    """Images for the digit classifier: its input shape, finite, in [0, 1] (0-255 pixels give nonsense features)."""
    return check_image_batch(name, images, tuple(classifier.input_shape[1:]))


def classify_digits(images, classifier=None):
    """Class probabilities of digit images from the book's classifier.

    Parameters
    ----------
    images : array (n, 28, 28, 1), values in [0, 1]
    classifier : keras.Model or None
        None uses :func:`digit_classifier`.

    Returns
    -------
    np.ndarray (n, 10): probabilities; ``.argmax(1)`` gives the digit

    Taught in: 08_gan
    """
    classifier = classifier or digit_classifier()
    x = _digit_images(images, classifier)
    logits = np.concatenate([keras.ops.convert_to_numpy(classifier(x[i:i + 512])) for i in range(0, len(x), 512)])
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


def digit_features(images, classifier=None):
    """The classifier's penultimate ``features`` layer for each image, array (n, feature_dim).

    Taught in: 08_gan
    """
    classifier = classifier or digit_classifier()
    extractor = _feature_extractor(classifier)
    x = _digit_images(images, classifier)
    return np.concatenate([keras.ops.convert_to_numpy(extractor(x[i:i + 512])) for i in range(0, len(x), 512)])


@functools.lru_cache(maxsize=4)
def _feature_extractor(classifier):
    """The classifier truncated at its ``features`` layer (built once per classifier)."""
    return keras.Model(classifier.input, classifier.get_layer("features").output)


def digit_frechet_distance(images_a, images_b, classifier=None) -> float:
    """:func:`frechet_distance` between two sets of digit images, on the book's classifier's features.

    Not the Inception FID (see :func:`digit_classifier`): only compare it with numbers from this function.

    Taught in: 08_gan
    """
    classifier = classifier or digit_classifier()
    _digit_images(images_a, classifier, "images_a")  # checked here so the error names the right argument
    _digit_images(images_b, classifier, "images_b")
    return frechet_distance(digit_features(images_a, classifier), digit_features(images_b, classifier))


@functools.lru_cache(maxsize=1)
def _classifier_heads():
    """One model giving the digit classifier's features and logits in one pass (built once)."""
    classifier = digit_classifier()
    return keras.Model(classifier.input, [classifier.get_layer("features").output, classifier.output])


def digit_features_and_classes(images, batch_size: int = 1000):
    """The book's digit classifier's features (for FD, precision/recall) and predicted digits, in one pass.

    Same numbers as :func:`vaegan_edu.metrics.digit_features` and ``classify_digits(...).argmax(1)``, but
    the two heads share one forward pass of a network built once (a protocol evaluates many sample sets).

    Returns
    -------
    (features, labels) : float64 (n, feature_dim) and int64 (n,)

    Taught in: 09_vae_vs_gan
    """
    heads = _classifier_heads()
    x = check_image_batch("images", images, heads.input_shape[1:])
    batch_size = check_positive_int("batch_size", batch_size, 1000)
    feats, labels = [], []
    for start in range(0, len(x), batch_size):
        f, logits = heads(x[start:start + batch_size], training=False)
        feats.append(keras.ops.convert_to_numpy(f).astype("float64"))
        labels.append(keras.ops.convert_to_numpy(logits).argmax(axis=1))
    return np.concatenate(feats), np.concatenate(labels).astype("int64")


@dataclasses.dataclass(frozen=True, eq=False)
class Reference:
    """The held-out images every model is scored against, with their features computed once.

    Build it with :func:`make_reference`.
    """

    x_test: np.ndarray
    features: np.ndarray
    labels: np.ndarray
    perceptual: np.ndarray


def make_reference(x_test, num_samples: int | None = None) -> Reference:
    """The first ``num_samples`` test images, their classifier features and predicted digits, and their
    perceptual features (:func:`vaegan_edu.metrics.perceptual_features`).

    Taught in: 09_vae_vs_gan, 10_student_questions
    """
    x_test = check_image_batch("x_test", x_test)
    if num_samples is not None:
        x_test = x_test[: check_positive_int("num_samples", num_samples, 2000)]
    features, labels = digit_features_and_classes(x_test)
    return Reference(x_test, features, labels, perceptual_features(x_test))


def evaluate_samples(samples, reference: Reference, k: int = PR_NEIGHBOURS) -> dict:
    r"""Sample-quality metrics of generated images against held-out ones.

    * ``frechet_distance``: :math:`\lVert\mu_r-\mu_g\rVert^2+\mathrm{tr}(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2})`
      on the digit classifier's features (:func:`vaegan_edu.frechet_distance`; not an Inception FID);
    * ``precision``, ``recall``: improved precision and recall with ``k`` neighbours
      (:func:`vaegan_edu.precision_recall`) on at most ``MAX_PR_SAMPLES`` images of each set;
    * ``class_kl``: :math:`\mathrm{KL}(h\,\|\,u)` of the histogram of predicted digits to uniform
      (:func:`vaegan_edu.kl_to_uniform`), 0 when every digit is as frequent, :math:`\log 10` at collapse;
    * ``perceptual_frechet_distance``, ``perceptual_precision``, ``perceptual_recall``: the same on the
      perceptual features (:func:`vaegan_edu.metrics.perceptual_features`). The classifier's features are
      semantic and blind to blur; the perceptual ones see blur, noise and grey blobs but not missing classes
      (:mod:`vaegan_edu.metrics.degradations` shows both);
    * ``perceptual_realism``: the book's "looks like a real image" score, the mean realism score capped at 1,
      :math:`\frac1M\sum_j\min(1, R(\tilde x_j))` (:func:`vaegan_edu.metrics.realism`, Kynkäänniemi et al. 2019)
      on the perceptual features, same images and ``k`` as precision. Unlike perceptual precision it falls
      gradually under blur, noise and grey blobs (benchmarks/results/metric_dose_response.json). In the
      classifier's space no candidate falls gradually under all three (it is built to ignore how a digit is
      drawn), so there the Fréchet distance stays the score that ranks models.

    Returns
    -------
    dict of floats, plus ``histogram`` (array of 10 class frequencies)

    Taught in: 09_vae_vs_gan
    """
    if not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be a Reference from make_reference(x_test); received {type(reference).__name__}.")
    samples = check_image_batch("samples", samples, reference.x_test.shape[1:])
    k = check_positive_int("k", k, PR_NEIGHBOURS)
    features, labels = digit_features_and_classes(samples)
    perceptual = perceptual_features(samples)
    n_pr = min(MAX_PR_SAMPLES, len(features), len(reference.features))
    precision, recall = precision_recall(reference.features[:n_pr], features[:n_pr], k=k)
    p_precision, p_recall = precision_recall(reference.perceptual[:n_pr], perceptual[:n_pr], k=k)
    histogram = class_histogram(labels, num_classes=10)
    return {
        "frechet_distance": frechet_distance(reference.features, features),
        "precision": precision,
        "recall": recall,
        "class_kl": kl_to_uniform(histogram),
        "perceptual_frechet_distance": frechet_distance(reference.perceptual, perceptual),
        "perceptual_precision": p_precision,
        "perceptual_recall": p_recall,
        "perceptual_realism": realism(reference.perceptual[:n_pr], perceptual[:n_pr], k=k),
        "histogram": histogram,
    }

"""Metrics that judge generative models: likelihood bounds, sample quality and coverage, disentanglement.

Everything here runs outside the model graph, so NumPy/SciPy are used freely; a metric that needs a
network (the book's digit classifier) calls it through Keras. Each engineer's metrics live in their own
section below.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings

import keras
import numpy as np
from scipy import linalg

# === GAN (chapters 05-06) ===


def _as_2d(name, values):
    """A float64 array (n, d) with n >= 1, or a clear error."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (num_samples, num_features); received shape {arr.shape}. "
            "Fix: flatten images with x.reshape(len(x), -1) or add an axis with x[:, None]."
        )
    if len(arr) == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}); it needs at least one sample.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` contains NaN or infinite values; check the model that produced it.")
    return arr


def _same_dim(name_a, a, name_b, b):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same number of features; received {a.shape[1]} and "
            f"{b.shape[1]} (shapes {a.shape} and {b.shape})."
        )


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """Result of :func:`mode_coverage`.

    Attributes
    ----------
    modes_captured : int
        Modes that are the nearest mode of at least one high-quality sample.
    num_modes : int
    high_quality : float
        Fraction of samples within ``threshold`` standard deviations of their nearest mode.
    reverse_kl : float
        :math:`\\mathrm{KL}(q \\| u)` between the histogram :math:`q` of nearest modes and the uniform one.
    counts : np.ndarray of shape (num_modes,)
        Samples whose nearest mode is each mode.
    """

    modes_captured: int
    num_modes: int
    high_quality: float
    reverse_kl: float
    counts: np.ndarray


def mode_coverage(samples, modes, std, threshold=3.0) -> ModeCoverage:
    r"""How many modes of a Gaussian mixture a generator covers, and how well.

    The protocol of VEEGAN (Srivastava et al. 2017, arXiv:1705.07761) and PacGAN (Lin et al. 2018,
    arXiv:1712.04086): a sample is *high quality* when it lies within ``threshold`` (3) standard deviations
    of its nearest mode; a mode is *captured* when it is the nearest mode of at least one high-quality
    sample. PacGAN also reports the reverse KL between the histogram :math:`q` of nearest modes (every
    sample assigned to its nearest mode) and the uniform histogram over the :math:`K` modes:

    .. math::
        \mathrm{KL}(q \,\|\, u) = \sum_{k=1}^K q_k \log(K q_k) \in [0, \log K]

    Parameters
    ----------
    samples : array (n, d)
    modes : array (K, d)
    std : float > 0
        Standard deviation of each mixture component.
    threshold : float > 0

    Returns
    -------
    ModeCoverage

    Raises
    ------
    ValueError
        Empty sets, different dimensions, or a non-positive ``std``.

    Examples
    --------
    >>> import numpy as np
    >>> modes = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> mode_coverage(np.array([[0.0, 0.001], [5.0, 5.0]]), modes, std=0.01).modes_captured
    1

    Taught in: 05_gan_game
    """
    samples, modes = _as_2d("samples", samples), _as_2d("modes", modes)
    _same_dim("samples", samples, "modes", modes)
    if not np.isscalar(std) or not std > 0:
        raise ValueError(f"`std` must be a positive number (0.01 for the PacGAN ring); received std={std!r}.")
    if not threshold > 0:
        raise ValueError(f"`threshold` must be positive (3 standard deviations in VEEGAN); received {threshold!r}.")
    dist = np.sqrt(((samples[:, None, :] - modes[None, :, :]) ** 2).sum(-1))  # (n, K)
    nearest = dist.argmin(axis=1)
    high_quality = dist.min(axis=1) <= threshold * std
    counts = np.bincount(nearest, minlength=len(modes))
    q = counts / counts.sum()
    nz = q > 0
    return ModeCoverage(
        modes_captured=int(len(np.unique(nearest[high_quality]))),
        num_modes=len(modes),
        high_quality=float(high_quality.mean()),
        reverse_kl=float(np.sum(q[nz] * np.log(len(modes) * q[nz]))),
        counts=counts,
    )


def frechet_distance(features_a, features_b) -> float:
    r"""Fréchet distance between Gaussians fitted to two sets of features.

    .. math::
        d^2 = \lVert \mu_a - \mu_b \rVert^2 + \mathrm{tr}\big(\Sigma_a + \Sigma_b - 2 (\Sigma_a \Sigma_b)^{1/2}\big)

    With Inception-v3 features of 50,000 images this is the FID of Heusel et al. (2017, arXiv:1706.08500);
    with any other network it is a different number, comparable only with numbers from the same network
    and sample size. Small samples bias it upwards.

    Parameters
    ----------
    features_a, features_b : arrays (n_a, d) and (n_b, d), n >= 2

    Returns
    -------
    float >= 0

    Raises
    ------
    ValueError
        Empty or single-sample sets, or different feature dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 3))
    >>> round(frechet_distance(x, x), 6)
    0.0

    Taught in: 06_gan
    """
    a, b = _as_2d("features_a", features_a), _as_2d("features_b", features_b)
    _same_dim("features_a", a, "features_b", b)
    for name, arr in (("features_a", a), ("features_b", b)):
        if len(arr) < 2:
            raise ValueError(f"`{name}` needs at least 2 samples to estimate a covariance; received {len(arr)}.")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    with warnings.catch_warnings():  # a singular product (e.g. dead features) is handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(cov_a @ cov_b)
    if not np.all(np.isfinite(covmean)):  # nearly singular product: nudge the diagonals, as pytorch-fid does
        offset = np.eye(len(cov_a)) * 1e-6
        covmean = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    covmean = np.real(covmean)  # round-off can leave tiny imaginary parts
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def _pairwise_distances(a, b):
    """Euclidean distances (len(a), len(b)) via |a|^2 + |b|^2 - 2 a.b (no (n, m, d) intermediate)."""
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _kth_neighbour_radii(x, k):
    """Distance from each row of x to its k-th nearest other row."""
    d = _pairwise_distances(x, x)
    np.fill_diagonal(d, 0.0)  # exactly 0 to itself despite round-off
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def _inside_any_ball(points, centres, radii, chunk=1024):
    inside = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), chunk):
        d = _pairwise_distances(points[start:start + chunk], centres)
        inside[start:start + chunk] = (d <= radii[None, :] * (1 + 1e-9)).any(axis=1)  # tolerate round-off
    return inside


def precision_recall(real_features, fake_features, k=3):
    r"""Improved precision and recall with k-nearest-neighbour balls (Kynkäänniemi et al. 2019, arXiv:1904.06991).

    Each real sample gets a ball whose radius is the distance to its ``k``-th nearest real neighbour; their
    union estimates the real manifold. Likewise for generated samples.

    .. math::
        \text{precision} = \frac{1}{M} \sum_{j} \mathbb{1}[\tilde x_j \in \cup_i B(x_i, r_k(x_i))],\qquad
        \text{recall} = \frac{1}{N} \sum_{i} \mathbb{1}[x_i \in \cup_j B(\tilde x_j, r_k(\tilde x_j))]

    Precision: how many samples look real (quality). Recall: how much of the real data the generator
    covers (diversity).

    Parameters
    ----------
    real_features, fake_features : arrays (N, d) and (M, d), each with more than ``k`` rows
    k : int >= 1

    Returns
    -------
    (precision, recall) : tuple of floats in [0, 1]

    Raises
    ------
    ValueError
        Empty sets, different dimensions, or ``k`` not smaller than a set's size.

    Taught in: 06_gan
    """
    real, fake = _as_2d("real_features", real_features), _as_2d("fake_features", fake_features)
    _same_dim("real_features", real, "fake_features", fake)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`k` must be a positive integer (3 in the paper); received k={k!r}.")
    for name, arr in (("real_features", real), ("fake_features", fake)):
        if k >= len(arr):
            raise ValueError(
                f"`k`={k} needs more than k samples in `{name}`, which has {len(arr)}. "
                f"Fix: pass more samples or a smaller k."
            )
    precision = _inside_any_ball(fake, real, _kth_neighbour_radii(real, k)).mean()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radii(fake, k)).mean()
    return float(precision), float(recall)


def class_histogram(labels, num_classes=10):
    r"""Fraction of samples in each class, e.g. of generated digits as the classifier sees them.

    .. math:: h_c = \frac{1}{n} \sum_i \mathbb{1}[y_i = c]

    Parameters
    ----------
    labels : int array (n,), values in [0, num_classes)
    num_classes : int >= 1

    Returns
    -------
    np.ndarray (num_classes,) summing to 1

    Taught in: 06_gan
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"`labels` must be a non-empty 1-D integer array; received dtype {labels.dtype} and shape "
            f"{labels.shape}. Fix: pass predicted classes such as probs.argmax(axis=1)."
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` must lie in [0, {num_classes}); received values from {labels.min()} to {labels.max()}."
        )
    return np.bincount(labels, minlength=num_classes) / len(labels)


def kl_to_uniform(histogram) -> float:
    r"""KL divergence from a class histogram to the uniform distribution over its classes.

    .. math:: \mathrm{KL}(h \,\|\, u) = \sum_c h_c \log(C\, h_c), \qquad 0 \le \mathrm{KL} \le \log C

    0 when every class is equally frequent; :math:`\log C` when one class takes everything (collapse).

    Parameters
    ----------
    histogram : array (C,), non-negative, summing to 1

    Returns
    -------
    float

    Examples
    --------
    >>> round(kl_to_uniform([1.0, 0.0]), 6)  # log 2
    0.693147

    Taught in: 06_gan
    """
    h = np.asarray(histogram, dtype=np.float64)
    if h.ndim != 1 or len(h) == 0 or np.any(h < 0) or not np.isclose(h.sum(), 1.0):
        raise ValueError(
            "`histogram` must be a non-empty 1-D array of non-negative numbers summing to 1; "
            f"received {np.array2string(h, precision=3)}. Fix: use class_histogram(labels)."
        )
    nz = h > 0
    return float(np.sum(h[nz] * np.log(len(h) * h[nz])))


# --- the book's digit classifier: features for the Fréchet distance and precision/recall on digits --------

DIGIT_CLASSIFIER_NAME = "digit_classifier"


def build_digit_classifier(image_shape=(28, 28, 1), num_classes=10, feature_dim=64):
    """A small CNN for 28x28 digits; its ``features`` layer (feature_dim units) feeds the image metrics.

    Taught in: 06_gan
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

    Deterministic for a given seed. Its test accuracy is printed by chapter 06 and by the rebuild script.

    Returns
    -------
    keras.Model, trained

    Taught in: 06_gan
    """
    from vaegan_edu import config, data

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
    """The book's pretrained digit classifier (loaded once, checksum-verified, safe mode).

    It is **not** Inception-v3: Fréchet distances computed with it are not FIDs and must not be compared
    with FIDs in papers (different network, different images, different sample sizes). It is used because
    Inception weights cannot be downloaded offline and were trained on ImageNet photos, not digits.

    Taught in: 06_gan
    """
    from vaegan_edu import weights

    return weights.load_pretrained(DIGIT_CLASSIFIER_NAME)


def _digit_images(images, classifier):
    x = np.asarray(images, dtype=np.float32)
    expected = tuple(classifier.input_shape[1:])
    if x.shape[1:] != expected:
        raise ValueError(
            f"`images` must have shape (n, {', '.join(map(str, expected))}) for the digit classifier; received "
            f"{x.shape}. Fix: add a channel axis with x[..., None] or a batch axis with x[None]."
        )
    if len(x) == 0:
        raise ValueError("`images` is empty; pass at least one image.")
    return x


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

    Taught in: 06_gan
    """
    classifier = classifier or digit_classifier()
    x = _digit_images(images, classifier)
    logits = np.concatenate([keras.ops.convert_to_numpy(classifier(x[i:i + 512])) for i in range(0, len(x), 512)])
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


def digit_features(images, classifier=None):
    """The classifier's penultimate ``features`` layer for each image, array (n, feature_dim).

    Taught in: 06_gan
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

    Taught in: 06_gan
    """
    return frechet_distance(digit_features(images_a, classifier), digit_features(images_b, classifier))


# === VAE (chapters 03-04) ===


def _check_vae_inputs(model, x):
    from vaegan_edu.models.vae import check_images

    return check_images(x, model.image_shape, model.likelihood)


def _vae_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; received {name}={value!r}.")
    return int(value)


def evaluate_elbo(model, x, num_samples=1, batch_size=500, seed=0) -> dict:
    r"""The ELBO of a trained VAE on a data set (e.g. the test set), in nats per image.

    .. math::
        \mathrm{ELBO}(x) = \mathbb E_{q(z\mid x)}[\log p(x\mid z)] - \mathrm{KL}(q(z\mid x)\,\|\,p(z))

    The expectation is a Monte Carlo average over ``num_samples`` draws of :math:`z` per image (NumPy
    noise from ``seed``, so the number is reproducible); the KL is exact.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape)
    num_samples, batch_size : int >= 1
    seed : int

    Returns
    -------
    dict with floats ``elbo``, ``reconstruction`` (:math:`-\mathbb E\log p(x\mid z)`) and ``kl``, means
    over the images, and ``elbo_per_image``, an array of shape (n,).

    Raises
    ------
    ValueError
        For images of the wrong shape or outside [0, 1] with a Bernoulli likelihood.

    Taught in: 03_vae
    """
    from vaegan_edu import losses

    x = _check_vae_inputs(model, x)
    num_samples = _vae_positive_int("num_samples", num_samples)
    rng = np.random.default_rng(seed)
    mu, log_var = model.encode(x, batch_size)  # (n, latent_dim) each
    kl = keras.ops.convert_to_numpy(keras.ops.sum(losses.kl_per_latent(mu, log_var), axis=-1)).astype("float64")
    rec = np.zeros(len(x))
    for _ in range(num_samples):
        z = mu + np.exp(0.5 * log_var) * rng.standard_normal(mu.shape).astype("float32")
        logits = model.decode(z, batch_size, logits=True)
        rec -= keras.ops.convert_to_numpy(
            losses.reconstruction_log_likelihood(x, logits, model.likelihood, model.obs_std)
        )
    rec /= num_samples
    elbo = -(rec + kl)
    return {"elbo": float(elbo.mean()), "reconstruction": float(rec.mean()), "kl": float(kl.mean()),
            "elbo_per_image": elbo}  # fmt: skip


def iwae_log_likelihood(model, x, k=1000, max_rows=8192, batch_size=None, seed=0) -> np.ndarray:
    r"""Importance-weighted estimate of :math:`\log p(x)` for each image (Burda et al., arXiv:1509.00519).

    .. math::
        \mathcal L_K(x) = \log \frac1K \sum_{k=1}^K \frac{p(x\mid z_k)\,p(z_k)}{q(z_k\mid x)},
        \qquad z_k \sim q(z\mid x)

    :math:`\mathcal L_1` is a one-sample ELBO; :math:`\mathbb E[\mathcal L_K]` grows with K towards
    :math:`\log p(x)`, so :math:`\mathcal L_K - \mathrm{ELBO}` measures (a lower bound on) the gap
    :math:`\mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))` of chapter 02. The K samples are processed in chunks
    of at most ``max_rows`` decoder calls, and chunks are combined with a running log-sum-exp, so K = 1,000
    or more fits in memory.

    Parameters
    ----------
    model : vaegan_edu.models.VAE
    x : array of shape (n, *model.image_shape)
    k : int >= 1
        Importance samples per image.
    max_rows : int >= 1
        Largest number of (image, sample) pairs decoded at once (memory ~ max_rows x pixels x 4 bytes).
    batch_size : int or None
        Images per chunk (default: as many as ``max_rows`` allows, at least 1).
    seed : int
        Seed of the NumPy noise.

    Returns
    -------
    array of shape (n,), nats per image

    Raises
    ------
    ValueError
        For a bad ``k`` or images that do not fit the model.

    Taught in: 03_vae
    """
    from vaegan_edu import losses, probability

    x = _check_vae_inputs(model, x)
    k = _vae_positive_int("k", k)
    max_rows = _vae_positive_int("max_rows", max_rows)
    rng = np.random.default_rng(seed)
    mu, log_var = model.encode(x)  # (n, latent_dim) each
    batch_size = batch_size or max(1, max_rows // k)
    chunk = max(1, max_rows // batch_size)  # importance samples decoded per pass
    out = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        xb, mb, lb = x[start:start + batch_size], mu[start:start + batch_size], log_var[start:start + batch_size]
        b = len(xb)
        running = np.full(b, -np.inf)  # log sum_k w_k so far
        for done in range(0, k, chunk):
            c = min(chunk, k - done)
            eps = rng.standard_normal((c, b, model.latent_dim)).astype("float32")
            z = mb + np.exp(0.5 * lb) * eps  # (c, b, latent_dim)
            logits = model.decode(z.reshape(c * b, -1), batch_size=c * b, logits=True)
            x_rep = np.broadcast_to(xb, (c, *xb.shape)).reshape(c * b, *xb.shape[1:])
            log_px_z = keras.ops.convert_to_numpy(
                losses.reconstruction_log_likelihood(x_rep, logits, model.likelihood, model.obs_std)
            ).reshape(c, b)
            log_p_xz = log_px_z + keras.ops.convert_to_numpy(probability.log_standard_normal(z))  # log p(x, z)
            log_q = keras.ops.convert_to_numpy(probability.log_normal(z, mb, lb))  # (c, b)
            # iwae_bound(...) + log(c) is the log-sum-exp of this chunk's weights
            chunk_lse = keras.ops.convert_to_numpy(probability.iwae_bound(log_p_xz.astype("float64"),
                                                                    log_q.astype("float64"))) + np.log(c)
            running = np.logaddexp(running, chunk_lse)
        out[start:start + b] = running - np.log(k)
    return out


def latent_activity(model, x) -> np.ndarray:
    r"""How much each latent's posterior mean moves across the data: :math:`\mathrm{Var}_x(\mathbb E_q[z_j])`.

    .. math::
        A_j = \mathrm{Var}_{x}\big(\mu_j(x)\big)

    Burda et al. (arXiv:1509.00519, section 5.2) call latent :math:`j` *active* when :math:`A_j > 10^{-2}`.

    Returns
    -------
    array of shape (latent_dim,)

    Taught in: 03_vae
    """
    mu, _ = model.encode(_check_vae_inputs(model, x))
    return mu.astype("float64").var(axis=0)


def active_units(model, x, threshold=0.01) -> int:
    r"""Number of active latents, :math:`\#\{j : \mathrm{Var}_x(\mu_j(x)) > \text{threshold}\}`.

    A collapsed latent (posterior equal to the prior for every input) has :math:`\mu_j(x) \approx 0`
    for all :math:`x`, so it is not active. See :func:`latent_activity`.

    Returns
    -------
    int between 0 and ``model.latent_dim``

    Taught in: 03_vae
    """
    return int(np.sum(latent_activity(model, x) > threshold))


def kl_per_dimension(model, x) -> np.ndarray:
    r"""Average KL of each latent coordinate over a data set, in nats.

    .. math::
        \overline{\mathrm{KL}}_j = \frac1n \sum_{i=1}^n -\tfrac12\big(1 + \log\sigma_j^2(x_i)
            - \mu_j(x_i)^2 - \sigma_j^2(x_i)\big)

    The KL term of the ELBO is their sum; a latent with :math:`\overline{\mathrm{KL}}_j \approx 0` is
    unused.

    Returns
    -------
    array of shape (latent_dim,)

    Taught in: 04_vae_interpretability
    """
    from vaegan_edu import losses

    mu, log_var = model.encode(_check_vae_inputs(model, x))
    return keras.ops.convert_to_numpy(losses.kl_per_latent(mu.astype("float64"), log_var.astype("float64"))).mean(0)


def _discretize(values, num_bins):
    """Equal-width histogram bins of a 1-D array (disentanglement_lib's ``_histogram_discretize``)."""
    edges = np.histogram(values, bins=num_bins)[1]
    return np.digitize(values, edges[:-1])


def _factor_codes(values, num_bins):
    """Category codes of a factor: its distinct values if there are at most ``num_bins``, else bins."""
    uniques, codes = np.unique(values, return_inverse=True)
    return codes if len(uniques) <= num_bins else _discretize(values, num_bins)


@dataclasses.dataclass(frozen=True)
class MIGResult:
    """The mutual information gap and the numbers it is made of (see :func:`mutual_information_gap`)."""

    mig: float  # mean over factors of gaps / entropy
    gaps: np.ndarray  # (num_factors,) normalised gap of each factor
    mutual_info: np.ndarray  # (latent_dim, num_factors) I(z_j; v_k) in nats
    entropy: np.ndarray  # (num_factors,) H(v_k) in nats
    best_latent: np.ndarray  # (num_factors,) index of the latent most informative about each factor


def mutual_information_gap(latents, factors, num_bins=20) -> MIGResult:
    r"""The mutual information gap (MIG) of Chen et al. (NeurIPS 2018, arXiv:1802.04942).

    .. math::
        \mathrm{MIG} = \frac1K \sum_{k=1}^K \frac{I(z_{j^{(k)}}; v_k) - \max_{j \ne j^{(k)}} I(z_j; v_k)}{H(v_k)},
        \qquad j^{(k)} = \arg\max_j I(z_j; v_k)

    for latents :math:`z_j` and known factors :math:`v_k`. 1 means each factor is captured by one latent
    alone; 0 means no latent is more informative about a factor than the runner-up.

    **Estimator** (the one of disentanglement_lib, Locatello et al. ICML 2019, not Chen et al.'s
    sampling estimator): each latent (use the posterior means) is discretised into ``num_bins``
    equal-width bins; a factor with at most ``num_bins`` distinct values keeps them as categories, a
    continuous one is binned the same way; mutual information and entropy are the plug-in estimates of
    the discrete joint histogram (:func:`sklearn.metrics.mutual_info_score`). Plug-in MI is biased upwards
    for small samples, so use a few thousand points.

    Parameters
    ----------
    latents : array of shape (n, latent_dim), latent_dim >= 2
    factors : array of shape (n, num_factors)
    num_bins : int >= 2

    Returns
    -------
    MIGResult

    Raises
    ------
    ValueError
        For mismatched lengths, fewer than 2 latents, or a constant factor (zero entropy).

    Taught in: 04_vae_interpretability
    """
    from sklearn.metrics import mutual_info_score

    latents = np.asarray(latents, dtype="float64")
    factors = np.asarray(factors, dtype="float64")
    if latents.ndim != 2 or factors.ndim != 2 or len(latents) != len(factors):
        raise ValueError(
            f"`latents` (n, latent_dim) and `factors` (n, num_factors) must be 2-D with the same n; received "
            f"shapes {latents.shape} and {factors.shape}. Fix: pass `mu` from `model.encode(x)` and the "
            f"matching `factors_test`."
        )
    if latents.shape[1] < 2:
        raise ValueError(f"MIG compares the best latent with the runner-up, so it needs >= 2 latents; "
                         f"received latent_dim={latents.shape[1]}.")  # fmt: skip
    num_bins = _vae_positive_int("num_bins", num_bins)
    z_codes = [_discretize(latents[:, j], num_bins) for j in range(latents.shape[1])]
    v_codes = [_factor_codes(factors[:, k], num_bins) for k in range(factors.shape[1])]
    mi = np.array([[mutual_info_score(v, z) for v in v_codes] for z in z_codes])  # (latent_dim, K)
    entropy = np.array([mutual_info_score(v, v) for v in v_codes])
    if np.any(entropy <= 0):
        raise ValueError(f"Factor(s) {np.flatnonzero(entropy <= 0).tolist()} are constant (zero entropy); "
                         f"drop them from `factors` before computing MIG.")  # fmt: skip
    top2 = np.sort(mi, axis=0)[::-1][:2]  # (2, K)
    gaps = (top2[0] - top2[1]) / entropy
    return MIGResult(float(gaps.mean()), gaps, mi, entropy, np.argmax(mi, axis=0))



# === VAE against GAN (chapter 07) ===


def discriminator_saliency(gan, x) -> np.ndarray:
    r"""Input-gradient saliency of a GAN's discriminator: how strongly each pixel moves its logit.

    .. math:: S_i(x) = \left|\frac{\partial\, \ell_D(x)}{\partial x_i}\right|

    where :math:`\ell_D(x)` is the discriminator's logit (its score before the sigmoid). Bright pixels are
    those where a small change of ink would change the verdict most: what the discriminator "looks at".
    A gradient map shows sensitivity, not reasons: it is a first look, not an explanation. A packed
    discriminator judges each image packed with copies of itself, as
    :meth:`vaegan_edu.models.GAN.discriminate` does. Uses :func:`vaegan_edu.training.input_gradient`, so
    it runs on the TensorFlow and PyTorch backends.

    Parameters
    ----------
    gan : vaegan_edu.models.GAN (unconditional) on images
    x : array (n, height, width, channels), the images to explain

    Returns
    -------
    float32 array (n, height, width, channels), non-negative

    Raises
    ------
    ValueError
        Images of the wrong shape, or a conditional GAN.

    Taught in: 08_student_questions
    """
    from vaegan_edu import training

    x = np.asarray(x, dtype="float32")
    if x.ndim != 4 or x.shape[1:] != tuple(gan.data_shape):
        raise ValueError(
            f"`x` must have shape (n, {', '.join(map(str, gan.data_shape))}) for this GAN's discriminator; "
            f"received shape {x.shape}. Fix: add a batch axis with x[None] or a channel axis with x[..., None]."
        )
    if gan.num_classes:
        raise ValueError("discriminator_saliency explains unconditional GANs; this one is conditional on labels.")

    def logits(images):
        packed = keras.ops.concatenate([images] * gan.pack, axis=-1) if gan.pack > 1 else images
        return gan.discriminator(packed, training=False)  # (n, 1)

    grads = training.input_gradient(logits, x)
    return np.abs(keras.ops.convert_to_numpy(grads)).astype("float32")

"""Scores of generated samples that need no network: mode coverage on 2-D mixtures, the Fréchet distance and
improved precision/recall between two sets of feature vectors, class histograms and their KL to uniform, and
the nearest-training-image check for memorisation.

Everything runs outside the model graph on NumPy/SciPy arrays; which features to feed in (the book's digit
classifier, :mod:`vaegan_edu.metrics.digits`) is the caller's choice.

Taught in: 07_mode_collapse, 08_gan, 09_vae_vs_gan
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy import linalg

from vaegan_edu.validation import as_float_array, check_image_batch, check_positive_number

def _as_2d(name, values):
    """A float64 array (n, d) with n >= 1, or a clear error."""
    arr = as_float_array(name, values, "float64")
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

    Taught in: 07_mode_collapse
    """
    samples, modes = _as_2d("samples", samples), _as_2d("modes", modes)
    _same_dim("samples", samples, "modes", modes)
    std = check_positive_number("std", std, "0.01 (the PacGAN ring)")
    threshold = check_positive_number("threshold", threshold, "3.0 (standard deviations, as in VEEGAN)")
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

    Taught in: 08_gan
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

    Taught in: 08_gan
    """
    real, fake = _as_2d("real_features", real_features), _as_2d("fake_features", fake_features)
    _same_dim("real_features", real, "fake_features", fake)
    k = _check_neighbours(k, [("real_features", real), ("fake_features", fake)], paper_k=3)
    precision = _inside_any_ball(fake, real, _kth_neighbour_radii(real, k)).mean()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radii(fake, k)).mean()
    return float(precision), float(recall)


def _check_neighbours(k, sets, paper_k):
    """``k`` as an int, checked against the sizes of the named feature sets ``[(name, array), ...]``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`k` must be a positive integer ({paper_k} in the paper); received k={k!r}.")
    for name, arr in sets:
        if k >= len(arr):
            raise ValueError(
                f"`k`={k} needs more than k samples in `{name}`, which has {len(arr)}. "
                f"Fix: pass more samples or a smaller k."
            )
    return int(k)


def _ball_counts(fake, real, radii, chunk=1024):
    """(M, N) boolean matrix, True where fake sample j lies in real ball i, built in row chunks."""
    inside = np.zeros((len(fake), len(real)), dtype=bool)
    for start in range(0, len(fake), chunk):
        d = _pairwise_distances(fake[start : start + chunk], real)
        inside[start : start + chunk] = d <= radii[None, :] * (1 + 1e-9)  # tolerate round-off, as precision does
    return inside


def density_coverage(real_features, fake_features, k=5):
    r"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative Models",
    arXiv:2002.09797).

    With the real k-NN balls :math:`B(x_i, r_k(x_i))` of :func:`precision_recall`, *density* counts how many
    balls contain each sample (not only whether one does), and *coverage* how many real balls contain at least
    one sample:

    .. math::
        \text{density} = \frac{1}{kM} \sum_{j=1}^{M} \sum_{i=1}^{N} \mathbb{1}[\tilde x_j \in B(x_i, r_k(x_i))],
        \qquad
        \text{coverage} = \frac{1}{N} \sum_{i=1}^{N} \mathbb{1}[\exists j : \tilde x_j \in B(x_i, r_k(x_i))]

    A new sample from the real distribution lies in about :math:`k` balls, so density is about 1 for real
    data (a set compared with *itself* gives exactly :math:`(k+1)/k`: each ball holds its centre and its
    :math:`k` neighbours); it is unbounded above (samples crowded where real data is dense). Coverage is in
    [0, 1]. Both use only the real balls, so an outlier among the samples cannot inflate them the way it
    inflates recall.

    Parameters
    ----------
    real_features, fake_features : arrays (N, d) and (M, d); ``real_features`` with more than ``k`` rows
    k : int >= 1
        5 in the paper.

    Returns
    -------
    (density, coverage) : floats, density >= 0, coverage in [0, 1]

    Raises
    ------
    ValueError
        Empty sets, different dimensions, or ``k`` not smaller than the real set's size.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 2))
    >>> density_coverage(x, x, k=5)  # each ball holds its centre and 5 neighbours: density (5 + 1) / 5
    (1.2, 1.0)

    Taught in: (not yet in a chapter: a candidate of the dose-response study, :mod:`vaegan_edu.metrics.dose_response`)
    """
    real, fake = _as_2d("real_features", real_features), _as_2d("fake_features", fake_features)
    _same_dim("real_features", real, "fake_features", fake)
    k = _check_neighbours(k, [("real_features", real)], paper_k=5)
    inside = _ball_counts(fake, real, _kth_neighbour_radii(real, k))  # (M, N)
    return float(inside.sum() / (k * len(fake))), float(inside.any(axis=0).mean())


REALISM_PRUNE_QUANTILE = 0.5  # realism keeps the real balls up to the median radius (the paper's clamp at 50 %)


def _check_prune_quantile(value):
    """A number in (0, 1], or a clear error."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not number or not 0.0 < value <= 1.0:
        raise ValueError(
            "`prune_quantile` must be a number in (0, 1] (0.5 in the paper, 1 keeps every real ball); "
            f"received prune_quantile={value!r}."
        )


def realism_scores(real_features, fake_features, k=3, prune_quantile=REALISM_PRUNE_QUANTILE) -> np.ndarray:
    r"""The realism score of each sample (Kynkäänniemi et al. 2019, arXiv:1904.06991, section 5).

    .. math::
        R(\tilde x) = \max_{i \,:\, r_k(x_i) \le q} \frac{r_k(x_i)}{\lVert \tilde x - x_i \rVert_2},
        \qquad q = \text{the } \texttt{prune\_quantile}\text{-quantile of } \{r_k(x_i)\}

    :math:`r_k(x_i)` is the distance from real sample :math:`x_i` to its ``k``-th nearest real neighbour, as
    in :func:`precision_recall`. :math:`R \ge 1` exactly when the sample lies inside one of the kept real balls
    (precision's test); below 1, :math:`1/R` says how many ball radii the sample is from the nearest kept real
    ball, so :math:`R` falls *continuously* as a sample moves away from real data, where precision's indicator
    jumps from 1 to 0. The paper drops the balls with the largest radii (``prune_quantile`` 0.5: above the
    median), because an outlier's large ball would call nearby bad samples real; ``prune_quantile=1`` keeps
    every ball.

    Parameters
    ----------
    real_features, fake_features : arrays (N, d) and (M, d); ``real_features`` with more than ``k`` rows
    k : int >= 1
        3 in the paper.
    prune_quantile : float in (0, 1]

    Returns
    -------
    float64 array (M,), values >= 0, unbounded: a sample on a kept ball's centre gets a huge value (or ``inf``)

    Raises
    ------
    ValueError
        Empty sets, different dimensions, ``k`` not smaller than the real set, ``prune_quantile`` outside (0, 1].

    Taught in: (not yet in a chapter: a candidate of the dose-response study, :mod:`vaegan_edu.metrics.dose_response`)
    """
    real, fake = _as_2d("real_features", real_features), _as_2d("fake_features", fake_features)
    _same_dim("real_features", real, "fake_features", fake)
    k = _check_neighbours(k, [("real_features", real)], paper_k=3)
    _check_prune_quantile(prune_quantile)
    radii = _kth_neighbour_radii(real, k)
    kept = radii <= np.quantile(radii, prune_quantile)
    centres, radii = real[kept], radii[kept]
    scores = np.empty(len(fake))
    for start in range(0, len(fake), 1024):
        d = _pairwise_distances(fake[start : start + 1024], centres)  # (chunk, kept)
        with np.errstate(divide="ignore"):  # a sample on a ball's centre is infinitely real
            scores[start : start + 1024] = np.max(radii[None, :] / d, axis=1)
    return scores


def realism(real_features, fake_features, k=3, prune_quantile=REALISM_PRUNE_QUANTILE) -> float:
    r"""How real a set of samples looks, on a graded scale: the mean realism score, capped at 1.

    .. math::
        \text{realism} = \frac{1}{M} \sum_{j=1}^{M} \min\big(1, R(\tilde x_j)\big) \in [0, 1]

    with :math:`R` the realism score of Kynkäänniemi et al. 2019 (:func:`realism_scores`). A sample inside a
    kept real ball counts 1, as in precision; a sample outside counts
    :math:`r_k(x_i) / \lVert\tilde x - x_i\rVert` for its most favourable real neighbour, so a sample twice as
    far from real data as the balls reach counts 1/2 instead of 0. The cap stops a sample from earning more than 1
    for sitting on a real image (which would reward copying). With every ball kept (``prune_quantile=1``),
    precision is this score with each :math:`\min(1, R)` rounded down to 0 or 1.

    Why it is graded where precision is not: in high dimension the k-NN balls are barely larger than the
    distance to the nearest real neighbour (:math:`r_3 / r_1 \approx 1.08` in the perceptual space, median over
    1,000 held-out digits), so a shift of a few per cent of that distance moves every sample out of every ball
    at once and precision falls from 0.86 to 0. The ratio in :math:`R` shrinks smoothly with the same shift.
    (The summary, the mean of the capped score, is ours; the paper reports :math:`R` per sample.)

    Parameters
    ----------
    real_features, fake_features : arrays (N, d) and (M, d); ``real_features`` with more than ``k`` rows
    k : int >= 1
    prune_quantile : float in (0, 1]

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(200, 4))
    >>> realism(x, x, prune_quantile=1.0)  # every sample is a real ball's centre
    1.0
    >>> realism(x, x + 100.0) < 0.05  # far from every real sample
    True

    Taught in: 08_gan (the column "realism (perceptual)" of the degradation suite's table)
    """
    scores = realism_scores(real_features, fake_features, k=k, prune_quantile=prune_quantile)
    return float(np.minimum(scores, 1.0).mean())


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

    Taught in: 08_gan
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

    Taught in: 08_gan
    """
    h = np.asarray(histogram, dtype=np.float64)
    if h.ndim != 1 or len(h) == 0 or np.any(h < 0) or not np.isclose(h.sum(), 1.0):
        raise ValueError(
            "`histogram` must be a non-empty 1-D array of non-negative numbers summing to 1; "
            f"received {np.array2string(h, precision=3)}. Fix: use class_histogram(labels)."
        )
    nz = h > 0
    return float(np.sum(h[nz] * np.log(len(h) * h[nz])))


def nearest_training_images(samples, x_train):
    r"""For each sample, its nearest training image in pixel space and the Euclidean distance to it.

    .. math:: j^*(i) = \arg\min_j \lVert s_i - x_j \rVert_2, \qquad d_i = \lVert s_i - x_{j^*(i)} \rVert_2

    A model that memorises produces samples at distance near 0 from some training image. To judge a
    distance, compare with held-out *test* images, which no model has seen: their distances to the
    training set are what "new but typical" looks like.

    Parameters
    ----------
    samples : array (n, height, width, channels)
    x_train : array (m, height, width, channels), same image shape

    Returns
    -------
    (indices, distances) : int64 (n,) and float64 (n,)

    Taught in: 09_vae_vs_gan
    """
    from sklearn.neighbors import NearestNeighbors

    x_train = check_image_batch("x_train", x_train)
    samples = check_image_batch("samples", samples, x_train.shape[1:])
    search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(x_train.reshape(len(x_train), -1))
    distances, indices = search.kneighbors(samples.reshape(len(samples), -1))
    return indices[:, 0].astype("int64"), distances[:, 0].astype("float64")


def memorisation_threshold(x_train, x_heldout, quantile: float = 0.01) -> float:
    r"""The distance to the nearest training image below which only ``quantile`` of held-out real images lie:
    :math:`q`, the ``quantile``-quantile of :math:`\{d(x) : x \in \text{held-out}\}` with
    :math:`d(x) = \min_j \lVert x - x_j^\text{train}\rVert_2`. Compute it once to score many sets of samples
    (:func:`memorised_fraction`'s ``threshold``).

    Taught in: 08_gan
    """
    if not 0.0 < float(quantile) < 1.0:
        raise ValueError(f"`quantile` must be in (0, 1); received {quantile!r}. Fix: e.g. quantile=0.01.")
    _, heldout = nearest_training_images(x_heldout, x_train)
    return float(np.quantile(heldout, quantile))


def memorised_fraction(samples, x_train, x_heldout=None, quantile: float = 0.01, threshold: float | None = None):
    r"""The share of samples closer to their nearest training image than all but ``quantile`` of held-out
    real images are to theirs: a nearest-neighbour check for memorisation.

    .. math:: \frac{1}{n}\sum_i \mathbb{1}\big[d(s_i) < q\big], \qquad
              q = \text{the } \texttt{quantile}\text{-quantile of } \{d(x) : x \in \text{held-out}\},
              \quad d(x) = \min_j \lVert x - x_j^\text{train}\rVert_2

    New images drawn like the held-out ones score about ``quantile`` (0.01); copies of training images score
    1. FD, precision and recall cannot see memorisation: copied training images *are* real digits.

    Parameters
    ----------
    samples, x_heldout : arrays (n, height, width, channels), same shape as the training images
    x_train : array (m, height, width, channels)
    quantile : float in (0, 1)
    threshold : float or None
        :math:`q` computed beforehand by :func:`memorisation_threshold` (then pass no ``x_heldout``): the
        held-out search is the costly half, the same for every set of samples scored against one held-out set.

    Taught in: 08_gan, 09_vae_vs_gan
    """
    if (x_heldout is None) == (threshold is None):
        raise ValueError("Pass exactly one of `x_heldout` (held-out real images) and `threshold` (from "
                         "memorisation_threshold); received "
                         f"{'neither' if x_heldout is None else 'both'}.")  # fmt: skip
    if threshold is None:
        threshold = memorisation_threshold(x_train, x_heldout, quantile)
    _, distances = nearest_training_images(samples, x_train)
    return float(np.mean(distances < threshold))

"""VAE explorers, headless: set the controls, check the decoded state against the model's pure functions."""

import numpy as np
import pytest

import vaegan_edu as ve
from vaegan_edu import plots, widgets
from vaegan_edu.models import VAE


@pytest.fixture(scope="module")
def digits():
    return ve.data.load("digits8", num_test=40)


def test_latent_explorer_decodes_the_slider_values(digits):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0)
    explorer = widgets.LatentExplorer(vae, digits.x_test, digits.y_test, span=2.0)
    assert len(explorer.sliders) == 2 and explorer.sliders[0].max == 2.0
    np.testing.assert_allclose(explorer.image, vae.decode(np.zeros((1, 2)))[0])
    explorer.sliders[0].value = 1.5
    explorer.sliders[1].value = -0.5
    np.testing.assert_allclose(explorer.z, [1.5, -0.5])
    np.testing.assert_allclose(explorer.image, vae.decode(np.array([[1.5, -0.5]]))[0])
    np.testing.assert_allclose(explorer._marker.get_xdata(), [1.5])  # the cross on the latent map moved


def test_latent_explorer_caps_sliders_and_checks_span():
    vae = VAE(image_shape=(8, 8, 1), latent_dim=10, seed=0)
    assert len(widgets.LatentExplorer(vae, max_sliders=4).sliders) == 4
    with pytest.raises(ValueError, match="span"):
        widgets.LatentExplorer(vae, span=0)


def test_traversal_explorer_changes_only_the_chosen_latent(digits):
    vae = VAE(image_shape=(8, 8, 1), latent_dim=3, seed=0)
    x = digits.x_test[:10]
    explorer = widgets.TraversalExplorer(vae, x, span=3.0)
    mu, _ = vae.encode(x)
    explorer.index.value = 4
    explorer.latent.value = 2
    np.testing.assert_allclose(explorer.z, mu[4], rtol=1e-6)  # picking starts at the image's own code
    explorer.value.value = 2.5
    expected = plots.traversal_z(mu[4], [2.5]).reshape(3, 3)[2]
    np.testing.assert_allclose(explorer.z, expected, rtol=1e-6)
    np.testing.assert_allclose(explorer.image, vae.decode(expected[None])[0], rtol=1e-6)
    np.testing.assert_allclose(explorer.kl, ve.metrics.kl_per_dimension(vae, x))

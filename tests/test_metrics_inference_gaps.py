"""inference_gaps: the gap log p(x) - ELBO split into approximation and amortisation (Cremer et al. 2018)."""

import numpy as np
import pytest

import vaegan_edu as ve


@pytest.fixture(scope="module")
def vae_and_images():
    ve.config.set_seed(0)
    data = ve.data.load("glyphs", seed=0, num_train=256, num_test=32)
    model = ve.models.VAE(image_shape=data.image_shape, latent_dim=2, seed=0)
    model.compile(optimizer="adam")
    model.fit(data.x_train, epochs=1, batch_size=64, verbose=0)
    return model, data.x_test[:16]


def test_gaps_add_up_and_the_optimised_q_is_no_worse(vae_and_images):
    model, x = vae_and_images
    before = [w.copy() for w in model.decoder.get_weights()]
    gaps = ve.metrics.likelihood.inference_gaps(model, x, steps=50, num_samples=50, k=200, seed=0)
    for name in ("log_px", "elbo_encoder", "elbo_optimal", "approximation", "amortisation"):
        assert gaps[name].shape == (16,)
    np.testing.assert_allclose(gaps["approximation"] + gaps["amortisation"],
                               gaps["log_px"] - gaps["elbo_encoder"], rtol=1e-9, atol=1e-9)
    assert gaps["amortisation"].mean() > 0  # per-image q beats the encoder's on average
    assert model.decoder.trainable  # restored
    for w, w0 in zip(model.decoder.get_weights(), before):
        np.testing.assert_array_equal(w, w0)  # the decoder is frozen while q trains


def test_refuses_other_likelihoods(vae_and_images):
    model, x = vae_and_images
    gaussian = ve.models.VAE(image_shape=model.image_shape, latent_dim=2, likelihood="gaussian", seed=0)
    with pytest.raises(ValueError, match="Bernoulli"):
        ve.metrics.likelihood.inference_gaps(gaussian, x, steps=1)

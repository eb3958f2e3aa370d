"""The book's Keras models: the VAE and its building blocks (chapters 03-05), the GANs (chapters 06-08), and
the factories that build them compiled with the book's settings.

Everything public is re-exported here: ``ve.models.VAE``, ``ve.models.Sampling``, ``ve.models.make_dcgan`` ...
Imports point down only: ``factories`` -> ``gan`` -> ``gan_steps``; ``factories`` -> ``vae`` -> ``blocks``.
"""

from vaegan_edu.models.blocks import Sampling, build_decoder, build_encoder
from vaegan_edu.models.vae import VAE, check_images
from vaegan_edu.models.gan import (
    GAN, dcgan_discriminator, dcgan_encoder, dcgan_generator, decision_surface, generator_sample_gradients, mlp_discriminator,
    mlp_generator, pack_samples,
)  # fmt: skip
from vaegan_edu.models.gan_steps import input_gradient
from vaegan_edu.models.factories import (
    DCGAN_BETA_1, DCGAN_LATENT_DIM, DCGAN_LEARNING_RATE, DCGAN_WIDTH, GAN_2D_BATCH_SIZE, GAN_2D_BETA_1,
    GAN_2D_LEARNING_RATE, TWIN_VAE_LEARNING_RATE, make_dcgan,
    make_gan_2d, make_gan_variant, make_twin_vae, make_twins,
)  # fmt: skip

__all__ = ["VAE", "Sampling", "build_decoder", "build_encoder", "check_images"]
__all__ += ["GAN", "dcgan_discriminator", "dcgan_encoder", "dcgan_generator", "decision_surface", "generator_sample_gradients",
            "input_gradient", "mlp_discriminator", "mlp_generator", "pack_samples"]  # fmt: skip
__all__ += ["DCGAN_BETA_1", "DCGAN_LATENT_DIM", "DCGAN_LEARNING_RATE", "DCGAN_WIDTH", "GAN_2D_BATCH_SIZE", "GAN_2D_BETA_1",
            "GAN_2D_LEARNING_RATE", "TWIN_VAE_LEARNING_RATE",
            "make_dcgan", "make_gan_2d", "make_gan_variant", "make_twin_vae", "make_twins"]  # fmt: skip

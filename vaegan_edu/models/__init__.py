"""The book's Keras models: the VAE and its building blocks (chapters 03-04), the GANs (chapters 05-06).

Everything public is re-exported here: ``ve.models.VAE``, ``ve.models.Sampling``,
``ve.models.build_encoder`` ...
"""

from vaegan_edu.models.blocks import Sampling, build_decoder, build_encoder
from vaegan_edu.models.vae import VAE, check_images
from vaegan_edu.models.gan import GAN, dcgan_discriminator, dcgan_generator, decision_surface, mlp_discriminator, mlp_generator, pack_samples

__all__ = ["VAE", "Sampling", "build_decoder", "build_encoder", "check_images"]
__all__ += ["GAN", "dcgan_discriminator", "dcgan_generator", "decision_surface", "mlp_discriminator", "mlp_generator", "pack_samples"]

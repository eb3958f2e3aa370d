"""The book's Keras models: the VAE and its building blocks (chapters 03-04), the GANs (chapters 05-06).

Everything public is re-exported here: ``ve.models.VAE``, ``ve.models.Sampling``,
``ve.models.build_encoder`` ...
"""

from vaegan_edu.models.blocks import Sampling, build_decoder, build_encoder
from vaegan_edu.models.vae import VAE, check_images

__all__ = ["VAE", "Sampling", "build_decoder", "build_encoder", "check_images"]

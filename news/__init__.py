"""Kabar's shared core: reading, cleaning, language detection, sentence splitting and the pipeline."""

__version__ = "0.1.0"

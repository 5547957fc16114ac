"""The article: reading inputs, cleaning boilerplate, language detection, sentence splitting, errors and settings.

Imports nothing else of Kabar's: every other layer builds on this one.
"""

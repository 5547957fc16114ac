"""Kabar's server: a Gradio app and a REST API (LibreTranslate-compatible) in one FastAPI process."""

"""Extractive summaries for Indonesian and English news: algorithms rate sentences, one helper picks them."""

from summarize.base import Summarizer, select
from summarize.lead import Lead
from summarize.textrank import TextRank

SUMMARIZERS = {"textrank": TextRank, "lead": Lead}

__all__ = ["SUMMARIZERS", "Lead", "Summarizer", "TextRank", "select"]

"""Extractive summaries for Indonesian and English news: algorithms rate sentences, one helper picks them."""

from summarize.base import Summarizer, choose, select
from summarize.lead import Lead
from summarize.learned import Learned
from summarize.textrank import TextRank

SUMMARIZERS = {"learned": Learned, "textrank": TextRank, "lead": Lead}

__all__ = ["SUMMARIZERS", "Lead", "Learned", "Summarizer", "TextRank", "choose", "select"]

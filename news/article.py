"""One article's text as Kabar reads it: cleaned, then split into the sentences it translates and summarizes."""
from __future__ import annotations

from news.clean import Cleaned, clean
from news.split import split_paragraphs


def clean_and_split(text: str, *, title: str | None = None) -> tuple[Cleaned, list[str]]:
    """The cleaned article and the sentences Kabar translates and summarizes, as in the pipeline."""
    cleaned = clean(text, title=title)
    return cleaned, [s for _, s in split_paragraphs(cleaned.paragraphs)]

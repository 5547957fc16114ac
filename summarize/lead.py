"""LEAD: the first sentences of a news story, the classic baseline."""
from __future__ import annotations

from collections.abc import Sequence


class Lead:
    """Rate sentences by position only: the first sentence scores highest."""

    name = "lead"
    label = "lead sentences"  # what the UI lists it as

    def rank(self, sentences: Sequence[str], lang: str) -> list[float]:
        """Scores decreasing with position."""
        return [float(len(sentences) - i) for i in range(len(sentences))]

"""What the model and its caches did, as Prometheus metrics (``kabar serve --metrics`` serves them at /metrics).

The metrics are made where the work happens (the engines, the caches, the memory, the glossary) and live in
prometheus-client's default registry; counting costs a lock and an addition, so they are always on, and
``kabar run`` counts too (nothing is served there). Labels take only fixed words: no text a client sent ever
becomes part of a metric. With ``PROMETHEUS_MULTIPROC_DIR`` set before Kabar starts, prometheus-client keeps
the values in files there and /metrics adds up every process's (its multi-process mode).
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

disable_created_metrics()  # no *_created series: half the page, and nothing Prometheus queries use

# Batches are up to the engine's max_batch_size (32 by default); requests are grouped up to 64 sentences.
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

MODEL_CALLS = Counter("kabar_model_calls", "Calls to the translation model, by kind of decoding", ["kind"])
MODEL_SECONDS = Histogram("kabar_model_seconds", "Seconds of one call to the translation model", ["kind"],
                          buckets=SECONDS_BUCKETS)
MODEL_BATCH = Histogram("kabar_model_batch_size", "Segments in one batch decoded by the model",
                        buckets=SIZE_BUCKETS)
SEGMENTS = Counter("kabar_segments_translated", "Sentences (or pieces of over-long ones) decoded by the model")
INPUT_TOKENS = Counter("kabar_input_tokens", "Source tokens read by the model")
INPUT_CHARS = Counter("kabar_input_characters", "Source characters read by the model")
SENTENCE_CACHE = Counter("kabar_sentence_cache_lookups", "Sentences looked up in the sentence cache",
                         ["result"])  # hit / miss
MEMORY = Counter("kabar_memory_lookups", "Sentences looked up in the translation memory before translating",
                 ["result"])  # hit / miss
GLOSSARY = Counter("kabar_glossary_redecodes", "Sentences whose glossary terms needed a second decode",
                   ["result"])  # redecoded / skipped (too long, or over the work budget)

REJECTED = Counter("kabar_rejected", "Requests refused or stopped by a limit", ["reason"])
# the reasons REJECTED carries (anything else is counted as "other")
REASONS = frozenset(("too-large", "budget", "busy", "in-flight", "deadline", "body-timeout"))


def reject(reason: str) -> None:
    """Count one request refused or stopped for ``reason`` (one of :data:`REASONS`)."""
    REJECTED.labels(reason=reason if reason in REASONS else "other").inc()


def count_lookups(counter: Counter, asked: int, found: int) -> None:
    """Add ``found`` hits and ``asked - found`` misses to a lookup counter."""
    if found:
        counter.labels(result="hit").inc(found)
    if asked - found:
        counter.labels(result="miss").inc(asked - found)

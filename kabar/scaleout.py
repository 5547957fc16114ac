"""Running a batch on Ray Data: the same pipeline in N actors, results written by the driver.

``kabar run INPUT --out DIR --ray`` starts a local Ray instance; ``--ray ray://HOST:10001``
(or ``--ray auto`` on a cluster node) uses an existing cluster. Each actor loads the model once and
processes batches of articles with :class:`kabar.pipeline.Pipeline`; results come back as JSON and
the driver appends them to results.jsonl, so the output is the same as a local run's (order aside).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from kabar.pipeline import Result
from news.errors import ConfigError
from news.read import Document

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACTORS = 2
DEFAULT_BATCH = 8
# What travels to the actors of each document ("" stands for None: Ray's numpy batches hold strings)
DOC_FIELDS = ("id", "source", "text", "title", "error", "url", "date", "author", "outlet")


class PipelineActor:
    """A Ray actor: one pipeline (one model in memory) that turns batches of documents into results."""

    def __init__(self, settings: dict):
        from kabar.assemble import make_pipeline

        self.pipeline = make_pipeline(settings)

    def __call__(self, batch: dict) -> dict:
        docs = [Document(**{name: (None if str(batch[name][k]) == "" and name not in ("id", "source", "text")
                                   else str(batch[name][k])) for name in DOC_FIELDS})
                for k in range(len(batch["id"]))]
        return {"result": [json.dumps(r.to_dict(), ensure_ascii=False) for r in self.pipeline.process_many(docs)]}


def _init(address: str | None) -> None:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray needs Ray Data: pip install 'ray[data]'") from exc
    if ray.is_initialized():
        return
    import signal

    # Ray installs its own SIGINT/SIGTERM handlers on init; a process that goes on after the run (a test, a
    # notebook) must get its own back, or a later SIGTERM ends it with Ray's SystemExit
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _start(ray, address)
    finally:
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)


def _start(ray, address: str | None) -> None:
    if address in (None, "", "local"):
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        ray.init(include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    else:  # ship this checkout to the cluster's workers
        ray.init(address=address, log_to_driver=False,
                 runtime_env={"working_dir": str(PROJECT_ROOT), "excludes": [".git", "out", "*.sqlite"]})


def run_on_ray(docs: Iterable[Document], settings: dict, *, address: str | None = None,
               actors: int = DEFAULT_ACTORS, batch_size: int = DEFAULT_BATCH) -> Iterator[Result]:
    """Process ``docs`` on Ray Data with ``actors`` pipeline actors; yields results as they arrive."""
    _init(address)
    import ray.data

    items = [{name: getattr(d, name) or "" for name in DOC_FIELDS} for d in docs]
    if not items:
        return
    threads = max(1, (os.cpu_count() or 1) // actors)
    dataset = ray.data.from_items(items).map_batches(
        PipelineActor, fn_constructor_args=(dict(settings, threads=threads),), batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1, batch_format="numpy")
    for row in dataset.iter_rows():
        yield Result.from_dict(json.loads(row["result"]))

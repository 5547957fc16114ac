"""``python -m summarize train`` (or ``python -m summarize.train``): rebuild the learned summary model from IndoSum (fixed seed, same file).

    python -m summarize train [--data ../shared/data] [--out summarize/models/indosum-gbdt.json]

Training data: ``indosum_train.jsonl`` and ``indosum_other.jsonl`` (3,175 non-ANTARA articles, CC BY-SA
4.0); ``antara_indosum.jsonl`` is never read here. Each article is cleaned and split exactly as Kabar
does; a sentence's label is whether the greedy ROUGE oracle (ROUGE-1 + ROUGE-2 F1 against the human
summary, at most 5 sentences) picks it. LightGBM (a training-only dependency: ``pip install lightgbm``)
fits binary trees over :data:`summarize.features.FEATURES`; the trees are written as JSON for the
NumPy scorer in :mod:`summarize.learned`. The summary's word budget is the one of :data:`BUDGETS` with the
best mean ROUGE-1/2/L over five-fold cross-validation (with ``--folds 0``: the median human summary length);
the cross-validation scores are printed and stored in the model file.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from news import config
from summarize.features import FEATURES, sentence_features
from summarize.learned import MODEL_PATH, Learned, Trees
from summarize.oracle import greedy_oracle

SEED = 20261124
TRAIN_FILES = ("indosum_train.jsonl", "indosum_other.jsonl")
MAX_SENTENCES = 60  # per article: later sentences are almost never in a news summary
PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 40,
          "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
          "deterministic": True, "force_row_wise": True, "num_threads": 1}
ROUNDS = 200
BUDGETS = tuple(range(50, 76, 2))  # summary word budgets tried by cross-validation (human summaries: 57.6 ± 3.8)


def load_articles(path: Path) -> list[tuple[list[str], str]]:
    """(sentences as Kabar splits them, human summary) for each article with text."""
    from news.article import clean_and_split

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        sentences = clean_and_split(record["text"])[1][:MAX_SENTENCES]
        if sentences:
            out.append((sentences, record["summary"]))
    return out


def _flatten(node: dict, arrays: dict, level: int) -> tuple[int, int]:
    """Append ``node`` and its subtree to ``arrays``; returns (its index, the subtree's deepest level)."""
    index = len(arrays["feature"])
    for key in arrays:
        arrays[key].append(0)
    if "split_feature" not in node:  # a leaf points to itself
        arrays["left"][index] = arrays["right"][index] = index
        arrays["value"][index] = float(node.get("leaf_value", 0.0))
        return index, level
    arrays["feature"][index] = int(node["split_feature"])
    arrays["threshold"][index] = float(node["threshold"])
    arrays["left"][index], left_depth = _flatten(node["left_child"], arrays, level + 1)
    arrays["right"][index], right_depth = _flatten(node["right_child"], arrays, level + 1)
    return index, max(left_depth, right_depth)


def export(booster) -> dict:
    """LightGBM trees as flat arrays (a leaf points to itself) for :class:`summarize.learned.Trees`."""
    trees, depth = [], 0
    for info in booster.dump_model()["tree_info"]:
        arrays: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}
        depth = max(depth, _flatten(info["tree_structure"], arrays, 0)[1])
        trees.append(arrays)
    return {"trees": trees, "depth": depth, "base": 0.0}


def rouge_of(articles, choose) -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 (0-100, rouge-score without stemming, as ``kabar eval summ``) of ``choose(sentences)``."""
    from rouge_score.rouge_scorer import RougeScorer

    types = ("rouge1", "rouge2", "rougeL")
    scorer = RougeScorer(list(types), use_stemmer=False)
    per = [scorer.score(ref, " ".join(s[i] for i in choose(s))) for s, ref in articles]
    return {t: round(float(np.mean([100 * p[t].fmeasure for p in per])), 2) for t in types}


class _ScoredOnce(Learned):
    """:class:`Learned` scoring each article once while several word budgets are tried on it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._memo: dict = {}

    def _scores(self, sentences, lang):
        key = (id(sentences), lang)
        if key not in self._memo:  # the list is kept with its scores, so its id is not reused meanwhile
            self._memo[key] = (sentences, super()._scores(sentences, lang))
        return self._memo[key][1]


def train(features, labels, seed: int = SEED):
    """One LightGBM model with the fixed parameters and seed."""
    import lightgbm

    return lightgbm.train(dict(PARAMS, seed=seed), lightgbm.Dataset(features, labels), num_boost_round=ROUNDS)


def main(argv=None, prog: str = "python -m summarize.train") -> int:
    """Build the features and oracle labels, train, cross-validate, write the model file."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="data folder (default: $KABAR_DATA or ../shared/data)")
    parser.add_argument("--out", default=str(MODEL_PATH), help="model file to write (default: %(default)s)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    args = parser.parse_args(argv)
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        print("error: training needs LightGBM: pip install lightgbm (scoring does not)", file=sys.stderr)
        return 2
    from rouge_score.rouge_scorer import RougeScorer

    folder = config.data_dir(args.data) / "summarization"
    articles = [a for name in TRAIN_FILES for a in load_articles(folder / name)]
    scorer = RougeScorer(["rouge1", "rouge2"], use_stemmer=False)
    print(f"{len(articles)} training articles; computing oracle labels…", file=sys.stderr)
    blocks, labels = [], []
    for sentences, summary in articles:
        blocks.append(sentence_features(sentences, "id"))
        label = np.zeros(len(sentences))
        label[greedy_oracle(sentences, summary, scorer)] = 1
        labels.append(label)
    budget = float(np.median([len(summary.split()) for _, summary in articles]))  # without folds to choose by
    cv, by_budget = [], {b: [] for b in BUDGETS}
    if args.folds:
        fold_of = np.arange(len(articles)) % args.folds
        for k in range(args.folds):
            train_ids = [i for i in range(len(articles)) if fold_of[i] != k]
            model = train(np.vstack([blocks[i] for i in train_ids]), np.concatenate([labels[i] for i in train_ids]))
            learned = _ScoredOnce(model=(Trees(export(model)), {"word_budget": budget}))
            held = [articles[i] for i in range(len(articles)) if fold_of[i] == k]
            for b in BUDGETS:  # the same held-out scores, each word budget
                learned._model = (learned._model[0], {"word_budget": float(b)})
                by_budget[b].append(rouge_of(held, lambda s, learned=learned: learned.choose(s, "id")))
            print(f"fold {k + 1}/{args.folds} done", file=sys.stderr)
        mean = {b: float(np.mean([np.mean(list(f.values())) for f in folds])) for b, folds in by_budget.items()}
        budget = float(max(BUDGETS, key=lambda b: (round(mean[b], 2), -b)))  # best mean ROUGE; ties: shorter
        cv = by_budget[int(budget)]
        print("word budget by cross-validation (mean ROUGE-1/2/L): "
              + ", ".join(f"{b}: {mean[b]:.2f}" for b in BUDGETS), file=sys.stderr)
    model = train(np.vstack(blocks), np.concatenate(labels))
    data = {"features": list(FEATURES), **export(model), "word_budget": budget, "seed": SEED, "rounds": ROUNDS,
            "params": PARAMS, "trained_on": list(TRAIN_FILES), "articles": len(articles),
            "labels": "greedy ROUGE-1+2 oracle, at most 5 sentences",
            "word_budget_from": "best mean ROUGE-1/2/L over the cross-validation folds" if cv else "median summary",
            "cv": {k: round(float(np.mean([f[k] for f in cv])), 2) for k in cv[0]} if cv else None}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB); word budget {budget:g}; cross-validation {data['cv']}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

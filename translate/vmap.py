"""Target-vocabulary shortlists for CTranslate2 (``use_vmap``), built from parallel text.

For each source token the target tokens that co-occur with it most (Dice coefficient over sentence
pairs) are kept, plus the most frequent target tokens, which are always allowed. Decoding then
scores only the union of candidates for the batch instead of the whole vocabulary, as the
lexical shortlists of OPUS-MT/Bergamot do. Output: CTranslate2's vmap text format,
``source_token<TAB>target_1 target_2 ...``, with an empty source for the always-allowed tokens.

    python -m translate.vmap --model REF --src train.ind --tgt train.eng --out vmap.txt
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

DEFAULT_PER_SOURCE = 50  # candidates kept per source token (Bergamot's shortlists keep 50)
DEFAULT_FREQUENT = 1000  # most frequent target tokens always allowed


def build_vmap(source_tokens: Sequence[Sequence[str]], target_tokens: Sequence[Sequence[str]], *,
               per_source: int = DEFAULT_PER_SOURCE, frequent: int = DEFAULT_FREQUENT) -> str:
    """The vmap text for tokenized parallel sentences (special tokens are left out)."""
    if len(source_tokens) != len(target_tokens):
        raise ValueError(f"{len(source_tokens)} source but {len(target_tokens)} target sentences")
    src_df: Counter = Counter()
    tgt_df: Counter = Counter()
    tgt_tf: Counter = Counter()
    pair: dict[str, Counter] = defaultdict(Counter)
    for src, tgt in zip(source_tokens, target_tokens):
        s_set, t_set = set(src), set(tgt)
        src_df.update(s_set)
        tgt_df.update(t_set)
        tgt_tf.update(tgt)
        for s in s_set:
            pair[s].update(t_set)
    lines = ["\t" + " ".join(t for t, _ in tgt_tf.most_common(frequent))]
    for s in sorted(pair):
        ranked = sorted(pair[s].items(), key=lambda kv: (-2 * kv[1] / (src_df[s] + tgt_df[kv[0]]), kv[0]))
        lines.append(f"{s}\t" + " ".join(t for t, _ in ranked[:per_source]))
    return "\n".join(lines) + "\n"


def build_for_model(model_ref: str, src_lines: Sequence[str], tgt_lines: Sequence[str], **options) -> str:
    """Tokenize parallel text with the model's own tokenizers, then :func:`build_vmap`."""
    from translate.models import resolve_model
    from translate.tokenization import load_pieces

    model = resolve_model(model_ref)
    pieces = load_pieces(model, "id")
    if pieces is None or model.kind != "marian":
        raise ValueError("vocabulary shortlists are built for Marian (OPUS-MT) models with source/target.spm")
    drop = pieces.special
    src = [[t for t in seq if t not in drop] for seq in pieces.encode(list(src_lines))]
    tgt = [[t for t in pieces.target.encode(line, out_type=str) if t in pieces.vocab] for line in tgt_lines]
    return build_vmap(src, tgt, **options)


def main(argv=None) -> int:
    """Command line: write a vmap for a model from parallel files."""
    parser = argparse.ArgumentParser(prog="python -m translate.vmap", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--src", required=True, help="Indonesian side, one sentence a line")
    parser.add_argument("--tgt", required=True, help="English side, line-aligned")
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-source", type=int, default=DEFAULT_PER_SOURCE)
    parser.add_argument("--frequent", type=int, default=DEFAULT_FREQUENT)
    args = parser.parse_args(argv)
    src = Path(args.src).read_text(encoding="utf-8").splitlines()
    tgt = Path(args.tgt).read_text(encoding="utf-8").splitlines()
    text = build_for_model(args.model, src, tgt, per_source=args.per_source, frequent=args.frequent)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {text.count(chr(10)) - 1} source tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

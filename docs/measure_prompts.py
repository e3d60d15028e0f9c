"""Measure the tracker prompts against issue 4's targets (uncached tokens, assembly time).

    python docs/measure_prompts.py --dialogues 200 [--pack default] [--strategy dialogue ...]

Tokens are counted with the pack's own tokenizer (the GGUF's vocabulary, loaded without
weights); the bank is all of SGD train; the turns are the first N dialogues of SGD dev.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.llm.packs import resolve  # noqa: E402
from cli.settings import cache_dir  # noqa: E402
from prompts.manager_factory import build_exemplar_index  # noqa: E402
from prompts.measure import measure_prompts  # noqa: E402
from prompts.sgd import load_sgd_split  # noqa: E402


def _tokenizer(pack: str):  # type: ignore[no-untyped-def]
    import llama_cpp

    path = str(resolve(pack, cache_dir()))
    vocab = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data/sgd")
    parser.add_argument("--pack", default="default")
    parser.add_argument("--dialogues", type=int, default=200)
    parser.add_argument("--strategy", nargs="*", default=["fixed", "bm25", "dialogue", "hybrid"])
    args = parser.parse_args()
    start = time.perf_counter()
    train_schema, train = load_sgd_split(args.data, "train")
    index = build_exemplar_index((t for d in train for t in d.turns), train_schema)
    built = time.perf_counter() - start
    dev_schema, dev = load_sgd_split(args.data, "dev", limit=args.dialogues)
    count = _tokenizer(args.pack)
    sys.stdout.write(f"index over {len(index)} train turns built in {built:.1f} s\n")
    for strategy in args.strategy:
        result = measure_prompts(index, dev_schema, dev, count, strategy=strategy)
        sys.stdout.write(json.dumps({"pack": args.pack, **asdict(result)}) + "\n")


if __name__ == "__main__":
    main()

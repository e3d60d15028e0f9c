"""`bench model`: generation and prompt speed of a model pack vs a bare llama_decode loop.

All in one process, on one loaded model:

* ``decode_tok_s``: a bare greedy loop (sample, ``llama_decode``, repeat; see
  ``agent.llm.baseline``) vs ``runtime_tok_s``: the same number of tokens streamed through
  ``LlamaRuntime.stream`` (detokenizing, stop checks, cancellation checks, a generator). Both are
  timed from the first token to the last, in ``--repeats`` back-to-back pairs (alternating which
  goes first); the medians are reported, and ``ratio`` is the median of the pairs' ratios, which
  is what stays meaningful on a machine shared with other work.
* ``prompt_tok_s``: evaluating the TTFT prompt (prefix + tail) from an empty cache.
* ``ttft_uncached_s``: from the call to the first streamed piece, empty cache, for a static
  prefix of ``--prefix-tokens`` (600) plus a ~40-token new tail; ``ttft_cached_s``: the same
  with the prefix restored from its saved state after another prompt ran in between;
  ``ttft_live_s``: with the prefix still in the live cache.
* ``peak_rss_mb``: the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli.settings import Settings, cache_dir, command_parser

if TYPE_CHECKING:
    from agent.domain import Message
    from agent.llm.runtime import LlamaRuntime

STORY = "Write a long, detailed story about a chef who opens a small restaurant in Cambridge."
TAILS = (
    "Hello! I am looking for a cheap Italian restaurant in the centre of town, and I would like "
    "to book a table for four people on Friday evening at seven, please.",
    "Hi, could you find me an expensive Indian place in the north? We are six people and want "
    "to eat on Saturday at half past eight in the evening.",
    "Good morning. Is there a moderately priced Chinese restaurant near the south of the city? "
    "Two of us would like lunch on Sunday at one o'clock.",
)
FOODS = ("italian", "indian", "chinese", "british", "french", "thai", "turkish", "korean")
AREAS = ("centre", "north", "south", "east", "west")


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        kinds, "model", "model speed: runtime vs a bare llama_decode loop, prompt, first token"
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.add_argument("--tokens", type=int, default=96, metavar="N", help="tokens to generate")
    parser.add_argument("--repeats", type=int, default=5, metavar="N", help="timed pairs")
    parser.add_argument(
        "--prefix-tokens", type=int, default=600, metavar="N", help="static prefix for TTFT"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from agent.errors import UsageError
    from agent.llm.packs import resolve
    from agent.llm.progress import StderrProgress
    from agent.llm.runtime import LlamaRuntime
    from cli.models import check_threads

    check_threads(args)
    if args.tokens < 8 or args.repeats < 1 or args.prefix_tokens < 50:
        raise UsageError(
            "--tokens must be at least 8, --repeats at least 1, --prefix-tokens at least 50"
        )
    settings = Settings.from_args(args)
    progress = StderrProgress(f"assembling model pack '{settings.model}' (once)")
    path = resolve(settings.model, cache_dir(), progress=progress)
    runtime = LlamaRuntime(path, name=settings.model, threads=settings.threads, n_ctx=4096)
    results = {"pack": settings.model, "threads": settings.threads, "tokens": args.tokens}
    prefix = _grow_prefix(runtime, args.prefix_tokens)
    results |= _throughput(runtime, args.tokens, args.repeats, prefix)
    results |= _first_token(runtime, prefix)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    _print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _throughput(runtime: LlamaRuntime, tokens: int, repeats: int, prefix: str) -> dict[str, object]:
    from agent.domain import GenerationParams, Message
    from agent.llm.baseline import bare_greedy

    messages = [Message("user", STORY)]
    runtime.complete(messages, GenerationParams(max_tokens=4))  # warm up: page in the weights
    produced = _streamed_tok_s(runtime, messages, tokens)[1]  # fixes the count for both loops
    pairs = [_pair(runtime, messages, produced, bare_first=i % 2 == 1) for i in range(repeats)]
    bare = statistics.median(pair[0] for pair in pairs)
    streamed = statistics.median(pair[1] for pair in pairs)
    long_prompt = runtime.prepare(_long_messages(prefix, TAILS[0]))
    prompt_eval = bare_greedy(runtime, long_prompt.prefix + long_prompt.tail, 1)
    return {
        "decode_tok_s": round(bare, 2),
        "runtime_tok_s": round(streamed, 2),
        "ratio": round(statistics.median(s / b for b, s in pairs if b), 3),
        "generated_tokens": produced,
        "prompt_tok_s": round(prompt_eval.prompt_tok_s, 1),
        "prompt_tokens": prompt_eval.prompt_tokens,
    }


def _pair(
    runtime: LlamaRuntime, messages: list[Message], produced: int, *, bare_first: bool
) -> tuple[float, float]:
    """(bare tok/s, streamed tok/s) run back to back, in the given order, so that both see about
    the same load on a shared machine."""
    from agent.llm.baseline import bare_greedy

    prompt = runtime.prepare(messages)
    if bare_first:
        bare = bare_greedy(runtime, prompt.prefix + prompt.tail, produced).decode_tok_s
        return bare, _streamed_tok_s(runtime, messages, produced)[0]
    streamed = _streamed_tok_s(runtime, messages, produced)[0]
    return bare_greedy(runtime, prompt.prefix + prompt.tail, produced).decode_tok_s, streamed


def _streamed_tok_s(
    runtime: LlamaRuntime, messages: list[Message], tokens: int
) -> tuple[float, int]:
    """Tokens per second between the first and the last streamed piece."""
    from agent.domain import GenerationParams

    generation = runtime.stream(messages, GenerationParams(tokens))
    stamps = [time.perf_counter() for _ in generation]
    produced = generation.result().meta.completion_tokens
    if produced < 2 or len(stamps) < 2:
        return 0.0, max(produced, 2)
    return (produced - 1) / (stamps[-1] - stamps[0]), produced


def _first_token(runtime: LlamaRuntime, prefix: str) -> dict[str, object]:
    from agent.domain import Message

    runtime.cache.reset(saved=True)
    uncached = _ttft(runtime, _long_messages(prefix, TAILS[0]))
    live = _ttft(runtime, _long_messages(prefix, TAILS[1]))
    _ttft(runtime, [Message("system", "You are a train timetable assistant.", cache=True),
                    Message("user", "When is the next train to London?")])  # fmt: skip
    cached = _ttft(runtime, _long_messages(prefix, TAILS[2]))
    prompt = runtime.prepare(_long_messages(prefix, TAILS[2]))
    return {
        "ttft_uncached_s": round(uncached, 3),
        "ttft_cached_s": round(cached, 3),
        "ttft_live_s": round(live, 3),
        "prefix_tokens": len(prompt.prefix),
        "tail_tokens": len(prompt.tail),
    }


def _ttft(runtime: LlamaRuntime, messages: list[Message]) -> float:
    from agent.domain import GenerationParams

    started = time.perf_counter()
    stream = runtime.stream(messages, GenerationParams(max_tokens=8))
    next(stream, None)
    first = time.perf_counter() - started
    stream.close()
    return first


def _long_messages(prefix: str, tail: str) -> list[Message]:
    from agent.domain import Message

    return [Message("system", prefix, cache=True), Message("user", tail)]


def _grow_prefix(runtime: LlamaRuntime, target: int) -> str:
    """A static system prompt (instructions + example lines) of about ``target`` tokens."""
    from agent.domain import Message

    lines = ["You help people find and book restaurants in Cambridge. Reply briefly."]
    index = 0
    while runtime.count_tokens("\n".join(lines)) < target - 20:
        food, area = FOODS[index % len(FOODS)], AREAS[index % len(AREAS)]
        lines.append(f"Example {index + 1}: a user wants {food} food in the {area}; ask how many.")
        index += 1
    text = "\n".join(lines)
    while len(runtime.prepare([Message("system", text, cache=True)]).prefix) > target:
        text = text.rsplit("\n", 1)[0]
    return text


def _print_table(results: dict[str, object]) -> None:
    rows = [
        ("pack", results["pack"], ""),
        ("threads", results["threads"], ""),
        ("bare llama_decode loop", results["decode_tok_s"], "tok/s"),
        ("streamed through the runtime", results["runtime_tok_s"], "tok/s"),
        ("ratio runtime / bare (target >= 0.95)", results["ratio"], ""),
        (f"prompt eval ({results['prompt_tokens']} tokens)", results["prompt_tok_s"], "tok/s"),
        ("first token, prefix uncached", results["ttft_uncached_s"], "s"),
        ("first token, prefix state restored", results["ttft_cached_s"], "s"),
        ("first token, prefix in live cache", results["ttft_live_s"], "s"),
        ("peak RSS", results["peak_rss_mb"], "MB"),
    ]
    for label, value, unit in rows:
        sys.stdout.write(f"{label:<40} {value!s:>10} {unit}\n")

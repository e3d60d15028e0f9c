"""How fast, and how repeatably, a llama.cpp ``llama-server`` with two slots answers slotchat's own
requests one at a time and two at a time, with no slotchat in the loop (issue #14).

``record`` is a loopback proxy in front of a server: point ``--server`` at it and every chat
request slotchat sends is kept, one JSON line each, in the order it arrived (with its
``id_slot``). ``run`` replays such a file against a server: ``--mode sequential`` sends the
requests in the recorded order one at a time; ``--mode concurrent`` splits them by ``id_slot``
into one stream per slot and sends the streams at once, each in its own order, so every slot
sees the same requests in the same order in both modes and only the overlap differs. Each
request goes without streaming (temperature, seed and grammar as recorded), and the server's
``timings`` give the prompt and generated token counts. ``compare`` says which responses are
byte-identical between two runs.

    python scripts/server_parallel_probe.py record --upstream http://127.0.0.1:8080 \\
        --port 18500 --out requests.jsonl   # then: slotchat --server http://127.0.0.1:18500/v1
    python scripts/server_parallel_probe.py run --url http://127.0.0.1:8080 \\
        --requests requests.jsonl --mode concurrent --out concurrent.json
    python scripts/server_parallel_probe.py compare sequential.json concurrent.json
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

CHAT = "/v1/chat/completions"
HOP_HEADERS = {"connection", "transfer-encoding", "content-length", "keep-alive"}


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- record -------------------------------------------------------------------------------------


def _proxy_handler(upstream: str, out: Path) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    client = httpx.Client(timeout=600)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._forward(None)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith(CHAT):
                with lock, out.open("a") as file:
                    file.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
            self._forward(body)

        def _forward(self, body: bytes | None) -> None:
            method = "GET" if body is None else "POST"
            headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
            request = client.build_request(
                method, upstream + self.path, content=body, headers=headers
            )
            response = client.send(request, stream=True)
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in HOP_HEADERS:
                    self.send_header(name, value)
            self.end_headers()
            for chunk in response.iter_raw():
                self.wfile.write(chunk)
                self.wfile.flush()
            response.close()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def record(upstream: str, port: int, out: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _proxy_handler(upstream.rstrip("/"), out))
    _say(f"recording {CHAT} requests to {out}; proxy at http://127.0.0.1:{port}/v1")
    server.serve_forever()


# --- run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One replayed request: where it was in the file, its slot, what came back and its cost."""

    index: int
    slot: int
    content: str
    prompt_n: int
    prompt_ms: float
    predicted_n: int
    predicted_ms: float
    wall_s: float


def load_requests(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text().splitlines()
    return [json.loads(line)["body"] for line in lines if line.strip()]


def _prepared(body: dict[str, Any], cache_prompt: str, pin: bool) -> dict[str, Any]:
    body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    if cache_prompt != "keep":
        body["cache_prompt"] = cache_prompt == "true"
    if not pin:
        body.pop("id_slot", None)
    return body


def _send(client: httpx.Client, url: str, index: int, body: dict[str, Any]) -> Answer:
    started = time.perf_counter()
    response = client.post(url + CHAT, json=body)
    response.raise_for_status()
    data = response.json()
    timings = data.get("timings", {})
    return Answer(
        index=index,
        slot=int(body.get("id_slot", -1)),  # -1: not pinned
        content=str(data["choices"][0]["message"].get("content") or ""),
        prompt_n=int(timings.get("prompt_n", 0)),
        prompt_ms=float(timings.get("prompt_ms", 0.0)),
        predicted_n=int(timings.get("predicted_n", 0)),
        predicted_ms=float(timings.get("predicted_ms", 0.0)),
        wall_s=time.perf_counter() - started,
    )


def _streams(
    bodies: Sequence[dict[str, Any]], slots: Sequence[int]
) -> list[list[tuple[int, dict[str, Any]]]]:
    """The requests split by their recorded slot, each stream in the file's order."""
    by_slot: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for index, (body, slot) in enumerate(zip(bodies, slots, strict=True)):
        by_slot.setdefault(slot, []).append((index, body))
    return [by_slot[slot] for slot in sorted(by_slot)]


def replay(
    url: str, bodies: Sequence[dict[str, Any]], slots: Sequence[int], mode: str
) -> tuple[list[Answer], float]:
    """Every request's answer (in the file's order) and the wall time of the whole replay."""
    client = httpx.Client(timeout=600)
    started = time.perf_counter()
    if mode == "sequential":
        answers = [_send(client, url, i, body) for i, body in enumerate(bodies)]
    else:
        streams = _streams(bodies, slots)
        with ThreadPoolExecutor(len(streams)) as pool:
            runs = pool.map(lambda s: [_send(client, url, i, b) for i, b in s], streams)
            answers = sorted((a for run in runs for a in run), key=lambda a: a.index)
    return answers, time.perf_counter() - started


def summary(answers: Sequence[Answer], wall_s: float) -> dict[str, float]:
    prompt_n = sum(a.prompt_n for a in answers)
    predicted_n = sum(a.predicted_n for a in answers)
    return {
        "requests": len(answers),
        "wall_s": round(wall_s, 2),
        "requests_per_s": round(len(answers) / wall_s, 3),
        "prompt_tokens": prompt_n,
        "prompt_tokens_per_s": round(prompt_n / wall_s, 1),
        "generated_tokens": predicted_n,
        "generated_tokens_per_s": round(predicted_n / wall_s, 2),
        "server_prompt_ms": round(sum(a.prompt_ms for a in answers)),
        "server_generation_ms": round(sum(a.predicted_ms for a in answers)),
    }


def run(args: argparse.Namespace) -> None:
    recorded = load_requests(args.requests)[: args.limit or None]
    slots = [int(body.get("id_slot", 0)) for body in recorded]
    bodies = [_prepared(body, args.cache_prompt, not args.no_pin) for body in recorded]
    answers, wall_s = replay(args.url.rstrip("/").removesuffix("/v1"), bodies, slots, args.mode)
    result = {"mode": args.mode, "label": args.label, "summary": summary(answers, wall_s)}
    result["answers"] = [asdict(a) for a in answers]
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    _say(json.dumps({"label": args.label, "mode": args.mode, **result["summary"]}))


# --- compare ------------------------------------------------------------------------------------


def compare(first: Path, second: Path) -> dict[str, Any]:
    """How many answers of two runs are byte-identical, and where the first ones differ."""
    a, b = (json.loads(p.read_text())["answers"] for p in (first, second))
    differ = [x["index"] for x, y in zip(a, b, strict=True) if x["content"] != y["content"]]
    cached = sum(x["prompt_n"] != y["prompt_n"] for x, y in zip(a, b, strict=True))
    return {
        "requests": len(a),
        "identical": len(a) - len(differ),
        "differ_at": differ[:10],
        "prompt_n_differs": cached,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="a recording proxy in front of a server")
    rec.add_argument(
        "--upstream", required=True, help="the server's root, e.g. http://127.0.0.1:8080"
    )
    rec.add_argument("--port", type=int, default=18500)
    rec.add_argument("--out", type=Path, required=True)
    rep = sub.add_parser("run", help="replay recorded requests")
    rep.add_argument("--url", required=True, help="the server's root or its /v1 base")
    rep.add_argument("--requests", type=Path, required=True)
    rep.add_argument("--mode", choices=("sequential", "concurrent"), required=True)
    rep.add_argument("--cache-prompt", choices=("keep", "true", "false"), default="keep")
    rep.add_argument("--no-pin", action="store_true", help="drop id_slot: the server picks")
    rep.add_argument("--limit", type=int, default=0)
    rep.add_argument("--label", default="")
    rep.add_argument("--out", type=Path, required=True)
    cmp = sub.add_parser("compare", help="byte-identical answers between two runs")
    cmp.add_argument("first", type=Path)
    cmp.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.upstream, args.port, args.out)
    elif args.command == "run":
        run(args)
    else:
        _say(json.dumps(compare(args.first, args.second)))


if __name__ == "__main__":
    main()

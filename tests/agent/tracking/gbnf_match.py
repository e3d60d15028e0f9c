"""A tiny matcher for the tracker's GBNF (literals, character classes, groups, ``? * +``,
``{m,n}``, alternation, rule references), so tests can check which texts a grammar accepts
without loading a model. Memoized on (rule, position): the grammar's chains share rules."""

from __future__ import annotations

import re
from functools import cache

_TOKEN = re.compile(
    r'"(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|\{\d+,\d+\}|[()|?*+]|[A-Za-z0-9_-]+|\s+'
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}

# ("lit", s) | ("cls", regex) | ("ref", name) | ("seq", [..]) | ("alt", [..]) | ("rep", n, lo, hi)
Node = tuple


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


def _parse(tokens: list[str], i: int) -> tuple[Node, int]:
    alternatives: list[Node] = []
    sequence: list[Node] = []
    while i < len(tokens) and tokens[i] != ")":
        token = tokens[i]
        i += 1
        if token == "|":
            alternatives.append(("seq", sequence))
            sequence = []
        elif token == "(":
            node, i = _parse(tokens, i)
            sequence.append(node)
            i += 1
        elif token in "?*+" or token.startswith("{"):
            low, high = {"?": (0, 1), "*": (0, 10**6), "+": (1, 10**6)}.get(token, (0, 0))
            if token.startswith("{"):
                low, high = (int(x) for x in token[1:-1].split(","))
            sequence[-1] = ("rep", sequence[-1], low, high)
        elif token.startswith('"'):
            sequence.append(("lit", _unescape(token[1:-1])))
        elif token.startswith("["):
            sequence.append(("cls", re.compile(token)))
        else:
            sequence.append(("ref", token))
    alternatives.append(("seq", sequence))
    return ("alt", alternatives), i


class Grammar:
    def __init__(self, gbnf: str) -> None:
        self.rules: dict[str, Node] = {}
        for line in gbnf.strip().splitlines():
            name, body = line.split(" ::= ", 1)
            tokens = [t for t in _TOKEN.findall(body) if not t.isspace()]
            self.rules[name.strip()], _ = _parse(tokens, 0)

    def accepts(self, text: str) -> bool:
        @cache
        def rule(name: str, pos: int) -> frozenset[int]:
            return frozenset(match(self.rules[name], pos))

        def match(node: Node, pos: int) -> set[int]:
            kind = node[0]
            if kind == "lit":
                return {pos + len(node[1])} if text.startswith(node[1], pos) else set()
            if kind == "cls":
                return {pos + 1} if pos < len(text) and node[1].fullmatch(text[pos]) else set()
            if kind == "ref":
                return set(rule(node[1], pos))
            if kind == "alt":
                return set().union(*(match(n, pos) for n in node[1]))
            if kind == "seq":
                ends = {pos}
                for part in node[1]:
                    ends = set().union(*(match(part, e) for e in ends)) if ends else set()
                return ends
            _, inner, low, high = node
            ends, frontier = ({pos} if low == 0 else set()), {pos}
            for count in range(1, high + 1):
                frontier = set().union(*(match(inner, e) for e in frontier)) if frontier else set()
                if not frontier:
                    break
                if count >= low:
                    ends |= frontier
            return ends

        return len(text) in rule("root", 0)


def accepts(gbnf: str, text: str) -> bool:
    return Grammar(gbnf).accepts(text)

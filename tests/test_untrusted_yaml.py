"""Hostile YAML in files people share: an alias bomb and a self-referencing alias, as a domain
pack and as a scripted test file, through the real program. One ``file:line`` line, exit code 2,
in under 2 s and 200 MB (before: 3.1 GB in 30 s with no answer; a 3,000-line RecursionError)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from agent import untrusted_yaml

ROOT = Path(__file__).resolve().parents[1]
CAMBRIDGE = ROOT / "prompts" / "domains" / "cambridge"


def bomb() -> str:
    """Nine levels of nine aliases: about 387 million strings once expanded."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


SELF_REFERENCE = "dialogues: &loop\n  - name: x\n    turns: *loop\n"


def _run(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The program's result, its wall time and its peak RSS in MB (a child of a fresh helper
    process, so that RUSAGE_CHILDREN holds it alone)."""
    script = (
        "import resource, subprocess, sys, time; t = time.monotonic(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stdout.write(repr((r.returncode, r.stdout, r.stderr, time.monotonic() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)))"
    )
    command = [sys.executable, "-c", script, sys.executable, "main.py", *args]
    env = {**os.environ, "SLOTCHAT_DEBUG": ""}
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    code, stdout, stderr, wall, rss_kb = eval(out.stdout)  # noqa: S307 - our own repr
    done = subprocess.CompletedProcess(args, code, stdout, stderr)
    return done, wall, rss_kb / 1024


def _pack_with(tmp_path: Path, text: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(CAMBRIDGE, pack)
    (pack / "dialogues" / "evil.yaml").write_text(text, encoding="utf-8")
    return pack


@pytest.mark.parametrize("text", [bomb(), SELF_REFERENCE], ids=["bomb", "self-reference"])
def test_a_hostile_pack_is_one_line_quickly(tmp_path: Path, text: str) -> None:
    pack = _pack_with(tmp_path, text)
    done, wall, rss_mb = _run("domains", "check", str(pack))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{pack}/dialogues/evil.yaml:" in done.stdout + done.stderr
    assert "aliases" in done.stdout + done.stderr
    assert wall < 2.0 and rss_mb < 200, (wall, rss_mb)


@pytest.mark.parametrize("text", [bomb(), SELF_REFERENCE], ids=["bomb", "self-reference"])
def test_a_hostile_test_file_is_one_line_quickly(tmp_path: Path, text: str) -> None:
    script = tmp_path / "evil.yaml"
    script.write_text("domain: cambridge\n" + text, encoding="utf-8")
    done, wall, rss_mb = _run("--model", "fake", "test", str(script))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{script}:" in done.stderr + done.stdout
    assert wall < 2.0 and rss_mb < 200, (wall, rss_mb)


def test_aliases_are_refused_with_their_line_and_size_is_capped() -> None:
    with pytest.raises(untrusted_yaml.UntrustedYamlError) as refused:
        untrusted_yaml.compose("a: &x 1\nb: 2\nc: *x\n")
    assert refused.value.line == 3
    with pytest.raises(untrusted_yaml.UntrustedYamlError, match="MiB"):
        untrusted_yaml.compose("a: " + "x" * (untrusted_yaml.MAX_BYTES + 1))
    assert untrusted_yaml.compose("a: [1, 2]") is not None  # anchors alone are harmless
    text = bomb()
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(untrusted_yaml.UntrustedYamlError):
            untrusted_yaml.compose(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1.0
    # nothing was expanded: what the refusal itself allocated, not the whole test process's
    # high-water mark (that grows with whatever ran before in the same pytest process)
    assert peak < 50 * 2**20, peak

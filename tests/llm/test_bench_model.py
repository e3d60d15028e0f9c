"""`slotchat bench model` end to end on the tiny pack (numbers are not asserted: speed is what
the command reports, not what a test on a shared machine can promise)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main

KEYS = {
    "pack",
    "decode_tok_s",
    "runtime_tok_s",
    "ratio",
    "prompt_tok_s",
    "ttft_cached_s",
    "ttft_uncached_s",
    "peak_rss_mb",
}


@pytest.mark.model
def test_bench_model_writes_the_design_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLOTCHAT_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "bench.json"
    argv = ["--threads", "2", "bench", "model", "--model", "tiny", "--tokens", "8"]
    assert main([*argv, "--repeats", "1", "--prefix-tokens", "120", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results) >= KEYS and results["pack"] == "tiny"
    assert all(results[key] > 0 for key in KEYS - {"pack"})
    assert "ratio runtime / bare" in capsys.readouterr().out


def test_bench_model_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "model", "--model", "tiny", "--tokens", "2"]) == 2
    assert "--tokens must be at least 8" in capsys.readouterr().err

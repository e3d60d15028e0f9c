"""`eval sgd --jobs N` gives the metrics of `--jobs 1` (fake model, no weights)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main
from tests.cli.test_eval_sgd import sgd  # noqa: F401 - the fixture

METRICS = ("dialogues", "turns", "jga", "aga", "slot_f1", "intent_acc", "per_service", "errors")


def _metrics(data: Path, out: Path, jobs: int) -> dict[str, object]:
    args = ["--model", "fake", "eval", "sgd", "--data", str(data), "--exemplars", "bm25"]
    assert main([*args, "--jobs", str(jobs), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    return {key: result[key] for key in METRICS}


def test_jobs_two_gives_the_metrics_of_jobs_one(sgd: Path, tmp_path: Path) -> None:  # noqa: F811
    one = _metrics(sgd, tmp_path / "one.json", 1)
    assert one["dialogues"] == 2
    assert _metrics(sgd, tmp_path / "two.json", 2) == one


def test_jobs_must_be_positive(sgd: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["--model", "fake", "eval", "sgd", "--data", str(sgd), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err

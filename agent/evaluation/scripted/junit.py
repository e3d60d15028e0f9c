"""JUnit XML for CI dashboards: one ``<testsuite>`` per file, one ``<testcase>`` per dialogue."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from agent.evaluation.scripted.report import failure_text
from agent.evaluation.scripted.runner import DialogueOutcome


def write_junit(path: Path | str, outcomes: Sequence[DialogueOutcome]) -> None:
    root = ET.Element("testsuites", name="slotchat scripted dialogues")
    by_file: dict[str, list[DialogueOutcome]] = {}
    for outcome in outcomes:
        by_file.setdefault(outcome.dialogue.path, []).append(outcome)
    for file, group in by_file.items():
        _suite(root, file, group)
    root.set("tests", str(len(outcomes)))
    root.set("failures", str(sum(not o.passed for o in outcomes)))
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(Path(path), encoding="utf-8", xml_declaration=True)


def _suite(root: ET.Element, file: str, group: Sequence[DialogueOutcome]) -> None:
    suite = ET.SubElement(root, "testsuite", name=file)
    suite.set("tests", str(len(group)))
    suite.set("failures", str(sum(not o.passed and not o.error for o in group)))
    suite.set("errors", str(sum(bool(o.error) for o in group)))
    suite.set("time", f"{sum(o.engine_s + o.runner_s for o in group):.3f}")
    for outcome in group:
        case = ET.SubElement(suite, "testcase", classname=file, name=outcome.dialogue.name)
        case.set("file", file)
        case.set("line", str(outcome.dialogue.line))
        case.set("time", f"{outcome.engine_s + outcome.runner_s:.3f}")
        if not outcome.passed:
            tag = "error" if outcome.error else "failure"
            failure = ET.SubElement(case, tag, message=_first_message(outcome))
            failure.text = failure_text(outcome)


def _first_message(outcome: DialogueOutcome) -> str:
    if outcome.error:
        return outcome.error
    for turn in outcome.turns:
        if turn.mismatches:
            return f"turn {turn.index + 1}: {turn.mismatches[0].message}"
    return outcome.final[0].message if outcome.final else "failed"

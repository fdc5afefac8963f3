"""``--junit PATH``: one test suite per scenario, one test case per step (cleanup included)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from engine.errors import ScenarioError
from engine.records import RunResult
from engine.secrets import Secrets


def write_junit(path: Path, results: list[RunResult], secrets: Secrets) -> None:
    """Write the report; every text passes through the secret mask."""
    root = ET.Element("testsuites")
    for result in results:
        records = result.records
        failures = sum(1 for r in records if r.status == "failed")
        skipped = sum(1 for r in records if r.status == "skipped")
        suite = ET.SubElement(
            root,
            "testsuite",
            name=result.scenario.name,
            file=str(result.scenario.path),
            tests=str(len(records)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
            time=f"{result.duration:.3f}",
        )
        for record in records:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{result.scenario.path.stem}.{record.phase}",
                name=secrets.mask(
                    f"{record.step_id} ({record.action}) {record.title}"
                    if record.phase == "undo"
                    else f"{record.step_id} ({record.action})"
                ),
                time=f"{record.duration:.3f}",
                file=str(result.scenario.path),
            )
            if record.status == "failed":
                error = record.error or {}
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=str(error.get("code", "failed")),
                    message=secrets.mask(str(error.get("message", ""))),
                )
                failure.text = secrets.mask(f"{record.location}: {error.get('code')}: {error.get('message')}")
            elif record.status == "skipped":
                ET.SubElement(case, "skipped", message="condition was false")
        if result.error is not None and not any(r.status == "failed" for r in records):
            # A failure outside any step (stack outputs, environment, bad template in vars).
            case = ET.SubElement(suite, "testcase", classname=f"{result.scenario.path.stem}.setup", name="setup")
            text = result.error.render() if isinstance(result.error, ScenarioError) else repr(result.error)
            ET.SubElement(case, "failure", type=type(result.error).__name__, message=secrets.mask(text))
            suite.set("failures", str(failures + 1))
            suite.set("tests", str(len(records) + 1))
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")

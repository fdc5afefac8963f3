"""``--junit PATH``: one test suite per scenario, one test case per planned step and per undo.

Names are stable from run to run (see ``engine.reports.cases``); a scenario that failed before
or outside its steps (bad input, the stack, the environment) gets a ``setup`` case with the error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from engine.errors import ScenarioError
from engine.reports.cases import cases
from engine.run.records import RunResult
from engine.secrets import Secrets


def write_junit(path: Path, results: list[RunResult], secrets: Secrets) -> None:
    """Write the report; every text passes through the secret mask."""
    root = ET.Element("testsuites")
    for result in results:
        stem = result.scenario.path.stem
        suite = ET.SubElement(root, "testsuite", name=result.scenario.name, file=str(result.scenario.path), errors="0")
        failures = skipped = tests = 0
        if result.error is not None and not any(r.status == "failed" for r in result.records):
            # A failure outside any step (bad input, stack outputs, environment, a template in vars).
            case = ET.SubElement(suite, "testcase", classname=f"{stem}.setup", name="setup", time="0.000")
            case.set("file", str(result.scenario.path))
            text = result.error.render() if isinstance(result.error, ScenarioError) else repr(result.error)
            failure = ET.SubElement(case, "failure", type=type(result.error).__name__, message=secrets.mask(text))
            failure.text = secrets.mask(text)
            failures, tests = failures + 1, tests + 1
        for item in cases(result):
            record = item.record
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{stem}.{item.phase}",
                name=secrets.mask(item.name),
                time=f"{record.duration if record else 0.0:.3f}",
                file=str(result.scenario.path),
            )
            tests += 1
            if item.status == "failed":
                error = (record.error if record else None) or {}
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=str(error.get("code", "failed")),
                    message=secrets.mask(str(error.get("message", ""))),
                )
                failure.text = secrets.mask(f"{item.location}: {error.get('code')}: {error.get('message')}")
                failures += 1
            elif item.status == "skipped":
                ET.SubElement(case, "skipped", message=item.reason or "skipped")
                skipped += 1
            if record is not None and record.phase == "undo":
                # The undo's description names run-specific ids: output, never the test name.
                ET.SubElement(case, "system-out").text = secrets.mask(record.title)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        suite.set("time", f"{result.duration:.3f}")
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    path.write_text(text, encoding="utf-8")

"""Benchmark: 20 scenario files through `scenario-run` in one process vs through the pytest plugin, and the
plugin on two xdist workers vs serially.

The files are copies of the shipped scenarios (``--copies`` of each of five, 20 by default) with their
answers beside them (the answers-file convention), in a fresh folder. Each round runs, in a fresh process
and in turn so that machine noise hits all alike:

- ``scenario-run scenarios/*.yaml --non-interactive`` (every file in one process: the stack is deployed once
  and restored for later files);
- ``python -m pytest`` over the same files (the plugin, one item per file);
- ``python -m pytest -n 2`` (two workers, each paying start-up and one deploy).

Prints the median wall time of each and the ratios CLI / pytest (target <= 1.0x) and pytest -n 2 / serial
(below 1.0x is faster). For scale, the same rounds time xdist's own cost: ``pytest -n 2`` and serial pytest over
as many empty Python tests, in a folder of their own (what two workers cost before any scenario runs).
Not a test: run it on demand with `python benchmarks/cli_vs_pytest.py [--rounds N] [--copies N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["hello", "auto_confirm", "migrate_user", "activity_log", "sign_up_confirm"]
BIN = Path(sys.executable).parent


def _prepare(work: Path, copies: int) -> list[str]:
    shutil.copytree(ROOT / "infra", work / "infra")
    shutil.copytree(ROOT / "triggers", work / "triggers")
    folder = work / "scenarios"
    (folder / "answers").mkdir(parents=True)
    files = []
    for name in NAMES:
        for copy in range(copies):
            stem = f"{name}_{copy}"
            shutil.copy(ROOT / "scenarios" / f"{name}.yaml", folder / f"{stem}.yaml")
            shutil.copy(ROOT / "scenarios" / "answers" / f"{name}.yaml", folder / "answers" / f"{stem}.yaml")
            files.append(f"scenarios/{stem}.yaml")
    (work / "pytest.ini").write_text("[pytest]\nscenario_files = scenarios/*.yaml\n")
    return files


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4, help="copies of each of the five shipped scenarios")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "deploys").mkdir()
        files = _prepare(work, args.copies)
        env = {
            **os.environ,
            "SCENARIO_RUN_STATE_DIR": str(work / "state"),
            "SCENARIO_RUN_DEPLOY_CACHE": str(work / "deploys"),
        }
        env.pop("CI", None)
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        empty = work / "empty"
        empty.mkdir()
        (empty / "pytest.ini").write_text("[pytest]\n")  # its own rootdir: no scenario_files
        (empty / "test_empty.py").write_text(
            f"import pytest\n\n\n@pytest.mark.parametrize('i', range({len(files)}))\n"
            "def test_empty(i):\n    assert i >= 0\n"
        )
        commands = {
            "scenario-run (one process)": ([str(BIN / "scenario-run"), *files, "--non-interactive"], work),
            "pytest (serial)": ([*pytest, "-p", "no:xdist"], work),
            "pytest -n 2": ([*pytest, "-n", "2"], work),
            "empty tests, serial": ([*pytest, "-p", "no:xdist"], empty),
            "empty tests, -n 2": ([*pytest, "-n", "2"], empty),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (command, cwd) in commands.items():
                times[name].append(_timed(command, cwd, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{len(files)} scenario files, {args.rounds} rounds (medians of fresh processes)")
    for name, value in medians.items():
        print(f"  {name:28} {value:6.2f} s")
    cli, serial, parallel, empty_serial, empty_parallel = medians.values()
    print(f"ratio scenario-run / pytest:        {cli / serial:.2f}x (target <= 1.0x)")
    print(f"ratio pytest -n 2 / pytest serial:  {parallel / serial:.2f}x (below 1.0x: faster on 2 workers)")
    print(
        f"xdist's own cost, {len(files)} empty tests: -n 2 takes {empty_parallel - empty_serial:+.2f} s"
        f" ({empty_parallel / empty_serial:.2f}x serial); the scenarios on two workers: {parallel - serial:+.2f} s"
    )


if __name__ == "__main__":
    main()

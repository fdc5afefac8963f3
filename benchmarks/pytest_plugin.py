"""Benchmark: the shipped scenarios through the pytest plugin vs the sum of their warm runs.

Warm runs are measured here, in this process, through ``engine.api.run_scenario`` after a first
run has imported moto and deployed the stack. The pytest run is a fresh ``python -m pytest`` over
copies of the same scenarios (``--copies N`` each): its wall time includes starting Python,
importing moto and deploying the stack once (per xdist worker with ``-n``). Prints both ratios:
the whole pytest run, and the sum of its test items (from its JUnit report) against the warm sum.
Not a test: run it on demand with `python benchmarks/pytest_plugin.py [--copies N] [-n WORKERS]`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from engine.api import run_scenario

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["hello", "auto_confirm", "migrate_user", "activity_log", "sign_up_confirm"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=4, help="copies of each shipped scenario in the pytest run")
    parser.add_argument("-n", dest="workers", default="0", help="pytest-xdist workers (0: no xdist)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "infra", work / "infra")
        shutil.copytree(ROOT / "triggers", work / "triggers")
        folder = work / "scenarios"
        (folder / "answers").mkdir(parents=True)
        for name in NAMES:
            for copy in range(args.copies):
                stem = f"{name}_{copy}"
                shutil.copy(ROOT / "scenarios" / f"{name}.yaml", folder / f"{stem}.yaml")
                shutil.copy(ROOT / "scenarios" / "answers" / f"{name}.yaml", folder / "answers" / f"{stem}.yaml")
        (work / "pytest.ini").write_text("[pytest]\nscenario_files = scenarios/*.yaml\n")

        warm: dict[str, float] = {}
        for name in NAMES:
            path = folder / f"{name}_0.yaml"
            assert run_scenario(path).passed, name  # first run: imports, deploy, first trigger calls
            started = time.perf_counter()
            result = run_scenario(path)
            warm[name] = time.perf_counter() - started
            assert result.passed, result.report()
        warm_sum = sum(warm.values()) * args.copies

        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", str(work / "j.xml")]
        if args.workers != "0":
            command += ["-n", args.workers]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=work, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(done.stdout + done.stderr)
        times = [float(case.get("time", 0)) for case in ET.parse(work / "j.xml").getroot().iter("testcase")]
        items = sum(times)
        # The first item of a process pays for importing moto and deploying the stack.
        rest = items - max(times)

    count = len(NAMES) * args.copies
    print(f"{count} scenarios; warm runs: " + ", ".join(f"{k} {v:.3f}s" for k, v in warm.items()))
    print(f"sum of warm runs:       {warm_sum:.2f}s")
    print(f"pytest items (summed):  {items:.2f}s   ratio {items / warm_sum:.2f}")
    print(f"  without the first:    {rest:.2f}s   ratio {rest / (warm_sum * (count - 1) / count):.2f}")
    print(f"pytest wall (fresh):    {wall:.2f}s   ratio {wall / warm_sum:.2f} (includes start-up, moto, deploy)")


if __name__ == "__main__":
    main()

"""Benchmark: is validation linear in the number of steps? Per-step time at 200 vs 20,000 steps.

Writes two scenarios of unnamed `say` steps (ids are generated), validates each through the engine
and prints the time per step and the ratio large / small (about 1 when validation is linear).
Not a test: run it on demand with `python benchmarks/validate_scaling.py [--small N] [--large N]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engine.plan.planner import check_scenario
from engine.plan.registry import load_registry


def per_step(count: int, folder: Path, registry: dict[str, object]) -> float:
    path = folder / f"steps_{count}.yaml"
    path.write_text("name: scaling\nsteps:\n" + "".join(f"  - say: step {i}\n" for i in range(count)))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        check_scenario(path, registry)  # not load_scenario: its per-process plan cache would time nothing
        best = min(best, time.perf_counter() - started)
    return best / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=20_000)
    args = parser.parse_args()
    registry = load_registry()
    with tempfile.TemporaryDirectory() as folder:
        small = per_step(args.small, Path(folder), registry)
        large = per_step(args.large, Path(folder), registry)
    print(f"{args.small:>6} steps: {small * 1e6:8.1f} µs per step")
    print(f"{args.large:>6} steps: {large * 1e6:8.1f} µs per step")
    print(f"ratio (per step, large / small): {large / small:.2f}  (about 1 when linear)")


if __name__ == "__main__":
    main()

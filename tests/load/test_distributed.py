"""A master and two workers on loopback, Locust's protocol unchanged: the master's statistics count
both workers' requests, and the workers spread the answer sets between them."""

from __future__ import annotations

import socket

from load_support import STACK, finish, needs_locust, scenario_load, stats

pytestmark = needs_locust


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_master_counts_the_requests_of_both_its_workers(served, flow, tmp_path):
    # Two answer sets, one per worker: worker 0's user signs up 'left-…' users, worker 1's 'right-…'.
    (tmp_path / "sets.yaml").write_text(
        "- {prefix: left, password: Str0ng-Passw0rd!}\n- {prefix: right, password: Str0ng-Passw0rd!}\n"
    )
    port = _free_port()
    prefix = tmp_path / "master"
    master = scenario_load(
        flow, "--answers", "sets.yaml", "--master", "--expect-workers", 2, "--master-bind-host", "127.0.0.1",
        "--master-bind-port", port, "--users", 2, "--spawn-rate", 2, "--run-time", "2s", "--csv", prefix,
        cwd=tmp_path,
    )  # fmt: skip
    workers = [
        scenario_load(
            flow,
            "--answers",
            "sets.yaml",
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            port,
            "--endpoint-url",
            served.url,
            "--stack",
            STACK,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    try:
        code, output = finish(master)
        assert code == 0, output
        for worker in workers:
            worker_code, worker_output = finish(worker)
            assert worker_code == 0, worker_output
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
                process.wait()

    sign_ups = served.sign_ups()
    left = [name for name in sign_ups if name.startswith("left-")]
    right = [name for name in sign_ups if name.startswith("right-")]
    assert left and right and len(left) + len(right) == len(sign_ups)
    requests, failures = stats(prefix)[("sign_up", "flow:sign_up")]
    # More sign-ups than either worker made: the master counts both. Every one it counts reached the
    # pool (a sign-up the stop interrupted reached it too, perhaps, but is not counted).
    assert max(len(left), len(right)) < requests <= len(sign_ups)
    assert failures == 0
    assert served.users() == []

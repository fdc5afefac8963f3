"""An interrupt Python swallowed (raised inside one of its own callbacks) still stops the run."""

from __future__ import annotations

from engine.run import interrupts


def test_an_interrupt_noted_but_lost_stops_the_run_before_its_next_step(scenario_run, write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - say: first\n  - say: second\n")
    interrupts.note()  # as the signal handler does just before its exception is swallowed
    try:
        result = scenario_run(scenario)
    finally:
        interrupts.clear()
    assert result.exit_code == 130
    assert "first" not in result.stdout
    assert "interrupted by Ctrl-C; cleaning up" in result.stderr


def test_a_handled_interrupt_is_cleared(scenario_run, write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - say: hello\n")
    interrupts.note()
    assert scenario_run(scenario).exit_code == 130
    result = scenario_run(scenario)  # the next run in the process is not interrupted by the old signal
    assert result.exit_code == 0, result.output

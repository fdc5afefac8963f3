"""What a process keeps between runs to make the next one cheaper never makes it see stale input or others' calls."""

from __future__ import annotations

import pytest

from engine.api import run_scenario
from engine.aws.clients import CallHooks, Clients
from engine.local import LocalAWS

GREETS = """\
name: greets
steps:
  - prompt: {id: who, text: "Who?"}
  - say: "hello {{ answers.who }}"
"""


pytestmark = pytest.mark.usefixtures("own_backend")


def test_an_answers_file_rewritten_between_runs_of_one_process_is_read_again(write, monkeypatch):
    scenario = write("s.yaml", GREETS)
    answers = write("answers.yaml", "who: carol\n")
    first = run_scenario(scenario, answers=answers)
    answers.write_text("who: alice\n", encoding="utf-8")  # same size, within the same clock tick
    second = run_scenario(scenario, answers=answers)
    monkeypatch.setenv("WHO", "dave")
    answers.write_text("who: {env: WHO, secret: false}\n", encoding="utf-8")
    third = run_scenario(scenario, answers=answers)
    monkeypatch.setenv("WHO", "erin")  # the same file text: an env reference is read again each run
    fourth = run_scenario(scenario, answers=answers)
    said = [next(line for line in r.transcript if "hello" in line) for r in (first, second, third, fourth)]
    assert [line.split("hello ", 1)[1] for line in said] == ["carol", "alice", "dave", "erin"]


def test_a_broken_answers_file_after_a_good_one_is_still_an_error_with_its_line(write):
    scenario = write("s.yaml", GREETS)
    answers = write("answers.yaml", "who: carol\n")
    assert run_scenario(scenario, answers=answers).passed
    answers.write_text("who: carol\nwho: [unclosed\n", encoding="utf-8")
    result = run_scenario(scenario, answers=answers)
    assert result.exit_code == 2
    assert result.error is not None
    assert result.error.render().startswith(f"{answers}:3:1: YAML syntax error: did not find expected ',' or ']'")


def test_each_clients_counts_only_while_attached_and_each_call_once():
    with LocalAWS() as local:
        made = [Clients.for_local(local.region) for _ in range(3)]
        for clients in made:
            clients.client("cognito-idp")  # all three share one botocore client
        assert len({id(c.client("cognito-idp")) for c in made}) == 1
        made[0].close()
        made[1].close()
        live = made[2]
        with live.counting_calls():
            live.client("cognito-idp").list_user_pools(MaxResults=1)
            live.client("cognito-idp").list_user_pools(MaxResults=1)
        again = Clients.for_local(local.region)  # attaching again after others left
        with again.counting_calls():
            again.client("cognito-idp").list_user_pools(MaxResults=1)
        assert (made[0].calls, made[1].calls) == ([], [])
        assert live.calls == ["cognito-idp.ListUserPools"] * 2
        assert again.calls == ["cognito-idp.ListUserPools"]
        traced: list[str] = []
        tracing = Clients.for_local(local.region, hooks=CallHooks(trace=lambda kind, op, _: traced.append(kind + op)))
        tracing.client("cognito-idp").list_user_pools(MaxResults=1)
        tracing.close()
        again.client("cognito-idp").list_user_pools(MaxResults=1)
        assert traced == ["requestcognito-idp.ListUserPools", "responsecognito-idp.ListUserPools"]
        for clients in (live, again):
            clients.close()

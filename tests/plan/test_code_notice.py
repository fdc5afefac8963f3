"""The notice that a scenario deploys code which runs on this machine when the target is local."""

from __future__ import annotations

from engine.plan.code_notice import code_notice
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry


def test_each_way_of_deploying_code_is_named_once(write):
    write("functions/handler.py", "def handler(event, context):\n    return event\n")
    scenario = write(
        "s.yaml",
        """\
        name: s
        steps:
          - create_function: {code: functions/handler.py}
          - aws_call: {service: lambda, operation: UpdateFunctionCode, params: {FunctionName: f, ZipFile: x}}
          - aws_call: {service: lambda, operation: UpdateFunctionCode, params: {FunctionName: g, ZipFile: y}}
          - aws_call: {service: cognito-idp, operation: ListUserPools, params: {MaxResults: 1}}
        """,
    )
    notice = code_notice(load_scenario(scenario, load_registry()))
    assert notice == (
        "note: this scenario deploys code (Lambda function from functions/handler.py, lambda UpdateFunctionCode) "
        "that runs on this machine with your permissions on the local target; run only scenario files you trust"
    )


def test_a_scenario_that_deploys_nothing_has_no_notice(write):
    scenario = write("s.yaml", "name: s\nsteps:\n  - say: hello\n")
    assert code_notice(load_scenario(scenario, load_registry())) is None


def test_validate_shows_the_notice(scenario_cli, write):
    scenario = write("s.yaml", "name: s\nstack: {template: t.yaml}\nsteps:\n  - say: hello\n")
    write("t.yaml", "Resources: {}\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 0, result.output
    assert f"{scenario}: note: this scenario deploys code (stack template t.yaml)" in result.stderr

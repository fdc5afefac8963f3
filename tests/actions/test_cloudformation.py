"""stack_outputs reads any stack's outputs; the scenario's own stack is deployed locally."""

from __future__ import annotations

from support import PROJECT


def test_stack_outputs_of_the_deployed_stack(scenario_run, write):
    text = f"""\
name: outputs
stack: {{template: {PROJECT / "infra" / "template.yaml"}}}
steps:
  - id: out
    stack_outputs: {{stack_name: scenario-run-cognito}}
    assert: result.UserPoolId == stack.UserPoolId and result.TableName == stack.TableName
"""
    result = scenario_run(write("s.yaml", text))
    assert result.exit_code == 0, result.output


def test_missing_declared_output_is_a_clear_error(scenario_run, write):
    text = f"""\
name: outputs
stack: {{template: {PROJECT / "infra" / "template.yaml"}, outputs: [UserPoolId, NoSuchOutput]}}
steps:
  - say: never
"""
    result = scenario_run(write("s.yaml", text))
    assert result.exit_code == 1
    assert (
        "Error: stack 'scenario-run-cognito' has no output NoSuchOutput\n  hint: deploy the project's "
        "infra/template.yaml (`scenario stack deploy`)"
    ) in result.stderr

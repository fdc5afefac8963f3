"""A team's own stack: their template, their parameters, their code folder with its requirements."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

TEMPLATE = """\
Parameters:
  Greeting: {Type: String}
  Stage: {Type: String, Default: test}
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: !Sub "${AWS::StackName}-${Stage}"}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref UserPool, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Greeter:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: functions/greeter/
      Environment: {Variables: {GREETING: !Ref Greeting}}
Outputs:
  UserPoolId: {Value: !Ref UserPool}
  UserPoolClientId: {Value: !Ref UserPoolClient}
  GreeterArn: {Value: !GetAtt Greeter.Arn}
"""

HANDLER = """\
import os

import tinydep


def handler(event, context):
    print(tinydep.shout(os.environ["GREETING"]), event["userName"])
    event["response"]["autoConfirmUser"] = True
    return event
"""

SCENARIO = """\
name: Own stack
stack:
  name: own-stack
  template: template.yaml
  parameters:
    Greeting: {greeting}
  outputs: [UserPoolId, UserPoolClientId, GreeterArn]
steps:
  - set_trigger:
      user_pool_id: "{{{{ stack.UserPoolId }}}}"
      trigger: PreSignUp
      function_arn: "{{{{ stack.GreeterArn }}}}"
  - sign_up: {{client_id: "{{{{ stack.UserPoolClientId }}}}", user_name: ada, password: Str0ng-Passw0rd!}}
  - id: status
    admin_get_user: {{user_pool_id: "{{{{ stack.UserPoolId }}}}", user_name: ada}}
    assert: result.UserStatus == 'CONFIRMED'
  - id: logs
    recent_log_events: {{function_name: "{{{{ stack.GreeterArn.split(':')[-1] }}}}"}}
    assert: "'HELLO! ada' in result.messages | join"
cleanup: {{ask: false}}
"""


def _tiny_wheel(folder: Path) -> str:
    """A pure-Python wheel built by hand, so vendoring it needs no network."""
    name = "tinydep-1.0-py3-none-any.whl"
    files = {
        "tinydep.py": "def shout(text):\n    return text.upper() + '!'\n",
        "tinydep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        "tinydep-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(text.encode())}")
        record.append("tinydep-1.0.dist-info/RECORD,,")
        archive.writestr("tinydep-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    (folder / name).write_bytes(buffer.getvalue())
    return name


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    code = tmp_path / "functions" / "greeter"
    code.mkdir(parents=True)
    (code / "index.py").write_text(HANDLER)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (code / "requirements.txt").write_text(f"{wheels / _tiny_wheel(wheels)}\n")
    (tmp_path / "scenario.yaml").write_text(SCENARIO.format(greeting="hello"))
    return tmp_path


def test_a_code_folder_with_requirements_is_vendored_once_and_its_trigger_fires(
    project: Path, tmp_path: Path, scenario_run
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = scenario_run(project / "scenario.yaml", "--non-interactive", env=env)
    assert first.exit_code == 0, first.output
    assert "Installing " in first.output and "Reusing" not in first.output
    (vendored,) = (tmp_path / "cache" / "scenario-run" / "vendor").iterdir()
    assert (vendored / "tinydep.py").is_file()
    # Evidence that pip does not run again: a file pip knows nothing of survives, and the run says so.
    (vendored / "left-by-the-test").write_text("")
    second = scenario_run(project / "scenario.yaml", "--non-interactive", env=env)
    assert second.exit_code == 0, second.output
    assert f"Reusing the vendored requirements of {project / 'functions/greeter/requirements.txt'} ({vendored})" in (
        second.output
    )
    assert "Installing " not in second.output
    assert (vendored / "left-by-the-test").is_file()


def test_a_parameter_the_template_does_not_declare_is_bad_input(project: Path, scenario_run) -> None:
    scenario = project / "scenario.yaml"
    scenario.write_text(SCENARIO.format(greeting="hello\n    Colour: blue"))
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {scenario}:7:5: stack parameter 'Colour' is not declared in the template "
        f"{project / 'template.yaml'}\n"
        f"  hint: declare it under Parameters in {project / 'template.yaml'}, or remove it from {scenario}"
    )


def test_a_required_parameter_the_scenario_does_not_give_is_bad_input(project: Path, scenario_run) -> None:
    scenario = project / "scenario.yaml"
    scenario.write_text(SCENARIO.format(greeting="hello").replace("    Greeting: hello\n", "    Stage: prod\n"))
    result = scenario_run(scenario, "--non-interactive")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {scenario}:6:5: the template {project / 'template.yaml'} requires the parameter 'Greeting' "
        f"(it has no Default)\n"
        f"  hint: give it under stack.parameters in {scenario}"
    )


def test_a_missing_code_path_is_bad_input(project: Path, scenario_run) -> None:
    template = project / "template.yaml"
    template.write_text(TEMPLATE.replace("functions/greeter/", "functions/nope/"))
    result = scenario_run(project / "scenario.yaml", "--non-interactive")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {template}: resource Greeter: Code functions/nope/ does not exist "
        f"(looked for {project / 'functions' / 'nope'})\n"
        "  hint: paths in Code are relative to the template's folder"
    )

"""``scenario init``: a new project that runs green at once on the embedded local AWS.

It writes a flow and its answers file, a template with a user pool, an app client and a PreSignUp function
whose code is a local folder (packaged at deploy), the handler, the editor schema the flow's modeline points
at, a pre-commit hook and a CI workflow. Nothing that exists is overwritten.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import InputError

FLOW = "scenarios/sign_up.yaml"
ANSWERS = "scenarios/answers/sign_up.yaml"

_FLOW = """\
# yaml-language-server: $schema=../schema/scenario.schema.json
name: Sign up and get confirmed by a PreSignUp trigger
description: |
  The PreSignUp function in functions/pre_sign_up/ confirms users of an allowed email domain
  (the ALLOWED_DOMAIN parameter), so they can sign in at once without a code.
stack:
  name: my-user-pool
  template: ../infra/template.yaml
  parameters:
    AllowedDomain: example.com
  outputs: [UserPoolId, UserPoolClientId, PreSignUpFunctionArn]
steps:
  - set_trigger:
      user_pool_id: "{{ stack.UserPoolId }}"
      trigger: PreSignUp
      function_arn: "{{ stack.PreSignUpFunctionArn }}"
  - prompt: {id: user, text: "User name:"}
  - prompt: {id: password, text: "Password:", type: password}
  - sign_up:
      client_id: "{{ stack.UserPoolClientId }}"
      user_name: "{{ answers.user }}"
      password: "{{ answers.password }}"
      email: "{{ answers.user }}@example.com"
  - id: status
    admin_get_user: {user_pool_id: "{{ stack.UserPoolId }}", user_name: "{{ answers.user }}"}
    assert: result.UserStatus == 'CONFIRMED'
  - sign_in:
      client_id: "{{ stack.UserPoolClientId }}"
      user_name: "{{ answers.user }}"
      password: "{{ answers.password }}"
  - say: "{{ answers.user }} was confirmed by the trigger and signed in."
"""

_ANSWERS = """\
# Replies for scenarios/sign_up.yaml, keyed by prompt id.
user: alice
password: Str0ng-Passw0rd!
remove_resources: yes
"""

_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: A user pool, its app client and a PreSignUp function (code in ../functions/pre_sign_up/).

Parameters:
  AllowedDomain:
    Type: String
    Description: Users signing up with an email of this domain are confirmed by the PreSignUp function.

Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub "${AWS::StackName}-pool"
      AutoVerifiedAttributes: [email]
      Schema:
        - {Name: email, AttributeDataType: String, Required: true, Mutable: true}

  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]

  PreSignUpRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
        - !Sub "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

  PreSignUpFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt PreSignUpRole.Arn
      Timeout: 5
      # A local folder: zipped (with its requirements.txt, if any) and uploaded at deploy.
      Code: ../functions/pre_sign_up/
      Environment:
        Variables:
          ALLOWED_DOMAIN: !Ref AllowedDomain

  PreSignUpInvokePermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt PreSignUpFunction.Arn
      Principal: cognito-idp.amazonaws.com
      SourceArn: !GetAtt UserPool.Arn

Outputs:
  UserPoolId:
    Value: !Ref UserPool
  UserPoolClientId:
    Value: !Ref UserPoolClient
  PreSignUpFunctionArn:
    Value: !GetAtt PreSignUpFunction.Arn
"""

_HANDLER = """\
\"\"\"PreSignUp trigger: confirm users whose email is in the allowed domain.\"\"\"

import os


def handler(event, context):
    email = event["request"]["userAttributes"].get("email", "")
    allowed = os.environ["ALLOWED_DOMAIN"]
    if email.endswith("@" + allowed):
        print(f"Confirming {event['userName']} ({email})")
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event
"""

_PRE_COMMIT = """\
repos:
  - repo: local
    hooks:
      - id: scenario-validate
        name: scenario validate
        entry: scenario validate
        language: system
        files: ^scenarios/[^/]+\\.ya?ml$
"""

_WORKFLOW = """\
name: scenarios
on: [push, pull_request]
jobs:
  local:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.12"}
      - run: pipx install scenario-run
      - run: scenario validate scenarios/*.yaml
      - run: scenario run scenarios/sign_up.yaml --answers scenarios/answers/sign_up.yaml --non-interactive
"""


def scaffold(directory: Path, schema_text: str) -> list[Path]:
    """Write the new project's files into ``directory``; return them. Raises if any of them exists."""
    files = {
        FLOW: _FLOW,
        ANSWERS: _ANSWERS,
        "infra/template.yaml": _TEMPLATE,
        "functions/pre_sign_up/index.py": _HANDLER,
        "schema/scenario.schema.json": schema_text,
        ".pre-commit-config.yaml": _PRE_COMMIT,
        ".github/workflows/scenarios.yml": _WORKFLOW,
    }
    existing = [name for name in files if (directory / name).exists()]
    if existing:
        raise InputError(
            f"{directory / existing[0]} already exists",
            hint="run `scenario init` in an empty directory, or pass another one: `scenario init DIR`",
        )
    written = []
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written

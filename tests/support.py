"""Constants shared by tests: the project root and steps that make a user pool."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# Steps that make a user pool and an app client with aws_call (undone at cleanup), so engine
# tests need no stack. The pool id is vars-free: steps.pool.result.UserPool.Id.
POOL_STEPS = """\
  - id: pool
    aws_call:
      service: cognito-idp
      operation: CreateUserPool
      params:
        PoolName: engine-test
        Policies: {PasswordPolicy: {MinimumLength: 8, RequireUppercase: true, RequireLowercase: true,
                                    RequireNumbers: true, RequireSymbols: true}}
      undo:
        operation: DeleteUserPool
        params: {UserPoolId: "{{ result.UserPool.Id }}"}
  - id: app
    aws_call:
      service: cognito-idp
      operation: CreateUserPoolClient
      params:
        UserPoolId: "{{ steps.pool.result.UserPool.Id }}"
        ClientName: engine-test
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
"""

"""Passwords are checked against the pool's policy with Cognito's per-rule messages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from engine.aws.clients import Clients
from engine.local import LocalAWS


@pytest.fixture
def pool():
    with LocalAWS() as local:
        idp = Clients.for_local(local.region).client("cognito-idp")
        pool_id = idp.create_user_pool(
            PoolName="p",
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 10,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
        )["UserPool"]["Id"]
        idp.admin_create_user(UserPoolId=pool_id, Username="u", MessageAction="SUPPRESS")
        yield idp, pool_id


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("alllower1!x", "Password must have uppercase characters"),
        ("ALLUPPER1!X", "Password must have lowercase characters"),
        ("NoNumbers!x", "Password must have numeric characters"),
        ("NoSymbols1x", "Password must have symbol characters"),
    ],
)
def test_each_rule_has_cognitos_message(pool, password, rule):
    idp, pool_id = pool
    with pytest.raises(ClientError) as raised:
        idp.admin_set_user_password(UserPoolId=pool_id, Username="u", Password=password, Permanent=True)
    assert raised.value.response["Error"] == {
        "Code": "InvalidPasswordException",
        "Message": f"Password did not conform with policy: {rule}",
    }


def test_a_good_password_and_an_inner_space_pass(pool):
    idp, pool_id = pool
    idp.admin_set_user_password(UserPoolId=pool_id, Username="u", Password="Str0ng-Passw0rd", Permanent=True)
    idp.admin_set_user_password(UserPoolId=pool_id, Username="u", Password="Inner sp4ce ok", Permanent=True)

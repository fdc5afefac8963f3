"""SRP sign-in and remembered devices through the CLI on the embedded backend: the engine's SRP client
(``engine.crypto.srp``) against the local Cognito's server side."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from engine.aws.clients import Clients
from engine.local import LocalAWS

PASSWORD = "Str0ng-Passw0rd!"
USER = """\
  - admin_create_user: {{user_pool_id: "{{{{ env.POOL_ID }}}}", user_name: ada, temporary_password: Temp-Passw0rd!}}
  - admin_set_user_password:
      user_pool_id: "{{{{ env.POOL_ID }}}}"
      user_name: ada
      password: {password}
      permanent: true
"""


def _pool(devices: bool) -> Iterator[tuple[Clients, dict[str, str]]]:
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        idp = clients.client("cognito-idp")
        extra = (
            {"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}}
            if devices
            else {}
        )
        pool_id = idp.create_user_pool(PoolName="srp", **extra)["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        )["UserPoolClient"]["ClientId"]
        yield clients, {"POOL_ID": pool_id, "CLIENT_ID": client_id}


@pytest.fixture
def pool() -> Iterator[tuple[Clients, dict[str, str]]]:
    yield from _pool(devices=False)


@pytest.fixture
def tracking_pool() -> Iterator[tuple[Clients, dict[str, str]]]:
    yield from _pool(devices=True)


def test_srp_sign_in_proves_the_password_without_sending_it(scenario_run, write, pool):
    _, env = pool
    scenario = write(
        "srp.yaml",
        "name: srp\nenv: [POOL_ID, CLIENT_ID]\nsteps:\n"
        + USER.format(password=PASSWORD)
        + """\
  - id: wrong
    srp_sign_in: {client_id: "{{ env.CLIENT_ID }}", user_name: ada, password: Not-The-Passw0rd!}
    expect_error: NotAuthorizedException
  - id: right
    srp_sign_in: {client_id: "{{ env.CLIENT_ID }}", user_name: ada, password: Str0ng-Passw0rd!}
    assert: jwt_claims(result.IdToken)['cognito:username'] == 'ada' and result.AccessToken is defined
""",
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output


def test_a_remembered_device_signs_in_with_its_own_secret(scenario_run, write, tracking_pool, tmp_path):
    clients, env = tracking_pool
    report = tmp_path / "transcript.jsonl"
    scenario = write(
        "device.yaml",
        "name: device\nenv: [POOL_ID, CLIENT_ID]\nsteps:\n"
        + USER.format(password=PASSWORD)
        + """\
  - id: first
    srp_sign_in: {client_id: "{{ env.CLIENT_ID }}", user_name: ada, password: Str0ng-Passw0rd!}
    assert: result.NewDeviceMetadata.DeviceKey is defined
  - id: device
    remember_device:
      access_token: "{{ steps.first.result.AccessToken }}"
      device_key: "{{ steps.first.result.NewDeviceMetadata.DeviceKey }}"
      device_group_key: "{{ steps.first.result.NewDeviceMetadata.DeviceGroupKey }}"
      device_name: ci-runner
      remembered: true
  - id: again
    srp_sign_in:
      client_id: "{{ env.CLIENT_ID }}"
      user_name: ada
      password: Str0ng-Passw0rd!
      device_key: "{{ steps.device.result.DeviceKey }}"
      device_group_key: "{{ steps.device.result.DeviceGroupKey }}"
      device_password: "{{ steps.device.result.DevicePassword }}"
    assert: result.AccessToken is defined and result.NewDeviceMetadata is not defined
  - id: forged
    srp_sign_in:
      client_id: "{{ env.CLIENT_ID }}"
      user_name: ada
      password: Str0ng-Passw0rd!
      device_key: "{{ steps.device.result.DeviceKey }}"
      device_group_key: "{{ steps.device.result.DeviceGroupKey }}"
      device_password: not-the-device-secret
    expect_error: NotAuthorizedException
""",
    )
    result = scenario_run(scenario, "--transcript", report, env=env)
    assert result.exit_code == 0, result.output
    idp = clients.client("cognito-idp")
    with pytest.raises(idp.exceptions.UserNotFoundException):  # the user, and with it the device, is gone after
        idp.admin_list_devices(UserPoolId=env["POOL_ID"], Username="ada")  # cleanup (AWS: UserNotFoundException)
    text = report.read_text()  # the --json summary has no step results; the transcript has them, masked
    device_step = next(s for s in map(json.loads, text.splitlines()) if s["id"] == "device" and s["phase"] == "steps")
    password = device_step["result"]["DevicePassword"]
    assert set(password) == {"*"}, "the device password is a secret"
    assert "DevicePassword" in text


def test_a_device_needs_all_three_of_its_values(scenario_cli, write):
    scenario = write(
        "partial.yaml",
        """\
        name: partial
        steps:
          - srp_sign_in: {client_id: c, user_name: ada, password: p, device_key: k}
        """,
    )
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert "needs 'device_group_key', 'device_password' too" in result.output

"""Group actions through the CLI on the embedded backend: what a run adds is taken away, nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.aws.clients import Clients
from engine.local import LocalAWS

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture
def pool() -> Iterator[tuple[Clients, dict[str, str]]]:
    """A pool made before the run, with a user 'old' already in the group 'existing'."""
    with LocalAWS() as local:
        clients = Clients.for_local(local.region)
        idp = clients.client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="groups")["UserPool"]["Id"]
        idp.admin_create_user(UserPoolId=pool_id, Username="old", MessageAction="SUPPRESS")
        idp.create_group(UserPoolId=pool_id, GroupName="existing")
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="old", GroupName="existing")
        yield clients, {"POOL_ID": pool_id}


def group_names(clients: Clients, pool_id: str) -> list[str]:
    return sorted(g["GroupName"] for g in clients.client("cognito-idp").list_groups(UserPoolId=pool_id)["Groups"])


def groups_of(clients: Clients, pool_id: str, user: str) -> list[str]:
    found = clients.client("cognito-idp").admin_list_groups_for_user(UserPoolId=pool_id, Username=user)["Groups"]
    return sorted(g["GroupName"] for g in found)


def test_what_the_run_adds_is_removed_and_what_was_there_stays(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "groups.yaml",
        """\
        name: groups
        env: [POOL_ID]
        steps:
          - id: group
            create_group: {user_pool_id: "{{ env.POOL_ID }}", group_name: "new-{{ run_id }}", precedence: 2}
            assert: result.GroupName.startswith('new-') and result.Precedence == 2
          - id: old_joins
            admin_add_user_to_group:
              user_pool_id: "{{ env.POOL_ID }}"
              user_name: old
              group_name: "{{ steps.group.result.GroupName }}"
          - id: old_again
            admin_add_user_to_group: {user_pool_id: "{{ env.POOL_ID }}", user_name: old, group_name: existing}
            assert: result.already_member
          - admin_create_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: fresh}
          - admin_add_user_to_group: {user_pool_id: "{{ env.POOL_ID }}", user_name: fresh, group_name: existing}
          - admin_list_groups_for_user: {user_pool_id: "{{ env.POOL_ID }}", user_name: old}
            assert: result.names | length == 2
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    pool_id = env["POOL_ID"]
    assert group_names(clients, pool_id) == ["existing"]
    assert groups_of(clients, pool_id, "old") == ["existing"]  # a member from before stays one
    assert "[undo] old_joins (undo)  remove user 'old' from group 'new-" in result.stdout
    assert "[undo] group (undo)  delete group 'new-" in result.stdout and f"of user pool {pool_id}" in result.stdout
    assert "remove user 'old' from group 'existing'" not in result.stdout


def test_a_flow_that_removes_its_group_itself_leaves_nothing_to_report(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "groups.yaml",
        """\
        name: groups
        env: [POOL_ID]
        steps:
          - create_group: {user_pool_id: "{{ env.POOL_ID }}", group_name: mine}
          - admin_add_user_to_group: {user_pool_id: "{{ env.POOL_ID }}", user_name: old, group_name: mine}
          - delete_group: {user_pool_id: "{{ env.POOL_ID }}", group_name: mine}
          - id: generic
            aws_call:
              service: cognito-idp
              operation: CreateGroup
              params: {UserPoolId: "{{ env.POOL_ID }}", GroupName: generic}
              undo:
                operation: DeleteGroup
                params: {UserPoolId: "{{ env.POOL_ID }}", GroupName: generic}
                already_gone: ResourceNotFoundException
          - delete_group: {user_pool_id: "{{ env.POOL_ID }}", group_name: generic}
        after_cleanup:
          - aws_call:
              service: cognito-idp
              operation: ListGroups
              params: {UserPoolId: "{{ env.POOL_ID }}"}
            assert: result.Groups | map(attribute='GroupName') | list == ['existing']
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    assert "delete group 'mine'" not in result.stdout and "remove user 'old'" not in result.stdout
    assert (
        f"[undo] generic (undo)  cognito-idp DeleteGroup UserPoolId={env['POOL_ID']}, GroupName=generic "
        "(undo of CreateGroup) (already gone)" in result.stdout
    )
    assert group_names(clients, env["POOL_ID"]) == ["existing"]


def test_a_group_that_exists_already_is_not_the_runs_to_delete(scenario_run, write, pool):
    clients, env = pool
    scenario = write(
        "groups.yaml",
        """\
        name: groups
        env: [POOL_ID]
        steps:
          - create_group: {user_pool_id: "{{ env.POOL_ID }}", group_name: existing}
            expect_error: GroupExistsException
        """,
    )
    result = scenario_run(scenario, env=env)
    assert result.exit_code == 0, result.output
    assert "[undo]" not in result.stdout
    assert group_names(clients, env["POOL_ID"]) == ["existing"]

"""expect_gone: the built-in "nothing left" check."""

from __future__ import annotations

from support import POOL_STEPS

POOL = '"{{ steps.pool.result.UserPool.Id }}"'


def test_expect_gone_passes_for_what_is_gone_and_names_what_is_left(scenario_run, write):
    steps = f"""\
  - admin_create_user: {{user_pool_id: {POOL}, user_name: ann}}
  - expect_gone:
      user: {{user_pool_id: {POOL}, user_name: nobody}}
      group: {{user_pool_id: {POOL}, group_name: nobody}}
      function: no-such-function
      trigger: {{user_pool_id: {POOL}, trigger: PreSignUp}}
      log_group: /aws/lambda/no-such-function
      item: {{table: no-such-table, key: {{UserEmail: a@example.com}}}}
  - id: left
    expect_gone:
      user: {{user_pool_id: {POOL}, user_name: ann}}
cleanup: {{ask: false}}
after_cleanup:
  - id: after
    expect_gone:
      user: {{user_pool_id: "{{{{ steps.pool.result.UserPool.Id }}}}", user_name: ann}}
"""
    scenario = write("gone.yaml", "name: gone\nsteps:\n" + POOL_STEPS + steps)
    result = scenario_run(scenario)
    assert result.exit_code == 1
    assert "[ok] expect_gone (expect_gone)" in result.stdout
    assert "step 'left': user 'ann' is still in user pool us-east-1_" in result.stderr
    # after cleanup the pool itself is gone: a user of a deleted pool is gone too
    assert "[ok] after (expect_gone)" in result.stdout


def test_expect_gone_needs_something_to_check(scenario_cli, write):
    scenario = write("bad.yaml", "name: b\nsteps:\n  - expect_gone: {}\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert "expect_gone needs one of: user, group, item, function, trigger, log_group" in result.stderr

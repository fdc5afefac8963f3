"""The `scenario` subcommands that need no AWS: actions, schema."""

from __future__ import annotations

import json

from support import PROJECT

from engine.plan.registry import load_registry
from engine.plan.schema import schema_text


def test_checked_in_schema_is_generated_from_the_registry():
    checked_in = (PROJECT / "schema" / "scenario.schema.json").read_text()
    assert checked_in == schema_text(load_registry()), (
        "schema/scenario.schema.json is stale: run `scenario schema --output schema/scenario.schema.json`"
    )


def test_schema_command_prints_the_schema(scenario_cli):
    result = scenario_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "sign_up" in schema["$defs"]["step"]["properties"]


def test_actions_lists_every_action_and_details_one(scenario_cli):
    result = scenario_cli("actions")
    assert result.exit_code == 0
    for name in load_registry():
        assert f"{name}: " in result.stdout
    detail = scenario_cli("actions", "set_trigger")
    assert detail.exit_code == 0
    assert "    trigger (required): The LambdaConfig key, e.g. PreSignUp." in detail.stdout
    assert "  example:\n    - set_trigger:\n        user_pool_id: '{{ stack.UserPoolId }}'" in detail.stdout
    unknown = scenario_cli("actions", "set_triger")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "Error: unknown action 'set_triger'\n  hint: did you mean set_trigger, remove_trigger? run "
        "`scenario actions` to list them\n"
    )


def test_every_action_example_validates(scenario_cli, write):
    import yaml

    registry = load_registry()
    steps = [{name: action.example} for name, action in sorted(registry.items())]
    prelude = [
        {"prompt": {"id": "password", "text": "p"}},
        {"prompt": {"id": "user", "text": "u"}},
        {"prompt": {"id": "username", "text": "u"}},
        {"prompt": {"id": "code", "text": "c"}},
        {"prompt": {"id": "new_password", "text": "n"}},
        {"prompt": {"id": "email", "text": "e"}},
    ]
    steps = [s for s in steps if "prompt" not in s]
    path = write(
        "examples.yaml", yaml.safe_dump({"name": "examples", "vars": {"email": "a@b.c"}, "steps": prelude + steps})
    )
    result = scenario_cli("validate", path)
    assert result.exit_code == 0, result.output

"""The scenario JSON schema, generated from the action registry.

The step modifiers' schemas live with the plan (``engine.plan.model.STEP_MODIFIERS``), each action's
argument schema with the action; both are merged in here. ``schema/scenario.schema.json`` is this
output, checked in for editors.
"""

from __future__ import annotations

import json

from engine.action import Action, JsonSchema
from engine.plan.model import ENV_ENTRY_SCHEMA, INCLUDE, INCLUDE_SCHEMA, STEP_MODIFIERS

SCHEMA_ID = "https://scenario-run.dev/schema/scenario.schema.json"


def step_schema(registry: dict[str, Action]) -> JsonSchema:
    """A step: the common modifiers plus exactly one action key."""
    properties: dict[str, JsonSchema] = {**STEP_MODIFIERS, INCLUDE: INCLUDE_SCHEMA}
    for name, act in sorted(registry.items()):
        properties[name] = {**act.schema, "description": act.description}
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "oneOf": [{"required": [name]} for name in sorted([*registry, INCLUDE])],
    }


def top_level_schema(step: JsonSchema) -> JsonSchema:
    """The scenario file; ``step`` is the schema each item of ``steps`` must match."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "steps"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "description": "Labels for --tag/--skip-tag, and pytest marks (-m) in the pytest plugin.",
            },
            "stack": {
                "type": "object",
                "additionalProperties": False,
                "description": "Where the `stack` outputs come from. On the local target the template is "
                "deployed automatically unless --stack is given.",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "template": {
                        "type": "string",
                        "minLength": 1,
                        "description": "CloudFormation template, relative to the scenario. Local paths in a "
                        "function's Code (a .py file, a folder, a .zip) are packaged and uploaded, as "
                        "`aws cloudformation package` does; a folder's requirements.txt is vendored.",
                    },
                    "parameters": {
                        "type": "object",
                        "additionalProperties": {"type": ["string", "number", "boolean", "array"]},
                        "description": "Template parameters. Each must be declared by the template, and every "
                        "parameter without a Default must be given.",
                    },
                    "outputs": {"type": "array", "items": {"type": "string"}},
                },
            },
            "vars": {"type": "object", "description": "Variables (templated, in order): vars.<name>."},
            "env": {
                "type": "array",
                "items": ENV_ENTRY_SCHEMA,
                "description": "Environment variables the scenario may read as env.<NAME>: a name, or "
                "{name, default, secret}. Values come from the environment, then --env-file, then the default.",
            },
            "steps": {"type": "array", "minItems": 1, "items": step},
            "cleanup": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "ask": {
                        "type": ["string", "boolean"],
                        "description": "The question asked before removing resources (prompt id "
                        "remove_resources, default yes); false to never ask.",
                    },
                    "steps": {"type": "array", "items": step},
                },
            },
            "after_cleanup": {
                "type": "array",
                "items": step,
                "description": "Steps run once the cleanup is done, to check what it left (e.g. that a user is "
                "gone: admin_get_user with expect_error: UserNotFoundException). They fail the run like any "
                "step; they are skipped when resources are kept.",
            },
        },
    }


def build_schema(registry: dict[str, Action]) -> JsonSchema:
    """The full schema, as checked in under schema/."""
    schema = top_level_schema({"$ref": "#/$defs/step"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "scenario-run scenario",
        **schema,
        "$defs": {"step": step_schema(registry)},
    }


def schema_text(registry: dict[str, Action]) -> str:
    return json.dumps(build_schema(registry), indent=2, sort_keys=False) + "\n"


def generic_step_schema() -> JsonSchema:
    """For the first validation pass: modifiers checked, the action key left to the second pass."""
    return {"type": "object", "properties": dict(STEP_MODIFIERS)}

"""What the planner reads off an action beyond the required contract, with its defaults."""

from __future__ import annotations

from engine.action import SimpleAction
from engine.plan.declared import operations_called, sets_vars, variables_set
from engine.plan.registry import load_registry


def _action(operations: tuple[tuple[str, str], ...] = ()) -> SimpleAction:
    return SimpleAction("a", "An action.", {"type": "object"}, {}, lambda args, ctx: None, operations=operations)


def test_an_action_that_says_nothing_sets_no_variables():
    assert not sets_vars(_action())
    assert variables_set(_action(), {"colour": "blue"}) == []


def test_set_vars_declares_the_variables_it_sets():
    set_vars = load_registry()["set_vars"]
    assert variables_set(set_vars, {"user": "alice", "colour": "blue"}) == ["user", "colour"]
    assert variables_set(set_vars, "{{ not_a_mapping }}") == []


def test_the_operations_an_action_declares_are_its_calls():
    declared = _action((("cognito-idp", "SignUp"),))
    assert operations_called(declared, {"service": "lambda", "operation": "Invoke"}) == (("cognito-idp", "SignUp"),)


def test_a_generic_call_makes_the_operation_its_arguments_name_when_they_are_constant():
    generic = load_registry()["aws_call"]
    assert operations_called(generic, {"service": "cognito-idp", "operation": "ListUserPools"}) == (
        ("cognito-idp", "ListUserPools"),
    )
    assert operations_called(generic, {"service": "cognito-idp", "operation": "{{ vars.op }}"}) == ()
    assert operations_called(generic, "not a mapping") == ()

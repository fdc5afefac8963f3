"""Plugins load through the entry-point group; a third-party one works, a broken one is named."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from engine.plan.registry import ENTRY_POINT_GROUP, load_registry


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``plugin(module_source)``: installs a distribution with one module in the actions group."""

    def install(source: str, name: str = "extra_actions") -> None:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {name}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        load_registry.cache_clear()

    yield install
    load_registry.cache_clear()
    for name in [m for m in sys.modules if m == "extra_actions"]:
        del sys.modules[name]


def test_builtins_register_through_the_entry_point_group():
    registry = load_registry()
    assert {
        "sign_up",
        "sign_in",
        "set_trigger",
        "populate_table",
        "recent_log_events",
        "stack_outputs",
        "prompt",
        "aws_call",
        "say",
    } <= set(registry)


def test_a_third_party_action_runs_like_a_builtin(plugin, scenario_run, write):
    plugin("""
        from engine.action import action

        @action("shout", "Print text in capitals.", {"type": "string"}, "hello")
        def shout(args, ctx):
            ctx.console.say(args.upper())
            return {"shouted": args}

        ACTIONS = [shout]
    """)
    scenario = write("s.yaml", "name: s\nsteps:\n  - shout: hello\n  - check: steps.shout.result.shouted == 'hello'\n")
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "HELLO" in result.stdout


def test_a_plugin_that_fails_to_import_is_named(plugin, scenario_cli, write):
    plugin("import does_not_exist\n")
    result = scenario_cli("validate", write("s.yaml", "name: s\nsteps:\n  - say: hi\n"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: action plugin 'extra_actions = extra_actions' failed to load: ModuleNotFoundError: No module named "
        "'does_not_exist'\n  hint: fix or uninstall the package that provides it\n"
    )


def test_a_plugin_without_actions_list_is_named(plugin, scenario_cli, write):
    plugin("X = 1\n")
    result = scenario_cli("validate", write("s.yaml", "name: s\nsteps:\n  - say: hi\n"))
    assert result.exit_code == 2
    assert "action plugin 'extra_actions = extra_actions' has no ACTIONS list" in result.stderr


def test_a_plugin_action_missing_run_is_named(plugin, scenario_cli, write):
    plugin("class A:\n    name = 'a'\n    description = ''\n    schema = {}\n    example = None\n\nACTIONS = [A()]\n")
    result = scenario_cli("validate", write("s.yaml", "name: s\nsteps:\n  - say: hi\n"))
    assert result.exit_code == 2
    assert "lacks run" in result.stderr and "extra_actions" in result.stderr


def test_an_internal_bug_exits_3_with_a_log_and_still_cleans_up(plugin, scenario_run, write):
    plugin("""
        from engine.action import action

        @action("explode", "A bug.", {"type": "null"}, None)
        def explode(args, ctx):
            return 1 / 0

        ACTIONS = [explode]
    """)
    from support import POOL_STEPS

    scenario = write("s.yaml", "name: s\nsteps:\n" + POOL_STEPS + "  - explode:\n")
    result = scenario_run(scenario)
    assert result.exit_code == 3
    assert "Error: internal error (ZeroDivisionError: division by zero). This is a bug in scenario-run." in (
        result.stderr
    )
    log = Path(result.stderr.split("The traceback is in ")[1].split(";")[0])
    assert "ZeroDivisionError" in log.read_text() and "Traceback" in log.read_text()
    assert "Traceback" not in result.output
    assert "[undo] pool (undo)" in result.stdout


def test_a_plugin_action_that_sets_vars_defines_them_for_the_planner(plugin, scenario_cli, scenario_run, write):
    # A plain object (no ActionBase), so the registry fills in the rest of the contract around it.
    plugin("""
        class Remember:
            name = "remember"
            description = "Set variables, as set_vars does."
            schema = {"type": "object"}
            example = {"colour": "blue"}
            quiet = True
            sets_vars = True

            def run(self, args, ctx):
                for key, value in args.items():
                    ctx.set_var(key, value)
                return dict(args)

        ACTIONS = [Remember()]
    """)
    scenario = write("s.yaml", "name: s\nsteps:\n  - remember: {colour: blue}\n  - check: vars.colour == 'blue'\n")
    assert scenario_cli("validate", scenario).exit_code == 0
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output


def test_a_plugin_action_that_does_not_say_it_sets_vars_defines_none(plugin, scenario_cli, write):
    plugin("""
        from engine.action import action

        @action("remember", "Set variables.", {"type": "object"}, {"colour": "blue"})
        def remember(args, ctx):
            return dict(args)

        ACTIONS = [remember]
    """)
    scenario = write("s.yaml", "name: s\nsteps:\n  - remember: {colour: blue}\n  - check: vars.colour == 'blue'\n")
    result = scenario_cli("validate", scenario)
    assert result.exit_code == 2
    assert f"{scenario}:4:12: step 'check': template reads vars.colour, which is not set anywhere" in result.stderr


def test_a_plain_object_plugin_gets_the_defaults_and_runs(plugin, scenario_run, write):
    # The contract a plugin written without importing the engine fills in: five names, nothing else.
    plugin("""
        class Greet:
            name = "greet"
            description = "Say hello."
            schema = {"type": "object", "properties": {"who": {"type": "string"}}, "required": ["who"]}
            example = {"who": "world"}

            def run(self, args, ctx):
                ctx.console.say(f"hello {args['who']}")
                return {"greeted": args["who"]}

        ACTIONS = [Greet()]
    """)
    greet = load_registry()["greet"]
    assert (greet.quiet, greet.asks, greet.deferred, greet.operations, greet.result_example) == (
        False,
        False,
        frozenset(),
        (),
        None,
    )
    assert greet.check({"who": "x"}) == [] and greet.step_id({"who": "x"}) is None
    steps = "  - greet: {who: '{{ run_id }}'}\n  - check: steps.greet.result.greeted\n"
    scenario = write("s.yaml", "name: s\nsteps:\n" + steps)
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "hello " in result.stdout


def test_a_plugin_on_the_old_import_path_still_works(plugin, scenario_run, write):
    plugin("""
        from engine.actions.base import STRING, ActionBase, ActionContext, obj

        class Echo(ActionBase):
            name = "echo"
            description = "Echo text."
            schema = obj({"text": STRING}, ["text"])
            example = {"text": "hi"}
            quiet = True

            def run(self, args, ctx: ActionContext):
                ctx.console.say(args["text"])
                return args

        ACTIONS = [Echo()]
    """)
    scenario = write("s.yaml", "name: s\nsteps:\n  - echo: {text: loud}\n  - check: steps.echo.result.text == 'loud'\n")
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "loud" in result.stdout and "[ok] echo" not in result.stdout


def test_a_typed_plugin_gets_its_arguments_as_its_typed_view(plugin, scenario_run, write):
    plugin("""
        from typing import NotRequired, TypedDict

        from engine.action import STRING, ActionContext, JsonValue, TypedAction, action, obj

        class RepeatArgs(TypedDict):
            text: str
            times: NotRequired[int]

        class Repeat(TypedAction[RepeatArgs]):
            name = "repeat"
            description = "Say text a number of times."
            schema = obj({"text": STRING, "times": {"type": "integer"}}, ["text"])
            example = {"text": "hi", "times": 2}

            def perform(self, args: RepeatArgs, ctx: ActionContext) -> JsonValue:
                ctx.console.say(" ".join([args["text"]] * args.get("times", 1)))
                return {"said": args["text"]}

        @action("shout", "Say text in capitals.", obj({"text": STRING}, ["text"]), {"text": "hi"})
        def shout(args: RepeatArgs, ctx: ActionContext) -> JsonValue:
            ctx.console.say(args["text"].upper())
            return None

        ACTIONS = [Repeat(), shout]
    """)
    registry = load_registry()
    assert registry["repeat"].args_type.__name__ == "RepeatArgs"
    assert registry["shout"].args_type.__name__ == "RepeatArgs"
    scenario = write(
        "s.yaml",
        "name: s\nsteps:\n  - repeat: {text: again, times: '{{ 1 + 2 }}'}\n  - shout: {text: quiet}\n"
        "  - check: steps.repeat.result.said == 'again'\n",
    )
    result = scenario_run(scenario)
    assert result.exit_code == 0, result.output
    assert "again again again" in result.stdout and "QUIET" in result.stdout

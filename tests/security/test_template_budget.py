"""Template bombs stop within their budget: constant ones at validation (exit 2), others at run time (exit 1)."""

from __future__ import annotations

import pytest

STATIC = [
    ("{{ 'a' * (2 * 10 ** 9) }}", "a repeated string or list would have 2,000,000,000 items (at most 1,000,000)"),
    ("{{ 10 ** (10 ** 9) }}", "10 ** 1000000000 has about 3,321,928,095 bits (at most 4,096)"),
    ("{{ lipsum(10 ** 7) }}", "lipsum() was given 10,000,000 (at most 1,000,000)"),
    ("{{ range(10 ** 9) | list }}", "range() was given 1,000,000,000 (at most 1,000,000)"),
    ("{{ 'x' | center(10 ** 9) }}", "center() was given 1,000,000,000 (at most 1,000,000)"),
    ("{{ '%999999999s' % 'a' }}", "a format width or precision of seven or more digits"),
]

RUNTIME = [
    (
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "loops ran more than 1,000,000 times in one render",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "a joined string would have 1,048,576 items (at most 1,000,000)",
    ),
    ("{{ ['x' * 999999] * 999999 }}", "a repeated string or list would have 999,999,000,000 items (at most 1,000,000)"),
    ("{{ '{:>999999999}'.format(1) }}", "a format width or precision of seven or more digits"),
    ("{{ lipsum(200) }}", "lipsum(200) (at most 100 paragraphs)"),
]
HINT = "  hint: a render may take 2 s and build at most 1,000,000 characters or items\n"


def scenario(template: str) -> str:
    return f'name: bomb\nsteps:\n  - say: hello\n  - id: bomb\n    say: "{template}"\n'


@pytest.mark.parametrize(("template", "problem"), STATIC)
def test_constant_bombs_are_refused_before_the_run(scenario_cli, write, template: str, problem: str) -> None:
    path = write("bomb.yaml", scenario(template))
    result = scenario_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:5:10: step 'bomb': template over budget: {problem}\n")


@pytest.mark.parametrize(("template", "problem"), RUNTIME)
def test_runtime_bombs_fail_their_step(scenario_run, write, template: str, problem: str) -> None:
    path = write("bomb.yaml", scenario(template))
    result = scenario_run(path)
    assert result.exit_code == 1, result.output
    assert f"Error: {path}:5:10: step 'bomb': template over budget: {problem}\n{HINT}" in result.stderr


def test_ordinary_templates_are_untouched(scenario_run, write) -> None:
    path = write(
        "ok.yaml", scenario("{{ [1, 2] | sum }} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 'a' ~ 1 }} {{ range(3) | list }}")
    )
    result = scenario_run(path)
    assert result.exit_code == 0, result.output
    assert "3 ababab 1024 a1 [0, 1, 2]" in result.stdout

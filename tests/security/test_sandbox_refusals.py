"""Every sandbox refusal is bad input at file:line (exit 2) before a run, and memory is bounded.

What the sandbox would refuse at run time is found in the template's text while validating:
dunder attributes however they are reached (``.``, ``[]``, the attribute filters, a
format string's fields). Widths taken from ``*`` and many widths in one format string count
against the size budget before the string is built.
"""

from __future__ import annotations

import pytest

REFUSED = [
    ("{{ ''.__class__ }}", "access to attribute '__class__' is unsafe"),
    ("{{ cycler.__init__.__globals__ }}", "access to attribute '__globals__' is unsafe"),
    ("{{ vars['__class__'] }}", "access to attribute '__class__' is unsafe"),
    ("{{ 1 | attr('__class__') }}", "access to attribute '__class__' is unsafe"),
    ("{{ ['a'] | map(attribute='__class__') | list }}", "access to attribute '__class__' is unsafe"),
    ("{{ [1] | sort(attribute='real.__class__') }}", "access to attribute 'real.__class__' is unsafe"),
    (
        "{{ '{0.__class__}'.format(1) }}",
        "the format string '{0.__class__}' reads an internal attribute of its arguments",
    ),
]

TOO_BIG = [
    ("{{ '%.*f' % (2000000000, 1.0) }}", "a %-formatted string would have 2,000,000,004 items (at most 1,000,000)"),
    ("{{ '%*s' % (2000000000, 'x') }}", "a %-formatted string would have 2,000,000,003 items (at most 1,000,000)"),
    ("{{ '%999999s%999999s' % ('x', 'y') }}", "a %-formatted string would have 2,000,014 items (at most 1,000,000)"),
]


def scenario(template: str) -> str:
    return f'name: refused\nsteps:\n  - say: hello\n  - id: bad\n    say: "{template}"\n'


@pytest.mark.parametrize(("template", "problem"), REFUSED)
def test_a_sandbox_refusal_is_exit_2_at_file_line(scenario_cli, scenario_run, write, template, problem):
    path = write("refused.yaml", scenario(template))
    for result in (scenario_cli("validate", path), scenario_run(path)):
        assert result.exit_code == 2, result.output
        assert f"Error: {path}:5:10: step 'bad': template not allowed: {problem}\n  hint: templates may read data" in (
            result.stderr
        ), result.stderr
        assert "internal error" not in result.output and "[ok] say" not in result.output


@pytest.mark.parametrize(("template", "problem"), TOO_BIG)
def test_a_format_that_would_build_gigabytes_is_refused_before_it_is_built(scenario_cli, write, template, problem):
    path = write("big.yaml", scenario(template))
    result = scenario_cli("validate", path)
    assert result.exit_code == 2, result.output
    assert f"Error: {path}:5:10: step 'bad': template over budget: {problem}" in result.stderr


def test_a_star_width_from_a_variable_is_stopped_at_run_time_before_allocating(scenario_run, write):
    path = write(
        "star.yaml",
        "name: star\nvars: {width: 2000000000}\n"
        "steps:\n  - id: bad\n    say: \"{{ '%*s' % (vars.width | int, 'x') }}\"\n",
    )
    result = scenario_run(path)
    assert result.exit_code == 1, result.output
    assert "template over budget: a %-formatted string would have 2,000,000,003 items" in result.stderr


def test_a_key_with_one_underscore_is_data(scenario_run, write):
    path = write("key.yaml", 'name: key\nvars: {item: {_id: seven}}\nsteps:\n  - say: "{{ vars.item._id }}"\n')
    result = scenario_run(path)
    assert result.exit_code == 0, result.output
    assert "seven" in result.stdout


def test_ordinary_formatting_still_works(scenario_run, write):
    path = write(
        "fine.yaml",
        "name: fine\nsteps:\n  - say: \"{{ '%s and %5d, %-3s %%' % ('a', 3, 'b') }} {{ '{0.real}'.format(1) }}\"\n",
    )
    result = scenario_run(path)
    assert result.exit_code == 0, result.output
    assert "a and     3, b   % 1" in result.stdout

"""Step ids in one file: unique, not reserved, not hiding a mapping method; the defaults made here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from engine.errors import InputError, Location, SchemaError
from engine.plan.model import STEP_MODIFIERS
from engine.template.checks import DICT_ATTRIBUTES
from engine.template.scope import RESERVED_NAMES

Report = Callable[[InputError], None]


class StepIds:
    """The ids of one file's steps (an included file has its own), checked as they are claimed."""

    def __init__(self, report: Report) -> None:
        self.taken: set[str] = set()
        self._report = report
        self._auto: Counter[str] = Counter()

    def claim(self, step_id: str, location: Location) -> None:
        """Take ``step_id`` for a step; a duplicate or a reserved name is reported, and still taken."""
        if step_id in self.taken:
            self._report(
                SchemaError(f"step id '{step_id}' is used twice", location=location, hint="give each step a unique id")
            )
        elif step_id in RESERVED_NAMES:
            self._report(
                SchemaError(
                    f"step id '{step_id}' is a reserved name",
                    location=location,
                    hint=f"reserved: {', '.join(sorted(RESERVED_NAMES))}",
                )
            )
        else:
            check_shadowing(self._report, "step id", step_id, location, None)
        self.taken.add(step_id)

    def note(self, raw: Mapping[str, object]) -> None:
        """A step too broken to check still defines its id, so references to it are not reported too."""
        step_id = raw.get("id")
        if not isinstance(step_id, str):
            keys = [key for key in raw if key not in STEP_MODIFIERS]
            step_id = self.auto(str(keys[0])) if keys else None
        if isinstance(step_id, str):
            self.taken.add(step_id)

    def auto(self, name: str) -> str:
        """The action name, then name_2, name_3, …: one counter per name keeps this linear."""
        while True:
            self._auto[name] += 1
            n = self._auto[name]
            candidate = name if n == 1 else f"{name}_{n}"
            if candidate not in self.taken:
                return candidate


def check_shadowing(report: Report, what: str, name: str, location: Location, step_id: str | None) -> None:
    """A step id or variable named like a dict method is read as the method by templates."""
    if name in DICT_ATTRIBUTES:
        parent = "steps" if what == "step id" else "vars"
        report(
            SchemaError(
                f"{what} '{name}' hides the mapping method {parent}.{name}",
                location=location,
                step=step_id,
                hint=f"templates read {parent}.{name} as the method, so {parent}.{name}.… fails at run time; "
                f"choose another name, e.g. '{name}_1'",
            )
        )

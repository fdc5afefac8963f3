"""Where the stack and its sources are when nobody says otherwise: its name, template and trigger code.

The template and triggers are the project's own (``engine.resources``: a checkout, or the copies inside the
installed wheel). ``engine.stack`` re-exports these, which is where callers import them from.
"""

from __future__ import annotations

from engine.resources import data_dir

DEFAULT_STACK_NAME = "scenario-run-cognito"
DEFAULT_TEMPLATE = data_dir("infra") / "template.yaml"
TRIGGERS_DIR = data_dir("triggers")

"""Where the stack and its sources are when nobody says otherwise: its name, template and trigger code.

A leaf module (it imports nothing of the engine) so that every module of ``engine.stack`` can use the defaults;
``engine.stack`` re-exports them, which is where callers import them from.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STACK_NAME = "scenario-run-cognito"
DEFAULT_TEMPLATE = PROJECT_ROOT / "infra" / "template.yaml"
TRIGGERS_DIR = PROJECT_ROOT / "triggers"

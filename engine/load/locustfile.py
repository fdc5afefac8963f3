"""The Locust file ``scenario load`` runs (``python -m engine.load.main`` gives it to Locust)."""

from engine.load.events import install
from engine.load.user import ScenarioUser

__all__ = ["ScenarioUser"]

install()

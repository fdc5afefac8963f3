"""The wheel's packages: ``engine`` and the project's data directories, shipped without moving them.

``scenarios/``, ``infra/``, ``triggers/`` and ``schema/`` stay at the top of the checkout; in the wheel each
becomes a package of the ``scenario_run_data`` namespace, which ``engine.resources`` reads when the code does
not run from a checkout. Everything else about the project is in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA = {
    "scenarios": ["*.yaml", "answers/*.yaml", "functions/*.py", "common/*.yaml", "data/*.csv", "data/*.yaml"],
    "infra": ["*.yaml"],
    "triggers": ["*.py"],
    "schema": ["*.json"],
}

setup(
    packages=[*find_packages(include=["engine", "engine.*"]), *(f"scenario_run_data.{name}" for name in DATA)],
    package_dir={f"scenario_run_data.{name}": name for name in DATA},
    package_data={
        **{f"scenario_run_data.{name}": patterns for name, patterns in DATA.items()},
        "engine.local.awslambda": ["*.cjs"],  # the Node.js runtime's bootstrap, run by `node`
    },
)

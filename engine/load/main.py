"""``python -m engine.load.main LOCUST-OPTIONS...``: Locust, with the scenario user, in a process of its own.

``scenario load`` starts this process; the scenario comes in ``$SCENARIO_LOAD_CONFIG``
(``engine.load.config``) and the options are Locust's own, so the console table, ``--csv``,
``--html``, the exit code and the master/worker protocol are Locust's unchanged.
"""

import sys
from pathlib import Path

import locust  # noqa: F401  # before the engine: gevent patches the standard library before boto3 or a thread exists
from locust.main import main as locust_main


def main() -> None:
    locustfile = Path(__file__).with_name("locustfile.py")
    sys.argv = ["locust", "-f", str(locustfile), *sys.argv[1:]]
    locust_main()


if __name__ == "__main__":
    main()

"""What ``scenario load`` adds to Locust through its events.

- ``--fail-ratio``: the verdict, decided where every statistic is (a master, or a lone process).
- The number of workers, which a master hands to its workers so they spread the answer sets.
- With ``--csv``, Locust's CSV writer makes one more pass once the numbers are final (it writes
  every second, and a stop in between would leave the files a second behind the console table).
"""

from __future__ import annotations

import logging

import gevent
from locust import events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import CSV_STATS_INTERVAL_SEC

from engine.load.config import WORKERS_OPTION, LoadConfig
from engine.load.scenario import loaded

logger = logging.getLogger(__name__)
_environment: list[Environment] = []  # the process's one environment, once Locust has made it


def _add_options(parser: LocustArgumentParser, **_: object) -> None:
    # A custom option: Locust sends the master's value to every worker with each spawn.
    parser.add_argument(WORKERS_OPTION, type=int, default=1, include_in_web_ui=False, help="(set by scenario load)")


def _init(environment: Environment, **_: object) -> None:
    _environment.append(environment)
    if not isinstance(environment.runner, MasterRunner):
        loaded()  # planned before the clock starts, not by the first user in the middle of the run
    # gevent's timers count from the time its loop last read the clock: after that planning (seconds on a
    # busy machine) a --run-time timer set now would fire that much early, before any user ran.
    gevent.get_hub().loop.update_now()


def _quitting(environment: Environment, **_: object) -> None:
    if not isinstance(environment.runner, WorkerRunner):
        _verdict(environment)  # the master has every worker's statistics and decides


def _verdict(environment: Environment) -> None:
    """With ``--fail-ratio R``, the run fails when more than R of the requests failed, and passes otherwise."""
    ratio = LoadConfig.from_env().fail_ratio
    if ratio is None:
        return
    actual = environment.stats.total.fail_ratio
    options = environment.parsed_options
    if actual > ratio:
        logger.error("%.1f%% of the requests failed, more than --fail-ratio %g allows", actual * 100, ratio)
        environment.process_exit_code = options.exit_code_on_error if options else 1
    else:
        environment.process_exit_code = 0


def _quit(**_: object) -> None:
    options = _environment[0].parsed_options if _environment else None
    if options is not None and getattr(options, "csv_prefix", None) and not options.worker:
        gevent.sleep(CSV_STATS_INTERVAL_SEC + 0.2)


def install() -> None:
    """Add the listeners (once: Locust imports its file once per process)."""
    events.init_command_line_parser.add_listener(_add_options)
    events.init.add_listener(_init)
    events.quitting.add_listener(_quitting)
    events.quit.add_listener(_quit)

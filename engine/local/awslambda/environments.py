"""When a function's warm execution environment may take its next event.

Lambda keeps an environment for the function it was made for, configuration and code as they were: a new
function of the same name, an updated configuration or new code each get new environments (a cold start).
``key`` is what must be equal for an environment to be reused. It names the function by its ARN, version and
``LastModified`` (which moto sets when the function is made and again at each update), not by the Python
object: a backend restored from a deploy snapshot (``engine.stack.deploy_cache``) holds the same functions
as new objects, and their environments stay warm across ``scenario-run``'s files as they would on AWS between
runs against one deployed stack.
"""

from __future__ import annotations

from typing import Any

from engine.local.awslambda.outcome import version_of


def key(fn: Any) -> tuple[object, ...]:
    """What an environment made for ``fn`` must still match to take its next event."""
    env = tuple(sorted((fn.environment_vars or {}).items()))
    architectures = tuple(fn.architectures or ())
    return (
        fn.function_arn,
        version_of(fn),
        fn.last_modified,
        fn.code_sha_256,
        fn.handler,
        fn.run_time,
        env,
        fn.timeout,
        fn.memory_size,
        architectures,
    )

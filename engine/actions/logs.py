"""CloudWatch Logs actions: what a Lambda function wrote most recently."""

from __future__ import annotations

import time
from typing import NotRequired, TypedDict

from botocore.exceptions import ClientError

from engine.action import STRING, ActionContext, JsonValue, action, obj, plain
from engine.aws.errors import client_error, error_code


class RecentLogEventsArgs(TypedDict):
    function_name: str
    limit: NotRequired[int]
    wait: NotRequired[float]


class _Stream(TypedDict):
    logStreamName: str


class _Event(TypedDict):
    message: str


@action(
    "recent_log_events",
    "The latest log stream of a Lambda function and its most recent events "
    "(result.log_stream, result.events, result.messages); waits up to `wait` seconds for logs to appear.",
    obj(
        {
            "function_name": STRING,
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            "wait": {"type": "number", "minimum": 0, "maximum": 300},
        },
        ["function_name"],
    ),
    {"function_name": "{{ stack.AutoConfirmFunction }}", "limit": 10},
)
def recent_log_events(args: RecentLogEventsArgs, ctx: ActionContext) -> JsonValue:
    logs = ctx.client("logs")
    group = f"/aws/lambda/{args['function_name']}"
    deadline = time.monotonic() + float(args.get("wait", 10 if ctx.target == "aws" else 0))
    while True:
        streams: list[_Stream]
        try:
            streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=1)[
                "logStreams"
            ]
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException" or time.monotonic() >= deadline:
                raise
            streams = []
        if streams or time.monotonic() >= deadline:
            break
        time.sleep(1)
    if not streams:
        raise client_error(
            "ResourceNotFoundException", f"Log group {group} has no log streams yet", "DescribeLogStreams"
        )
    stream = streams[0]["logStreamName"]
    events: list[_Event] = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=int(args.get("limit", 10)), startFromHead=False
    )["events"]
    messages = [e["message"].rstrip("\n") for e in events]
    return {"log_group": group, "log_stream": stream, "events": plain(events), "messages": messages}


ACTIONS = [recent_log_events]

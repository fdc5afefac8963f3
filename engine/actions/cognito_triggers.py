"""Setting and removing a user pool's Lambda triggers, with the settings some triggers carry.

Most triggers are a function ARN in the pool's ``LambdaConfig``. Two kinds carry more:

* ``PreTokenGeneration`` has an event version (``lambda_version``: ``V1_0``, ``V2_0`` with access-token
  customisation, ``V3_0`` for machine-to-machine tokens too), kept in ``PreTokenGenerationConfig``;
* the custom senders (``CustomEmailSender``, ``CustomSMSSender``) are ``{LambdaVersion, LambdaArn}``
  objects, and the pool needs the KMS key (``kms_key_id``) that encrypts the codes sent to them.

Every key set is restored at cleanup as it was before the run (see ``cognito_support.set_lambda_config``).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from engine.action import STRING, ActionContext, JsonValue, Problem, action, obj
from engine.actions import cognito_support as cs

SENDERS = ("CustomEmailSender", "CustomSMSSender")
TRIGGER = {"enum": [*cs.LAMBDA_TRIGGERS, *SENDERS], "description": "The LambdaConfig key, e.g. PreSignUp."}
VERSIONS = {"PreTokenGeneration": ("V1_0", "V2_0", "V3_0"), **dict.fromkeys(SENDERS, ("V1_0",))}
_IDP = (("cognito-idp", "DescribeUserPool"), ("cognito-idp", "UpdateUserPool"))


class SetTriggerArgs(TypedDict):
    user_pool_id: str
    trigger: str
    function_arn: str
    lambda_version: NotRequired[str]
    kms_key_id: NotRequired[str]


class RemoveTriggerArgs(TypedDict):
    user_pool_id: str
    trigger: str


def _check(args: JsonValue) -> list[Problem]:
    if not isinstance(args, dict) or not isinstance(args.get("trigger"), str):
        return []
    trigger, version = args["trigger"], args.get("lambda_version")
    problems: list[Problem] = []
    if isinstance(version, str) and "{{" not in version and version not in VERSIONS.get(trigger, ()):
        allowed = VERSIONS.get(trigger)
        problems.append(
            (
                ["lambda_version"],
                f"{trigger} takes lambda_version {' or '.join(allowed)}, not {version}"
                if allowed
                else f"{trigger} has no lambda_version; only PreTokenGeneration and the custom senders do",
            )
        )
    if trigger in SENDERS and "kms_key_id" not in args:
        problems.append(([], f"{trigger} needs kms_key_id: the KMS key that encrypts the codes sent to it"))
    if "kms_key_id" in args and trigger not in SENDERS:
        problems.append((["kms_key_id"], f"kms_key_id is for the custom sender triggers, not {trigger}"))
    return problems


def lambda_config_changes(args: SetTriggerArgs) -> dict[str, JsonValue]:
    """The ``LambdaConfig`` keys a ``set_trigger`` step sets, and their new values."""
    trigger, arn, version = args["trigger"], args["function_arn"], args.get("lambda_version")
    if trigger in SENDERS and "kms_key_id" in args:
        return {trigger: {"LambdaVersion": version or "V1_0", "LambdaArn": arn}, "KMSKeyID": args["kms_key_id"]}
    if trigger == "PreTokenGeneration" and version:
        return {trigger: arn, "PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": arn}}
    return {trigger: arn}


@action(
    "set_trigger",
    "Attach a Lambda function to a user-pool trigger; the previous LambdaConfig is restored at cleanup.",
    obj(
        {
            "user_pool_id": STRING,
            "trigger": TRIGGER,
            "function_arn": STRING,
            "lambda_version": {
                **STRING,
                "description": "The event version: PreTokenGeneration V1_0 (default), V2_0 or V3_0; the custom "
                "senders V1_0.",
            },
            "kms_key_id": {
                **STRING,
                "description": "Custom senders: the ARN of the KMS key Cognito encrypts codes with.",
            },
        },
        ["user_pool_id", "trigger", "function_arn"],
    ),
    {
        "user_pool_id": "{{ stack.UserPoolId }}",
        "trigger": "PreSignUp",
        "function_arn": "{{ stack.AutoConfirmFunctionArn }}",
    },
    operations=_IDP,
    check=_check,
)
def set_trigger(args: SetTriggerArgs, ctx: ActionContext) -> JsonValue:
    return cs.set_lambda_config(ctx, args["user_pool_id"], lambda_config_changes(args))


@action(
    "remove_trigger",
    "Detach a user-pool trigger; the previous LambdaConfig is restored at cleanup.",
    obj({"user_pool_id": STRING, "trigger": TRIGGER}, ["user_pool_id", "trigger"]),
    {"user_pool_id": "{{ stack.UserPoolId }}", "trigger": "PreSignUp"},
    operations=_IDP,
)
def remove_trigger(args: RemoveTriggerArgs, ctx: ActionContext) -> JsonValue:
    return cs.set_lambda_config(ctx, args["user_pool_id"], {args["trigger"]: None})


ACTIONS = [set_trigger, remove_trigger]

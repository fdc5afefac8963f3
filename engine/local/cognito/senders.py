"""Custom sender Lambda triggers: ``CustomEmailSender`` and ``CustomSMSSender``.

See "Custom sender Lambda triggers", "Custom email sender Lambda trigger" and "Custom SMS sender
Lambda trigger" in the Amazon Cognito Developer Guide
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-sender-triggers.html,
.../user-pool-lambda-custom-email-sender.html, .../user-pool-lambda-custom-sms-sender.html), and
``LambdaConfigType`` in the API reference
(https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_LambdaConfigType.html):

* A pool configures ``CustomEmailSender`` / ``CustomSMSSender`` as ``{LambdaVersion: V1_0, LambdaArn}``
  together with ``KMSKeyID``, the ARN of a symmetric KMS key (``validate_lambda_config``).
* With a sender configured for a medium, Cognito does not deliver messages on that medium itself:
  it invokes the sender "instead of its default behavior" with the secret (code or temporary
  password) encrypted with the AWS Encryption SDK under the pool's KMS key, base64-encoded, in
  ``request.code``. The function composes and delivers the message, so the CustomMessage trigger
  (which only drafts message text) does not run for it, and the local outbox does not record it.
* Amazon Cognito invokes custom sender functions asynchronously: the API call neither waits for
  the function nor fails when it does; locally the function runs before the API call answers (so a
  scenario reads its logs right after) and its failure is only in its own logs. Lambda's retries of
  a failed asynchronous invocation are not repeated locally.
* ``CustomEmailSender_AccountTakeOverNotification`` is never sent: the local Cognito has no threat
  protection (advanced security), so there is no account-takeover notification to deliver.

The encryption uses the official ``aws-encryption-sdk`` package with a KMS master key provider whose
KMS requests reach the local AWS's (moto's) KMS, so a function decrypting as the guide shows
(``aws_encryption_sdk`` with the same key, its KMS Decrypt reaching the local KMS) gets the secret.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from engine.local import outbox
from engine.local.awslambda.runtime import UnsupportedFunction, invoke_function
from engine.local.cognito.common import event_attributes
from engine.local.cognito.exceptions import InvalidParameterException, UnexpectedLambdaException
from engine.local.cognito.models import Pool, User
from engine.local.cognito.triggers import find_function, make_event, trigger_arn, with_metadata

SENDERS = {"EMAIL": "CustomEmailSender", "SMS": "CustomSMSSender"}
_REQUEST_TYPES = {"CustomEmailSender": "customEmailSenderRequestV1", "CustomSMSSender": "customSMSSenderRequestV1"}
# The trigger source suffix of each kind of message (UserMigration welcome messages have none:
# Cognito documents no custom sender source for them, so they are delivered as before).
_SOURCES = {
    outbox.SIGN_UP: "SignUp",
    outbox.RESEND_CODE: "ResendCode",
    outbox.FORGOT_PASSWORD: "ForgotPassword",
    outbox.UPDATE_USER_ATTRIBUTE: "UpdateUserAttribute",
    outbox.VERIFY_USER_ATTRIBUTE: "VerifyUserAttribute",
    outbox.ADMIN_CREATE_USER: "AdminCreateUser",
    outbox.AUTHENTICATION: "Authentication",
}
# LambdaConfigType: KMSKeyID and LambdaArn must match this pattern (Cognito reports a mismatch as
# InvalidParameterException "1 validation error detected: ...").
ARN_PATTERN = r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?"
_SESSION: list[Any] = []  # one botocore session for the KMS clients (loading the model once)


def sender_for(pool: Pool, medium: str, kind: str) -> str | None:
    """The custom sender trigger that delivers a ``kind`` message on ``medium`` in ``pool``, if any."""
    trigger = SENDERS.get(medium)
    if trigger is None or kind not in _SOURCES or trigger_arn(pool, trigger) is None:
        return None
    return trigger


def _invalid(value: str, where: str, constraint: str) -> InvalidParameterException:
    return InvalidParameterException(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {constraint}"
    )


def validate_lambda_config(config: dict[str, Any] | None) -> None:
    """Refuse a ``LambdaConfig`` whose custom senders Cognito would refuse: a sender that is not
    ``{LambdaVersion: V1_0, LambdaArn}``, or no ``KMSKeyID`` (or one that is not the ARN of an
    existing symmetric encryption key) alongside a sender."""
    lambda_config = (config or {}).get("LambdaConfig")
    if not isinstance(lambda_config, dict):
        return
    senders = [name for name in SENDERS.values() if lambda_config.get(name)]
    for name in senders:
        sender = lambda_config[name]
        where = f"lambdaConfig.{name[0].lower()}{name[1:]}"
        version = sender.get("LambdaVersion") if isinstance(sender, dict) else None
        if version != "V1_0":
            raise _invalid(str(version), f"{where}.lambdaVersion", "Member must satisfy enum value set: [V1_0]")
        arn = str(sender.get("LambdaArn") or "")
        if not re.fullmatch(ARN_PATTERN, arn):
            raise _invalid(arn, f"{where}.lambdaArn", f"Member must satisfy regular expression pattern: {ARN_PATTERN}")
    key = lambda_config.get("KMSKeyID")
    if key is None:
        if senders:
            raise InvalidParameterException(f"KMSKeyID must be provided when {senders[0]} is configured.")
        return
    if not re.fullmatch(ARN_PATTERN, str(key)):
        raise _invalid(
            str(key), "lambdaConfig.kMSKeyID", f"Member must satisfy regular expression pattern: {ARN_PATTERN}"
        )
    metadata = _key_metadata(str(key))
    if metadata is None:
        raise InvalidParameterException(f"Invalid KMS key {key}: the key does not exist.")
    # moto leaves KeyUsage unset when CreateKey did not name it; KMS's default is ENCRYPT_DECRYPT.
    usage = metadata.get("KeyUsage") or "ENCRYPT_DECRYPT"
    if usage != "ENCRYPT_DECRYPT" or metadata.get("KeySpec") != "SYMMETRIC_DEFAULT":
        raise InvalidParameterException(f"Invalid KMS key {key}: a symmetric encryption key is required.")
    if not metadata.get("Enabled"):
        raise InvalidParameterException(f"Invalid KMS key {key}: the key is disabled.")


def _key_metadata(arn: str) -> dict[str, Any] | None:
    parts = arn.split(":")
    try:
        from moto.kms.models import kms_backends  # moto's KMS only for a custom sender

        backend = kms_backends[parts[4]][parts[3]]
        key = backend.describe_key(arn)
    except Exception:  # moto raises NotFoundException (or KeyError for an unknown region)
        return None
    metadata: dict[str, Any] = key.to_dict()["KeyMetadata"]
    return metadata


def _sdk() -> Any:
    try:
        import aws_encryption_sdk
    except ImportError as error:  # pragma: no cover - a main dependency; only a broken install lacks it
        raise UnexpectedLambdaException(
            "Custom sender triggers need the aws-encryption-sdk package: pip install aws-encryption-sdk"
        ) from error
    return aws_encryption_sdk


def encrypt(pool: Pool, trigger: str, secret: str) -> str:
    """``secret`` encrypted as Cognito encrypts it for a custom sender: an AWS Encryption SDK message
    (its default, key-committing algorithm suite) under the pool's KMS key, base64-encoded."""
    sdk = _sdk()
    import botocore.session
    from aws_encryption_sdk.identifiers import CommitmentPolicy

    if not _SESSION:
        _SESSION.append(botocore.session.Session())
    key = str((pool.extended_config.get("LambdaConfig") or {}).get("KMSKeyID") or "")
    try:
        provider = sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key], botocore_session=_SESSION[0])
        client = sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        ciphertext, _ = client.encrypt(source=secret.encode(), key_provider=provider)
    except Exception as error:  # the key was deleted or disabled after it was configured
        raise UnexpectedLambdaException(f"{trigger} invocation failed due to error {error}.") from error
    return base64.b64encode(ciphertext).decode()


def deliver(
    pool: Pool,
    user: User,
    trigger: str,
    kind: str,
    secret: str,
    *,
    client_id: str | None,
    client_metadata: dict[str, str] | None,
) -> None:
    """Hand a ``kind`` message's ``secret`` to ``pool``'s ``trigger`` (a custom sender), as Cognito does."""
    request = with_metadata(
        {
            "type": _REQUEST_TYPES[trigger],
            "code": encrypt(pool, trigger, secret),
            "userAttributes": event_attributes(user),
        },
        client_metadata,
    )
    event = make_event(pool, f"{trigger}_{_SOURCES[kind]}", user.username, client_id, request, {})
    arn = trigger_arn(pool, trigger)
    fn = find_function(arn) if arn else None
    if fn is None:
        return  # an asynchronous invocation of a missing function fails where the caller cannot see it
    try:
        invoke_function(fn, event)  # no 5 second wait: nobody waits for an asynchronous invocation
    except UnsupportedFunction:
        return  # as above: only the function's side sees it

"""The Cognito API operations the local AWS answers itself (installed on moto's
``CognitoIdpResponse`` by ``hooks``): each reads the request and calls the local Cognito.

Operations keyed by app client or access token search every account and region, as moto does
for unsigned requests; those keyed by user pool id use the request's own backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from engine.local.cognito import auth, password, signup

# Filled in by hooks.install: moto's own implementation of operations we only partly take over.
ORIGINALS: dict[str, Callable[[Any], Any]] = {}


def _params(response: Any) -> dict[str, Any]:
    body = response.parameters
    return body if isinstance(body, dict) else {}


def sign_up(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        signup.sign_up(
            p.get("ClientId", ""),
            p.get("Username", ""),
            p.get("Password", ""),
            p.get("UserAttributes") or [],
            p.get("ValidationData"),
            p.get("ClientMetadata"),
            p.get("SecretHash"),
        )
    )


def confirm_sign_up(self: Any) -> ActionResult:
    p = _params(self)
    signup.confirm_sign_up(
        p.get("ClientId", ""),
        p.get("Username", ""),
        p.get("ConfirmationCode", ""),
        p.get("ClientMetadata"),
        p.get("SecretHash"),
    )
    return EmptyResult()


def admin_confirm_sign_up(self: Any) -> ActionResult:
    p = _params(self)
    signup.admin_confirm_sign_up(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("ClientMetadata"))
    return EmptyResult()


def resend_confirmation_code(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        signup.resend_confirmation_code(
            p.get("ClientId", ""), p.get("Username", ""), p.get("ClientMetadata"), p.get("SecretHash")
        )
    )


def admin_create_user(self: Any) -> ActionResult:
    p = _params(self)
    user = signup.admin_create_user(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("Username", ""),
        p.get("UserAttributes") or [],
        p.get("ValidationData"),
        p.get("TemporaryPassword"),
        p.get("MessageAction"),
        p.get("DesiredDeliveryMediums"),
        p.get("ClientMetadata"),
    )
    return ActionResult({"User": user.to_json(extended=True)})


def initiate_auth(self: Any) -> Any:
    p = _params(self)
    result = auth.initiate_auth(
        p.get("ClientId", ""), p.get("AuthFlow", ""), p.get("AuthParameters") or {}, p.get("ClientMetadata")
    )
    if result is None:
        return ORIGINALS["initiate_auth"](self)
    return ActionResult(result)


def admin_initiate_auth(self: Any) -> Any:
    p = _params(self)
    result = auth.admin_initiate_auth(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("ClientId", ""),
        p.get("AuthFlow", ""),
        p.get("AuthParameters") or {},
        p.get("ClientMetadata"),
    )
    if result is None:
        return ORIGINALS["admin_initiate_auth"](self)
    return ActionResult(result)


def _respond_to_challenge(self: Any, operation: str) -> Any:
    """NEW_PASSWORD_REQUIRED is answered locally (triggers, tokens); other challenges by moto."""
    p = _params(self)
    result = None
    if p.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        result = auth.respond_new_password(
            p.get("ClientId", ""), p.get("Session", ""), p.get("ChallengeResponses") or {}
        )
    if result is None:
        return ORIGINALS[operation](self)
    return ActionResult(result)


def respond_to_auth_challenge(self: Any) -> Any:
    return _respond_to_challenge(self, "respond_to_auth_challenge")


def admin_respond_to_auth_challenge(self: Any) -> Any:
    return _respond_to_challenge(self, "admin_respond_to_auth_challenge")


def forgot_password(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        password.forgot_password(
            p.get("ClientId", ""), p.get("Username", ""), p.get("ClientMetadata"), p.get("SecretHash")
        )
    )


def confirm_forgot_password(self: Any) -> ActionResult:
    p = _params(self)
    password.confirm_forgot_password(
        p.get("ClientId", ""),
        p.get("Username", ""),
        p.get("ConfirmationCode", ""),
        p.get("Password", ""),
        p.get("ClientMetadata"),
        p.get("SecretHash"),
    )
    return EmptyResult()


def delete_user(self: Any) -> ActionResult:
    password.delete_user(_params(self).get("AccessToken", ""))
    return EmptyResult()


# Operations moto has, which the local AWS replaces.
REPLACED: dict[str, Callable[[Any], Any]] = {
    "sign_up": sign_up,
    "confirm_sign_up": confirm_sign_up,
    "admin_confirm_sign_up": admin_confirm_sign_up,
    "admin_create_user": admin_create_user,
    "initiate_auth": initiate_auth,
    "admin_initiate_auth": admin_initiate_auth,
    "respond_to_auth_challenge": respond_to_auth_challenge,
    "admin_respond_to_auth_challenge": admin_respond_to_auth_challenge,
    "forgot_password": forgot_password,
    "confirm_forgot_password": confirm_forgot_password,
}
# Operations moto lacks, which the local AWS adds.
ADDED: dict[str, Callable[[Any], Any]] = {
    "delete_user": delete_user,
    "resend_confirmation_code": resend_confirmation_code,
}


def normalize_lambda_config(config: dict[str, Any]) -> None:
    """Keep ``PreTokenGeneration`` and ``PreTokenGenerationConfig.LambdaArn`` the same function,
    as Cognito does: setting either one shows both in DescribeUserPool."""
    lambda_config = config.get("LambdaConfig")
    if not isinstance(lambda_config, dict):
        return
    versioned = lambda_config.get("PreTokenGenerationConfig")
    if isinstance(versioned, dict) and versioned.get("LambdaArn"):
        lambda_config["PreTokenGeneration"] = versioned["LambdaArn"]
        versioned.setdefault("LambdaVersion", "V1_0")
    elif lambda_config.get("PreTokenGeneration"):
        lambda_config["PreTokenGenerationConfig"] = {
            "LambdaArn": lambda_config["PreTokenGeneration"],
            "LambdaVersion": "V1_0",
        }

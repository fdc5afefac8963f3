"""The Cognito API operations the local AWS answers itself (installed on moto's
``CognitoIdpResponse`` by ``hooks``): each reads the request and calls the local Cognito.

Operations keyed by app client or access token search every account and region, as moto does
for unsigned requests; those keyed by user pool id use the request's own backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from engine.local.cognito import (
    attributes,
    auth,
    custom_auth,
    device_auth,
    devices,
    mfa,
    password,
    revocation,
    signup,
    srp_auth,
)
from engine.local.cognito.common import pool_for_client
from engine.local.cognito.exceptions import NotSupportedLocally
from engine.local.cognito.triggers import CALLER_AGENT

# Filled in by hooks.install: moto's own implementation of operations we only partly take over.
ORIGINALS: dict[str, Callable[[Any], Any]] = {}


def _params(response: Any) -> dict[str, Any]:
    headers = getattr(response, "headers", None) or {}
    CALLER_AGENT.set(str(headers.get("User-Agent") or headers.get("user-agent") or ""))
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


# Challenges moto answers itself (it runs no trigger for them).
_MOTO_CHALLENGES: tuple[str, ...] = ()


def _respond_to_challenge(self: Any, operation: str) -> Any:
    """NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE, PASSWORD_VERIFIER (SRP), the MFA challenges, MFA_SETUP and
    a remembered device's DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER are answered locally (triggers,
    tokens)."""
    p = _params(self)
    name = p.get("ChallengeName")
    client_id, session = p.get("ClientId", ""), p.get("Session", "")
    responses, metadata = p.get("ChallengeResponses") or {}, p.get("ClientMetadata")
    result = None
    if name == "NEW_PASSWORD_REQUIRED":
        result = auth.respond_new_password(client_id, session, responses, metadata)
    elif name == "CUSTOM_CHALLENGE":
        result = custom_auth.respond(client_id, session, responses, metadata)
    elif name == srp_auth.CHALLENGE:
        result = srp_auth.respond(
            client_id,
            session,
            responses,
            metadata,
            after_password=auth.after_password,
            custom_round=custom_auth.password_verified,
        )
    elif name in ("SOFTWARE_TOKEN_MFA", "SMS_MFA"):
        result = mfa.respond(client_id, name, session, responses, metadata)
    elif name == "MFA_SETUP":
        result = mfa.respond_setup(client_id, session, responses, metadata)
    elif name == "DEVICE_SRP_AUTH":
        result = device_auth.respond_device_srp(client_id, session, responses)
    elif name == "DEVICE_PASSWORD_VERIFIER":
        result = device_auth.respond_device_verifier(client_id, session, responses, metadata)
    elif name not in _MOTO_CHALLENGES:
        raise NotSupportedLocally("RespondToAuthChallenge", f"challenge {name}")
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


def update_user_attributes(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        attributes.update_user_attributes(
            self.backend, p.get("AccessToken", ""), p.get("UserAttributes") or [], p.get("ClientMetadata")
        )
    )


def admin_update_user_attributes(self: Any) -> ActionResult:
    p = _params(self)
    attributes.admin_update_user_attributes(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("Username", ""),
        p.get("UserAttributes") or [],
        p.get("ClientMetadata"),
    )
    return EmptyResult()


def get_user_attribute_verification_code(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        attributes.get_user_attribute_verification_code(
            p.get("AccessToken", ""), p.get("AttributeName", ""), p.get("ClientMetadata")
        )
    )


def verify_user_attribute(self: Any) -> ActionResult:
    p = _params(self)
    attributes.verify_user_attribute(p.get("AccessToken", ""), p.get("AttributeName", ""), p.get("Code", ""))
    return EmptyResult()


def admin_reset_user_password(self: Any) -> ActionResult:
    p = _params(self)
    attributes.admin_reset_user_password(
        self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("ClientMetadata")
    )
    return EmptyResult()


def associate_software_token(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(mfa.associate_software_token(self.backend, p.get("AccessToken"), p.get("Session")))


def verify_software_token(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        mfa.verify_software_token(self.backend, p.get("AccessToken"), p.get("Session"), p.get("UserCode", ""))
    )


def confirm_device(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        devices.confirm_device(
            p.get("AccessToken", ""), p.get("DeviceKey", ""), p.get("DeviceSecretVerifierConfig"), p.get("DeviceName")
        )
    )


def get_device(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(devices.get_device(p.get("AccessToken", ""), p.get("DeviceKey", "")))


def admin_get_device(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        devices.admin_get_device(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("DeviceKey", ""))
    )


def list_devices(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(devices.list_devices(p.get("AccessToken", ""), p.get("Limit"), p.get("PaginationToken")))


def admin_list_devices(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(
        devices.admin_list_devices(
            self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("Limit"), p.get("PaginationToken")
        )
    )


def update_device_status(self: Any) -> ActionResult:
    p = _params(self)
    devices.update_device_status(p.get("AccessToken", ""), p.get("DeviceKey", ""), p.get("DeviceRememberedStatus"))
    return EmptyResult()


def admin_update_device_status(self: Any) -> ActionResult:
    p = _params(self)
    devices.admin_update_device_status(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("Username", ""),
        p.get("DeviceKey", ""),
        p.get("DeviceRememberedStatus"),
    )
    return EmptyResult()


def forget_device(self: Any) -> ActionResult:
    p = _params(self)
    devices.forget_device(p.get("AccessToken", ""), p.get("DeviceKey", ""))
    return EmptyResult()


def admin_forget_device(self: Any) -> ActionResult:
    p = _params(self)
    devices.admin_forget_device(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("DeviceKey", ""))
    return EmptyResult()


def get_user(self: Any) -> ActionResult:
    return ActionResult(attributes.get_user(_params(self).get("AccessToken", "")))


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
    "update_user_attributes": update_user_attributes,
    "admin_update_user_attributes": admin_update_user_attributes,
    "admin_reset_user_password": admin_reset_user_password,
    "associate_software_token": associate_software_token,
    "verify_software_token": verify_software_token,
    "get_user": get_user,
}


def revoke_token(self: Any) -> ActionResult:
    p = _params(self)
    _, pool, client = pool_for_client(p.get("ClientId", ""))
    revocation.revoke_token(pool, client, p.get("ClientSecret"), p.get("Token", ""))
    return EmptyResult()


# Operations moto lacks, which the local AWS adds.
ADDED: dict[str, Callable[[Any], Any]] = {
    "revoke_token": revoke_token,
    "delete_user": delete_user,
    "resend_confirmation_code": resend_confirmation_code,
    "get_user_attribute_verification_code": get_user_attribute_verification_code,
    "verify_user_attribute": verify_user_attribute,
    "confirm_device": confirm_device,
    "get_device": get_device,
    "admin_get_device": admin_get_device,
    "list_devices": list_devices,
    "admin_list_devices": admin_list_devices,
    "update_device_status": update_device_status,
    "admin_update_device_status": admin_update_device_status,
    "forget_device": forget_device,
    "admin_forget_device": admin_forget_device,
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

"""The Cognito API operations the local AWS answers itself (installed on moto's
``CognitoIdpResponse`` by ``hooks``): each reads the request and calls the local Cognito.

Operations keyed by app client or access token search every account and region, as moto does
for unsigned requests; those keyed by user pool id use the request's own backend.

``REPLACED`` and ``ADDED`` list every operation answered here (the device ones are in
``device_responses``). Each operation imports the flow that answers it when first called: this
module is the top of the local Cognito, and ``hooks`` reads its tables while the local AWS starts,
before any flow is needed.
"""

from __future__ import annotations

from moto.core.responses import ActionResult, EmptyResult

from engine.local.cognito import device_responses
from engine.local.cognito.exceptions import NotSupportedLocally
from engine.local.cognito.request import Operation, OperationRequest, params

# Filled in by hooks.install: moto's own implementation of operations we only partly take over.
ORIGINALS: dict[str, Operation] = {}


def sign_up(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import signup

    p = params(self)
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


def confirm_sign_up(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import signup

    p = params(self)
    signup.confirm_sign_up(
        p.get("ClientId", ""),
        p.get("Username", ""),
        p.get("ConfirmationCode", ""),
        p.get("ClientMetadata"),
        p.get("SecretHash"),
    )
    return EmptyResult()


def admin_confirm_sign_up(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import signup

    p = params(self)
    signup.admin_confirm_sign_up(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("ClientMetadata"))
    return EmptyResult()


def resend_confirmation_code(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import signup

    p = params(self)
    return ActionResult(
        signup.resend_confirmation_code(
            p.get("ClientId", ""), p.get("Username", ""), p.get("ClientMetadata"), p.get("SecretHash")
        )
    )


def admin_create_user(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import signup

    p = params(self)
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


def initiate_auth(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import auth

    p = params(self)
    result = auth.initiate_auth(
        p.get("ClientId", ""), p.get("AuthFlow", ""), p.get("AuthParameters") or {}, p.get("ClientMetadata")
    )
    if result is None:
        return ORIGINALS["initiate_auth"](self)
    return ActionResult(result)


def admin_initiate_auth(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import auth

    p = params(self)
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


def _respond_to_challenge(self: OperationRequest, operation: str) -> ActionResult:
    """NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE, PASSWORD_VERIFIER (SRP), the MFA challenges, MFA_SETUP and
    a remembered device's DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER are answered locally (triggers,
    tokens)."""
    from engine.local.cognito import auth, custom_auth, device_auth, mfa, srp_auth

    p = params(self)
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


def respond_to_auth_challenge(self: OperationRequest) -> ActionResult:
    return _respond_to_challenge(self, "respond_to_auth_challenge")


def admin_respond_to_auth_challenge(self: OperationRequest) -> ActionResult:
    return _respond_to_challenge(self, "admin_respond_to_auth_challenge")


def forgot_password(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import password

    p = params(self)
    return ActionResult(
        password.forgot_password(
            p.get("ClientId", ""), p.get("Username", ""), p.get("ClientMetadata"), p.get("SecretHash")
        )
    )


def confirm_forgot_password(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import password

    p = params(self)
    password.confirm_forgot_password(
        p.get("ClientId", ""),
        p.get("Username", ""),
        p.get("ConfirmationCode", ""),
        p.get("Password", ""),
        p.get("ClientMetadata"),
        p.get("SecretHash"),
    )
    return EmptyResult()


def update_user_attributes(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    p = params(self)
    return ActionResult(
        attributes.update_user_attributes(
            self.backend, p.get("AccessToken", ""), p.get("UserAttributes") or [], p.get("ClientMetadata")
        )
    )


def admin_update_user_attributes(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    p = params(self)
    attributes.admin_update_user_attributes(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("Username", ""),
        p.get("UserAttributes") or [],
        p.get("ClientMetadata"),
    )
    return EmptyResult()


def get_user_attribute_verification_code(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    p = params(self)
    return ActionResult(
        attributes.get_user_attribute_verification_code(
            p.get("AccessToken", ""), p.get("AttributeName", ""), p.get("ClientMetadata")
        )
    )


def verify_user_attribute(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    p = params(self)
    attributes.verify_user_attribute(p.get("AccessToken", ""), p.get("AttributeName", ""), p.get("Code", ""))
    return EmptyResult()


def admin_reset_user_password(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    p = params(self)
    attributes.admin_reset_user_password(
        self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("ClientMetadata")
    )
    return EmptyResult()


def associate_software_token(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import mfa

    p = params(self)
    return ActionResult(mfa.associate_software_token(self.backend, p.get("AccessToken"), p.get("Session")))


def verify_software_token(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import mfa

    p = params(self)
    return ActionResult(
        mfa.verify_software_token(self.backend, p.get("AccessToken"), p.get("Session"), p.get("UserCode", ""))
    )


def get_user(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import attributes

    return ActionResult(attributes.get_user(params(self).get("AccessToken", "")))


def delete_user(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import password

    password.delete_user(params(self).get("AccessToken", ""))
    return EmptyResult()


def admin_delete_user(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import token_tables

    p = params(self)
    pool = self.backend.describe_user_pool(p.get("UserPoolId", ""))
    user = pool._get_user(p.get("Username", ""))
    result = ORIGINALS["admin_delete_user"](self)  # UserNotFoundException when there is no such user
    if user is not None:  # moto keeps the tokens: memory would grow with every user ever made
        token_tables.forget_user(pool, user.username)
    return result


# Operations moto has, which the local AWS replaces.
REPLACED: dict[str, Operation] = {
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
    "admin_delete_user": admin_delete_user,
}


def revoke_token(self: OperationRequest) -> ActionResult:
    from engine.local.cognito import revocation
    from engine.local.cognito.common import pool_for_client

    p = params(self)
    _, pool, client = pool_for_client(p.get("ClientId", ""))
    secret = p.get("ClientSecret")
    revocation.revoke_token(pool, client, secret if isinstance(secret, str) else None, str(p.get("Token", "")))
    return EmptyResult()


# Operations moto lacks, which the local AWS adds.
ADDED: dict[str, Operation] = {
    "revoke_token": revoke_token,
    "delete_user": delete_user,
    "resend_confirmation_code": resend_confirmation_code,
    "get_user_attribute_verification_code": get_user_attribute_verification_code,
    "verify_user_attribute": verify_user_attribute,
    "confirm_device": device_responses.confirm_device,
    "get_device": device_responses.get_device,
    "admin_get_device": device_responses.admin_get_device,
    "list_devices": device_responses.list_devices,
    "admin_list_devices": device_responses.admin_list_devices,
    "update_device_status": device_responses.update_device_status,
    "admin_update_device_status": device_responses.admin_update_device_status,
    "forget_device": device_responses.forget_device,
    "admin_forget_device": device_responses.admin_forget_device,
}


def normalize_lambda_config(config: dict[str, object]) -> None:
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

"""Every patch the local AWS makes to moto, in one place, installed once per process.

moto is pinned (see ``compat.EXPECTED_MOTO``). Before anything is patched, ``verify`` checks
that each moto attribute a hook replaces, adds or calls exists with the expected signature;
if one does not, ``HookError`` names the hook, and nothing is patched (triggers must never
silently stop firing).

Hooks:

* ``cognito-operations``: SignUp, ConfirmSignUp, AdminConfirmSignUp, AdminCreateUser,
  InitiateAuth and AdminInitiateAuth (password, SRP, custom and refresh flows),
  (Admin)RespondToAuthChallenge (NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE, PASSWORD_VERIFIER,
  SOFTWARE_TOKEN_MFA, SMS_MFA, MFA_SETUP, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER), ForgotPassword,
  ConfirmForgotPassword, (Admin)UpdateUserAttributes, AdminResetUserPassword, AssociateSoftwareToken,
  VerifySoftwareToken (with an access token or an MFA_SETUP session) and GetUser answered by the local Cognito
  (triggers, codes, outbox, devices); DeleteUser, ResendConfirmationCode,
  GetUserAttributeVerificationCode, VerifyUserAttribute and the device operations (ConfirmDevice,
  (Admin)GetDevice, (Admin)ListDevices, (Admin)UpdateDeviceStatus, (Admin)ForgetDevice) added.
* ``cognito-unsupported``: a Cognito operation neither moto nor the local Cognito implements (or
  that moto leaves unimplemented for some input) answers UnsupportedOperationException naming it and
  suggesting ``--target aws``, instead of an internal error.
* ``cognito-pool-ids``: user pool ids shaped as Cognito's, ``<region>_<9 alphanumerics>``.
* ``cognito-models``: the moto Cognito model methods the local Cognito calls, private ones included
  (``MOTO_CALLS``; ``tests/local/test_hooks.py`` fails when the source calls one not declared there).
* ``cognito-usernames``: user names that ignore case in a pool with ``CaseSensitive: false``, and a pool
  created with a ``Schema`` keeps every standard attribute (``cognito.usernames``).
* ``cognito-password-policy``: passwords checked with Cognito's per-rule messages and defaults.
* ``cognito-lambda-config``: PreTokenGeneration / PreTokenGenerationConfig kept in step; custom
  sender triggers (CustomEmailSender / CustomSMSSender) refused without a usable KMSKeyID.
* ``cognito-key-cache``: moto's bundled signing key parsed once, not for every user pool.
* ``cache_hooks.HOOKS``: hooks that only remember what moto and botocore would compute again (the model
  loaders, a response class's action names, the list of moto's services), with results unchanged.
* ``lambda-invoke``: Lambda functions run in-process (``awslambda.runtime``) instead of Docker.
* ``lambda-backend`` / ``logs-backend``: the Lambda and CloudWatch Logs methods the runtime calls.
* ``backend-lock``: in-process boto3 requests hold the backend lock (see ``locking``).
* ``dynamodb-transactions``: TransactWriteItems undone item by item when cancelled, not from a deep copy of
  every table it names (``dynamodb_transactions``), with moto's checks and errors.
* ``cloudformation-on-first-use``: ``engine.local.cloudformation.install()`` (Cognito resources for moto's
  CloudFormation) runs when moto first loads its CloudFormation backend, not at start-up.
* ``cloudformation-lazy-models``: moto's CloudFormation parser loads without the models of API Gateway, EC2
  and the services that import EC2; a template's types import their service's models when first looked up
  (``cloudformation_imports``; the pinned moto only).

The behaviour hooks take effect only while a ``LocalAWS`` or ``LocalServer`` is active; with
none active (plain ``mock_aws``) moto behaves as shipped, so results never depend on whether
a local AWS ran earlier in the process; ``install`` is given the test (``activation.active``), so
this module does not import the one that turns the local AWS on.

moto's CloudFormation imports nearly every moto service (EC2 and its multi-megabyte models, API Gateway
and its OpenAPI validator): about half a second and twice the memory of a run that deploys no stack. So it
is imported only when a request first reaches CloudFormation (``cloudformation-on-first-use``), in process
and behind ``scenario serve`` alike, since both find a service's backend through ``moto.backends``.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.cognitoidp import models as cognito_models
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import camelcase_to_underscores

from engine.local import cache_hooks
from engine.local.cognito.exceptions import NotSupportedLocally
from engine.local.cognito.key_cache import CachedJwk
from engine.local.compat import EXPECTED_MOTO, HookError, check_absent, check_attribute, check_callable
from engine.local.hook_kit import (
    MARK,
    Hook,
    MotoCall,
    check_method,
    gated,
    mark,
    ours,
    set_active,
    when_imported,
)
from engine.local.locking import holding

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction

# The handlers a hook installs (``engine.local.cognito.responses``, ``password``, ``senders``,
# ``engine.local.awslambda.api``) are imported by the functions that check and apply it, not here: they
# sit on top of the whole local Cognito, and ``activation`` (hence ``server``) imports this module.


def _not_in_moto(name: str) -> Callable[[object], ActionResult]:
    def missing(self: object) -> ActionResult:
        raise NotImplementedError(f"The {name} action has not been implemented")  # moto's own words

    return missing


# --- cognito-operations -------------------------------------------------------------------


def _check_cognito_operations() -> None:
    from engine.local.cognito import responses as cognito_responses

    for name in cognito_responses.REPLACED:
        check_method("cognito-operations", CognitoIdpResponse, name, "self")
    for name in cognito_responses.ADDED:
        if not ours(CognitoIdpResponse, name):
            check_absent("cognito-operations", CognitoIdpResponse, name)
    # The replacements read the request through these two properties.
    for name in ("parameters", "backend"):
        if not isinstance(CognitoIdpResponse.__dict__.get(name), property):
            raise HookError("cognito-operations", f"CognitoIdpResponse.{name} is not a property")


def _apply_cognito_operations() -> None:
    from engine.local.cognito import responses as cognito_responses

    for name, function in cognito_responses.REPLACED.items():
        original = getattr(CognitoIdpResponse, name)
        cognito_responses.ORIGINALS[name] = original
        setattr(CognitoIdpResponse, name, gated("cognito-operations", function, original))
    for name, function in cognito_responses.ADDED.items():
        setattr(CognitoIdpResponse, name, gated("cognito-operations", function, _not_in_moto(name)))


# --- cognito-unsupported, cognito-pool-ids --------------------------------------------------


def _check_unsupported() -> None:
    hook = "cognito-unsupported"
    check_method(hook, BaseResponse, "call_action", "self")
    if "call_action" in CognitoIdpResponse.__dict__ and not ours(CognitoIdpResponse, "call_action"):
        raise HookError(hook, "CognitoIdpResponse overrides call_action")


def _apply_unsupported() -> None:
    from engine.local.cognito import constraints

    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> TYPE_RESPONSE:
        action = self._get_action()
        if action and camelcase_to_underscores(action) not in cache_hooks.method_names(type(self)):
            raise NotSupportedLocally(action)
        constraints.check_request(action, getattr(self, "parameters", None))
        try:
            return original(self)
        except NotImplementedError as error:  # moto's "not implemented yet" for some inputs
            raise NotSupportedLocally(action, str(error)) from None

    CognitoIdpResponse.call_action = gated(  # type: ignore[method-assign]
        "cognito-unsupported", call_action, original
    )


_POOL_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _check_pool_ids() -> None:
    hook = "cognito-pool-ids"
    check_attribute(hook, cognito_models, "generate_id")
    check_attribute(hook, cognito_models, "get_cognito_idp_user_pool_id_strategy")
    check_callable(hook, CognitoIdpUserPool, "__init__", ("self", "account_id", "region", "name", "extended_config"))


def _apply_pool_ids() -> None:
    import secrets

    original = getattr(cognito_models, "generate_id")  # noqa: B009 (also makes app client ids: only pool ids change)

    def generate_id(chosen: str | None, *args: object) -> str:
        # ``CognitoIdpUserPool.__init__`` calls it as (strategy, region, name, config) and prefixes
        # "<region>_"; moto's hash strategy (MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY) stays moto's.
        if chosen is None and len(args) == 3 and isinstance(args[1], str):
            return "".join(secrets.choice(_POOL_ID_ALPHABET) for _ in range(9))
        return str(original(chosen, *args))

    setattr(cognito_models, "generate_id", gated("cognito-pool-ids", generate_id, original))  # noqa: B010


# --- cognito-usernames ---------------------------------------------------------------------


def _check_usernames() -> None:
    hook = "cognito-usernames"
    check_method(hook, CognitoIdpUserPool, "_get_user", "self", "username")
    check_method(hook, CognitoIdpUserPool, "__init__", "self", "account_id", "region", "name", "extended_config")
    check_attribute(hook, cognito_models.CognitoIdpUserPoolAttribute, "STANDARD_SCHEMA")


def _apply_usernames() -> None:
    from engine.local.cognito import usernames

    get_user, init = CognitoIdpUserPool._get_user, CognitoIdpUserPool.__init__

    def _get_user(self: Any, username: str) -> Any:
        found = get_user(self, username)
        if found is None and isinstance(username, str) and usernames.case_insensitive(self):
            return usernames.find_folded(self, username)
        return found

    # The same parameters as moto's, which cognito-pool-ids checks after this hook is installed too.
    def __init__(self: Any, account_id: str, region: str, name: str, extended_config: Any) -> None:
        init(self, account_id, region, name, extended_config)
        usernames.complete_schema(self)

    CognitoIdpUserPool._get_user = gated("cognito-usernames", _get_user, get_user)  # type: ignore[method-assign]
    CognitoIdpUserPool.__init__ = gated("cognito-usernames", __init__, init)  # type: ignore[method-assign]


# --- cognito-models -----------------------------------------------------------------------


def _check_cognito_models() -> None:
    hook = "cognito-models"
    check_attribute(hook, cognito_models, "cognitoidp_backends")
    check_attribute(hook, cognito_models, "UserStatus")


_MODELS = "cognito-models"
# Every moto model method the local Cognito calls; the hook named is the one that stops working without it.
MOTO_CALLS: tuple[MotoCall, ...] = (
    MotoCall(_MODELS, CognitoIdpBackend, "_validate_password", ("self", "user_pool_id", "password")),
    MotoCall(_MODELS, CognitoIdpBackend, "_verify_email_is_not_used", ("self", "user_pool_id", "email")),
    MotoCall(_MODELS, CognitoIdpBackend, "describe_user_pool", ("self", "user_pool_id")),
    MotoCall(_MODELS, CognitoIdpUserPool, "_get_user", ("self", "username")),
    MotoCall(_MODELS, CognitoIdpUserPool, "create_refresh_token", ("self", "client_id", "username")),
    MotoCall(_MODELS, CognitoIdpUserPool, "create_access_token", ("self", "client_id", "username", "origin_jti")),
    MotoCall(_MODELS, CognitoIdpUserPool, "create_id_token", ("self", "client_id", "username", "origin_jti")),
    MotoCall(_MODELS, CognitoIdpUserPool, "sign_out", ("self", "username")),
    MotoCall(_MODELS, CognitoIdpUserPool, "create_tokens_from_refresh_token", ("self", "refresh_token")),
    MotoCall(
        _MODELS, CognitoIdpUser, "__init__", ("self", "user_pool_id", "username", "password", "status", "attributes")
    ),
    MotoCall(_MODELS, CognitoIdpUser, "update_attributes", ("self", "new_attributes")),
    MotoCall(_MODELS, CognitoIdpUser, "to_json", ("self", "extended", "attributes_key", "attributes_to_get")),
    MotoCall("cognito-unsupported", BaseResponse, "_get_action", ("self",)),
)


# --- cognito-lambda-config ----------------------------------------------------------------


def _check_password_policy() -> None:
    check_method("cognito-password-policy", CognitoIdpBackend, "_validate_password", "self", "user_pool_id", "password")


def _apply_password_policy() -> None:
    from engine.local.cognito.models import as_backend
    from engine.local.cognito.password import validate_password

    def check_password(self: CognitoIdpBackend, user_pool_id: str, password: str) -> None:
        validate_password(as_backend(self), user_pool_id, password)

    CognitoIdpBackend._validate_password = gated(  # type: ignore[method-assign]
        "cognito-password-policy", check_password, CognitoIdpBackend._validate_password
    )


def _check_lambda_config() -> None:
    check_method("cognito-lambda-config", CognitoIdpUserPool, "update_extended_config", "self", "extended_config")


def _apply_lambda_config() -> None:
    from engine.local.cognito import responses as cognito_responses
    from engine.local.cognito import senders

    original = CognitoIdpUserPool.update_extended_config

    def update_extended_config(self: CognitoIdpUserPool, extended_config: dict[str, Any]) -> None:
        senders.validate_lambda_config(extended_config)  # before anything changes
        original(self, extended_config)
        cognito_responses.normalize_lambda_config(self.extended_config)

    CognitoIdpUserPool.update_extended_config = gated(  # type: ignore[method-assign]
        "cognito-lambda-config", update_extended_config, original
    )


# --- cognito-key-cache ----------------------------------------------------------------------


def _check_key_cache() -> None:
    current = getattr(cognito_models, "jwk", None)
    if current is None or getattr(current, MARK, False):
        check_attribute("cognito-key-cache", cognito_models, "jwk")
        return
    check_attribute("cognito-key-cache", current, "RSAKey")
    check_callable("cognito-key-cache", current.RSAKey, "import_key", ("cls", "value", "parameters", "password"))


def _apply_key_cache() -> None:
    real = getattr(cognito_models, "jwk")  # noqa: B009 (moto does not export it)
    cached = CachedJwk(real)
    setattr(cached, MARK, "cognito-key-cache")
    setattr(cognito_models, "jwk", cached)  # noqa: B010


# --- lambda-invoke, lambda-backend, logs-backend --------------------------------------------


# moto's Lambda imports its DynamoDB, Kinesis, SQS, KMS, CloudWatch Logs, S3, ECR and IAM: these hooks are
# checked and applied when it is first imported (``Hook.module``), so a run that invokes no function skips it.
_LAMBDA, _LOGS = "moto.awslambda.models", "moto.logs.models"


def _check_lambda_invoke() -> None:
    from moto.awslambda.models import LambdaFunction

    check_method("lambda-invoke", LambdaFunction, "invoke", "self", "body", "request_headers", "response_headers")


def _apply_lambda_invoke() -> None:
    from moto.awslambda.models import LambdaFunction

    from engine.local.awslambda import api as lambda_api

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
        return lambda_api.invoke(self, body, request_headers, response_headers)

    LambdaFunction.invoke = gated(  # type: ignore[method-assign]
        "lambda-invoke", invoke, LambdaFunction.invoke
    )


def _check_lambda_backend() -> None:
    from moto.awslambda import models as lambda_models
    from moto.awslambda.models import LambdaBackend

    check_callable("lambda-backend", LambdaBackend, "get_function", ("self", "function_name_or_arn", "qualifier"))
    check_attribute("lambda-backend", lambda_models, "lambda_backends")


def _check_logs_backend() -> None:
    from moto.logs.models import LogsBackend

    hook = "logs-backend"
    check_callable(hook, LogsBackend, "ensure_log_group", ("self", "log_group_name"))
    check_callable(hook, LogsBackend, "create_log_stream", ("self", "log_group_name", "log_stream_name"))
    check_callable(hook, LogsBackend, "put_log_events", ("self", "log_group_name", "log_stream_name", "log_events"))


# --- backend-lock -------------------------------------------------------------------------


def _check_backend_lock() -> None:
    check_method("backend-lock", BotocoreStubber, "process_request", "self", "request")


def _apply_backend_lock() -> None:
    original = BotocoreStubber.process_request

    @functools.wraps(original)
    def process_request(self: BotocoreStubber, request: Any) -> TYPE_RESPONSE | None:
        with holding():
            return original(self, request)

    BotocoreStubber.process_request = mark(process_request, "backend-lock")  # type: ignore[method-assign]


# --- dynamodb-transactions ---------------------------------------------------------------

_DYNAMODB = "moto.dynamodb.models"


def _check_dynamodb_transactions() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    hook = "dynamodb-transactions"
    check_method(hook, DynamoDBBackend, "transact_write_items", "self", "transact_items")
    check_callable(hook, DynamoDBBackend, "get_table", ("self", "table_name"))
    check_callable(hook, DynamoDBBackend, "get_keys_value", ("self", "table", "keys"))
    written = ("expression_attribute_names", "expression_attribute_values")
    check_callable(
        hook,
        DynamoDBBackend,
        "put_item",
        (
            "self",
            "table_name",
            "item_attrs",
            "expected",
            "condition_expression",
            *written,
            "overwrite",
            "return_values_on_condition_check_failure",
        ),
    )
    check_callable(
        hook,
        DynamoDBBackend,
        "delete_item",
        ("self", "table_name", "key", *written, "condition_expression", "return_values_on_condition_check_failure"),
    )
    check_callable(
        hook,
        DynamoDBBackend,
        "update_item",
        (
            "self",
            "table_name",
            "key",
            "update_expression",
            *written,
            "attribute_updates",
            "expected",
            "condition_expression",
            "return_values_on_condition_check_failure",
        ),
    )


def _apply_dynamodb_transactions() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    from engine.local.dynamodb_transactions import transact_write_items

    DynamoDBBackend.transact_write_items = gated(  # type: ignore[method-assign]
        "dynamodb-transactions", transact_write_items, DynamoDBBackend.transact_write_items
    )


# --- cloudformation-on-first-use ----------------------------------------------------------


def _check_cloudformation_on_first_use() -> None:
    from moto import backends

    check_callable("cloudformation-on-first-use", backends, "get_backend", ("name",))


def _apply_cloudformation_on_first_use() -> None:
    from moto import backends

    # Typed by its overloads, one per service name: this wrapper passes any name through.
    original: Callable[[str], object] = getattr(backends, "get_backend")  # noqa: B009

    def get_backend(name: str) -> object:
        if name == "cloudformation":
            install_cloudformation()
            while _on_cloudformation:
                _on_cloudformation.pop(0)()
        return original(name)

    setattr(backends, "get_backend", mark(functools.wraps(original)(get_backend), "cloudformation-on-first-use"))  # noqa: B010


_on_cloudformation: list[Callable[[], None]] = []


def when_cloudformation_loads(callback: Callable[[], None]) -> None:
    """Run ``callback`` once, just before a request first reaches moto's CloudFormation in this activation
    (``engine.stack.deploy_cache`` restores a snapshot's stacks then)."""
    _on_cloudformation.append(callback)


def forget_cloudformation_callbacks() -> None:
    """The local AWS stopped: what was to be restored into it is dropped with it."""
    _on_cloudformation.clear()


def install_cloudformation() -> None:
    """Make moto's CloudFormation deploy the Cognito types; idempotent, run before its first stack."""
    # Imported only now: moto's CloudFormation imports its EC2, which builds a boto3 session at import
    # time, and that must come after activation.isolate_environment() dropped the user's AWS profile.
    from engine.local import cloudformation

    cloudformation.install()


# --- cloudformation-lazy-models -------------------------------------------------------------


def _check_lazy_models() -> None:
    """Nothing to check before the parser loads: ``cloudformation_imports`` rewrites only an import block it
    knows line for line, and imports any other parser as moto ships it."""


def _apply_lazy_models() -> None:
    import moto

    from engine.local import cloudformation_imports

    if getattr(moto, "__version__", None) == EXPECTED_MOTO:
        cloudformation_imports.install()


HOOKS: tuple[Hook, ...] = (
    Hook("cognito-operations", _check_cognito_operations, _apply_cognito_operations),
    Hook("cognito-unsupported", _check_unsupported, _apply_unsupported),
    Hook("cognito-pool-ids", _check_pool_ids, _apply_pool_ids),
    Hook("cognito-models", _check_cognito_models),
    Hook("cognito-usernames", _check_usernames, _apply_usernames),
    Hook("cognito-lambda-config", _check_lambda_config, _apply_lambda_config),
    Hook("cognito-password-policy", _check_password_policy, _apply_password_policy),
    Hook("cognito-key-cache", _check_key_cache, _apply_key_cache),
    *cache_hooks.HOOKS,
    Hook("lambda-invoke", _check_lambda_invoke, _apply_lambda_invoke, module=_LAMBDA),
    Hook("lambda-backend", _check_lambda_backend, module=_LAMBDA),
    Hook("logs-backend", _check_logs_backend, module=_LOGS),
    Hook("backend-lock", _check_backend_lock, _apply_backend_lock),
    Hook("dynamodb-transactions", _check_dynamodb_transactions, _apply_dynamodb_transactions, module=_DYNAMODB),
    Hook("cloudformation-on-first-use", _check_cloudformation_on_first_use, _apply_cloudformation_on_first_use),
    Hook("cloudformation-lazy-models", _check_lazy_models, _apply_lazy_models),
)

_install_lock = threading.Lock()
_installed = False


def verify() -> None:
    """Check every hook against the installed moto, importing the modules of those applied on first import;
    raise ``HookError`` naming the first broken one."""
    import importlib

    for hook in HOOKS:
        if hook.module:
            importlib.import_module(hook.module)
        hook.check()
    for call in MOTO_CALLS:
        call.check()


def _apply_on_import(module: str) -> None:
    """Check, then apply, the hooks of ``module`` (a ``HookError`` fails the import that loaded it)."""
    hooks = [hook for hook in HOOKS if hook.module == module]
    for hook in hooks:
        hook.check()
    for hook in hooks:
        hook.apply()


def install(active: Callable[[], bool]) -> None:
    """Verify, then install every hook (once per process; later calls do nothing).

    The behaviour hooks take effect only while ``active()`` is true. Hooks on a ``module`` are checked and
    applied when it is first imported; with any moto but the pinned one, every hook is checked first.
    """
    import moto

    global _installed
    with _install_lock:
        if _installed:
            return
        if getattr(moto, "__version__", None) != EXPECTED_MOTO:
            verify()  # every hook, the ones applied on first import too
        else:
            for hook in HOOKS:
                if hook.module is None:
                    hook.check()
            for call in MOTO_CALLS:
                call.check()
        set_active(active)
        for hook in HOOKS:
            if hook.module is None:
                hook.apply()
        for module in dict.fromkeys(hook.module for hook in HOOKS if hook.module):
            when_imported(module, functools.partial(_apply_on_import, module))
        if "moto.cloudformation.parsing" in sys.modules:  # loaded before the hooks: its backend may be too
            install_cloudformation()
        _installed = True


def installed() -> bool:
    return _installed

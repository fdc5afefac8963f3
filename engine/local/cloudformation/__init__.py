"""Amazon Cognito user pools and app clients in moto's CloudFormation.

moto 5.2.1 has no CloudFormation model for ``AWS::Cognito::UserPool`` or ``AWS::Cognito::UserPoolClient``
(a template using them fails), and its ``AWS::Lambda::Permission`` model adds a statement with a random id
and keeps nothing, so the permission can be neither updated nor deleted. The models for the three types
are in ``user_pool``, ``user_pool_client`` and ``lambda_permission`` (what they share in ``common``);
``install()`` here makes moto's template parser use them.

moto finds CloudFormation models as the direct subclasses of ``CloudFormationModel``, keyed by
``cloudformation_type()``, through a map cached in ``moto.cloudformation.parsing``. Defining the classes
(importing their modules, as this one does) registers them; ``install()`` rebuilds the cached map and
checks every moto hook the models call, so a moto upgrade that moves one fails with ``HookError``
(``engine.local.compat``) instead of deploying half a stack.

The models call moto's backends the way moto's own API handlers do, so a pool created from a template is
indistinguishable from one created with ``CreateUserPool``.
"""

from __future__ import annotations

from moto.awslambda import models as lambda_models
from moto.cloudformation import parsing
from moto.cognitoidp import models as cognito_models
from moto.core.common_models import CloudFormationModel

from engine.local import cloudformation_imports
from engine.local.cloudformation.cdk_metadata import CdkMetadataResource
from engine.local.cloudformation.common import HOOK
from engine.local.cloudformation.guard import check_hooks as check_guard_hooks
from engine.local.cloudformation.guard import install_guard
from engine.local.cloudformation.lambda_permission import LambdaPermissionResource
from engine.local.cloudformation.user_pool import CognitoUserPoolResource
from engine.local.cloudformation.user_pool_client import CognitoUserPoolClientResource
from engine.local.cloudformation.user_pool_federation import (
    CognitoUserPoolDomainResource,
    CognitoUserPoolIdentityProviderResource,
    CognitoUserPoolResourceServerResource,
)
from engine.local.cloudformation.user_pool_members import (
    CognitoUserPoolGroupResource,
    CognitoUserPoolUserResource,
    CognitoUserPoolUserToGroupAttachmentResource,
)
from engine.local.compat import HookError, check_attribute, check_callable

_installed = False

_MODELS: tuple[type[CloudFormationModel], ...] = (
    CognitoUserPoolResource,
    CognitoUserPoolClientResource,
    CognitoUserPoolGroupResource,
    CognitoUserPoolUserResource,
    CognitoUserPoolUserToGroupAttachmentResource,
    CognitoUserPoolDomainResource,
    CognitoUserPoolResourceServerResource,
    CognitoUserPoolIdentityProviderResource,
    LambdaPermissionResource,
    CdkMetadataResource,
)


def install() -> None:
    """Make moto's CloudFormation deploy the Cognito types (and manage Lambda permissions), and refuse or roll
    back what it cannot create (``guard``).

    Idempotent; call it before the first stack is created. Raises ``HookError`` (hook
    ``cloudformation-cognito``) if the installed moto lacks something this relies on.
    """
    global _installed
    if _installed:
        return
    _check_hooks()
    check_guard_hooks()
    # The model map is cached on first use; rebuild it so that it sees the model classes.
    cloudformation_imports.models_changed()
    model_map = parsing.get_model_map()
    for model in _MODELS:
        if model_map.get(model.cloudformation_type()) is not model:
            raise HookError(HOOK, f"moto's model map does not pick {model.__name__} for {model.cloudformation_type()}")
    install_guard()
    _installed = True


def _check_hooks() -> None:
    """Every moto function and module attribute the models call, with the parameters they pass."""
    for name in ("get_model_list", "get_model_map", "get_name_type_map"):  # the cached model map
        check_attribute(HOOK, parsing, name)
        check_callable(HOOK, getattr(parsing, name), "cache_clear", ("self",))
    check_attribute(HOOK, cognito_models, "cognitoidp_backends")
    pool, client = ("self", "user_pool_id"), ("self", "user_pool_id", "client_id")
    for name, params in {
        "create_user_pool": ("self", "name", "extended_config"),
        "describe_user_pool": pool,
        "update_user_pool": (*pool, "extended_config"),
        "delete_user_pool": pool,
        "set_user_pool_mfa_config": (*pool, "sms_config", "token_config", "mfa_config"),
        "create_user_pool_client": (*pool, "generate_secret", "extended_config"),
        "describe_user_pool_client": client,
        "update_user_pool_client": (*client, "extended_config"),
        "delete_user_pool_client": client,
    }.items():
        check_callable(HOOK, cognito_models.CognitoIdpBackend, name, params)
    check_callable(HOOK, cognito_models.CognitoIdpUserPool, "add_custom_attributes", ("self", "custom_attributes"))
    check_attribute(HOOK, lambda_models, "lambda_backends")
    check_callable(HOOK, lambda_models.LambdaBackend, "add_permission", ("self", "function_name", "qualifier", "raw"))
    check_callable(HOOK, lambda_models.LambdaBackend, "remove_permission", ("self", "function_name", "sid", "revision"))

"""The moto hooks: installed once, and a moto that changed shape fails loudly, naming the hook."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from moto.awslambda.models import LambdaFunction
from moto.cognitoidp import models as cognito_models
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.botocore_stubber import BotocoreStubber

import engine.local
from engine.errors import TargetError
from engine.local import LocalAWS, activation, hooks
from engine.local.compat import HookError


@pytest.fixture(autouse=True)
def installed() -> None:
    with LocalAWS():
        pass
    assert hooks.installed()


def test_the_pinned_moto_passes_every_check() -> None:
    hooks.verify()


def test_install_is_idempotent() -> None:
    patched = BotocoreStubber.process_request
    hooks.install(activation.active)
    hooks.install(activation.active)
    assert BotocoreStubber.process_request is patched
    assert not getattr(patched.__wrapped__, "__scenario_hook__", False)  # wraps moto's, not itself


def test_every_hook_is_in_place() -> None:
    assert CognitoIdpResponse.sign_up.__scenario_hook__ == "cognito-operations"
    assert CognitoIdpResponse.delete_user.__scenario_hook__ == "cognito-operations"
    assert CognitoIdpResponse.resend_confirmation_code.__scenario_hook__ == "cognito-operations"
    assert LambdaFunction.invoke.__scenario_hook__ == "lambda-invoke"
    assert CognitoIdpUserPool.update_extended_config.__scenario_hook__ == "cognito-lambda-config"
    assert cognito_models.jwk.__scenario_hook__ == "cognito-key-cache"
    from moto.dynamodb.models import DynamoDBBackend

    assert DynamoDBBackend.transact_write_items.__scenario_hook__ == "dynamodb-transactions"


def _broken(*args: Any) -> None:
    """A stand-in with a different signature."""


@pytest.mark.parametrize(
    ("owner", "name", "hook", "problem"),
    [
        (LambdaFunction, "invoke", "lambda-invoke", "LambdaFunction.invoke takes (args), expected (self, body"),
        (CognitoIdpUserPool, "create_id_token", "cognito-models", "CognitoIdpUserPool.create_id_token takes (args)"),
        (CognitoIdpResponse, "initiate_auth", "cognito-operations", "CognitoIdpResponse.initiate_auth takes (args)"),
        (BotocoreStubber, "process_request", "backend-lock", "BotocoreStubber.process_request takes (args)"),
    ],
)
def test_a_changed_signature_names_the_broken_hook(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, hook: str, problem: str
) -> None:
    monkeypatch.setattr(owner, name, _broken)
    with pytest.raises(HookError) as caught:
        hooks.verify()
    assert caught.value.hook == hook
    assert f"local AWS hook '{hook}' cannot be installed" in caught.value.message
    assert problem in caught.value.message


def test_a_missing_attribute_names_the_broken_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(CognitoIdpUserPool, "sign_out")
    with pytest.raises(HookError, match=r"'cognito-models'.*CognitoIdpUserPool.sign_out does not exist"):
        hooks.verify()


_BY_NAME = ("getattr", "hasattr", "setattr", "inspect.getattr_static")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_attributes_of_others(root: Path) -> dict[str, str]:
    """Every private name read under ``root`` (``x._name``, ``getattr(x, "_name")``, ``from moto... import
    _name``) that no module there defines (a def, a class, an assigned ``self._name``, a class field, a
    ``setattr``): a private attribute of moto (or of another library), with the first file that reads it."""
    read: dict[str, str] = {}
    defined: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        # A Protocol's methods describe moto's (``cognito.models``): they define nothing.
        described = {
            id(member)
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(ast.unparse(base) == "Protocol" for base in node.bases)
            for member in node.body
        }
        # Reachable as ``x._name``: a module's own functions and classes, and a class's methods (not a
        # function nested in another, which may share a name with the moto method it wraps).
        reachable = {id(node) for node in tree.body} | {
            id(member) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for member in node.body
        }
        for node in ast.walk(tree):
            if id(node) in described:
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if id(node) in reachable:
                    defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and ast.unparse(target.value) in ("self", "cls"):
                        defined.add(target.attr)
                    elif isinstance(target, ast.Name):
                        defined.add(target.id)
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                read.setdefault(node.attr, str(path.relative_to(root)))
            elif isinstance(node, ast.Call) and ast.unparse(node.func) in _BY_NAME and len(node.args) > 1:
                name = node.args[1].value if isinstance(node.args[1], ast.Constant) else None
                if isinstance(name, str) and _private(name):
                    if ast.unparse(node.func) == "setattr":
                        defined.add(name)
                    else:
                        read.setdefault(name, str(path.relative_to(root)))
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("moto"):
                for alias in node.names:
                    if _private(alias.name):
                        read.setdefault(alias.name, str(path.relative_to(root)))
    return {name: where for name, where in read.items() if name not in defined}


def test_every_private_moto_attribute_the_local_aws_reads_is_checked_by_verify() -> None:
    private = _private_attributes_of_others(Path(engine.local.__file__).parent)
    assert "_verify_email_is_not_used" in private  # the scan does see them
    declared = {call.name for call in hooks.MOTO_CALLS}
    missing = {name: where for name, where in private.items() if name not in declared}
    assert missing == {}, "declare these in hooks.MOTO_CALLS so verify() checks them"


def test_a_missing_private_moto_method_names_the_broken_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(CognitoIdpBackend, "_verify_email_is_not_used")
    with pytest.raises(
        HookError, match=r"'cognito-models'.*CognitoIdpBackend._verify_email_is_not_used does not exist"
    ):
        hooks.verify()


def test_an_operation_moto_gained_is_not_silently_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CognitoIdpResponse, "delete_user", _broken)
    with pytest.raises(HookError, match=r"'cognito-operations'.*delete_user already exists"):
        hooks.verify()


def test_hook_errors_are_target_errors_that_name_the_pinned_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LambdaFunction, "invoke", _broken)
    with pytest.raises(HookError) as caught:
        hooks.verify()
    assert isinstance(caught.value, TargetError)
    assert "moto==5.2.1" in caught.value.render()


def test_plain_mock_aws_keeps_moto_behaviour_while_no_local_aws_runs() -> None:
    from localaws import PASSWORD, session
    from moto import mock_aws

    with mock_aws():
        idp = session().client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="plain", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.sign_up(
            ClientId=client_id,
            Username="ann",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
        )
        idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode="any code at all")  # moto's way
        with pytest.raises(NotImplementedError, match="delete_user"):
            idp.delete_user(AccessToken="x")
    with LocalAWS():  # and the local AWS still has its own behaviour afterwards
        idp = session().client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="local", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.sign_up(
            ClientId=client_id,
            Username="ann",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
        )
        with pytest.raises(idp.exceptions.CodeMismatchException):
            idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode="any code at all")


def test_sessions_made_while_a_local_aws_runs_share_botocore_data_and_moto_reads_with_one_loader() -> None:
    import botocore.session
    from moto.core import utils as moto_utils

    from engine.aws import service_data

    shared = service_data.loader()
    outside = botocore.session.Session()
    with LocalAWS():
        inside = botocore.session.Session()  # as moto's own, or an in-process handler's boto3 default session
        assert inside.get_component("data_loader") is shared
        # and the loader it shares reads what a loader of its own would
        assert (
            inside.get_service_model("cognito-idp").operation_names
            == outside.get_service_model("cognito-idp").operation_names
        )
    assert outside.get_component("data_loader") is not shared  # a session made outside keeps its own
    assert botocore.session.Session().get_component("data_loader") is not shared
    assert moto_utils.create_loader() is moto_utils.create_loader()
    assert moto_utils.create_loader.__scenario_hook__ == "moto-model-loader"


def test_a_response_class_action_names_are_listed_once_and_again_when_the_class_changes() -> None:
    from moto.core import responses as moto_responses
    from moto.core.utils import method_names_from_class
    from moto.dynamodb.responses import DynamoHandler

    from engine.local import cache_hooks

    with LocalAWS():
        assert moto_responses.method_names_from_class.__scenario_hook__ == "moto-method-names"
        assert cache_hooks.method_names(DynamoHandler) == method_names_from_class(DynamoHandler)

        class Extended(DynamoHandler):
            pass

        before = cache_hooks.method_names(Extended)
        assert "scenario_probe" not in before
        Extended.scenario_probe = lambda self: None  # an action added later is listed
        assert cache_hooks.method_names(Extended) == method_names_from_class(Extended)
        assert "scenario_probe" in cache_hooks.method_names(Extended)
        del Extended.scenario_probe
        assert cache_hooks.method_names(Extended) == before
        cache_hooks.method_names(Extended).append("changed by a caller")
        assert cache_hooks.method_names(Extended) == before  # callers get a copy


def test_moto_service_packages_are_listed_once_with_the_same_names() -> None:
    import os

    import moto
    from moto import backends

    with LocalAWS():
        listed = list(backends.list_of_moto_modules())
        folder = os.path.dirname(moto.__file__)
        expected = [
            name
            for name in sorted(os.listdir(folder))
            if os.path.isdir(os.path.join(folder, name)) and not name.startswith("__")
        ]
        assert listed == expected
        assert "cognitoidp" in backends.list_of_moto_modules()
        assert backends.list_of_moto_modules.__scenario_hook__ == "moto-module-list"


def test_a_services_regions_are_listed_once_and_are_moto_s_own() -> None:
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.base_backend import AccountSpecificBackend

    with LocalAWS():
        hooked = AccountSpecificBackend._generate_regions
        assert getattr(hooked, "__scenario_hook__", None) == "moto-account-regions"
        first = cognitoidp_backends["111122223333"]
        again = AccountSpecificBackend("cognito-idp", "444455556666", type(first), True, None)
        # What botocore's endpoint data lists for the service, in every partition, as moto computes it.
        session = AccountSpecificBackend.get_session()
        expected = [
            region
            for partition in session.get_available_partitions()
            for region in session.get_available_regions("cognito-idp", partition_name=partition)
        ]
        assert first.regions == again.regions == expected
        assert "us-east-1" in again.regions and "eu-west-1" in again.regions

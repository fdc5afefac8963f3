"""Hooks that only remember what moto and botocore would compute again, with results unchanged.

Each answers exactly as the code it wraps would; none is gated on an active local AWS, since outside one
the answers are the same too. They are part of ``hooks.HOOKS`` (checked and installed with the rest):

* ``moto-model-loader``: moto reads botocore's service models through one loader, not a new one (which lists
  every service directory again, about 12 ms) for each service it first serves.
* ``botocore-shared-loader``: a botocore session made while a local AWS is active (moto's own, an in-process
  handler's boto3 default session) reads botocore's data files through the engine's loader
  (``engine.aws.service_data``), so ``endpoints.json`` and each model are parsed once per process.
* ``moto-method-names``: the action names of a response class (``method_names_from_class``, an
  ``inspect.getmembers`` over every attribute of the class, which moto runs for every request, and the
  ``cognito-unsupported`` hook once more for Cognito's) are listed once per class while the class keeps the
  same attributes.
* ``moto-module-list``: the names of moto's service packages (a directory listing and a ``stat`` of each
  entry, made twice for every request ``scenario serve`` routes) are listed once: the installed package does
  not change under a running process.
* ``moto-account-regions``: the regions of a service, which moto lists from botocore's endpoint data for each
  account's backends when they are made, are listed once per service name. moto caches the list per
  ``AccountSpecificBackend`` object, so each backend emptied and made again (every ``scenario-run`` file, a
  deploy snapshot restored) listed them again, and moto's cache kept every such object alive.
* ``moto-update-expressions``: a DynamoDB UpdateExpression is parsed once per text, not twice for every
  UpdateItem (its request handler and its backend each parse it) and again for each Update of a transaction:
  about 0.1 ms a parse. What moto does with the tree only reads it (``find_clauses``) or works on its own deep
  copy (``UpdateExpressionValidator``); an expression moto refuses is parsed, and refused, every time.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from typing import Any

from engine.local.compat import check_attribute, check_callable
from engine.local.hook_kit import Hook, check_method, local_aws_active, mark

# --- moto-model-loader --------------------------------------------------------------------


def _check_model_loader() -> None:
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    check_callable("moto-model-loader", moto_loaders, "create_loader", ())
    check_attribute("moto-model-loader", moto_utils, "create_loader")


def _apply_model_loader() -> None:
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    # The same loader every time: botocore's Loader caches what it read, and moto only reads with it.
    setattr(moto_utils, "create_loader", mark(functools.cache(moto_loaders.create_loader), "moto-model-loader"))  # noqa: B010


# --- botocore-shared-loader ---------------------------------------------------------------


def _check_shared_loader() -> None:
    from botocore.session import Session

    hook = "botocore-shared-loader"
    check_method(
        hook, Session, "__init__", "self", "session_vars", "event_hooks", "include_builtin_handlers", "profile"
    )
    check_method(hook, Session, "register_component", "self", "name", "component")


def _apply_shared_loader() -> None:
    import botocore.session

    from engine.aws import service_data

    init = botocore.session.Session.__init__

    @functools.wraps(init)
    def __init__(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        shared = service_data.made() if local_aws_active() else None
        if shared is None or self is shared:
            return
        if self.get_config_variable("data_path") == shared.get_config_variable("data_path"):
            self.register_component("data_loader", service_data.loader())

    botocore.session.Session.__init__ = mark(__init__, "botocore-shared-loader")


# --- moto-method-names --------------------------------------------------------------------

# class -> (the attribute count of each class of its MRO when listed, the names listed then)
_METHOD_NAMES: dict[type, tuple[tuple[int, ...], list[str]]] = {}


def _shape(cls: type) -> tuple[int, ...]:
    return tuple(len(vars(klass)) for klass in cls.__mro__)


def method_names(cls: type) -> list[str]:
    """``moto.core.utils.method_names_from_class(cls)``, listed again only when an attribute was added to or
    removed from ``cls`` or a base since (the hooks replace methods with methods, which changes no name)."""
    from moto.core import utils as moto_utils

    shape = _shape(cls)
    known = _METHOD_NAMES.get(cls)
    if known is None or known[0] != shape:
        known = (shape, moto_utils.method_names_from_class(cls))
        _METHOD_NAMES[cls] = known
    return list(known[1])


def _check_method_names() -> None:
    from moto.core import responses as moto_responses
    from moto.core import utils as moto_utils

    check_callable("moto-method-names", moto_utils, "method_names_from_class", ("clazz",))
    check_attribute("moto-method-names", moto_responses, "method_names_from_class")


def _apply_method_names() -> None:
    from moto.core import responses as moto_responses

    setattr(moto_responses, "method_names_from_class", mark(method_names, "moto-method-names"))  # noqa: B010


# --- moto-module-list ---------------------------------------------------------------------


def _check_module_list() -> None:
    from moto import backends

    check_callable("moto-module-list", backends, "list_of_moto_modules", ())


def _apply_module_list() -> None:
    from moto import backends

    listed = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return iter(listed)

    setattr(backends, "list_of_moto_modules", mark(list_of_moto_modules, "moto-module-list"))  # noqa: B010


# --- moto-account-regions -----------------------------------------------------------------


def _check_account_regions() -> None:
    from moto.core.base_backend import AccountSpecificBackend

    check_method("moto-account-regions", AccountSpecificBackend, "_generate_regions", "self", "service_name")


def _apply_account_regions() -> None:
    from moto.core.base_backend import AccountSpecificBackend

    cached = AccountSpecificBackend._generate_regions
    generate = getattr(cached, "__wrapped__", cached)  # moto's function under its per-object lru_cache
    listed: dict[str, list[str]] = {}

    def _generate_regions(self: Any, service_name: str) -> list[str]:
        # The list is shared, as moto's cache shares it: moto only extends its own list with it.
        if service_name not in listed:
            listed[service_name] = generate(self, service_name)
        return listed[service_name]

    setattr(AccountSpecificBackend, "_generate_regions", mark(_generate_regions, "moto-account-regions"))  # noqa: B010


# --- moto-update-expressions --------------------------------------------------------------

_DYNAMODB = "moto.dynamodb.models"  # checked and applied once it is imported, which imports the parser


def _check_update_expressions() -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    hook = "moto-update-expressions"
    check_callable(hook, UpdateExpressionParser, "make", ("cls", "expression_str"))
    # The cached tree is safe to share only while the validator works on a copy of the tree it is given.
    check_attribute(hook, validators, "deepcopy")
    check_method(
        hook,
        validators.Validator,
        "__init__",
        "self",
        "expression",
        "expression_attribute_names",
        "expression_attribute_values",
        "item",
        "table",
    )


def _apply_update_expressions() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    make = inspect.getattr_static(UpdateExpressionParser, "make").__func__

    @functools.lru_cache(maxsize=512)
    def parsed(cls: type, expression_str: str) -> Any:
        return make(cls, expression_str)

    def cached_make(cls: type, expression_str: str) -> Any:
        if not isinstance(expression_str, str):  # parsed (and refused) as moto does
            return make(cls, expression_str)
        return parsed(cls, expression_str)

    UpdateExpressionParser.make = classmethod(mark(cached_make, "moto-update-expressions"))


HOOKS: tuple[Hook, ...] = (
    Hook("moto-model-loader", _check_model_loader, _apply_model_loader),
    Hook("botocore-shared-loader", _check_shared_loader, _apply_shared_loader),
    Hook("moto-method-names", _check_method_names, _apply_method_names),
    Hook("moto-module-list", _check_module_list, _apply_module_list),
    Hook("moto-account-regions", _check_account_regions, _apply_account_regions),
    Hook("moto-update-expressions", _check_update_expressions, _apply_update_expressions, module=_DYNAMODB),
)

"""moto's CloudFormation template parser, imported without the services a template does not use.

``moto.cloudformation.parsing`` imports the models of every service it has CloudFormation types for, so that
they are subclasses of ``CloudFormationModel`` when it lists them. Among them are API Gateway (its OpenAPI
validator) and EC2 with the ten that import it (Auto Scaling, Batch, ECS, EFS, ELB, ELBv2, EMR, RDS,
Redshift, SSM): about a third of a second of every first deploy in a process, for a Cognito stack that uses
none of them. Here (hook ``cloudformation-lazy-models``) the parser is loaded from moto's own source with those
imports deferred (``DEFERRED``): a template's resource types import the models of their service when moto
first looks one up (``resource_class_from_type``), or when the stack guard checks the template
(``load_for``), and the parser's list of models is built again then. What the parser reads from those modules
stays what moto wrote: ``ec2_models`` and ``ssm_backends`` import their module on first use, and
``isinstance(x, TaggedEC2Resource)`` is false until moto's EC2 is imported (nothing can be an EC2 resource
before).

Only the pinned moto's parser is rewritten, and only when its import block is the one ``_rewrite`` knows line
for line; any other is imported as moto ships it (every service at once, as before).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from types import CodeType, ModuleType
from typing import Any

from engine.local.hook_kit import mark

PARSING = "moto.cloudformation.parsing"
HOOK = "cloudformation-lazy-models"

# A CloudFormation service (``AWS::<service>::...``) -> the moto package with its models, for the packages whose
# import costs the most: API Gateway's, and EC2 with every one that imports it.
DEFERRED: dict[str, str] = {
    "ApiGateway": "moto.apigateway",
    "AutoScaling": "moto.autoscaling",
    "Batch": "moto.batch",
    "EC2": "moto.ec2",
    "ECS": "moto.ecs",
    "EFS": "moto.efs",
    "ElasticLoadBalancing": "moto.elb",
    "ElasticLoadBalancingV2": "moto.elbv2",
    "EMR": "moto.emr",
    "RDS": "moto.rds",
    "Redshift": "moto.redshift",
    "SSM": "moto.ssm",
}
_PACKAGES = frozenset(DEFERRED.values())

_BLOCK = re.compile(
    r"^# This ugly section of imports is necessary because we\n(?P<body>.*?)^# End ugly list of imports$",
    re.MULTILINE | re.DOTALL,
)
_IMPORT = re.compile(r"from (?P<module>moto(?:\.\w+)+) import (?P<name>\w+)(?: as (?P<alias>\w+))?(?P<noqa>  # noqa)?")
# The names the parser's code reads from the deferred packages, each with how it is stood in for.
_STAND_INS = {
    ("moto.ec2", "models", "ec2_models"): "ec2_models = _deferred.module('moto.ec2.models')",
    ("moto.ec2.models.core", "TaggedEC2Resource", None): (
        "TaggedEC2Resource = _deferred.deferred_class('moto.ec2.models.core', 'TaggedEC2Resource')"
    ),
    ("moto.ssm", "ssm_backends", None): "ssm_backends = _deferred.backends('moto.ssm', 'ssm_backends')",
}

_HEADER = "from engine.local import cloudformation_imports as _deferred  # the stand-ins of what is deferred"
_lock = threading.RLock()


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _rewrite(source: str) -> str | None:
    """The parser's source with the deferred packages' imports stood in for, or None when its import block is
    not the one this knows (it is then imported as moto ships it)."""
    found = _BLOCK.search(source)
    if found is None:
        return None
    lines = []
    deferred: set[str] = set()
    header_in = False  # the stand-ins' import, in place of the first import it leaves out
    for line in found.group("body").splitlines():
        match = _IMPORT.fullmatch(line)
        if line.startswith("#") or not line.strip():
            lines.append(line)
            continue
        if match is None:  # not an import this knows
            return None
        if _package(match.group("module")) not in _PACKAGES:  # a service imported as before
            lines.append(line)
            continue
        module, name, alias = match.group("module"), match.group("name"), match.group("alias")
        if match.group("noqa") and name == "models" and alias:  # imported only for its models: not read
            if re.search(rf"\b{alias}\b", source[found.end() :]):  # read after all: not for this parser
                return None
            deferred.add(_package(module))
            lines.append("" if header_in else _HEADER)  # the same number of lines: tracebacks name moto's
            header_in = True
            continue
        stand_in = _STAND_INS.get((module, name, alias))
        if stand_in is None:
            return None
        deferred.add(_package(module))
        lines.append(stand_in)
    if deferred != _PACKAGES or not header_in:
        return None
    return source[: found.start("body")] + "".join(f"{line}\n" for line in lines) + source[found.end("body") :]


# -- the stand-ins -----------------------------------------------------------------------------------------


def _imported(module: str) -> ModuleType:
    """``module``, imported now if it was not; the parser's list of models is rebuilt after it."""
    if module in sys.modules:
        return sys.modules[module]
    with _lock:
        found = importlib.import_module(module)
        models_changed()
    return found


class _DeferredModule:
    """A moto module imported when the parser first reads one of its attributes."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(_imported(self._name), attribute)

    def __repr__(self) -> str:
        return f"<deferred {self._name}>"


def module(name: str) -> Any:
    return _DeferredModule(name)


class _DeferredBackends:
    """A service's ``BackendDict``, imported when the parser first indexes it."""

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name = module, name

    def __getitem__(self, key: str) -> Any:
        return getattr(_imported(self._module), self._name)[key]


def backends(module: str, name: str) -> Any:
    return _DeferredBackends(module, name)


class _DeferredClassMeta(type):
    """``isinstance``/``issubclass`` against a class of a module not imported yet: false until it is (nothing
    can be an instance of a class not defined yet), then the class's own answer."""

    _module: str
    _class_name: str

    def _real(cls) -> type | None:
        found = sys.modules.get(cls._module)
        return getattr(found, cls._class_name, None) if found is not None else None

    def __instancecheck__(cls, instance: object) -> bool:
        real = cls._real()
        return real is not None and isinstance(instance, real)

    def __subclasscheck__(cls, subclass: type) -> bool:
        real = cls._real()
        return real is not None and issubclass(subclass, real)


def deferred_class(module: str, name: str) -> type:
    return _DeferredClassMeta(name, (), {"_module": module, "_class_name": name})


# -- loading what a template needs --------------------------------------------------------------------------


def _parser() -> ModuleType | None:
    return sys.modules.get(PARSING)


def models_changed() -> None:
    """Make the parser list moto's models again (its list is cached; a model class defined since is missing)."""
    parser = _parser()
    if parser is None:
        return
    for name in ("get_model_list", "get_model_map", "get_name_type_map"):
        getattr(parser, name).cache_clear()


def load_for(resource_types: Iterable[object]) -> None:
    """Import the models of the deferred services ``resource_types`` name (before a template is checked or a
    resource created), and rebuild the parser's list of models if it lacks one of them."""
    parser = _parser()
    wanted = set()
    for kind in resource_types:
        parts = kind.split("::") if isinstance(kind, str) else []
        package = DEFERRED.get(parts[1]) if len(parts) == 3 and parts[0] == "AWS" else None
        if package is not None:
            wanted.add((package, kind))
    if not wanted:
        return
    with _lock:
        stale = False
        for package, kind in wanted:
            if f"{package}.models" not in sys.modules:
                importlib.import_module(f"{package}.models")
                stale = True
            elif parser is not None and kind not in parser.get_model_map():  # imported after the list was made
                stale = True
        if stale:
            models_changed()


def load_all() -> None:
    """Import the models of every deferred service (for the full list of types the local CloudFormation makes)."""
    load_for(f"AWS::{service}::Any" for service in DEFERRED)


def _lookup_loading(original: Callable[[str], Any]) -> Callable[[str], Any]:
    def resource_class_from_type(resource_type: str) -> Any:
        parser = _parser()
        if parser is not None and resource_type not in parser.get_model_map():
            load_for((resource_type,))
        return original(resource_type)

    resource_class_from_type.__wrapped__ = original  # type: ignore[attr-defined]
    return mark(resource_class_from_type, HOOK)


# -- the import of the parser -------------------------------------------------------------------------------


class _Loader(importlib.abc.Loader):
    def __init__(self, code: CodeType) -> None:
        self.code = code

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)
        module.resource_class_from_type = _lookup_loading(module.resource_class_from_type)  # type: ignore[attr-defined]
        module.__scenario_lazy_models__ = True  # type: ignore[attr-defined]


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``moto.cloudformation.parsing`` as moto ships it and loads it rewritten (``_rewrite``)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PARSING:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = spec.loader if spec is not None else None
        if spec is None or not isinstance(loader, importlib.machinery.SourceFileLoader) or spec.origin is None:
            return spec
        try:
            rewritten = _rewrite(loader.get_source(fullname) or "")
            code = compile(rewritten, spec.origin, "exec", dont_inherit=True) if rewritten is not None else None
        except (OSError, SyntaxError, ValueError):
            code = None
        if code is None:
            return spec  # imported as moto ships it
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=_Loader(code))


_FINDER = _Finder()


def install() -> None:
    """Load moto's parser this way from now on (unless it is imported already); idempotent."""
    if PARSING not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def lazy() -> bool:
    """Whether the parser in this process was loaded with its imports deferred."""
    parser = _parser()
    return bool(parser is not None and getattr(parser, "__scenario_lazy_models__", False))

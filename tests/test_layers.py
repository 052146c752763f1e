"""Dependencies point one way: the member area's apps import only from those below them.

The order is written at the top of memberspace/__init__.py. Every import of every
module is read (those inside functions too), so a shortcut taken in a hurry fails
here, with the file, the line and the two layers named.
"""

import ast
from pathlib import Path

import pytest

import memberspace

ROOT = Path(__file__).resolve().parent.parent
# From the bottom up, as in memberspace/__init__.py.
LAYERS = ["secretariat", "notifications", "accounts", "families", "legacy", "enrollments", "payments", "privacy"]
SHELL = len(LAYERS)  # memberspace itself: urls, views, wagtail_hooks, templates, management commands
PACKAGE_ROOT = -1  # memberspace/__init__.py: only MemberspaceError, importable from everywhere
CMS_APPS = ["home", "pages", "activities", "stays"]
# The project package's modules the member area may use: they import nothing of it.
CONFIG_FOR_MEMBERS = {"config.roles", "config.csp"}


def layer_of_module(module):
    """The layer of a dotted module name inside memberspace."""
    parts = module.split(".")
    if parts == ["memberspace"]:
        return PACKAGE_ROOT
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return SHELL


def layer_name(layer):
    return {PACKAGE_ROOT: "memberspace/__init__", SHELL: "the shell (memberspace)"}.get(layer) or LAYERS[layer]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source, module, is_package):
    """``(line, imported module, names)`` for every import of ``source``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _level in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module)
            names = [alias.name for alias in node.names]
            if node.level and not node.module:  # "from . import services": each name is a module
                for name in names:
                    yield node.lineno, f"{target}.{name}", []
            else:
                yield node.lineno, target, names


def wrong_imports(source, module, is_package=False):
    """The imports of ``module`` that break the layering, as readable lines."""
    errors = []
    top = module.split(".")[0]
    for line, target, names in imports(source, module, is_package):
        target_top = target.split(".")[0]
        if top in CMS_APPS and target_top in ("memberspace", "config"):
            errors.append(f"{module}:{line} the public CMS imports {target}")
        if top != "memberspace":
            continue
        if target_top == "config" and target not in CONFIG_FOR_MEMBERS:
            errors.append(f"{module}:{line} imports {target}: the project package is above the member area")
        if target_top != "memberspace":
            continue
        own, theirs = layer_of_module(module), layer_of_module(target)
        if target == "memberspace":  # "from memberspace import X": X is the exception or a module
            theirs = max(
                (layer_of_module(f"memberspace.{name}") for name in names if name != "MemberspaceError"),
                default=PACKAGE_ROOT,
            )
        if theirs > own:
            errors.append(f"{module}:{line} imports {target}: {layer_name(own)} may not import {layer_name(theirs)}")
    return errors


def python_files(*tops):
    for top in tops:
        yield from (path for path in (ROOT / top).rglob("*.py") if "site-packages" not in path.parts)


def test_the_layers_match_the_package_docstring():
    """The order tested is the order documented, and every concept app of the package is in it."""
    documented = [name for name in LAYERS if f"``{name}``" in memberspace.__doc__]
    assert documented == LAYERS
    apps = sorted(path.parent.name for path in (ROOT / "memberspace").glob("*/apps.py"))
    assert apps == sorted(LAYERS)


def test_no_import_points_up():
    errors = []
    for path in python_files("memberspace", *CMS_APPS):
        errors += wrong_imports(path.read_text(), module_name(path), is_package=path.name == "__init__.py")
    assert not errors, "\n".join(errors)


def test_the_project_modules_the_member_area_uses_import_nothing_of_it():
    for module in CONFIG_FOR_MEMBERS:
        path = ROOT / (module.replace(".", "/") + ".py")
        targets = [target for _line, target, _names in imports(path.read_text(), module, False)]
        assert not [target for target in targets if target.split(".")[0] == "memberspace"], module


@pytest.mark.parametrize(
    ("module", "source", "complaint"),
    [
        (
            "memberspace.accounts.services",
            "from memberspace.enrollments.models import Enrollment\n",
            "accounts may not",
        ),
        ("memberspace.families.admin", "def f():\n    from memberspace.privacy import services\n", "families may not"),
        ("memberspace.notifications.services", "from memberspace import views\n", "the shell"),
        ("memberspace.secretariat.admin", "from ..accounts import models\n", "secretariat may not"),
        ("memberspace.legacy.admin", "from memberspace.enrollments import services\n", "legacy may not"),
        ("pages.models", "from memberspace.families.models import Child\n", "public CMS"),
        ("memberspace.accounts.services", "from config.schedules import SCHEDULES\n", "project package"),
    ],
)
def test_an_upward_import_is_caught(module, source, complaint):
    """The checker itself: each of these would pass unnoticed if it did not read that kind of import."""
    [error] = wrong_imports(source, module)
    assert complaint in error


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("memberspace.enrollments.services", "from memberspace.families.services import children\n"),
        ("memberspace.accounts.forms", "from memberspace import MemberspaceError\n"),
        ("memberspace.views", "from memberspace.privacy import services\n"),
        ("memberspace.families.admin", "from .models import Child\n"),
        ("memberspace.accounts.services", "from config.roles import SECRETARIAT\n"),
    ],
)
def test_a_downward_import_is_allowed(module, source):
    assert wrong_imports(source, module) == []

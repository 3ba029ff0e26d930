"""The code map's rules, checked on the source: each concern keeps its one home."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"
BLUEPRINTS = ("apply", "review", "admin", "auth", "portal", "api")
MAX_MODULE_LINES = 400
MAX_VIEW_LINES = 25


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def tree_of(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def is_web_layer(path: Path) -> bool:
    part = path.relative_to(PACKAGE).parts[0]
    return part in (*BLUEPRINTS, "web") or path == PACKAGE / "__init__.py"


def views(path: Path):
    """Yield every function of *path* that a route decorator makes a view."""
    for node in ast.walk(tree_of(path)):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in {"route", "get", "post"}
            for decorator in node.decorator_list
        ):
            yield node


def test_only_the_pipeline_assigns_a_status():
    writers = set()
    for path in modules():
        for node in ast.walk(tree_of(path)):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                writers.add(name_of(path))
    # An outbox row's delivery status is the outbox's (queued: outbox.queue_delivery) and
    # the mail worker's (sending, sent, failed); a job's state is the job machinery's, and
    # a webhook delivery's is its job's, mirrored.
    others = {
        "tracker.webhooks.delivery",
        "tracker.mail.delivery",
        "tracker.mail.outbox",
        "tracker.jobs.runner",
        "tracker.jobs.listing",
    }
    assert writers - others == {"tracker.applications.pipeline"}


def test_only_delivery_talks_smtp():
    talkers = set()
    for path in modules():
        for node in ast.walk(tree_of(path)):
            if isinstance(node, ast.Import) and any(a.name == "smtplib" for a in node.names):
                talkers.add(name_of(path))
            # Flask-Mail's Mail (the extension) and Message (a value) send nothing.
            if (
                isinstance(node, ast.ImportFrom)
                and node.module in {"smtplib", "flask_mail"}
                and any(alias.name not in {"Mail", "Message"} for alias in node.names)
            ):
                talkers.add(name_of(path))
    assert talkers == {"tracker.mail.delivery"}


def test_no_private_name_crosses_modules():
    crossings = []
    for path in modules():
        for node in ast.walk(tree_of(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tracker"):
                crossings += [
                    f"{name_of(path)} imports {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert crossings == []


def test_domain_code_never_reads_the_request():
    readers = []
    for path in modules():
        if is_web_layer(path):
            continue
        for node in ast.walk(tree_of(path)):
            if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_login"}:
                readers += [
                    f"{name_of(path)} imports {alias.name}"
                    for alias in node.names
                    if alias.name in {"request", "session", "g", "current_user"}
                ]
    assert readers == []


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_views_are_thin(blueprint):
    problems = []
    for path in sorted((PACKAGE / blueprint).glob("*.py")):
        for view in views(path):
            body = view.body[1:] if ast.get_docstring(view) else view.body
            length = body[-1].end_lineno - body[0].lineno + 1
            if length > MAX_VIEW_LINES:
                problems.append(f"{blueprint}.{view.name}: {length} lines")
            for node in ast.walk(view):
                if isinstance(node, ast.Attribute) and node.attr == "rollback":
                    problems.append(f"{blueprint}.{view.name}: rolls back")
                if isinstance(node, ast.Name) and node.id in {"select", "update", "delete"}:
                    problems.append(f"{blueprint}.{view.name}: writes SQL")
    assert problems == []


def test_no_module_is_over_400_lines_except_the_models():
    long = {
        name_of(path): count
        for path in modules()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long.keys() <= {"tracker.models"}


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_each_blueprint_declares_bp_in_its_package(blueprint, app):
    package = tree_of(PACKAGE / blueprint / "__init__.py")
    declared = [
        node
        for node in package.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "bp" for t in node.targets)
    ]
    assert len(declared) == 1
    assert blueprint in app.blueprints
    for path in (PACKAGE / blueprint).glob("*.py"):
        if path.name != "__init__.py":
            source = path.read_text()
            assert "Blueprint(" not in source, path.name
            assert "has_endpoint" not in source, path.name

"""The layers hold: nothing under portal/services imports the web framework.

Services are called by views, by `relais` commands and by cron, with Settings
and ``now`` as arguments; a Flask, Werkzeug, WTForms or Flask-Login import
there (or an import of a web module) ties a rule to a request again.
"""

import ast

import pytest

from tests.conftest import ROOT

FORBIDDEN = ("flask", "werkzeug", "wtforms", "flask_login", "flask_wtf", "portal.web")
SERVICES = sorted((ROOT / "portal" / "services").rglob("*.py"))


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def forbidden_imports(path):
    return sorted(
        name
        for name in imported_modules(path)
        if any(name == root or name.startswith(root + ".") for root in FORBIDDEN)
    )


@pytest.mark.parametrize("path", SERVICES, ids=[path.relative_to(ROOT).as_posix() for path in SERVICES])
def test_services_import_no_web_framework(path):
    assert forbidden_imports(path) == []


def test_the_check_sees_imports_at_any_depth(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom werkzeug.exceptions import Conflict\n"
        "def f():\n    import flask\n    from portal.web.helpers import settings\n"
        "from portal.webhooks import x\n",
        encoding="utf-8",
    )
    assert forbidden_imports(sample) == ["flask", "portal.web.helpers", "werkzeug.exceptions"]

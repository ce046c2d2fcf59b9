"""How the top-level modules depend on each other (issue 12): one direction, no cycle."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("app", "cli", "wsgi", "single_binary")


def _imports(module):
    """The top-level modules among TOP that ``module`` imports anywhere (functions included)."""
    tree = ast.parse((ROOT / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(TOP)


def test_top_level_modules_import_one_way():
    assert _imports("cli") == set()            # the commands know nothing of the app that registers them
    assert _imports("app") == {"cli"}
    assert _imports("wsgi") == {"app"}
    assert _imports("single_binary") == {"app", "wsgi"}


def test_the_single_binary_entry_point_needs_no_data_folder_for_its_help(capsys):
    import single_binary

    assert single_binary.main(["--help"]) == 0
    assert "Usage: customer-management --data DIR COMMAND" in capsys.readouterr().out


def test_edit_page_routes_are_on_the_customers_blueprint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"customers.show", "customers.save", "customers.new", "customers.status_menu"} <= endpoints

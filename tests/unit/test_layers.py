"""The layers hold: each imports only what sits below it, and no module imports itself back.

Read from the source (top-level imports and imports inside functions alike), so a lazy
import cannot hide a dependency.
"""

import ast
from pathlib import Path

from tools.stack import PROJECT_DIR

PACKAGE = PROJECT_DIR / "chalicelib"
MAX_MODULE_LINES = 320
FORBIDDEN = {
    "domain": ("chalice", "boto3", "botocore", "chalicelib.api", "chalicelib.services",
               "chalicelib.adapters"),
    "services": ("chalice", "boto3", "botocore", "chalicelib.api", "chalicelib.adapters"),
    "adapters": ("chalice", "chalicelib.api", "chalicelib.services"),
    "api": ("boto3", "botocore"),
}  # fmt: skip
"""What each layer must not import: the domain nothing outside it, the services no AWS and
no HTTP, the adapters no HTTP, the edge no AWS (it reaches AWS only through a service)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {
    name: {other for other in imports(path) if other in MODULES and other != name}
    for name, path in MODULES.items()
}


def test_each_layer_imports_only_what_is_below_it() -> None:
    broken = {
        (name, other)
        for name, path in MODULES.items()
        for layer, forbidden in FORBIDDEN.items()
        if name.startswith(f"chalicelib.{layer}")
        for other in imports(path)
        if any(other == banned or other.startswith(f"{banned}.") for banned in forbidden)
    }
    assert broken == set()


def test_no_module_imports_itself_back() -> None:
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        for other in sorted(GRAPH[name]):
            if other in trail:
                cycles.append([*trail[trail.index(other) :], other])
            elif other not in done:
                visit(other, [*trail, other])
        done.add(name)

    for start in sorted(GRAPH):
        if start not in done:
            visit(start, [start])
    assert cycles == []


def test_no_module_is_long() -> None:
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}

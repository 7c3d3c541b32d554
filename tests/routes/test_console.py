"""GET /console and /console/{asset}: the console's files, public, under a strict CSP.

Through Chalice's test client, with no API key and no AWS call."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chalice.test import Client

import app as app_module
from tests.support import body, error, fresh_python

CONSOLE_DIR = Path(app_module.__file__).resolve().parent / "chalicelib" / "console"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
SCRIPTS = sorted(path.name for path in CONSOLE_DIR.glob("*.js"))


@pytest.fixture
def client() -> Client:
    """No moto: serving the console must make no AWS call (a call would fail here)."""
    return Client(app_module.app, stage_name="dev")


def headers_of(response) -> dict[str, str]:
    return {name: response.headers[name] for name in [*SECURITY, "Content-Type"]}


def test_the_page_is_public_html_under_the_strict_policy(client: Client) -> None:
    response = client.http.get("/console")

    assert response.status_code == 200
    assert headers_of(response) == SECURITY | {"Content-Type": "text/html; charset=utf-8"}
    assert response.body == (CONSOLE_DIR / "index.html").read_bytes()
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [(name, "text/javascript; charset=utf-8") for name in SCRIPTS]
    + [("style.css", "text/css; charset=utf-8")],
)
def test_each_asset_has_its_content_type(client: Client, name: str, content_type: str) -> None:
    response = client.http.get(f"/console/{name}")

    assert response.status_code == 200
    assert headers_of(response) == SECURITY | {"Content-Type": content_type}
    assert response.body == (CONSOLE_DIR / name).read_bytes()


def test_the_console_is_made_of_these_modules() -> None:
    """One job each (docs/console.md); a new one is added here and there on purpose."""
    assert SCRIPTS == [
        "api.js",
        "app.js",
        "batches.js",
        "diff.js",
        "dom.js",
        "editor.js",
        "lines.js",
        "lists.js",
        "preview.js",
        "versions.js",
    ]


def test_a_known_etag_is_a_304_without_a_body(client: Client) -> None:
    etag = client.http.get("/console/app.js").headers["ETag"]

    response = client.http.get("/console/app.js", headers={"If-None-Match": etag})
    other = client.http.get("/console/app.js", headers={"If-None-Match": '"0"'})

    assert response.status_code == 304
    assert response.body == b""
    assert headers_of(response) == SECURITY | {"Content-Type": "text/javascript; charset=utf-8"}
    assert other.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "index.html",  # the page has one address: /console
        "nope.js",
        "app.py",
        "..",
        "..%2Fapp.py",
        "%2e%2e%2fapp.py",
        "APP.JS",
        "app.js%00",
        "app.js.map",
        "__init__.py",
    ],
)
def test_any_other_name_is_404_in_the_error_shape(client: Client, name: str) -> None:
    response = client.http.get(f"/console/{name}")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert body(response)["Code"] == "NotFoundError"
    assert body(response) == error("NotFoundError", f"console file {name} does not exist")


def test_a_nested_path_is_no_route(client: Client) -> None:
    response = client.http.get("/console/../app.py")

    assert response.status_code in (403, 404)
    assert b"import" not in response.body


class Page(HTMLParser):
    """What the page loads and whether anything in it is inline."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.inline += [f"{tag}[{name}]" for name in found if name == "style" or name[:2] == "on"]
        if tag == "style":
            self.inline.append("style")
        if tag == "script":
            self.in_script = True
            self.loaded.append(str(found.get("src")))
            assert found.get("type") == "module"
        if tag == "link":
            self.loaded.append(str(found.get("href")))

    def handle_endtag(self, tag: str) -> None:
        self.in_script = self.in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.inline.append("script")


def test_the_page_loads_only_its_own_files_and_inlines_nothing(client: Client) -> None:
    page = Page()
    page.feed(client.http.get("/console").body.decode())

    # The icon is an empty data: URL, so the browser asks the API for no /favicon.ico.
    assert page.loaded == ["data:,", "console/style.css", "console/app.js"]
    assert page.inline == []


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_import_only_sibling_modules_and_never_write_html(name: str) -> None:
    source = (CONSOLE_DIR / name).read_text()
    imported = re.findall(r'^import .* from "([^"]+)";$', source, flags=re.MULTILINE)

    assert all(re.fullmatch(r"\./[a-z]+\.js", path) for path in imported)
    assert {path.removeprefix("./") for path in imported} <= set(SCRIPTS)
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source)
    assert source.startswith(f"// {name}: ")


def modules_after(*paths: str) -> set[str]:
    """The modules a fresh process holds after serving ``paths``."""
    probe = (
        "import json, sys, app\n"
        "from chalice.test import Client\n"
        f"for path in {list(paths)!r}: Client(app.app).http.get(path)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    return set(json.loads(fresh_python(probe).splitlines()[-1]))


def test_serving_the_console_loads_no_more_than_health_does() -> None:
    """A cold start for the console stays as cheap as /health: no jinja2, boto3 or schemas."""
    extra = modules_after("/console", "/console/app.js") - modules_after("/health")

    assert extra == {"chalicelib.api.console"}

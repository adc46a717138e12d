"""The display pages over plain HTTP (no browser needed): what the server sends."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from queue_server.app import create_app
from queue_server.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/pages.db", admin_token="admin")
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("path", ["/display/demo", "/display/demo/window/5"])
def test_pages_are_utf8_chinese_and_self_contained(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?token=whatever")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<meta charset="utf-8">' in page
    assert '<html lang="zh-CN"' in page
    assert 'data-hall="demo"' in page
    # Everything it loads is ours: no CDN, no inline script (the CSP forbids both).
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script>" not in page
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)""", page):
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        assert loaded.content, asset


def test_window_page_names_its_window(client: TestClient) -> None:
    page = client.get("/display/demo/window/12?token=t").text
    assert 'data-window="12"' in page
    assert "12号窗口" in page


def test_hall_id_from_the_url_is_escaped(client: TestClient) -> None:
    page = client.get('/display/a"><img src=x onerror=alert(1)>').text
    assert "<img" not in page
    assert 'data-hall="a&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page


def test_static_files_have_their_types(client: TestClient) -> None:
    js = client.get("/static/display.js")
    assert js.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/static/display.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/feed.js").status_code == 200
    assert client.get("/static/nothing.js").status_code == 404


def test_asset_urls_change_when_the_assets_do(client: TestClient) -> None:
    page = client.get("/display/demo").text
    versions = set(re.findall(r"\?v=([0-9a-f]+)", page))
    assert len(versions) == 1 and len(versions.pop()) == 12

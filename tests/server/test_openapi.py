"""`GET /api/openapi.json` describes every HTTP route the app has."""

from typing import Any

from starlette.routing import Route
from starlette.testclient import TestClient

from queue_server.openapi import DOCS


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_every_route_is_described_and_every_reference_resolves(client: TestClient) -> None:
    reply = client.get("/api/openapi.json")
    assert reply.status_code == 200
    spec = reply.json()
    assert spec["openapi"].startswith("3.1")
    routes = [r for r in client.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
    for route in routes:
        plain = route.path.replace(":int}", "}")
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in spec["paths"][plain], (method, route.path)
    assert {(m, r.path) for r in routes for m in r.methods or ()} >= set(DOCS)  # none stale
    undescribed = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/") and operation["summary"] == "(not described yet)"
    ]
    assert undescribed == []
    schemas = spec["components"]["schemas"]
    for ref in refs(spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_a_body_and_its_bounds_and_who_may_call(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    create = paths["/api/tokens"]["post"]
    assert create["security"] == [{"bearer": []}] and "admin" in create["description"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TokenIn"}
    tokens = client.get("/api/openapi.json").json()["components"]["schemas"]["TokenIn"]
    assert tokens["properties"]["ttl_s"]["anyOf"][0]["minimum"] == 60
    window = paths["/api/halls/{hall}/windows/{n}"]["get"]["parameters"]
    assert {"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}} in window
    assert paths["/api/tickets/{id}"]["get"]["security"] == []

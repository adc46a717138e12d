"""The OpenAPI document of the app's route table, from the descriptions in
`openapi.DOCS` (who may call each route, its body and query): served at
`GET /api/openapi.json`."""

from typing import Any

from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Route

from .openapi import DOCS, PUBLIC, Doc

REFUSAL = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "a stable code"},
        "message": {"type": "string", "description": "Chinese, or English on Accept-Language: en"},
        "details": {"type": "object"},
    },
}


def describe(routes: list[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document of `routes` (an app's route table)."""
    models = sorted({m for doc in DOCS.values() for m in doc.body}, key=lambda m: m.__name__)
    _, schemas = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue  # the websocket feed and the static files
        for method in sorted((route.methods or set()) - {"HEAD"}):
            doc = DOCS.get((method, route.path), Doc("(not described yet)", "see the README"))
            plain, operation = _operation(route, method, doc)
            paths.setdefault(plain, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "一窗 yichuang",
            "version": "1",
            "description": "Hall queue and dispatch API. Refusals are JSON {error, message}; "
            "the live feed is WS /ws/halls/{hall}/board (docs/feed.md).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}) | {"Refusal": REFUSAL},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, method: str, doc: Doc) -> tuple[str, dict[str, Any]]:
    plain = route.path
    parameters: list[dict[str, Any]] = []
    for name, convertor in route.param_convertors.items():
        kind = "integer" if type(convertor).__name__ == "IntegerConvertor" else "string"
        plain = plain.replace(f"{{{name}:int}}", f"{{{name}}}")
        parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    parameters += [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
        for q in doc.query
    ]
    refusal = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    operation: dict[str, Any] = {
        "summary": doc.summary,
        "description": f"who: {doc.who}",
        "parameters": parameters,
        "responses": {
            "2XX": {"description": "done"},
            "4XX": {"description": "refused", "content": refusal},
        },
        "security": [] if doc.who == PUBLIC else [{"bearer": []}],
    }
    if doc.body:
        refs = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in doc.body]
        schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": schema}},
        }
    return plain, operation

"""Routes declared once: each operation registers its Flask view and its OpenAPI description from the same call.

The OpenAPI 3.1 document is built from these declarations and the pydantic models, so it cannot drift from
the code: the models that validate a request and shape a response are the schemas the document publishes.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from course.api.idempotency import idempotent
from course.api.schemas import Problem
from course.core.problems import ApiProblem, field_errors
from course.database import writes_on_get

REF = "#/components/schemas/{model}"
PATH_PARAMETER = re.compile(r"<int:(\w+)>")
INT_MAX = 2**31 - 1


@dataclass
class Operation:
    """One declared route."""

    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    response: type[BaseModel] | None
    status: int
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    write: bool
    responses: dict[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(bp: Blueprint, rule: str, method: str = "GET", *, response: type[BaseModel] | None,
              status: int = 200, query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              responses: dict[int, str] | None = None):
    """Register `view` at `rule` and describe it. The view receives `params` (query) and `body`, validated,
    and returns a model (or a model and a status; None for 204)."""

    def decorate(view):
        doc = inspect.cleandoc(view.__doc__ or "").split("\n", 1)
        OPERATIONS.append(Operation(
            f"{bp.url_prefix}{rule}", method, f"{bp.name}.{view.__name__}", doc[0], doc[1].strip() if len(doc) > 1
            else "", response, status, query, body, method != "GET", responses or {}))

        @wraps(view)
        def wrapper(**kwargs):
            if query is not None:
                kwargs["params"] = parse(query, request.args.to_dict(), "query.")
            if body is not None:
                kwargs["body"] = parse(body, json_body(), "")
            result = view(**kwargs)
            model, code = result if isinstance(result, tuple) else (result, status)
            if model is None:
                return Response(status=204)
            return Response(model.model_dump_json(), status=code, mimetype="application/json")

        handler = idempotent(wrapper) if method != "GET" else wrapper
        bp.add_url_rule(rule, view.__name__, writes_on_get(handler), methods=[method])
        return handler

    return decorate


def json_body() -> object:
    """The request's JSON body; 415 or 400 as a problem if it is not JSON."""
    if not request.is_json:
        raise ApiProblem(415, _("Send the body as application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, _("The body is not valid JSON."))
    return data


def parse(model: type[BaseModel], data: object, prefix: str) -> BaseModel:
    """`data` validated by `model`; 422 (body) or 400 (query) with each field's problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        status = 400 if prefix == "query." else 422
        raise ApiProblem(status, _("Some fields are not valid."), field_errors(error, prefix)) from None


def openapi_document(title: str, version: str) -> dict:
    """The OpenAPI 3.1 document of every declared operation."""
    models = {Problem}
    for op in OPERATIONS:
        models.update(m for m in (op.response, op.body) if m is not None)
    _keys, schemas = models_json_schema([(m, "serialization" if m is not Problem else "validation")
                                         for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF)
    paths: dict = {}
    for op in OPERATIONS:
        path = PATH_PARAMETER.sub(r"{\1}", op.rule)
        paths.setdefault(path, {})[op.method.lower()] = describe(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Training records for personnel systems: read, enrol and sync incrementally."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {}),
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


def describe(op: Operation) -> dict:
    """One operation's OpenAPI object."""
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": INT_MAX}}
                  for name in PATH_PARAMETER.findall(op.rule)]
    if op.query is not None:
        parameters += query_parameters(op.query)
    if op.write:
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": True,
                           "description": "A unique key per intended change: a retry with it gets the first answer.",
                           "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"}})
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    errors = {400: "Bad request", 401: "Missing, unknown or revoked token", 403: "The token's scope does not allow it",
              429: "Rate limit for this token reached"}
    if PATH_PARAMETER.search(op.rule):
        errors[404] = "Not found, or not visible to this token"
    if op.write:
        errors.update({409: "Conflicts with the current state", 415: "Body is not JSON", 422: "Invalid fields"})
    errors.update(op.responses)
    success = {"description": "OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": {"$ref": REF.format(model=op.response.__name__)}}}
    responses = {str(op.status): success}
    for code, text in sorted(errors.items()):
        responses[str(code)] = {**success, "description": text} if code < 400 else {"description": text,
                                                                                  "content": problem}
    responses["default"] = {"description": "Any other error", "content": problem}
    described = {"operationId": op.endpoint.split(".")[-1], "summary": op.summary, "parameters": parameters,
                 "responses": responses}
    if op.description:
        described["description"] = op.description
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=op.body.__name__)}}}}
    return described


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """A query model's fields as OpenAPI parameters (an optional field's null branch dropped: a query has none)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if branches:
            prop.update(branches[0])
        prop.pop("title", None)
        prop.pop("default", None) if prop.get("default") is None else None
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": prop.pop("description", ""), "schema": prop})
    return parameters

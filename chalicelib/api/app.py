"""The Chalice app docgen serves: every route answers in exact JSON, turns domain errors
into HTTP errors, and passes through the one middleware."""

import functools
import itertools
import os
import time
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib.adapters.aws import build_while_waiting
from chalicelib.adapters.budget import TIME_BUDGET_SECONDS, time_budget
from chalicelib.adapters.observability import (
    LOGGER,
    RequestRecord,
    counting_letters,
    json_lines_first,
    log_request,
)
from chalicelib.api.errors import RETRY_AFTER_SECONDS, http_error
from chalicelib.api.requests import query
from chalicelib.domain import jsontext
from chalicelib.domain.errors import DomainError
from chalicelib.domain.idempotency import REPLAYED_HEADER

_request_numbers = itertools.count()
"""Per container: the first request is the cold start."""


class DocgenApp(Chalice):
    """Chalice, with docgen's conventions applied to every route and every request."""

    def __init__(self, app_name: str) -> None:
        # Chalice's own log handler is left out: Powertools' JSON handler takes its logger
        # (named after the app) on the first request, so every line there is JSON.
        super().__init__(app_name=app_name, configure_logs=False)
        self.log.addFilter(json_lines_first)
        self.register_middleware(_each_request, "http")

    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        """``Chalice.route``, for a view that reads the request and calls a service."""
        register = super().route(path, **kwargs)

        def conventions(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def answer(**params: str) -> Response:
                try:
                    query(self.current_request)  # a parameter given twice is a 400 anywhere
                    return _as_json(view(**params))
                except DomainError as error:
                    raise http_error(error) from None

            return register(answer)

        return conventions


def _as_json(result: Any) -> Response:
    """A view's answer as a Response whose JSON keeps every number's digits."""
    response = result if isinstance(result, Response) else Response(body=result)
    if isinstance(response.body, dict | list):
        response.body = jsontext.dumps(response.body, ascii_only=True)
    return response


def _each_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Log setup, the time budget, standard headers and the log line (with the request's
    metric), for every request.

    One middleware, so nothing depends on the order middlewares are registered in.
    """
    cold_start = next(_request_numbers) == 0
    # Needed last, for the log line: built while the view's first AWS call is in flight.
    build_while_waiting(LOGGER)
    started = time.perf_counter()
    with time_budget(TIME_BUDGET_SECONDS), counting_letters() as letters:
        response = get_response(request)
    context = request.context if request is not None else {}
    if response.status_code != 204:
        # Chalice leaves Content-Type to API Gateway's default; we say it.
        response.headers.setdefault("Content-Type", "application/json")
    # 32 random hex digits, as uuid4().hex gave, without importing uuid (and platform).
    request_id = context.get("requestId") or os.urandom(16).hex()
    response.headers["X-Request-Id"] = request_id
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    log_request(
        RequestRecord(
            request_id=request_id,
            method=request.method,
            route=context.get("resourcePath", ""),
            status=response.status_code,
            latency_ms=(time.perf_counter() - started) * 1000,
            path_parameters=request.uri_params or {},
            format=(request.query_params or {}).get("format"),
            cold_start=cold_start,
            idempotent="replayed" if response.headers.get(REPLAYED_HEADER) == "true" else None,
            letters=tuple(letters),
        )
    )
    return response

"""The two handlers under test, and the one request both of them answer.

Nothing here imports boto3, moto or the handlers' modules at import time:
the cold-start runs must be able to time those imports themselves.
"""

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

Handler = Callable[[dict, Any], dict]

CUSTOMER_ID = "TestCustomer"
DOC_TYPE = "Welcome"
DOCUMENT_KEY = f"{CUSTOMER_ID}/{DOC_TYPE}.txt"

# name -> (module, attribute): what Lambda would be configured to call.
TARGETS: dict[str, tuple[str, str]] = {
    "docgen": ("app", "app"),
    "baseline": ("bench.baseline", "lambda_handler"),
}


def load(target: str) -> Handler:
    """Import the target's module (the cold-start cost) and return its entry point."""
    module_name, attribute = TARGETS[target]
    return getattr(importlib.import_module(module_name), attribute)


def proxy_event(request_id: str = "bench", fmt: str | None = None) -> dict:
    """An API Gateway REST proxy event for POST /customers/TestCustomer/documents/Welcome.

    ``fmt`` adds ``?format=``, which only docgen understands.
    """
    path = f"/customers/{CUSTOMER_ID}/documents/{DOC_TYPE}"
    query = None if fmt is None else {"format": fmt}
    return {
        "resource": "/customers/{customerId}/documents/{docType}",
        "path": path,
        "httpMethod": "POST",
        "headers": {"Host": "bench.invalid", "Accept": "application/json"},
        "multiValueHeaders": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": None if query is None else {"format": [fmt]},
        "pathParameters": {"customerId": CUSTOMER_ID, "docType": DOC_TYPE},
        "stageVariables": {},
        "requestContext": {
            "httpMethod": "POST",
            "resourcePath": "/customers/{customerId}/documents/{docType}",
            "path": f"/api{path}",
            "requestId": request_id,
            "stage": "api",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def lambda_context() -> Any:
    """A plain stand-in: chalice.local's LambdaContext would import chalice before the clock."""
    return SimpleNamespace(
        function_name="docgen",
        memory_limit_in_mb=512,
        aws_request_id="bench",
        get_remaining_time_in_millis=lambda: 15_000,
    )

"""docgen's code, in layers a request passes through in order.

- ``api``: the HTTP edge. Reads requests, calls a service, and is the one place
  where domain errors become Chalice's HTTP errors.
- ``services``: what docgen does (generate a letter, keep the catalog), with typed
  arguments in and domain objects out.
- ``adapters``: DynamoDB and S3 through lazily built boto3 resources, their
  in-memory twins, AWS fault translation, the time budget, logs and metrics.
- ``domain``: models, rules, errors, rendering and layout; no boto3, no Chalice.
"""

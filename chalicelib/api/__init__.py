"""The HTTP edge: reading requests, answering in JSON, and turning domain errors into
Chalice's HTTP errors, in one place each."""

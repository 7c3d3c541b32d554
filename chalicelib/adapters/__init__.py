"""What docgen talks to: DynamoDB and S3 through lazily built boto3 resources, their
in-memory twins for tests, the time budget, and the logs and metrics."""

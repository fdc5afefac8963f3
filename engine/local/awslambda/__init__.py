"""The local AWS Lambda: Python functions run in-process, with their logs in CloudWatch Logs."""

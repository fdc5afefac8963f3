"""scenario-run: declarative Amazon Cognito scenarios on real AWS or an embedded local AWS."""

__version__ = "0.1.0"

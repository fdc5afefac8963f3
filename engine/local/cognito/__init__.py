"""The local Amazon Cognito user pools: the operations moto lacks or answers without triggers."""

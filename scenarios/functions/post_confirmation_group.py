"""PostConfirmation trigger: put every newly confirmed user in a group.

The group's name comes from the GROUP environment variable. The function's role needs
cognito-idp:AdminAddUserToGroup on the pool. Runs unchanged on AWS Lambda.
"""

import os

import boto3


def handler(event, context):
    if event.get("triggerSource") == "PostConfirmation_ConfirmSignUp":
        group = os.environ["GROUP"]
        boto3.client("cognito-idp").admin_add_user_to_group(
            UserPoolId=event["userPoolId"], Username=event["userName"], GroupName=group
        )
        print(f"Added '{event['userName']}' to group {group}", flush=True)
    return event

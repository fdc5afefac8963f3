"""PreAuthentication trigger: refuse sign-in to the users on a block list.

BLOCKED is a comma-separated list of user names. Raising an error makes Cognito refuse the sign-in
with UserLambdaValidationException and the error's message. Runs unchanged on AWS Lambda.
"""

import os


def handler(event, context):
    blocked = {name.strip() for name in os.environ.get("BLOCKED", "").split(",") if name.strip()}
    if event.get("userName") in blocked:
        print(f"Refused sign-in of blocked user '{event['userName']}'", flush=True)
        raise Exception(f"User {event['userName']} is blocked")
    return event

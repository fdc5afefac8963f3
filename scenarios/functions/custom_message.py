"""CustomMessage trigger: a branded subject and body for the sign-up code email.

Other messages keep Cognito's default text. The code placeholder Cognito fills in is
event["request"]["codeParameter"] (written {####}). Runs unchanged on AWS Lambda.
"""

import os


def handler(event, context):
    if event.get("triggerSource") == "CustomMessage_SignUp":
        app = os.environ.get("APP_NAME", "our app")
        code = event["request"]["codeParameter"]
        event["response"]["emailSubject"] = f"Welcome to {app}"
        event["response"]["emailMessage"] = f"Hello {event['userName']}, your {app} code is {code}."
    return event

"""PreTokenGeneration trigger: add a claim to the ID token and hide one.

The claim's name and value come from the CLAIM_NAME and CLAIM_VALUE environment variables; the
attribute named in SUPPRESS (if any) is left out of the token. Runs unchanged on AWS Lambda.
"""

import os


def handler(event, context):
    print(f"Adding claim {os.environ['CLAIM_NAME']} for user '{event.get('userName')}'", flush=True)
    details = {"claimsToAddOrOverride": {os.environ["CLAIM_NAME"]: os.environ["CLAIM_VALUE"]}}
    if os.environ.get("SUPPRESS"):
        details["claimsToSuppress"] = [os.environ["SUPPRESS"]]
    event["response"]["claimsOverrideDetails"] = details
    return event

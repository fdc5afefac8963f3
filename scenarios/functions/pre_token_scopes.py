"""PreTokenGeneration trigger, event version V2_0: a scope and a claim in the access token.

The scope to add comes from the SCOPE environment variable, the claim from CLAIM_NAME and CLAIM_VALUE
(it goes into both tokens). Version 2 events are sent only when the pool's PreTokenGenerationConfig says
LambdaVersion V2_0 (set_trigger's lambda_version). Runs unchanged on AWS Lambda.
"""

import os


def handler(event, context):
    claim = {os.environ["CLAIM_NAME"]: os.environ["CLAIM_VALUE"]}
    print(f"Event version {event.get('version')}: adding scope {os.environ['SCOPE']}", flush=True)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": claim},
        "accessTokenGeneration": {"claimsToAddOrOverride": claim, "scopesToAdd": [os.environ["SCOPE"]]},
    }
    return event

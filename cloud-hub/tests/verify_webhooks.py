"""Verifies the hub's outbound webhooks with the reference `standardwebhooks`
package (PyPI), an implementation other than ours.

Reads {"secret": "whsec_…", "requests": [{"headers": {…}, "body": "…"}]} on
stdin; prints the JSON list of verified payloads; exits 1 naming the first
request that does not verify.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

job = json.load(sys.stdin)
hook = Webhook(job["secret"])
verified = []
for i, request in enumerate(job["requests"]):
    try:
        verified.append(hook.verify(request["body"], request["headers"]))
    except WebhookVerificationError as e:
        print(f"request {i} ({request['headers'].get('webhook-id')}): {e}")
        sys.exit(1)
print(json.dumps(verified))

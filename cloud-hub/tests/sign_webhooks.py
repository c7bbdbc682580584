"""Signs webhooks to the hub's gateway with the reference `standardwebhooks`
package (PyPI), the way a source system's own library would.

Reads {"secret": "whsec_…", "messages": [{"id": "…", "timestamp": 1700000000,
"body": "…"}]} on stdin; prints the JSON list of `webhook-signature` values.
"""

import json
import sys
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

job = json.load(sys.stdin)
hook = Webhook(job["secret"])
signatures = [
    hook.sign(m["id"], datetime.fromtimestamp(m["timestamp"], tz=timezone.utc), m["body"])
    for m in job["messages"]
]
print(json.dumps(signatures))

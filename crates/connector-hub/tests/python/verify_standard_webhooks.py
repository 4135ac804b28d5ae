"""Verifies captured webhook deliveries with the `standardwebhooks` package from PyPI, as a
receiver would: `python verify_standard_webhooks.py CAPTURES.json`.

CAPTURES.json is a list of deliveries, each `{"secret": "whsec_…", "headers": {name: value},
"body": "<the body exactly as received>"}`. Each is verified with
`standardwebhooks.webhooks.Webhook(secret).verify(body, headers)`; the parsed body's `id` must be
the `webhook-id` header. Prints one line per verified delivery and exits 0 when every delivery
verifies, 1 (saying which and why on stderr) as soon as one does not.

The tests in tests/it/webhooks.rs run it with the interpreter CONNECTOR_HUB_TEST_PYTHON names.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        captures = json.load(f)
    if not captures:
        print("no deliveries to verify", file=sys.stderr)
        return 2
    for number, capture in enumerate(captures, 1):
        headers = capture["headers"]
        body = capture["body"].encode("utf-8")
        try:
            event = Webhook(capture["secret"]).verify(body, headers)
        except WebhookVerificationError as e:
            print(f"delivery {number} refused: {e}", file=sys.stderr)
            return 1
        webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        if event.get("id") != webhook_id:
            print(f"delivery {number}: body id is not the webhook-id header", file=sys.stderr)
            return 1
        print(f"verified {event['type']} {event['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

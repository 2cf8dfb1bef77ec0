#!/usr/bin/env bash
# The README's "A first session" walkthrough, run as written: the shell block under that
# heading, pointed at $ENDPOINT, with CI's second account (testB/secretB, 111111111111) for
# the README's "partner" account and in eu-west-1, so that the other scenarios' state in
# us-east-1 does not matter. Fails when the README's commands stop working.
set -euo pipefail
cd "$(dirname "$0")/../.."
block=$(python3 - <<'PY'
import re
s = open("README.md").read()
sec = s[s.index("## A first session"):]
m = re.search(r"```sh\n(.*?)```", sec, re.S)
print(m.group(1))
PY
)
[ -n "$block" ] || { echo "README has no first-session block"; exit 1; }
block=${block//http:\/\/127.0.0.1:4599/$ENDPOINT}
block=${block//partner-secret/secretB}
block=${block//AWS_ACCESS_KEY_ID=partner/AWS_ACCESS_KEY_ID=testB}
block=${block//us-east-1/eu-west-1}
out=$(mktemp)
timeout 300 bash -euo pipefail -c "$block" >"$out" 2>&1 || { cat "$out"; exit 1; }
# The second account sees the shared image, and its copy has an id.
grep -q '"golden"' "$out" || { cat "$out"; echo "the partner account did not see the image"; exit 1; }
grep -q '"ImageId": "wsi-' "$out" || { cat "$out"; echo "the partner account could not copy the image"; exit 1; }
grep -q '"BundleId": "wsb-' "$out" || { cat "$out"; echo "no bundle"; exit 1; }
echo "  the README's first session runs as written"

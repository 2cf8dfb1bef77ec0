#!/usr/bin/env bash
# AWS CLI smoke test: a describe call and a validation error, asserting the
# JSON the CLI prints. Needs $ENDPOINT and the default credentials.
set -euo pipefail
aws() { command aws --endpoint-url "$ENDPOINT" --region us-east-1 --output json "$@"; }
assert() { python3 -c "import json,sys; d=json.load(sys.stdin); assert $1, d" ; }

echo "describe-workspace-bundles --owner AMAZON"
aws workspaces describe-workspace-bundles --owner AMAZON | assert 'len(d["Bundles"]) > 0 and all(b["BundleId"].startswith("wsb-") for b in d["Bundles"])'

echo "describe-workspaces (empty account)"
aws workspaces describe-workspaces | assert 'd["Workspaces"] == []'

echo "validation error"
set +e
out=$(aws workspaces describe-workspaces --limit 30 --workspace-ids not-a-workspace 2>&1)
rc=$?
set -e
echo "$out"
[ $rc -ne 0 ]
grep -q "ValidationException" <<<"$out"
grep -q "2 validation errors detected" <<<"$out"
grep -q "at 'limit' failed to satisfy constraint: Member must have value less than or equal to 25" <<<"$out"

echo "authentication failure"
set +e
out=$(AWS_SECRET_ACCESS_KEY=wrong aws workspaces describe-workspaces 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] && grep -q "InvalidSignatureException" <<<"$out"
echo "ok"

# Helpers shared by the AWS CLI scenarios in .ci/cli/ (sourced, not run:
# .ci/run runs every .ci/cli/*.sh). A scenario sets REGION and the
# credentials it signs with; it may define aws() again after sourcing this.

# aws: the AWS CLI against $ENDPOINT in $REGION, answering JSON.
aws() { command aws --endpoint-url "$ENDPOINT" --region "$REGION" --output json "$@"; }
# assert EXPR: EXPR (Python, over the JSON document d) must hold for stdin.
assert() { python3 -c "import json,sys; d=json.load(sys.stdin); assert ($1), json.dumps(d, indent=1, default=str)"; }
# get EXPR: print EXPR (Python, over d) for stdin.
get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# wait_for DESC EXPR CMD...: run CMD until EXPR holds for its JSON (60 s).
wait_for() {
  local desc=$1 expr=$2; shift 2
  for _ in $(seq 1 120); do
    if "$@" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>/dev/null; then
      echo "  $desc"; return 0
    fi
    sleep 0.5
  done
  echo "timed out waiting until $desc; last answer:"; "$@"; return 1
}
# fails CODE CMD...: CMD must fail with the error code CODE.
fails() {
  local code=$1; shift
  local out rc
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  if [ $rc -eq 0 ] || ! grep -q "($code)" <<<"$out"; then
    echo "expected $code from: $*"; echo "$out"; return 1
  fi
  echo "  $code as expected"
}
# control METHOD PATH [JSON]: call deskplane's control API (README, section
# Control API) with the admin token .ci/run starts the server with.
control() {
  curl -sf -X "$1" -H "Authorization: Bearer ${DESKPLANE_ADMIN_TOKEN:?the control API needs DESKPLANE_ADMIN_TOKEN}" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$ENDPOINT/_deskplane/$2" >/dev/null
}

#!/usr/bin/env bash
# AWS CLI scenario with real desktops: the server runs with -desktops local
# (README, Real desktops). A WorkSpace created with the CLI becomes AVAILABLE
# because its desktop runs (its X server answers on its socket); stop ends
# the desktop's processes, start brings them back, terminate removes it.
# Needs $ENDPOINT and $DESKPLANE_DESKTOP_DIR (the server's -desktop-dir).
set -euo pipefail
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
aws() { command aws --endpoint-url "$ENDPOINT" --region "$REGION" --output json "$@"; }
get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
wait_for() {
  local desc=$1 expr=$2; shift 2
  for _ in $(seq 1 240); do
    if "$@" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>/dev/null; then
      echo "  $desc"; return 0
    fi
    sleep 0.25
  done
  echo "timed out waiting until $desc; last answer:"; "$@"; return 1
}
describe() { aws workspaces describe-workspaces --workspace-ids "$1"; }
# xvnc ID: the pid of the desktop's X server, or nothing.
xvnc() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "^Xvnc .*-desktop $1 "; then basename "$(dirname "$f")"; return 0; fi
  done
  return 0
}
# rfb ID: the desktop's VNC socket answers with the RFB protocol version.
rfb() {
  local sock
  sock=$(ls /run/deskplane/*/"$1"/vnc/rfb.sock)
  python3 - "$sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
v = s.recv(12)
assert v.startswith(b"RFB 003."), v
print("  RFB answers:", v.decode().strip())
PY
}
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')

echo "directory"
dir=$(aws ds create-directory --name "desk-$suffix.example.com" --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788 \
  --tags Key=deskplane:any-user,Value=true | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" >/dev/null
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$dir"
bundle=$(aws workspaces describe-workspace-bundles --owner AMAZON | get '[b["BundleId"] for b in d["Bundles"] if b["ComputeType"]["Name"] == "STANDARD"][0]')

echo "create a WorkSpace: AVAILABLE once its desktop answers"
ws=$(aws workspaces create-workspaces --workspaces \
  "DirectoryId=$dir,UserName=Mary,BundleId=$bundle,WorkspaceProperties={RunningMode=AUTO_STOP,RunningModeAutoStopTimeoutInMinutes=120}" \
  | get 'd["PendingRequests"][0]["WorkspaceId"]')
wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"
[ -n "$(xvnc "$ws")" ] || { echo "AVAILABLE without an X server"; exit 1; }
rfb "$ws"

echo "stop: the desktop's processes end, its volumes stay"
aws workspaces stop-workspaces --stop-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" | python3 -c 'import json,sys; assert json.load(sys.stdin)["FailedRequests"] == []'
wait_for "WorkSpace $ws STOPPED" 'd["Workspaces"][0]["State"] == "STOPPED"' describe "$ws"
[ -z "$(xvnc "$ws")" ] || { echo "STOPPED with an X server running"; exit 1; }
[ -f "$DESKPLANE_DESKTOP_DIR/desktops/$ws/home.img" ] || { echo "the user volume is gone"; exit 1; }
echo "  no X server; volumes kept"

echo "start"
aws workspaces start-workspaces --start-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" >/dev/null
wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"
rfb "$ws"

echo "terminate: nothing of the desktop is left"
aws workspaces terminate-workspaces --terminate-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" >/dev/null
for _ in $(seq 1 240); do [ -d "$DESKPLANE_DESKTOP_DIR/desktops/$ws" ] || break; sleep 0.25; done
[ ! -d "$DESKPLANE_DESKTOP_DIR/desktops/$ws" ] || { echo "the terminated desktop's directory is still there"; exit 1; }
[ -z "$(xvnc "$ws")" ] || { echo "the terminated desktop's X server runs"; exit 1; }
echo "  gone"

#!/usr/bin/env bash
# AWS CLI scenario: a WorkSpace's whole life. A directory is created and
# registered, a WorkSpace is created and polled to AVAILABLE, stopped,
# started, modified, imaged, tagged, terminated and seen to disappear.
# Needs $ENDPOINT; the server runs with -timing fast. With
# $DESKPLANE_ADMIN_TOKEN set, the service clock is advanced past the
# 6-hour volume cooldown to resize a volume and see the snapshots.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
# advance DURATION: move the service clock (control API), if we may.
advance() {
  curl -sf -X POST -H "Authorization: Bearer $DESKPLANE_ADMIN_TOKEN" \
    -d "{\"duration\":\"$1\"}" "$ENDPOINT/_deskplane/clock/advance" >/dev/null
}
describe() { aws workspaces describe-workspaces --workspace-ids "$1"; }
# The batch calls take their requests as JSON: the CLI's shorthand for
# these one-member structures differs between CLI versions.
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')

echo "directory"
dir=$(aws ds create-directory --name "ws-$suffix.example.com" --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788 \
  --tags Key=deskplane:any-user,Value=true | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
# EnableWorkDocs is required by the 2022 model (Debian's CLI v2.9) and gone
# from the newest; pass it only when this CLI knows it.
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" >/dev/null
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$dir"
bundle=$(aws workspaces describe-workspace-bundles --owner AMAZON \
  | get '[b["BundleId"] for b in d["Bundles"] if b["ComputeType"]["Name"] == "STANDARD" and "Server 2019" in b["Name"] and "WSP" not in b["Name"]][0]')

echo "create a WorkSpace and poll it to AVAILABLE"
out=$(aws workspaces create-workspaces --workspaces \
  "DirectoryId=$dir,UserName=Mary,BundleId=$bundle,WorkspaceProperties={RunningMode=AUTO_STOP,RunningModeAutoStopTimeoutInMinutes=120},Tags=[{Key=team,Value=ci}]")
assert "d['FailedRequests'] == [] and len(d['PendingRequests']) == 1 and d['PendingRequests'][0]['State'] == 'PENDING' and d['PendingRequests'][0]['UserName'] == 'Mary' and d['PendingRequests'][0]['DirectoryId'] == '$dir'" <<<"$out"
ws=$(get 'd["PendingRequests"][0]["WorkspaceId"]' <<<"$out")
describe "$ws" | assert "d['Workspaces'][0]['State'] in ('PENDING', 'AVAILABLE')"
wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"
describe "$ws" | assert "(
  (w := d['Workspaces'][0]) and w['IpAddress'].startswith('10.') and w['SubnetId'].startswith('subnet-')
  and w['ComputerName'].startswith('WSAMZN-') and w['ModificationStates'] == []
  and w['WorkspaceProperties']['RunningMode'] == 'AUTO_STOP' and w['WorkspaceProperties']['RunningModeAutoStopTimeoutInMinutes'] == 120
  and w['WorkspaceProperties']['ComputeTypeName'] == 'STANDARD' and w['WorkspaceProperties']['RootVolumeSizeGib'] == 80)"
aws workspaces describe-workspaces --directory-id "$dir" --user-name mary | assert "[w['WorkspaceId'] for w in d['Workspaces']] == ['$ws']"
aws workspaces create-workspaces --workspaces "DirectoryId=$dir,UserName=MARY,BundleId=$bundle" \
  | assert "d['PendingRequests'] == [] and d['FailedRequests'][0]['ErrorCode'] == 'ResourceExists.WorkSpace'"
fails InvalidParameterValuesException aws workspaces describe-workspaces --directory-id "$dir" --bundle-id "$bundle"
fails InvalidParameterValuesException aws workspaces create-workspaces --workspaces \
  "DirectoryId=$dir,UserName=Zed,BundleId=$bundle,WorkspaceProperties={RootVolumeSizeGib=80,UserVolumeSizeGib=70}"

echo "stop and start"
aws workspaces stop-workspaces --stop-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" | assert 'd["FailedRequests"] == []'
describe "$ws" | assert "d['Workspaces'][0]['State'] in ('STOPPING', 'STOPPED')"
wait_for "WorkSpace $ws STOPPED" 'd["Workspaces"][0]["State"] == "STOPPED"' describe "$ws"
aws workspaces describe-workspaces-connection-status --workspace-ids "$ws" \
  | assert "d['WorkspacesConnectionStatus'][0]['ConnectionState'] in ('UNKNOWN', 'DISCONNECTED')"
aws workspaces start-workspaces --start-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" | assert 'd["FailedRequests"] == []'
describe "$ws" | assert "d['Workspaces'][0]['State'] in ('STARTING', 'AVAILABLE')"
wait_for "WorkSpace $ws AVAILABLE again" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"
aws workspaces start-workspaces --start-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" \
  | assert "d['FailedRequests'][0]['ErrorCode'] == 'InvalidResourceState.Workspace'"
aws workspaces reboot-workspaces --reboot-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" | assert 'd["FailedRequests"] == []'
wait_for "WorkSpace $ws rebooted" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"

echo "modify"
aws workspaces modify-workspace-properties --workspace-id "$ws" --workspace-properties ComputeTypeName=VALUE
describe "$ws" | assert "d['Workspaces'][0]['WorkspaceProperties']['ComputeTypeName'] == 'VALUE' and d['Workspaces'][0]['ModificationStates'] in ([], [{'Resource': 'COMPUTE_TYPE', 'State': 'UPDATE_INITIATED'}], [{'Resource': 'COMPUTE_TYPE', 'State': 'UPDATE_IN_PROGRESS'}])"
wait_for "compute type change done" 'd["Workspaces"][0]["ModificationStates"] == []' describe "$ws"
fails InvalidParameterValuesException aws workspaces modify-workspace-properties --workspace-id "$ws" \
  --workspace-properties RootVolumeSizeGib=175,ComputeTypeName=STANDARD
aws workspaces modify-workspace-properties --workspace-id "$ws" --workspace-properties RunningMode=ALWAYS_ON
describe "$ws" | assert "d['Workspaces'][0]['WorkspaceProperties']['RunningMode'] == 'ALWAYS_ON' and 'RunningModeAutoStopTimeoutInMinutes' not in d['Workspaces'][0]['WorkspaceProperties']"
aws workspaces stop-workspaces --stop-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" \
  | assert "d['FailedRequests'][0]['ErrorCode'] == 'OperationNotSupported.RunningMode'"
if [ -n "${DESKPLANE_ADMIN_TOKEN:-}" ]; then
  fails InvalidResourceStateException aws workspaces modify-workspace-properties --workspace-id "$ws" --workspace-properties UserVolumeSizeGib=100
  advance 6h1m
  aws workspaces modify-workspace-properties --workspace-id "$ws" --workspace-properties UserVolumeSizeGib=100
  wait_for "user volume resized" 'd["Workspaces"][0]["ModificationStates"] == [] and d["Workspaces"][0]["WorkspaceProperties"]["UserVolumeSizeGib"] == 100' describe "$ws"
  aws workspaces describe-workspace-snapshots --workspace-id "$ws" \
    | assert "len(d['RebuildSnapshots']) >= 1 and len(d['RestoreSnapshots']) >= 1"
else
  echo "  (no DESKPLANE_ADMIN_TOKEN: volume resize and snapshots skipped)"
fi
aws workspaces modify-workspace-state --workspace-id "$ws" --workspace-state ADMIN_MAINTENANCE
describe "$ws" | assert "d['Workspaces'][0]['State'] == 'ADMIN_MAINTENANCE'"
aws workspaces reboot-workspaces --reboot-workspace-requests "[{\"WorkspaceId\":\"$ws\"}]" \
  | assert "d['FailedRequests'][0]['ErrorCode'] == 'InvalidResourceState.Workspace'"
aws workspaces modify-workspace-state --workspace-id "$ws" --workspace-state AVAILABLE
describe "$ws" | assert "d['Workspaces'][0]['State'] == 'AVAILABLE'"

echo "image"
img=$(aws workspaces create-workspace-image --name "ci-ws-$suffix" --description "From the WorkSpaces scenario" --workspace-id "$ws" | get 'd["ImageId"]')
describe "$ws" | assert "d['Workspaces'][0]['State'] in ('SUSPENDED', 'AVAILABLE')"
wait_for "image $img AVAILABLE" 'd["Images"][0]["State"] == "AVAILABLE"' aws workspaces describe-workspace-images --image-ids "$img"
wait_for "WorkSpace $ws AVAILABLE after the image" 'd["Workspaces"][0]["State"] == "AVAILABLE"' describe "$ws"
aws workspaces delete-workspace-image --image-id "$img" >/dev/null

echo "tags"
aws workspaces describe-tags --resource-id "$ws" | assert 'd["TagList"] == [{"Key": "team", "Value": "ci"}]'
aws workspaces create-tags --resource-id "$ws" --tags Key=team,Value=qa Key=owner,Value=mary@example.com
aws workspaces delete-tags --resource-id "$ws" --tag-keys missing
aws workspaces describe-tags --resource-id "$ws" \
  | assert 'd["TagList"] == [{"Key": "team", "Value": "qa"}, {"Key": "owner", "Value": "mary@example.com"}]'
fails InvalidParameterValuesException aws workspaces create-tags --resource-id "$ws" --tags Key=aws:x,Value=1
fails ResourceNotFoundException aws workspaces describe-tags --resource-id ws-000000000

echo "terminate and see it disappear"
aws workspaces terminate-workspaces --terminate-workspace-requests "[{\"WorkspaceId\":\"$ws\"},{\"WorkspaceId\":\"ws-000000000\"}]" \
  | assert "[f['ErrorCode'] for f in d['FailedRequests']] == ['ResourceNotFound.Workspace']"
describe "$ws" | assert "d['Workspaces'] == [] or d['Workspaces'][0]['State'] in ('TERMINATING', 'TERMINATED')"
wait_for "WorkSpace $ws gone" 'd["Workspaces"] == []' describe "$ws"
fails ResourceNotFoundException aws workspaces describe-tags --resource-id "$ws"
again=$(aws workspaces create-workspaces --workspaces "DirectoryId=$dir,UserName=Mary,BundleId=$bundle")
assert "len(d['PendingRequests']) == 1 and d['FailedRequests'] == []" <<<"$again"
ws2=$(get 'd["PendingRequests"][0]["WorkspaceId"]' <<<"$again")
aws workspaces terminate-workspaces --terminate-workspace-requests "[{\"WorkspaceId\":\"$ws2\"}]" >/dev/null
echo "WorkSpaces scenario passed"

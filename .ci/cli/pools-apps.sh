#!/usr/bin/env bash
# AWS CLI scenario: the remaining WorkSpaces areas — client branding, Amazon
# Connect client add-ins, the endpoint encryption mode, applications
# (catalogue, association, deployment) and WorkSpaces Pools (lifecycle,
# sessions through the control API, tags). Needs $ENDPOINT; the server runs
# with -timing fast. Older AWS CLIs (Debian's v2.9) lack the pool and
# application commands: each group checks that this CLI has its commands and
# says when it skips.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
A=000000000000
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
# has COMMAND: this AWS CLI knows the workspaces command.
ws_help=$(command aws workspaces help 2>/dev/null || true)
has() { grep -q -- "$1" <<<"$ws_help"; }
# ctl METHOD PATH JSON: call the control API; prints the body, then the status on its own line.
ctl() {
  curl -s -X "$1" -H "Authorization: Bearer ${DESKPLANE_ADMIN_TOKEN:-}" -H 'Content-Type: application/json' \
    -w '\n%{http_code}' "$ENDPOINT/_deskplane/$2" -d "$3"
}
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')

echo "directory, registration and a WorkSpace"
dir=$(aws ds create-directory --name "apps-$suffix.example.com" --short-name APPS --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210 | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" >/dev/null
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$dir"

if has import-client-branding; then
  echo "client branding"
  aws workspaces import-client-branding --resource-id "$dir" \
    --device-type-windows 'SupportEmail=help@example.com,ForgotPasswordLink=https://id.example.com/reset,LoginMessage={en_US=Welcome}' \
    --device-type-web 'SupportLink=https://help.example.com' \
    | assert 'd["DeviceTypeWindows"]["SupportEmail"] == "help@example.com" and d["DeviceTypeWeb"]["SupportLink"] == "https://help.example.com" and "DeviceTypeIos" not in d'
  aws workspaces describe-client-branding --resource-id "$dir" \
    | assert 'd["DeviceTypeWindows"]["LoginMessage"] == {"en_US": "Welcome"} and set(k for k in d if k.startswith("DeviceType")) == {"DeviceTypeWindows", "DeviceTypeWeb"}'
  if command aws --version 2>&1 | grep -q '^aws-cli/2'; then
    # CLI v2 takes blobs inside JSON input as base64.
    logo=$(python3 -c 'import base64; print(base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode())')
    aws workspaces import-client-branding --cli-input-json "{\"ResourceId\":\"$dir\",\"DeviceTypeOsx\":{\"Logo\":\"$logo\"}}" \
      | assert 'd["DeviceTypeOsx"]["LogoUrl"].startswith("https://")'
  fi
  fails InvalidParameterValuesException aws workspaces import-client-branding --resource-id "$dir" \
    --device-type-linux 'SupportEmail=help@example.com,SupportLink=https://help.example.com'
  aws workspaces delete-client-branding --resource-id "$dir" --platforms DeviceTypeWeb >/dev/null
  aws workspaces describe-client-branding --resource-id "$dir" | assert '"DeviceTypeWeb" not in d and "DeviceTypeWindows" in d'
  fails ResourceNotFoundException aws workspaces describe-client-branding --resource-id d-0000000000
else
  echo "SKIP client branding: this AWS CLI has no import-client-branding"
fi

if has create-connect-client-add-in; then
  echo "Amazon Connect client add-ins"
  # URLs go in JSON: AWS CLI v1 would fetch a parameter value that starts with https://.
  addin_json() { printf '{"ResourceId":"%s","Name":"%s","URL":"%s"%s}' "$dir" "$1" "$2" "${3:+,\"AddInId\":\"$3\"}"; }
  addin=$(aws workspaces create-connect-client-add-in --cli-input-json "$(addin_json "Contact center" https://example.my.connect.aws/ccp-v2)" | get 'd["AddInId"]')
  python3 -c "import re,sys; assert re.fullmatch(r'[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}', '$addin')"
  fails ResourceAlreadyExistsException aws workspaces create-connect-client-add-in --cli-input-json "$(addin_json Other https://other.my.connect.aws/ccp-v2)"
  aws workspaces update-connect-client-add-in --resource-id "$dir" --add-in-id "$addin" --name "Support desk" >/dev/null
  aws workspaces describe-connect-client-add-ins --resource-id "$dir" \
    | assert "d['AddIns'] == [{'AddInId': '$addin', 'ResourceId': '$dir', 'Name': 'Support desk', 'URL': 'https://example.my.connect.aws/ccp-v2'}]"
  aws workspaces update-connect-client-add-in --cli-input-json "$(addin_json "Support desk" https://support.my.connect.aws/ccp "$addin")" >/dev/null
  aws workspaces describe-connect-client-add-ins --resource-id "$dir" | assert 'd["AddIns"][0]["URL"] == "https://support.my.connect.aws/ccp"'
  aws workspaces delete-connect-client-add-in --resource-id "$dir" --add-in-id "$addin" >/dev/null
  aws workspaces describe-connect-client-add-ins --resource-id "$dir" | assert 'd["AddIns"] == []'
  fails ResourceNotFoundException aws workspaces delete-connect-client-add-in --resource-id "$dir" --add-in-id "$addin"
else
  echo "SKIP add-ins: this AWS CLI has no create-connect-client-add-in"
fi

if has modify-endpoint-encryption-mode; then
  echo "endpoint encryption mode (before any WorkSpace exists in the directory)"
  aws workspaces modify-endpoint-encryption-mode --directory-id "$dir" --endpoint-encryption-mode FIPS_VALIDATED >/dev/null
  aws workspaces modify-endpoint-encryption-mode --directory-id "$dir" --endpoint-encryption-mode STANDARD_TLS >/dev/null
  fails OperationNotSupportedException command aws --endpoint-url "$ENDPOINT" --region eu-west-1 workspaces modify-endpoint-encryption-mode \
    --directory-id "$dir" --endpoint-encryption-mode FIPS_VALIDATED
  fails ResourceNotFoundException aws workspaces modify-endpoint-encryption-mode --directory-id d-0000000000 --endpoint-encryption-mode STANDARD_TLS
else
  echo "SKIP endpoint encryption: this AWS CLI has no modify-endpoint-encryption-mode"
fi

if has describe-applications; then
  echo "applications"
  aws workspaces describe-applications | assert 'len(d["Applications"]) == 10 and all(a["Owner"] == "AMAZON" and a["ApplicationId"].startswith("wsa-") for a in d["Applications"])'
  office=$(aws workspaces describe-applications | get '[a["ApplicationId"] for a in d["Applications"] if a["Name"] == "Microsoft Office LTSC Professional Plus 2021"][0]')
  office_std=$(aws workspaces describe-applications | get '[a["ApplicationId"] for a in d["Applications"] if a["Name"] == "Microsoft Office LTSC Standard 2021"][0]')
  aws workspaces describe-applications --compute-type-names VALUE | assert 'all(a["State"] == "UNINSTALL_ONLY" for a in d["Applications"]) and len(d["Applications"]) == 2'
  bundle=$(aws workspaces describe-workspace-bundles --owner AMAZON | get '[b["BundleId"] for b in d["Bundles"] if b.get("ComputeType",{}).get("Name") == "STANDARD" and "Server 2019" in b["Name"]][0]')
  ws=$(aws workspaces create-workspaces --workspaces "DirectoryId=$dir,UserName=Administrator,BundleId=$bundle" | get 'd["PendingRequests"][0]["WorkspaceId"]')
  wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' aws workspaces describe-workspaces --workspace-ids "$ws"
  aws workspaces associate-workspace-application --workspace-id "$ws" --application-id "$office" \
    | assert "d['Association']['State'] == 'PENDING_INSTALL' and d['Association']['WorkspaceId'] == '$ws'"
  fails ResourceAlreadyExistsException aws workspaces associate-workspace-application --workspace-id "$ws" --application-id "$office"
  fails IncompatibleApplicationsException aws workspaces associate-workspace-application --workspace-id "$ws" --application-id "$office_std"
  aws workspaces deploy-workspace-applications --workspace-id "$ws" \
    | assert "[a['State'] for a in d['Deployment']['Associations']] == ['PENDING_INSTALL_DEPLOYMENT']"
  wait_for "Office installed" "[a['State'] for a in d['Associations']] == ['COMPLETED']" \
    aws workspaces describe-workspace-associations --workspace-id "$ws" --associated-resource-types APPLICATION
  aws workspaces describe-application-associations --application-id "$office" --associated-resource-types WORKSPACE \
    | assert "[(a['AssociatedResourceId'], a['State']) for a in d['Associations']] == [('$ws', 'COMPLETED')]"
  aws workspaces disassociate-workspace-application --workspace-id "$ws" --application-id "$office" | assert 'd["Association"]["State"] == "PENDING_UNINSTALL"'
  aws workspaces deploy-workspace-applications --workspace-id "$ws" >/dev/null
  wait_for "Office removed" "[a['State'] for a in d['Associations']] == ['REMOVED']" \
    aws workspaces describe-workspace-associations --workspace-id "$ws" --associated-resource-types APPLICATION
  aws workspaces describe-image-associations --image-id wsi-0v4zpw1b8 --associated-resource-types APPLICATION \
    | assert 'len(d["Associations"]) == 1 and d["Associations"][0]["State"] == "COMPLETED"'
  fails ResourceNotFoundException aws workspaces associate-workspace-application --workspace-id ws-000000000 --application-id "$office"
  if has modify-endpoint-encryption-mode; then
    fails OperationNotSupportedException aws workspaces modify-endpoint-encryption-mode --directory-id "$dir" --endpoint-encryption-mode FIPS_VALIDATED
  fi
else
  echo "SKIP applications: this AWS CLI has no describe-applications"
fi

if has create-workspaces-pool && command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'workspace-type'; then
  echo "WorkSpaces Pools"
  pooldir=$(aws workspaces register-workspace-directory --workspace-type POOLS --workspace-directory-name "pools-$suffix" \
    --workspace-directory-description "CI pools" --user-identity-type CUSTOMER_MANAGED \
    --subnet-ids subnet-0123456789abcdef0 subnet-0fedcba9876543210 | get 'd["DirectoryId"]')
  wait_for "pools directory $pooldir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$pooldir"
  bundle=$(aws workspaces describe-workspace-bundles --owner AMAZON | get '[b["BundleId"] for b in d["Bundles"] if b.get("ComputeType",{}).get("Name") == "STANDARD" and "Server 2022" in b["Name"]][0]')
  pool_json=$(aws workspaces create-workspaces-pool --pool-name "ci-$suffix" --description "CI pool" --bundle-id "$bundle" \
    --directory-id "$pooldir" --capacity DesiredUserSessions=2 --tags Key=purpose,Value=ci)
  assert "d['WorkspacesPool']['State'] == 'CREATING' and d['WorkspacesPool']['CapacityStatus']['DesiredUserSessions'] == 2 and d['WorkspacesPool']['PoolArn'].endswith(d['WorkspacesPool']['PoolId'])" <<<"$pool_json"
  pool=$(get 'd["WorkspacesPool"]["PoolId"]' <<<"$pool_json")
  fails ResourceAlreadyExistsException aws workspaces create-workspaces-pool --pool-name "ci-$suffix" --description x --bundle-id "$bundle" \
    --directory-id "$pooldir" --capacity DesiredUserSessions=1
  fails InvalidParameterValuesException aws workspaces create-workspaces-pool --pool-name "ci2-$suffix" --description x --bundle-id "$bundle" \
    --directory-id "$dir" --capacity DesiredUserSessions=1
  wait_for "pool $pool STOPPED" 'd["WorkspacesPools"][0]["State"] == "STOPPED"' aws workspaces describe-workspaces-pools --pool-ids "$pool"
  aws workspaces describe-tags --resource-id "$pool" | assert 'd["TagList"] == [{"Key": "purpose", "Value": "ci"}]'
  aws workspaces start-workspaces-pool --pool-id "$pool" >/dev/null
  wait_for "pool $pool RUNNING" 'd["WorkspacesPools"][0]["State"] == "RUNNING" and d["WorkspacesPools"][0]["CapacityStatus"]["AvailableUserSessions"] == 2' \
    aws workspaces describe-workspaces-pools --pool-ids "$pool"
  fails InvalidResourceStateException aws workspaces terminate-workspaces-pool --pool-id "$pool"

  answer=$(ctl POST "pools/$pool/sessions" "{\"account\":\"$A\",\"region\":\"$REGION\",\"userId\":\"alice\"}")
  status=$(tail -n1 <<<"$answer")
  if [ "$status" = 200 ]; then
    session=$(head -n -1 <<<"$answer" | get 'd["SessionId"]')
    aws workspaces describe-workspaces-pool-sessions --pool-id "$pool" \
      | assert "[(s['SessionId'], s['UserId']) for s in d['Sessions']] == [('$session', 'alice')]"
    aws workspaces describe-workspaces-pools --pool-ids "$pool" | assert 'd["WorkspacesPools"][0]["CapacityStatus"]["ActiveUserSessions"] == 1'
    aws workspaces terminate-workspaces-pool-session --session-id "$session" >/dev/null
    aws workspaces describe-workspaces-pool-sessions --pool-id "$pool" | assert 'd["Sessions"] == []'
  else
    echo "SKIP pool sessions: the control route answered $status ($(head -n -1 <<<"$answer"))"
  fi

  aws workspaces update-workspaces-pool --pool-id "$pool" --capacity DesiredUserSessions=4 | assert 'd["WorkspacesPool"]["State"] == "UPDATING"'
  wait_for "pool $pool RUNNING with 4 sessions" 'd["WorkspacesPools"][0]["State"] == "RUNNING" and d["WorkspacesPools"][0]["CapacityStatus"]["ActualUserSessions"] == 4' \
    aws workspaces describe-workspaces-pools --pool-ids "$pool"
  fails InvalidResourceStateException aws workspaces update-workspaces-pool --pool-id "$pool" --running-mode ALWAYS_ON
  aws workspaces stop-workspaces-pool --pool-id "$pool" >/dev/null
  wait_for "pool $pool STOPPED" 'd["WorkspacesPools"][0]["State"] == "STOPPED"' aws workspaces describe-workspaces-pools --pool-ids "$pool"
  aws workspaces describe-workspaces-pools --filters "Name=PoolName,Values=ci-$suffix,Operator=EQUALS" \
    | assert "[p['PoolId'] for p in d['WorkspacesPools']] == ['$pool']"
  aws workspaces terminate-workspaces-pool --pool-id "$pool" >/dev/null
  wait_for "pool $pool gone" 'd["WorkspacesPools"] == []' aws workspaces describe-workspaces-pools --pool-ids "$pool"
  fails ResourceNotFoundException aws workspaces start-workspaces-pool --pool-id "$pool"
else
  echo "SKIP pools: this AWS CLI has no create-workspaces-pool (or no pools directories)"
fi
echo "pools and applications scenario passed"

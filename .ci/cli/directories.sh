#!/usr/bin/env bash
# AWS CLI scenario: what WorkSpaces stand on. A Simple AD directory walks
# Requested → Creating → Active, is registered with WorkSpaces (REGISTERING →
# REGISTERED), its settings are modified and read back, the public bundle
# catalogue is read, a custom bundle is made from an owned image, and
# everything is taken down again. Needs $ENDPOINT; the server runs with
# -timing fast. Account A only (test/test, 000000000000).
#
# The custom bundle needs an image the account owns. No WorkSpace is needed
# for that: the image comes from a BYOL import, in us-west-2 so that the BYOL
# enablement does not touch what other scenarios expect of us-east-1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
awsW() { command aws --endpoint-url "$ENDPOINT" --region us-west-2 --output json "$@"; }
# knows SERVICE COMMAND: this CLI has the command (Debian's v2.9 predates some).
knows() { command aws "$1" help 2>/dev/null | grep -q -- "$2"; }
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')
VPC=vpc-0123456789abcdef0
SUBNETS=subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788

echo "Directory Service: Simple AD"
fails InvalidParameterException aws ds create-directory --name "corp-$suffix.example.com" --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId=$VPC,SubnetIds=subnet-0a1b2c3d4e5f60718
fails ValidationException aws ds create-directory --name "corp-$suffix.example.com" --password 'weakpassword' --size Small \
  --vpc-settings VpcId=$VPC,SubnetIds=$SUBNETS
dir=$(aws ds create-directory --name "corp-$suffix.example.com" --short-name CORP --password 'Secr3t-Passw0rd!' --size Small \
  --description "CI directory" --vpc-settings VpcId=$VPC,SubnetIds=$SUBNETS --tags Key=team,Value=ci | get 'd["DirectoryId"]')
[[ $dir =~ ^d-[0-9a-f]{10}$ ]] || { echo "directory id $dir"; exit 1; }
# Each stage lasts 1.5 s under -timing fast, about as long as the CLI takes to start.
aws ds describe-directories --directory-ids "$dir" | assert 'd["DirectoryDescriptions"][0]["Stage"] in ("Requested", "Creating", "Active")'
fails EntityDoesNotExistException aws ds describe-directories --directory-ids d-0000000000
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
aws ds describe-directories --directory-ids "$dir" | assert '(lambda x: x["Type"] == "SimpleAD" and x["Size"] == "Small" and x["Alias"] == "'"$dir"'"
  and x["AccessUrl"] == "'"$dir"'.awsapps.com" and len(x["DnsIpAddrs"]) == 2 and all(a.startswith("10.") for a in x["DnsIpAddrs"])
  and x["VpcSettings"]["AvailabilityZones"] == ["us-east-1a", "us-east-1b"] and x["VpcSettings"]["SecurityGroupId"].startswith("sg-"))(d["DirectoryDescriptions"][0])'
aws ds add-tags-to-resource --resource-id "$dir" --tags Key=env,Value=test >/dev/null
aws ds list-tags-for-resource --resource-id "$dir" | assert '{t["Key"]: t["Value"] for t in d["Tags"]} == {"team": "ci", "env": "test"}'

echo "WorkSpaces: register the directory"
# EnableWorkDocs is required by the 2022 model (Debian's CLI v2.9) and gone
# from the newest; pass it only when this CLI knows it.
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
fails ResourceNotFoundException aws workspaces register-workspace-directory --directory-id d-0000000000 "${workdocs[@]}"
fails OperationNotSupportedException aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" \
  --subnet-ids subnet-0a1b2c3d4e5f60718 subnet-0a1b2c3d4e5f60718
fails InvalidParameterValuesException aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" --tenancy DEDICATED
aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" --tags Key=cost,Value=42 >/dev/null
fails ResourceAlreadyExistsException aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}"
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$dir"
aws workspaces describe-workspace-directories --directory-ids "$dir" | assert '(lambda x: x["DirectoryType"] == "SIMPLE_AD"
  and x["RegistrationCode"].startswith("SLiad+") and x["IamRoleId"] == "arn:aws:iam::000000000000:role/workspaces_DefaultRole"
  and x["CustomerUserName"] == "Administrator" and len(x["DnsIpAddresses"]) == 2 and x["WorkspaceSecurityGroupId"].startswith("sg-")
  and x["Tenancy"] == "SHARED" and x["WorkspaceCreationProperties"]["EnableMaintenanceMode"] is True
  and x["WorkspaceCreationProperties"]["UserEnabledAsLocalAdministrator"] is True
  and x["SelfservicePermissions"]["RestartWorkspace"] == "ENABLED" and x["SelfservicePermissions"]["RebuildWorkspace"] == "DISABLED"
  and x["WorkspaceAccessProperties"]["DeviceTypeWindows"] == "ALLOW" and x["WorkspaceAccessProperties"]["DeviceTypeWeb"] == "DENY")(d["Directories"][0])'
aws workspaces describe-tags --resource-id "$dir" | assert 'd["TagList"] == [{"Key": "cost", "Value": "42"}]'
fails ClientException aws ds delete-directory --directory-id "$dir"

echo "WorkSpaces: modify the directory's settings and read them back"
aws workspaces modify-workspace-creation-properties --resource-id "$dir" \
  --workspace-creation-properties EnableInternetAccess=true,DefaultOu=OU=WorkSpaces\\,DC=corp\\,DC=example\\,DC=com,EnableMaintenanceMode=false >/dev/null
aws workspaces modify-selfservice-permissions --resource-id "$dir" \
  --selfservice-permissions RebuildWorkspace=ENABLED,IncreaseVolumeSize=ENABLED >/dev/null
aws workspaces modify-workspace-access-properties --resource-id "$dir" \
  --workspace-access-properties DeviceTypeWeb=ALLOW,DeviceTypeLinux=ALLOW,DeviceTypeIos=DENY >/dev/null
aws workspaces modify-client-properties --resource-id "$dir" --client-properties ReconnectEnabled=DISABLED >/dev/null
aws workspaces describe-workspace-directories --directory-ids "$dir" | assert '(lambda x:
  x["WorkspaceCreationProperties"]["EnableInternetAccess"] is True and x["WorkspaceCreationProperties"]["EnableMaintenanceMode"] is False
  and x["WorkspaceCreationProperties"]["DefaultOu"] == "OU=WorkSpaces,DC=corp,DC=example,DC=com"
  and x["SelfservicePermissions"] == {"RestartWorkspace": "ENABLED", "IncreaseVolumeSize": "ENABLED", "ChangeComputeType": "DISABLED",
    "SwitchRunningMode": "DISABLED", "RebuildWorkspace": "ENABLED"}
  and x["WorkspaceAccessProperties"]["DeviceTypeWeb"] == "ALLOW" and x["WorkspaceAccessProperties"]["DeviceTypeLinux"] == "ALLOW"
  and x["WorkspaceAccessProperties"]["DeviceTypeIos"] == "DENY" and x["WorkspaceAccessProperties"]["DeviceTypeOsx"] == "ALLOW")(d["Directories"][0])'
aws workspaces describe-client-properties --resource-ids "$dir" \
  | assert 'd["ClientPropertiesList"][0]["ClientProperties"]["ReconnectEnabled"] == "DISABLED"'
if knows workspaces modify-saml-properties; then
  fails InvalidParameterValuesException aws workspaces modify-saml-properties --resource-id "$dir" --saml-properties Status=ENABLED
  aws workspaces modify-saml-properties --resource-id "$dir" \
    --saml-properties Status=ENABLED,UserAccessUrl=https://idp.example.com/sso,RelayStateParameterName=RS >/dev/null
  aws workspaces describe-workspace-directories --directory-ids "$dir" \
    | assert 'd["Directories"][0]["SamlProperties"] == {"Status": "ENABLED", "UserAccessUrl": "https://idp.example.com/sso", "RelayStateParameterName": "RS"}'
  aws workspaces modify-saml-properties --resource-id "$dir" --saml-properties Status=DISABLED \
    --properties-to-delete SAML_PROPERTIES_USER_ACCESS_URL SAML_PROPERTIES_RELAY_STATE_PARAMETER_NAME >/dev/null
  aws workspaces describe-workspace-directories --directory-ids "$dir" \
    | assert 'd["Directories"][0]["SamlProperties"] == {"Status": "DISABLED", "UserAccessUrl": "", "RelayStateParameterName": "RelayState"}'
else
  echo "  (this CLI has no modify-saml-properties; skipped)"
fi

echo "Users of the directory"
if knows ds-data create-user 2>/dev/null; then
  aws ds-data create-user --directory-id "$dir" --sam-account-name alice --given-name Alice >/dev/null
  aws ds-data describe-user --directory-id "$dir" --sam-account-name ALICE | assert 'd["SAMAccountName"] == "alice" and d["SID"].startswith("S-1-5-21-")'
  aws ds-data list-users --directory-id "$dir" | assert '[u["SAMAccountName"] for u in d["Users"]] == ["Administrator", "Guest", "krbtgt", "alice"]'
else
  echo "  (this CLI has no ds-data; the Go tests cover the Directory Service Data API)"
fi

echo "Bundles: the AMAZON catalogue"
aws workspaces describe-workspace-bundles --owner AMAZON \
  | assert 'len(d["Bundles"]) >= 40 and all(b["Owner"] == "Amazon" and b["BundleId"].startswith("wsb-") for b in d["Bundles"])'
aws workspaces describe-workspace-bundles --bundle-ids wsb-b0s22j3d7 wsb-clj85qzj1 | assert '[(b["Name"], b["ComputeType"]["Name"],
  b["RootStorage"]["Capacity"], b["UserStorage"]["Capacity"]) for b in d["Bundles"]] == [("Performance with Windows 7", "PERFORMANCE", "80", "100"),
  ("Standard with Amazon Linux 2", "STANDARD", "80", "50")]'
fails InvalidParameterValuesException aws workspaces describe-workspace-bundles --bundle-ids wsb-b0s22j3d7 --owner AMAZON
aws workspaces describe-workspace-bundles | assert 'd["Bundles"] == []'
public_image=$(aws workspaces describe-workspace-bundles --bundle-ids wsb-93xk71ss4 | get 'd["Bundles"][0]["ImageId"]')
fails InvalidParameterValuesException aws workspaces create-workspace-bundle --bundle-name "from-public-$suffix" \
  --bundle-description "From a public image" --image-id "$public_image" --compute-type Name=STANDARD --user-storage Capacity=50
fails ResourceNotFoundException aws workspaces create-workspace-bundle --bundle-name "unknown-$suffix" \
  --bundle-description "From an unknown image" --image-id wsi-000000000 --compute-type Name=STANDARD --user-storage Capacity=50

echo "Bundles: a custom bundle from an owned image (us-west-2, BYOL import)"
if [ "$(awsW workspaces describe-account | get 'd.get("DedicatedTenancySupport")')" != ENABLED ]; then
  awsW workspaces modify-account --dedicated-tenancy-support ENABLED --dedicated-tenancy-management-cidr-range 192.168.0.0/16 >/dev/null
fi
wait_for "BYOL enabled in us-west-2" 'd["DedicatedTenancySupport"] == "ENABLED"' awsW workspaces describe-account
# The import stays PENDING until the clock moves, however slow the machine.
control PUT timing '{"profile":"fast","overrides":{"image.import":"1h"}}'
img=$(awsW workspaces import-workspace-image --ec2-image-id ami-0123456789abcdef0 --ingestion-process BYOL_REGULAR_WSP \
  --image-name "ci-byol-$suffix" --image-description "CI BYOL image" | get 'd["ImageId"]')
fails ResourceUnavailableException awsW workspaces create-workspace-bundle --bundle-name "early-$suffix" \
  --bundle-description "Image still pending" --image-id "$img" --compute-type Name=STANDARD --user-storage Capacity=50
control PUT timing '{"profile":"fast","overrides":{}}'
control POST clock/advance '{"duration":"1h"}'
wait_for "image $img AVAILABLE" 'd["Images"][0]["State"] == "AVAILABLE"' awsW workspaces describe-workspace-images --image-ids "$img"
fails InvalidParameterValuesException awsW workspaces create-workspace-bundle --bundle-name "bad-$suffix" \
  --bundle-description "Bad volumes" --image-id "$img" --compute-type Name=STANDARD --user-storage Capacity=20
bundle=$(awsW workspaces create-workspace-bundle --bundle-name "ci-$suffix" --bundle-description "CI custom bundle" --image-id "$img" \
  --compute-type Name=PERFORMANCE --root-storage Capacity=80 --user-storage Capacity=100 --tags Key=team,Value=ci \
  | get 'd["WorkspaceBundle"]["BundleId"]')
fails ResourceAlreadyExistsException awsW workspaces create-workspace-bundle --bundle-name "ci-$suffix" --bundle-description "Again" \
  --image-id "$img" --compute-type Name=PERFORMANCE --user-storage Capacity=100
awsW workspaces describe-workspace-bundles | assert '([(b["BundleId"], b["Owner"], b["ImageId"], b["State"]) for b in d["Bundles"]]
  == [("'"$bundle"'", "000000000000", "'"$img"'", "AVAILABLE")])'
awsW workspaces describe-workspace-bundles --owner 000000000000 | assert '[b["Name"] for b in d["Bundles"]] == ["ci-'"$suffix"'"]'
awsW workspaces describe-tags --resource-id "$bundle" | assert 'd["TagList"] == [{"Key": "team", "Value": "ci"}]'
fails OperationNotSupportedException awsW workspaces update-workspace-bundle --bundle-id wsb-clj85qzj1 --image-id "$img"
awsW workspaces update-workspace-bundle --bundle-id "$bundle" --image-id "$img" >/dev/null
fails AccessDeniedException awsW workspaces delete-workspace-bundle --bundle-id wsb-clj85qzj1
awsW workspaces delete-workspace-bundle --bundle-id "$bundle" >/dev/null
awsW workspaces describe-workspace-bundles --bundle-ids "$bundle" | assert 'd["Bundles"] == []'
fails ResourceNotFoundException awsW workspaces delete-workspace-bundle --bundle-id "$bundle"

echo "Take down: deregister, then delete the directory"
aws workspaces deregister-workspace-directory --directory-id "$dir" >/dev/null
wait_for "directory $dir deregistered" 'd["Directories"] == []' aws workspaces describe-workspace-directories --directory-ids "$dir"
aws ds delete-directory --directory-id "$dir" | assert 'd["DirectoryId"] == "'"$dir"'"'
wait_for "directory $dir deleted" 'all(x["DirectoryId"] != "'"$dir"'" for x in d["DirectoryDescriptions"])' aws ds describe-directories
fails EntityDoesNotExistException aws ds describe-directories --directory-ids "$dir"
echo "directories scenario passed"

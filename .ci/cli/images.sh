#!/usr/bin/env bash
# AWS CLI scenario: images across two accounts. Account A (test/test,
# 000000000000) builds a WorkSpace and an image of it, shares the image with
# account B (testB/secretB, 111111111111), B sees it with its own
# credentials and copies it, A unshares it, B keeps its copy. Also the BYOL
# account settings. Needs $ENDPOINT; the server runs with -timing fast and a
# credentials file holding both accounts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
A=000000000000
B=111111111111
awsA() { AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws "$@"; }
awsB() { AWS_ACCESS_KEY_ID=testB AWS_SECRET_ACCESS_KEY=secretB aws "$@"; }
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')

echo "A: directory, registration and a WorkSpace"
dir=$(awsA ds create-directory --name "corp-$suffix.example.com" --short-name CORP --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210 | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' awsA ds describe-directories --directory-ids "$dir"
# EnableWorkDocs is required by the 2022 model (Debian's CLI v2.9) and gone
# from the newest; pass it only when this CLI knows it.
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
awsA workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" >/dev/null
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' awsA workspaces describe-workspace-directories --directory-ids "$dir"
bundle=$(awsA workspaces describe-workspace-bundles --owner AMAZON | get '[b["BundleId"] for b in d["Bundles"] if b.get("ComputeType",{}).get("Name") == "STANDARD" and "Windows 10" in b["Name"] and "Windows 7" not in b["Name"]][0]')
ws=$(awsA workspaces create-workspaces --workspaces "DirectoryId=$dir,UserName=Administrator,BundleId=$bundle" \
  | get 'd["PendingRequests"][0]["WorkspaceId"]')
wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' awsA workspaces describe-workspaces --workspace-ids "$ws"

echo "A: create an image of the WorkSpace"
img_json=$(awsA workspaces create-workspace-image --name "ci-golden-$suffix" --description "CI golden image" --workspace-id "$ws" \
  --tags Key=purpose,Value=ci)
assert "d['State'] == 'PENDING' and d['OwnerAccountId'] == '$A' and d['OperatingSystem']['Type'] == 'WINDOWS' and d['RequiredTenancy'] == 'DEFAULT' and isinstance(d['Created'], (int, float, str))" <<<"$img_json"
img=$(get 'd["ImageId"]' <<<"$img_json")
awsA workspaces describe-workspaces --workspace-ids "$ws" | assert 'd["Workspaces"][0]["State"] in ("SUSPENDED", "AVAILABLE")'
wait_for "image $img AVAILABLE" 'd["Images"][0]["State"] == "AVAILABLE" and d["Images"][0]["Updates"]["UpdateAvailable"] is False' \
  awsA workspaces describe-workspace-images --image-ids "$img"
wait_for "WorkSpace $ws AVAILABLE again" 'd["Workspaces"][0]["State"] == "AVAILABLE"' awsA workspaces describe-workspaces --workspace-ids "$ws"
awsA workspaces describe-tags --resource-id "$img" | assert 'd["TagList"] == [{"Key": "purpose", "Value": "ci"}]'
fails ResourceAlreadyExistsException awsA workspaces create-workspace-image --name "ci-golden-$suffix" --description x --workspace-id "$ws"
fails ResourceNotFoundException awsA workspaces create-workspace-image --name "ci-x-$suffix" --description x --workspace-id ws-000000000

echo "A: share the image with B"
awsB workspaces describe-workspace-images --image-ids "$img" | assert 'd["Images"] == []'
awsA workspaces update-workspace-image-permission --image-id "$img" --allow-copy-image --shared-account-id "$B" >/dev/null
awsA workspaces describe-workspace-image-permissions --image-id "$img" \
  | assert "d['ImageId'] == '$img' and d['ImagePermissions'] == [{'SharedAccountId': '$B'}]"
fails InvalidResourceStateException awsA workspaces delete-workspace-image --image-id "$img"

echo "B: sees the shared image with its own credentials"
created_a=$(awsA workspaces describe-workspace-images --image-ids "$img" | get 'd["Images"][0]["Created"]')
awsB workspaces describe-workspace-images --image-type SHARED \
  | assert "[i['ImageId'] for i in d['Images']] == ['$img'] and d['Images'][0]['OwnerAccountId'] == '$A' and str(d['Images'][0]['Created']) == '$created_a'"
awsB workspaces describe-workspace-images --image-type OWNED | assert "'$img' not in [i['ImageId'] for i in d['Images']]"
fails OperationNotSupportedException awsB workspaces update-workspace-image-permission --image-id "$img" --allow-copy-image --shared-account-id 222222222222
fails AccessDeniedException awsB workspaces delete-workspace-image --image-id "$img"
fails ResourceNotFoundException awsB workspaces describe-workspace-image-permissions --image-id "$img"

echo "B: copies it"
copy=$(awsB workspaces copy-workspace-image --name "b-copy-$suffix" --source-image-id "$img" --source-region "$REGION" \
  --tags Key=copied,Value=yes | get 'd["ImageId"]')
[ "$copy" != "$img" ]
wait_for "B's copy $copy AVAILABLE" "d['Images'][0]['State'] == 'AVAILABLE' and d['Images'][0]['OwnerAccountId'] == '$B'" \
  awsB workspaces describe-workspace-images --image-ids "$copy"
awsB workspaces describe-tags --resource-id "$copy" | assert 'd["TagList"] == [{"Key": "copied", "Value": "yes"}]'

echo "A: unshares it; B keeps its copy"
awsA workspaces update-workspace-image-permission --image-id "$img" --no-allow-copy-image --shared-account-id "$B" >/dev/null
awsA workspaces describe-workspace-image-permissions --image-id "$img" | assert 'd["ImagePermissions"] == []'
awsB workspaces describe-workspace-images | assert "'$copy' in [i['ImageId'] for i in d['Images']] and '$img' not in [i['ImageId'] for i in d['Images']]"
fails ResourceNotFoundException awsB workspaces copy-workspace-image --name "b-late-$suffix" --source-image-id "$img" --source-region "$REGION"
fails InvalidParameterValuesException awsA workspaces update-workspace-image-permission --image-id "$img" --no-allow-copy-image --shared-account-id "$B"

echo "A: copies the image into another Region"
cross=$(awsA workspaces copy-workspace-image --region eu-west-1 --name "eu-$suffix" --source-image-id "$img" --source-region "$REGION" | get 'd["ImageId"]')
wait_for "copy $cross AVAILABLE in eu-west-1" 'd["Images"][0]["State"] == "AVAILABLE"' \
  awsA workspaces describe-workspace-images --region eu-west-1 --image-ids "$cross"

echo "A: deletes the image; a deleted id deletes again quietly"
awsA workspaces delete-workspace-image --image-id "$img" >/dev/null
awsA workspaces describe-workspace-images --image-ids "$img" | assert 'd["Images"] == []'
awsA workspaces delete-workspace-image --image-id "$img" >/dev/null
awsB workspaces describe-workspace-images --image-ids "$copy" | assert 'd["Images"][0]["State"] == "AVAILABLE"'

echo "B: BYOL account settings"
awsB workspaces list-available-management-cidr-ranges --management-cidr-range-constraint 10.0.0.0/8 --max-results 2 --no-paginate \
  | assert 'd["ManagementCidrRanges"] == ["10.0.0.0/16", "10.1.0.0/16"] and "NextToken" in d'
if awsB workspaces describe-account | get 'd["DedicatedTenancySupport"]' | grep -q DISABLED; then
  awsB workspaces list-available-management-cidr-ranges --management-cidr-range-constraint 192.168.0.0/16 \
    | assert 'd["ManagementCidrRanges"] == ["192.168.0.0/16"]'
  awsB workspaces modify-account --dedicated-tenancy-support ENABLED --dedicated-tenancy-management-cidr-range 192.168.0.0/16 >/dev/null
  awsB workspaces describe-account-modifications \
    | assert 'd["AccountModifications"][-1]["DedicatedTenancyManagementCidrRange"] == "192.168.0.0/16" and d["AccountModifications"][-1]["ModificationState"] in ("PENDING", "COMPLETED")'
fi
wait_for "BYOL ENABLED for B" 'd["DedicatedTenancySupport"] == "ENABLED" and d["DedicatedTenancyManagementCidrRange"] == "192.168.0.0/16"' \
  awsB workspaces describe-account
fails InvalidResourceStateException awsB workspaces modify-account --dedicated-tenancy-support ENABLED --dedicated-tenancy-management-cidr-range 10.9.0.0/16
byol=$(awsB workspaces import-workspace-image --ec2-image-id ami-0123456789abcdef0 --ingestion-process BYOL_REGULAR_WSP \
  --image-name "byol-$suffix" --image-description "BYOL image" | get 'd["ImageId"]')
awsB workspaces describe-workspace-images --image-ids "$byol" | assert 'd["Images"][0]["RequiredTenancy"] == "DEDICATED"'
fails AccessDeniedException awsA workspaces import-workspace-image --ec2-image-id ami-0123456789abcdef0 --ingestion-process BYOL_REGULAR \
  --image-name "byol-a-$suffix" --image-description "BYOL image"
echo "ok"

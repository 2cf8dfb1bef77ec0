#!/usr/bin/env bash
# AWS CLI scenario: users and groups through Directory Service Data. A
# Managed Microsoft AD directory becomes Active with its built-in users and
# groups; users and groups are created, described, updated, searched and
# paged; groups nest and take members; a user is disabled; objects outside
# the customer's OU refuse changes; then everything is taken down again.
# Needs $ENDPOINT; the server runs with -timing fast. Account A only
# (test/test, 000000000000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER=""
if ! command aws ds-data help >/dev/null 2>&1; then
  echo "this CLI has no ds-data commands; the Go tests cover Directory Service Data"
  exit 0
fi
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')
domain="data-$suffix.example.com"

echo "Directory Service: a Managed Microsoft AD directory"
# The directory stays Requested until the clock moves, however slow the machine.
control PUT timing '{"profile":"fast","overrides":{"directory.create":"1h"}}'
dir=$(aws ds create-microsoft-ad --name "$domain" --short-name DATA --password 'Secr3t-Passw0rd!' --edition Standard \
  --vpc-settings VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788 | get 'd["DirectoryId"]')
fails DirectoryUnavailableException aws ds-data list-users --directory-id "$dir"
control PUT timing '{"profile":"fast","overrides":{}}'
control POST clock/advance '{"duration":"1h"}'
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"

echo "Built-in users and groups"
aws ds-data list-users --directory-id "$dir" | assert '[u["SAMAccountName"] for u in d["Users"]] == ["Administrator", "Guest", "krbtgt", "Admin"]
  and d["Realm"] == "'"$domain"'" and [u["Enabled"] for u in d["Users"]] == [True, False, False, True]'
aws ds-data describe-user --directory-id "$dir" --sam-account-name admin \
  | assert 'd["DistinguishedName"].startswith("CN=Admin,OU=Users,OU=DATA,DC=data-") and d["UserPrincipalName"] == "Admin@'"${domain^^}"'"'
aws ds-data list-groups --directory-id "$dir" | assert '{"Domain Users", "Domain Admins", "Administrators", "AWS Delegated Administrators"} <= {g["SAMAccountName"] for g in d["Groups"]}'
aws ds-data describe-group --directory-id "$dir" --sam-account-name "domain users" | assert 'd["GroupScope"] == "Global" and d["GroupType"] == "Security" and d["SID"].endswith("-513")'

echo "Users"
sid=$(aws ds-data create-user --directory-id "$dir" --sam-account-name jane.doe --given-name Jane --surname Doe \
  --email-address jane@example.com --other-attributes '{"department": {"S": "DevOps"}, "telephoneNumber": {"S": "+1 555 0100"}}' | get 'd["SID"]')
[[ $sid == S-1-5-21-* ]] || { echo "SID $sid"; exit 1; }
aws ds-data create-user --directory-id "$dir" --sam-account-name john.roe --given-name John >/dev/null
aws ds-data create-user --directory-id "$dir" --sam-account-name pat.candella --other-attributes '{"department": {"S": "Finance"}}' >/dev/null
fails ConflictException aws ds-data create-user --directory-id "$dir" --sam-account-name JANE.DOE
fails ValidationException aws ds-data create-user --directory-id "$dir" --sam-account-name bad --other-attributes '{"objectSid": {"S": "S-1-5-21-1"}}'
aws ds-data describe-user --directory-id "$dir" --sam-account-name Jane.Doe --other-attributes department telephoneNumber \
  | assert 'd["SAMAccountName"] == "jane.doe" and d["SID"] == "'"$sid"'" and d["Enabled"] is False
  and d["OtherAttributes"] == {"department": {"S": "DevOps"}, "telephoneNumber": {"S": "+1 555 0100"}}'
aws ds-data update-user --directory-id "$dir" --sam-account-name jane.doe --update-type REPLACE --given-name Janet \
  --other-attributes '{"title": {"S": "Engineer"}}'
fails ValidationException aws ds-data update-user --directory-id "$dir" --sam-account-name jane.doe --update-type ADD --surname Again
aws ds-data update-user --directory-id "$dir" --sam-account-name jane.doe --update-type REMOVE --other-attributes '{"telephoneNumber": {"S": "x"}}'
aws ds-data describe-user --directory-id "$dir" --sam-account-name jane.doe --other-attributes title telephoneNumber \
  | assert 'd["GivenName"] == "Janet" and d["OtherAttributes"] == {"title": {"S": "Engineer"}}'
aws ds-data search-users --directory-id "$dir" --search-attributes department --search-string devops \
  | assert '[u["SAMAccountName"] for u in d["Users"]] == ["jane.doe"]'
aws ds-data search-users --directory-id "$dir" --search-attributes SamAccountName --search-string "." \
  | assert 'sorted(u["SAMAccountName"] for u in d["Users"]) == ["jane.doe", "john.roe", "pat.candella"]'
fails ValidationException aws ds-data search-users --directory-id "$dir" --search-attributes objectSid --search-string x
# The CLI follows NextToken itself: pages of 2 still list all seven users.
aws ds-data list-users --directory-id "$dir" --page-size 2 | assert 'len(d["Users"]) == 7'
aws ds-data list-users --directory-id "$dir" --max-items 2 | assert 'len(d["Users"]) == 2 and d.get("NextToken")'

echo "Groups and members"
aws ds-data create-group --directory-id "$dir" --sam-account-name devops | assert 'd["SAMAccountName"] == "devops"'
aws ds-data create-group --directory-id "$dir" --sam-account-name engineering --group-scope Universal --group-type Security >/dev/null
aws ds-data add-group-member --directory-id "$dir" --group-name devops --member-name jane.doe
aws ds-data add-group-member --directory-id "$dir" --group-name devops --member-name john.roe
aws ds-data add-group-member --directory-id "$dir" --group-name engineering --member-name devops
fails ConflictException aws ds-data add-group-member --directory-id "$dir" --group-name devops --member-name JANE.DOE
fails ValidationException aws ds-data add-group-member --directory-id "$dir" --group-name devops --member-name engineering
fails ResourceNotFoundException aws ds-data add-group-member --directory-id "$dir" --group-name devops --member-name nobody
fails AccessDeniedException aws ds-data add-group-member --directory-id "$dir" --group-name "Domain Admins" --member-name jane.doe
aws ds-data add-group-member --directory-id "$dir" --group-name "AWS Delegated Server Administrators" --member-name jane.doe
aws ds-data list-group-members --directory-id "$dir" --sam-account-name devops \
  | assert '[(m["SAMAccountName"], m["MemberType"]) for m in d["Members"]] == [("jane.doe", "USER"), ("john.roe", "USER")] and d["MemberRealm"] == "'"$domain"'"'
aws ds-data list-group-members --directory-id "$dir" --sam-account-name engineering | assert '[m["MemberType"] for m in d["Members"]] == ["GROUP"]'
aws ds-data list-groups-for-member --directory-id "$dir" --sam-account-name jane.doe \
  | assert '[g["SAMAccountName"] for g in d["Groups"]] == ["Domain Users", "devops", "AWS Delegated Server Administrators"]'
aws ds-data search-groups --directory-id "$dir" --search-attributes SamAccountName --search-string engin \
  | assert '[(g["SAMAccountName"], g["GroupScope"]) for g in d["Groups"]] == [("engineering", "Universal")]'
aws ds-data update-group --directory-id "$dir" --sam-account-name devops --update-type REPLACE --group-type Distribution
aws ds-data describe-group --directory-id "$dir" --sam-account-name devops | assert 'd["GroupType"] == "Distribution"'
aws ds-data remove-group-member --directory-id "$dir" --group-name devops --member-name john.roe
fails ResourceNotFoundException aws ds-data remove-group-member --directory-id "$dir" --group-name devops --member-name john.roe
fails AccessDeniedException aws ds-data remove-group-member --directory-id "$dir" --group-name "Domain Users" --member-name john.roe

echo "Disable, and what is outside the customer's OU"
aws ds-data disable-user --directory-id "$dir" --sam-account-name admin
aws ds-data describe-user --directory-id "$dir" --sam-account-name admin | assert 'd["Enabled"] is False'
fails AccessDeniedException aws ds-data disable-user --directory-id "$dir" --sam-account-name Administrator
fails AccessDeniedException aws ds-data delete-group --directory-id "$dir" --sam-account-name "Domain Admins"
fails AccessDeniedException aws ds-data list-users --directory-id d-0000000000

echo "Take down"
aws ds-data delete-group --directory-id "$dir" --sam-account-name engineering
aws ds-data delete-user --directory-id "$dir" --sam-account-name jane.doe
fails ResourceNotFoundException aws ds-data describe-user --directory-id "$dir" --sam-account-name jane.doe
aws ds-data list-group-members --directory-id "$dir" --sam-account-name devops | assert 'd["Members"] == []'
aws ds delete-directory --directory-id "$dir" >/dev/null
wait_for "directory $dir deleted" 'all(x["DirectoryId"] != "'"$dir"'" for x in d["DirectoryDescriptions"])' aws ds describe-directories
echo "ds-data scenario passed"

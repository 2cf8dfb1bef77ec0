#!/usr/bin/env bash
# AWS CLI scenario: a Managed Microsoft AD directory through Directory
# Service: limits, conditional forwarders, a trust (Creating → Verified,
# updated, verified again), a log subscription, an event topic, IP routes,
# settings, a snapshot and a restore, sharing with account B (testB/secretB,
# 111111111111) which accepts the invitation, users and groups (ds-data),
# a password reset, tags in pages; then everything is taken down again.
# Needs $ENDPOINT; the server runs with -timing fast.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER=""
awsB() { AWS_ACCESS_KEY_ID=testB AWS_SECRET_ACCESS_KEY=secretB aws "$@"; }
B=111111111111
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')
domain="ms-$suffix.example.com"
vpc=VpcId=vpc-0123456789abcdef0,SubnetIds=subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788

echo "Limits and a Managed Microsoft AD directory"
aws ds get-directory-limits | assert 'd["DirectoryLimits"]["CloudOnlyMicrosoftADLimit"] == 20 and d["DirectoryLimits"]["ConnectedDirectoriesLimit"] == 10
  and d["DirectoryLimits"]["CloudOnlyDirectoriesLimit"] == 10'
fails InvalidParameterException aws ds create-directory --name "$domain" --password 'Secr3t-Passw0rd!' --size Small
dir=$(aws ds create-microsoft-ad --name "$domain" --short-name MS --password 'Secr3t-Passw0rd!' --edition Enterprise \
  --vpc-settings "$vpc" | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
aws ds describe-directories --directory-ids "$dir" | assert 'd["DirectoryDescriptions"][0]["DesiredNumberOfDomainControllers"] == 2'
aws ds describe-domain-controllers --directory-id "$dir" | assert 'len(d["DomainControllers"]) == 2'

echo "Conditional forwarder and trust"
aws ds create-conditional-forwarder --directory-id "$dir" --remote-domain-name partner.example.com --dns-ip-addrs 10.20.0.10 10.20.0.11
fails EntityAlreadyExistsException aws ds create-conditional-forwarder --directory-id "$dir" --remote-domain-name partner.example.com --dns-ip-addrs 10.20.0.12
aws ds update-conditional-forwarder --directory-id "$dir" --remote-domain-name partner.example.com --dns-ip-addrs 10.20.0.12
aws ds describe-conditional-forwarders --directory-id "$dir" | assert 'd["ConditionalForwarders"][0]["DnsIpAddrs"] == ["10.20.0.12"]'
trust=$(aws ds create-trust --directory-id "$dir" --remote-domain-name onprem.example.com --trust-password 'Tru5t-Passw0rd!' \
  --trust-direction "Two-Way" --trust-type Forest --conditional-forwarder-ip-addrs 10.30.0.10 | get 'd["TrustId"]')
wait_for "trust $trust Verified" 'd["Trusts"][0]["TrustState"] == "Verified"' aws ds describe-trusts --directory-id "$dir" --trust-ids "$trust"
aws ds update-trust --trust-id "$trust" --selective-auth Enabled >/dev/null
wait_for "trust $trust Updated" 'd["Trusts"][0]["TrustState"] == "Updated" and d["Trusts"][0]["SelectiveAuth"] == "Enabled"' aws ds describe-trusts --trust-ids "$trust"
aws ds verify-trust --trust-id "$trust" >/dev/null
wait_for "trust $trust verified again" 'd["Trusts"][0]["TrustState"] == "Verified"' aws ds describe-trusts --trust-ids "$trust"

echo "Log subscription, event topic, IP routes, settings"
aws ds create-log-subscription --directory-id "$dir" --log-group-name "/aws/directoryservice/$dir"
fails EntityAlreadyExistsException aws ds create-log-subscription --directory-id "$dir" --log-group-name /other
aws ds list-log-subscriptions --directory-id "$dir" | assert 'd["LogSubscriptions"][0]["LogGroupName"] == "/aws/directoryservice/'"$dir"'"'
aws ds register-event-topic --directory-id "$dir" --topic-name ds-events
aws ds describe-event-topics --directory-id "$dir" | assert 'd["EventTopics"][0]["Status"] == "Registered"'
aws ds add-ip-routes --directory-id "$dir" --ip-routes CidrIp=172.16.0.0/16,Description=onprem
aws ds list-ip-routes --directory-id "$dir" | assert 'd["IpRoutesInfo"][0]["CidrIp"] == "172.16.0.0/16"'
aws ds update-settings --directory-id "$dir" --settings Name=TLS_1_0,Value=Disable >/dev/null
wait_for "TLS_1_0 Disable applied" '[s["AppliedValue"] for s in d["SettingEntries"] if s["Name"] == "TLS_1_0"] == ["Disable"]' aws ds describe-settings --directory-id "$dir"

echo "Snapshot and restore"
snap=$(aws ds create-snapshot --directory-id "$dir" --name before-change | get 'd["SnapshotId"]')
aws ds get-snapshot-limits --directory-id "$dir" | assert 'd["SnapshotLimits"]["ManualSnapshotsLimit"] == 5 and d["SnapshotLimits"]["ManualSnapshotsCurrentCount"] == 1'
wait_for "snapshot $snap Completed" 'd["Snapshots"][0]["Status"] == "Completed"' aws ds describe-snapshots --snapshot-ids "$snap"
aws ds restore-from-snapshot --snapshot-id "$snap"
wait_for "directory restored" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"

echo "Sharing with account B"
shared=$(aws ds share-directory --directory-id "$dir" --share-target Id=$B,Type=ACCOUNT --share-method HANDSHAKE --share-notes "for B" \
  | get 'd["SharedDirectoryId"]')
fails DirectoryAlreadySharedException aws ds share-directory --directory-id "$dir" --share-target Id=$B,Type=ACCOUNT --share-method HANDSHAKE
awsB ds describe-directories --directory-ids "$shared" | assert 'd["DirectoryDescriptions"][0]["ShareStatus"] == "PendingAcceptance"
  and d["DirectoryDescriptions"][0]["OwnerDirectoryDescription"]["DirectoryId"] == "'"$dir"'"'
awsB ds accept-shared-directory --shared-directory-id "$shared" | assert 'd["SharedDirectory"]["ShareStatus"] == "Shared"'
aws ds describe-shared-directories --owner-directory-id "$dir" | assert 'd["SharedDirectories"][0]["SharedAccountId"] == "'"$B"'"
  and d["SharedDirectories"][0]["ShareStatus"] == "Shared"'
fails ClientException aws ds delete-directory --directory-id "$dir"
aws ds unshare-directory --directory-id "$dir" --unshare-target Id=$B,Type=ACCOUNT >/dev/null
fails EntityDoesNotExistException awsB ds describe-directories --directory-ids "$shared"

echo "Users and groups (Directory Service Data), and a password"
if command aws ds-data help >/dev/null 2>&1; then
  aws ds-data create-user --directory-id "$dir" --sam-account-name jane.doe --given-name Jane >/dev/null
  aws ds-data create-group --directory-id "$dir" --sam-account-name engineers >/dev/null
  aws ds-data add-group-member --directory-id "$dir" --group-name engineers --member-name jane.doe
  aws ds-data list-group-members --directory-id "$dir" --sam-account-name engineers | assert '[m["SAMAccountName"] for m in d["Members"]] == ["jane.doe"]'
  fails InvalidPasswordException aws ds reset-user-password --directory-id "$dir" --user-name jane.doe --new-password short
  aws ds reset-user-password --directory-id "$dir" --user-name jane.doe --new-password 'N3w-Passw0rd!'
  aws ds-data describe-user --directory-id "$dir" --sam-account-name jane.doe | assert 'd["Enabled"] is True'
else
  echo "  this CLI has no ds-data commands; the Go tests cover Directory Service Data"
  aws ds reset-user-password --directory-id "$dir" --user-name Admin --new-password 'N3w-Passw0rd!'
fi
fails UserDoesNotExistException aws ds reset-user-password --directory-id "$dir" --user-name nobody --new-password 'N3w-Passw0rd!'

echo "Tags with pages"
aws ds add-tags-to-resource --resource-id "$dir" --tags Key=a,Value=1 Key=b,Value=2 Key=c,Value=3
aws ds list-tags-for-resource --resource-id "$dir" --limit 2 --no-paginate | assert 'len(d["Tags"]) == 2 and "NextToken" in d'
fails InvalidNextTokenException aws ds list-tags-for-resource --resource-id "$dir" --next-token bogus --no-paginate

echo "Take down"
aws ds delete-trust --trust-id "$trust" --delete-associated-conditional-forwarder >/dev/null
wait_for "trust $trust gone" 'd["Trusts"] == []' aws ds describe-trusts --directory-id "$dir"
aws ds delete-log-subscription --directory-id "$dir"
aws ds delete-snapshot --snapshot-id "$snap" >/dev/null
aws ds delete-directory --directory-id "$dir" >/dev/null
wait_for "directory $dir deleted" 'all(x["DirectoryId"] != "'"$dir"'" for x in d["DirectoryDescriptions"])' aws ds describe-directories
echo "ds-microsoft-ad scenario passed"

#!/usr/bin/env bash
# AWS CLI scenario: STS and IAM. The caller's identity; the IAM role
# workspaces_DefaultRole with the AWS managed policies WorkSpaces asks for,
# read back as Terraform reads it and deleted in the order it deletes; a role
# of account B (111111111111, testB/secretB) that trusts account A, assumed
# by A, whose temporary credentials then act in B's WorkSpaces; and what must
# not work (an altered session token, a role that does not trust A, the
# session of a deleted role). STS and IAM are reached through the CLI's
# per-service endpoint variables, WorkSpaces through --endpoint-url.
# Needs $ENDPOINT; the server runs with -timing fast.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER=""
export AWS_ENDPOINT_URL_STS="$ENDPOINT" AWS_ENDPOINT_URL_IAM="$ENDPOINT"
unset AWS_SESSION_TOKEN || true
ACCOUNT_A=000000000000 ACCOUNT_B=111111111111
# aws: STS and IAM by their endpoint variables, the rest by --endpoint-url.
aws() {
  case $1 in
  sts | iam) command aws --region "$REGION" --output json "$@" ;;
  *) command aws --endpoint-url "$ENDPOINT" --region "$REGION" --output json "$@" ;;
  esac
}
# awsB: the same, signed as account B.
awsB() { AWS_ACCESS_KEY_ID=testB AWS_SECRET_ACCESS_KEY=secretB aws "$@"; }
# awsWrong, awsNobody: a wrong secret, an unknown access key.
awsWrong() { AWS_SECRET_ACCESS_KEY=wrong aws "$@"; }
awsNobody() { AWS_ACCESS_KEY_ID=AKIDNOBODY aws "$@"; }
suffix=$(python3 -c 'import random,string; print("".join(random.choices(string.ascii_lowercase+string.digits, k=6)))')
workspaces_trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"workspaces.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
managed=(arn:aws:iam::aws:policy/AmazonWorkSpacesServiceAccess arn:aws:iam::aws:policy/AmazonWorkSpacesSelfServiceAccess)

echo "Who am I"
aws sts get-caller-identity | assert 'd == {"UserId": "'$ACCOUNT_A'", "Account": "'$ACCOUNT_A'", "Arn": "arn:aws:iam::'$ACCOUNT_A':root"}'
awsB sts get-caller-identity | assert 'd["Account"] == "'$ACCOUNT_B'"'
aws iam get-user | assert 'd["User"]["Arn"] == "arn:aws:iam::'$ACCOUNT_A':root"'
fails SignatureDoesNotMatch awsWrong sts get-caller-identity
fails InvalidClientTokenId awsNobody sts get-caller-identity

echo "workspaces_DefaultRole"
if aws iam get-role --role-name workspaces_DefaultRole >/dev/null 2>&1; then
  echo "  (left over from an earlier run: removing it)"
  for p in "${managed[@]}"; do aws iam detach-role-policy --role-name workspaces_DefaultRole --policy-arn "$p" 2>/dev/null || true; done
  aws iam delete-role --role-name workspaces_DefaultRole
fi
fails NoSuchEntity aws iam get-role --role-name workspaces_DefaultRole
aws iam create-role --role-name workspaces_DefaultRole --path / --max-session-duration 3600 \
  --assume-role-policy-document "$workspaces_trust" --tags Key=team,Value=ci >/dev/null
fails EntityAlreadyExists aws iam create-role --role-name workspaces_defaultrole --assume-role-policy-document "$workspaces_trust"
for p in "${managed[@]}"; do aws iam attach-role-policy --role-name workspaces_DefaultRole --policy-arn "$p"; done
fails NoSuchEntity aws iam attach-role-policy --role-name workspaces_DefaultRole --policy-arn arn:aws:iam::aws:policy/NoSuchPolicy
# The CLI decodes the URL-encoded trust policy, as Terraform does.
aws iam get-role --role-name workspaces_DefaultRole | assert '(lambda r: r["Arn"] == "arn:aws:iam::'$ACCOUNT_A':role/workspaces_DefaultRole"
  and r["RoleId"].startswith("AROA") and r["CreateDate"] and r["MaxSessionDuration"] == 3600 and r["Path"] == "/"
  and r["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "workspaces.amazonaws.com"}
  and r["Tags"] == [{"Key": "team", "Value": "ci"}] and "RoleLastUsed" in r)(d["Role"])'
aws iam list-attached-role-policies --role-name workspaces_DefaultRole \
  | assert 'sorted(p["PolicyName"] for p in d["AttachedPolicies"]) == ["AmazonWorkSpacesSelfServiceAccess", "AmazonWorkSpacesServiceAccess"]'
aws iam list-role-policies --role-name workspaces_DefaultRole | assert 'd["PolicyNames"] == []'
aws iam get-policy --policy-arn "${managed[0]}" | assert 'd["Policy"]["AttachmentCount"] == 1 and d["Policy"]["DefaultVersionId"] == "v2"'
aws iam list-roles --max-items 1 | assert 'len(d["Roles"]) == 1'

echo "A role of account B that trusts account A"
role="ci-cross-$suffix"
awsB iam create-role --role-name "$role" --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$ACCOUNT_A':root"},"Action":"sts:AssumeRole"}]}' >/dev/null
awsB iam put-role-policy --role-name "$role" --policy-name workspaces-admin \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"workspaces:*","Resource":"*"}]}'
fails AccessDenied awsB sts assume-role --role-arn "arn:aws:iam::$ACCOUNT_B:role/$role" --role-session-name self
fails AccessDenied aws sts assume-role --role-arn "arn:aws:iam::$ACCOUNT_B:role/no-such-role" --role-session-name ci
creds=$(aws sts assume-role --role-arn "arn:aws:iam::$ACCOUNT_B:role/$role" --role-session-name ci-run --duration-seconds 900)
echo "$creds" | assert 'd["AssumedRoleUser"]["Arn"] == "arn:aws:sts::'$ACCOUNT_B':assumed-role/'$role'/ci-run"
  and d["Credentials"]["AccessKeyId"].startswith("ASIA")'
key=$(echo "$creds" | get 'd["Credentials"]["AccessKeyId"]')
secret=$(echo "$creds" | get 'd["Credentials"]["SecretAccessKey"]')
token=$(echo "$creds" | get 'd["Credentials"]["SessionToken"]')
# awsR: the same, with the role's temporary credentials.
awsR() { AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token aws "$@"; }
# awsX: the role's credentials with an altered session token.
awsX() { AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN="${token}x" aws "$@"; }
awsR sts get-caller-identity | assert 'd["Account"] == "'$ACCOUNT_B'" and d["Arn"] == "arn:aws:sts::'$ACCOUNT_B':assumed-role/'$role'/ci-run"'
awsB iam get-role --role-name "$role" | assert 'd["Role"]["RoleLastUsed"]["Region"] == "'$REGION'"'

echo "The temporary credentials in WorkSpaces act as account B"
group=$(awsR workspaces create-ip-group --group-name "role-$suffix" | get 'd["GroupId"]')
awsB workspaces describe-ip-groups --group-ids "$group" | assert 'd["Result"][0]["groupName"] == "role-'$suffix'"'
aws workspaces describe-ip-groups --group-ids "$group" | assert 'd["Result"] == []'
awsR workspaces describe-workspace-bundles --owner AMAZON | assert 'len(d["Bundles"]) > 0'
fails UnrecognizedClientException awsX workspaces describe-ip-groups
fails InvalidClientTokenId awsX sts get-caller-identity
awsR workspaces delete-ip-group --group-id "$group" >/dev/null

echo "Teardown in Terraform's order; the role's session ends with it"
fails DeleteConflict awsB iam delete-role --role-name "$role"
awsB iam list-instance-profiles-for-role --role-name "$role" | assert 'd["InstanceProfiles"] == []'
awsB iam delete-role-policy --role-name "$role" --policy-name workspaces-admin
awsB iam delete-role --role-name "$role"
fails InvalidClientTokenId awsR sts get-caller-identity
fails UnrecognizedClientException awsR workspaces describe-ip-groups
fails DeleteConflict aws iam delete-role --role-name workspaces_DefaultRole
for p in "${managed[@]}"; do aws iam detach-role-policy --role-name workspaces_DefaultRole --policy-arn "$p"; done
aws iam delete-role --role-name workspaces_DefaultRole
fails NoSuchEntity aws iam get-role --role-name workspaces_DefaultRole
echo "sts-iam scenario passed"

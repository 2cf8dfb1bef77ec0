#!/usr/bin/env bash
# AWS CLI scenario: EC2 networking as Terraform builds and destroys it. A VPC
# (its DNS hostnames on), two subnets in two zones placed by zone id, an
# internet gateway, a route table with a default route through it associated
# with both subnets, a security group; read back with the filters the
# provider uses; a Simple AD directory on the subnets, registered with
# WorkSpaces, and a WorkSpace whose address lies in its subnet; then torn
# down in the order Terraform destroys — after first trying the wrong order,
# which must fail cleanly with DependencyViolation and leave everything as it
# was. Needs $ENDPOINT; the server runs with -timing fast.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cli.bash"
REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER=""
unset AWS_SESSION_TOKEN || true

echo "Zones (data \"aws_availability_zones\")"
aws ec2 describe-availability-zones --filters Name=state,Values=available Name=opt-in-status,Values=opt-in-not-required |
  assert 'len(d["AvailabilityZones"]) == 6 and d["AvailabilityZones"][1]["ZoneId"] == "use1-az2"'

echo "VPC"
vpc=$(aws ec2 create-vpc --cidr-block 10.20.0.0/16 --instance-tenancy default \
  --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=cli-ec2}]' | get 'd["Vpc"]["VpcId"]')
aws ec2 describe-vpcs --vpc-ids "$vpc" | assert 'd["Vpcs"][0]["State"] == "available" and d["Vpcs"][0]["Tags"] == [{"Key": "Name", "Value": "cli-ec2"}]'
aws ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value":true}'
aws ec2 describe-vpc-attribute --vpc-id "$vpc" --attribute enableDnsHostnames | assert 'd["EnableDnsHostnames"]["Value"] is True'
aws ec2 describe-vpc-attribute --vpc-id "$vpc" --attribute enableDnsSupport | assert 'd["EnableDnsSupport"]["Value"] is True'
aws ec2 describe-network-acls --filters Name=default,Values=true Name=vpc-id,Values="$vpc" | assert 'len(d["NetworkAcls"]) == 1'
aws ec2 describe-route-tables --filters Name=association.main,Values=true Name=vpc-id,Values="$vpc" |
  assert 'd["RouteTables"][0]["Routes"][0]["GatewayId"] == "local"'
aws ec2 describe-security-groups --filters Name=group-name,Values=default Name=vpc-id,Values="$vpc" |
  assert 'len(d["SecurityGroups"]) == 1 and d["SecurityGroups"][0]["IpPermissionsEgress"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"'

echo "Subnets in two zones"
subnet_a=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.1.0/24 --availability-zone-id use1-az2 | get 'd["Subnet"]["SubnetId"]')
subnet_b=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.2.0/24 --availability-zone-id use1-az4 | get 'd["Subnet"]["SubnetId"]')
aws ec2 describe-subnets --filters Name=vpc-id,Values="$vpc" Name=state,Values=available |
  assert 'sorted(s["AvailabilityZone"] for s in d["Subnets"]) == ["us-east-1b", "us-east-1d"]'
fails InvalidSubnet.Conflict aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.1.0/25 --availability-zone us-east-1a
fails InvalidSubnet.Range aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.21.1.0/24 --availability-zone us-east-1a
fails InvalidVpcID.NotFound aws ec2 create-subnet --vpc-id vpc-0123456789abcdef0 --cidr-block 10.20.9.0/24

echo "Internet gateway and route table"
igw=$(aws ec2 create-internet-gateway | get 'd["InternetGateway"]["InternetGatewayId"]')
aws ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
aws ec2 describe-internet-gateways --internet-gateway-ids "$igw" | assert 'd["InternetGateways"][0]["Attachments"][0]["State"] == "available"'
rtb=$(aws ec2 create-route-table --vpc-id "$vpc" | get 'd["RouteTable"]["RouteTableId"]')
aws ec2 create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" | assert 'd["Return"] is True'
assoc_a=$(aws ec2 associate-route-table --route-table-id "$rtb" --subnet-id "$subnet_a" | get 'd["AssociationId"]')
assoc_b=$(aws ec2 associate-route-table --route-table-id "$rtb" --subnet-id "$subnet_b" | get 'd["AssociationId"]')
aws ec2 describe-route-tables --filters Name=association.route-table-association-id,Values="$assoc_a" |
  assert 'd["RouteTables"][0]["Associations"][0]["AssociationState"]["State"] == "associated" and d["RouteTables"][0]["Routes"][1]["State"] == "active"'

echo "Security group"
sg=$(aws ec2 create-security-group --group-name cli-ec2 --description "Managed by Terraform" --vpc-id "$vpc" | get 'd["GroupId"]')
aws ec2 revoke-security-group-egress --group-id "$sg" --ip-permissions 'IpProtocol=-1,FromPort=0,ToPort=0,IpRanges=[{CidrIp=0.0.0.0/0}]' >/dev/null
fails InvalidPermission.NotFound aws ec2 revoke-security-group-egress --group-id "$sg" --ip-permissions 'IpProtocol=-1,FromPort=0,ToPort=0,Ipv6Ranges=[{CidrIpv6=::/0}]'
aws ec2 authorize-security-group-ingress --group-id "$sg" --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/8}]' >/dev/null
fails InvalidPermission.Duplicate aws ec2 authorize-security-group-ingress --group-id "$sg" --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/8}]'
aws ec2 describe-security-groups --group-ids "$sg" | assert 'd["SecurityGroups"][0]["IpPermissions"][0]["FromPort"] == 443 and d["SecurityGroups"][0]["IpPermissionsEgress"] == []'
aws ec2 describe-tags --filters Name=resource-id,Values="$vpc" | assert 'd["Tags"][0]["ResourceType"] == "vpc"'

echo "A directory on the subnets, and a WorkSpace in one of them"
fails InvalidParameterException aws ds create-directory --name "bad-$RANDOM.example.com" --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId="$vpc",SubnetIds="$subnet_a",subnet-0123456789abcdef0
dir=$(aws ds create-directory --name "ec2-$RANDOM.example.com" --password 'Secr3t-Passw0rd!' --size Small \
  --vpc-settings VpcId="$vpc",SubnetIds="$subnet_a","$subnet_b" --tags Key=deskplane:any-user,Value=true | get 'd["DirectoryId"]')
wait_for "directory $dir Active" 'd["DirectoryDescriptions"][0]["Stage"] == "Active"' aws ds describe-directories --directory-ids "$dir"
aws ds describe-directories --directory-ids "$dir" |
  assert 'd["DirectoryDescriptions"][0]["VpcSettings"]["AvailabilityZones"] == ["us-east-1b", "us-east-1d"] and all(a.startswith("10.20.") for a in d["DirectoryDescriptions"][0]["DnsIpAddrs"])'
workdocs=()
if command aws workspaces register-workspace-directory help 2>/dev/null | grep -q -- 'enable-work-docs'; then
  workdocs=(--no-enable-work-docs)
fi
aws workspaces register-workspace-directory --directory-id "$dir" "${workdocs[@]}" >/dev/null
wait_for "directory $dir REGISTERED" 'd["Directories"][0]["State"] == "REGISTERED"' aws workspaces describe-workspace-directories --directory-ids "$dir"
bundle=$(aws workspaces describe-workspace-bundles --owner AMAZON | get 'd["Bundles"][0]["BundleId"]')
ws=$(aws workspaces create-workspaces --workspaces "DirectoryId=$dir,UserName=Ada,BundleId=$bundle" | get 'd["PendingRequests"][0]["WorkspaceId"]')
wait_for "WorkSpace $ws AVAILABLE" 'd["Workspaces"][0]["State"] == "AVAILABLE"' aws workspaces describe-workspaces --workspace-ids "$ws"
ws_subnet=$(aws workspaces describe-workspaces --workspace-ids "$ws" | get 'd["Workspaces"][0]["SubnetId"]')
ws_ip=$(aws workspaces describe-workspaces --workspace-ids "$ws" | get 'd["Workspaces"][0]["IpAddress"]')
aws ec2 describe-subnets --subnet-ids "$ws_subnet" |
  assert '__import__("ipaddress").ip_address("'"$ws_ip"'") in __import__("ipaddress").ip_network(d["Subnets"][0]["CidrBlock"])'
echo "  WorkSpace $ws has $ws_ip in $ws_subnet"

echo "Tear down in the wrong order: refused, nothing changed"
fails DependencyViolation aws ec2 delete-subnet --subnet-id "$ws_subnet"
fails DependencyViolation aws ec2 delete-vpc --vpc-id "$vpc"
fails DependencyViolation aws ec2 delete-internet-gateway --internet-gateway-id "$igw"
fails DependencyViolation aws ec2 delete-route-table --route-table-id "$rtb"
aws ec2 describe-subnets --subnet-ids "$subnet_a" "$subnet_b" | assert 'len(d["Subnets"]) == 2'

echo "Tear down in Terraform's order"
aws workspaces terminate-workspaces --terminate-workspace-requests "[{\"WorkspaceId\": \"$ws\"}]" | assert 'd["FailedRequests"] == []'
wait_for "WorkSpace $ws gone" 'd["Workspaces"] == []' aws workspaces describe-workspaces --workspace-ids "$ws"
aws workspaces deregister-workspace-directory --directory-id "$dir" >/dev/null
wait_for "directory $dir deregistered" 'd["Directories"] == []' aws workspaces describe-workspace-directories --directory-ids "$dir"
aws ds delete-directory --directory-id "$dir" >/dev/null
for _ in $(seq 1 120); do
  aws ds describe-directories --directory-ids "$dir" >/dev/null 2>&1 || break
  sleep 0.5
done
echo "  directory $dir deleted"
for a in "$assoc_a" "$assoc_b"; do aws ec2 disassociate-route-table --association-id "$a"; done
fails InvalidAssociationID.NotFound aws ec2 disassociate-route-table --association-id "$assoc_a"
aws ec2 delete-route-table --route-table-id "$rtb"
fails InvalidRouteTableID.NotFound aws ec2 describe-route-tables --route-table-ids "$rtb"
aws ec2 describe-network-interfaces --filters Name=group-id,Values="$sg" | assert 'd["NetworkInterfaces"] == []'
aws ec2 delete-security-group --group-id "$sg" >/dev/null
fails InvalidGroup.NotFound aws ec2 describe-security-groups --group-ids "$sg"
for s in "$subnet_a" "$subnet_b"; do
  aws ec2 describe-network-interfaces --filters Name=subnet-id,Values="$s" | assert 'd["NetworkInterfaces"] == []'
  aws ec2 delete-subnet --subnet-id "$s"
done
fails InvalidSubnetID.NotFound aws ec2 describe-subnets --subnet-ids "$subnet_a"
aws ec2 detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
aws ec2 delete-internet-gateway --internet-gateway-id "$igw"
fails InvalidInternetGatewayID.NotFound aws ec2 describe-internet-gateways --internet-gateway-ids "$igw"
aws ec2 delete-vpc --vpc-id "$vpc"
fails InvalidVpcID.NotFound aws ec2 describe-vpcs --vpc-ids "$vpc"
aws ec2 describe-vpcs --filters Name=tag:Name,Values=cli-ec2 | assert '"'"$vpc"'" not in [v["VpcId"] for v in d["Vpcs"]]'
echo "ec2-vpc: all good"

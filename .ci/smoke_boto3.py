"""boto3 smoke test: a describe call, a validation error, and every operation
of both services answered well-formed. Needs $ENDPOINT."""
import os
import sys

import boto3
import botocore.config
from botocore.exceptions import ClientError

endpoint = os.environ["ENDPOINT"]
# A region no other CI scenario uses, so it starts empty.
kw = dict(endpoint_url=endpoint, region_name="ca-central-1",
          aws_access_key_id="test", aws_secret_access_key="test",
          config=botocore.config.Config(retries={"max_attempts": 1}))
ws = boto3.client("workspaces", **kw)

bundles = ws.describe_workspace_bundles(Owner="AMAZON")["Bundles"]
assert bundles and all(b["BundleId"].startswith("wsb-") for b in bundles), bundles
assert ws.describe_workspaces()["Workspaces"] == []

try:
    ws.describe_workspaces(Limit=30, WorkspaceIds=["not-a-workspace"])
    raise SystemExit("expected a ValidationException")
except ClientError as e:
    err = e.response["Error"]
    assert err["Code"] == "ValidationException", err
    assert err["Message"].startswith("2 validation errors detected: "), err
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.response["ResponseMetadata"]["RequestId"], e.response

# Every operation, with an empty input and client-side validation off: a
# result, a validation error or the not-implemented error; never a 500.
loose = dict(kw)
loose["config"] = botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False)
bad = []
count = 0
for service in ("workspaces", "ds"):
    client = boto3.client(service, **loose)
    python_name = {api: py for py, api in client.meta.method_to_api_mapping.items()}
    for op in client.meta.service_model.operation_names:
        count += 1
        method = getattr(client, python_name[op])
        try:
            method()
        except ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            code = e.response["Error"].get("Code", "")
            if status not in (400, 501) or not code or (status == 501 and code != "NotImplementedException"):
                bad.append(f"{service}.{op}: {status} {code}")
        except Exception as e:  # noqa: BLE001 - any other failure is a defect
            bad.append(f"{service}.{op}: {type(e).__name__}: {e}")
print(f"boto3 {boto3.__version__}: {count} operations called")
if bad:
    print("\n".join(bad))
    sys.exit(1)
ws_ops = len(boto3.client("workspaces", **kw).meta.service_model.operation_names)
print(f"workspaces operations known to this boto3: {ws_ops}")
print("ok")

"""CloudFormation's custom resource protocol: the answer to one request is a PUT of a JSON document to the request's
ResponseURL, a presigned S3 URL (AWS docs, "Custom resources" / "Custom resource response objects"). Until it comes,
the stack waits (at most the resource's ServiceTimeout). Standard library only: the function ships without the layer.
"""
from __future__ import annotations

import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"
MAX_REASON = 1000  # CloudFormation shows the reason in the stack's events; the whole answer must stay under 4 KB


def answer(event: dict, status: str, reason: str, physical_id: str, data: dict | None = None,
           timeout: float = 10) -> dict:
    """PUT the answer to event["ResponseURL"] and return the document sent. Raises if the PUT fails (nothing else
    could tell CloudFormation; the log says why, and ServiceTimeout ends the wait)."""
    document = {
        "Status": status,
        "Reason": reason[:MAX_REASON],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": data or {},
    }
    body = json.dumps(document).encode()
    # An empty Content-Type: the URL is presigned without one (urllib would otherwise add a form type of its own).
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (CloudFormation's https URL)
        response.read()
    return document

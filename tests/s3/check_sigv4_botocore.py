#!/usr/bin/env python3
"""The S3 client's requests signed again by botocore, live.

For each request below, s3_sign_tool prints the URL and headers heapscope's
S3 client would send (its own URL building, header assembly and SigV4
signing). This script checks the URL against the one botocore's rules give
(path encoded once with '/' and '~' kept, every query key with '='), signs
the same request with botocore's S3SigV4Auth at the same fixed date, and
compares the Authorization headers. src/store/s3_signature_test.cc holds
fixed botocore vectors; this computes new ones from the requests as sent.

Usage: check_sigv4_botocore.py PATH/TO/s3_sign_tool
Exit 0 when all match, 1 on a mismatch, 77 (skipped) without botocore.
"""

import datetime
import json
import subprocess
import sys
from unittest import mock
from urllib.parse import quote

try:
    import botocore
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed (Debian: python3-botocore); skipped")
    sys.exit(77)

AMZ_DATE = "20240101T000000Z"
FIXED_NOW = datetime.datetime(2024, 1, 1, 0, 0, 0)
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
KMS = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
AWS = "s3://dumps-bucket/prod?region=eu-west-1"
MINIO = "s3://dumps/team?endpoint=http://127.0.0.1:9000&region=us-east-1"

# name, store URL, extra environment, and the request.
CASES = [
    ("ListObjectsV2, GET with a query", AWS, {},
     {"method": "GET", "key": "", "query": [["list-type", "2"], ["prefix", "prod/dumps/a b+c"], ["max-keys", "7"],
                                            ["continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm3=="]]}),
    ("ranged GET", AWS, {},
     {"method": "GET", "key": "prod/dumps/1/dump.hprof.gz", "headers": [["Range", "bytes=8388608-16777215"],
                                                                    ["If-Match", "\"9b2cf535f27731c974343645a3985328\""]]}),
    ("PutObject with x-amz-meta and SSE-KMS", AWS + "&sse=aws:kms&kms_key_id=" + quote(KMS, safe=""), {},
     {"method": "PUT", "key": "prod/dumps/1/metadata.json", "metadata": [["pod-name", "api-7d9f"], ["namespace", "prod"]],
      "headers": [["Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="]], "body": "{\"id\": 1}\n"}),
    ("CreateMultipartUpload, POST ?uploads=", AWS + "&sse=aws:kms", {},
     {"method": "POST", "key": "prod/dumps/1/dump.hprof.gz", "query": [["uploads", ""]], "metadata": []}),
    ("UploadPart, PUT ?partNumber&uploadId", AWS, {},
     {"method": "PUT", "key": "prod/dumps/1/dump.hprof.gz",
      "query": [["partNumber", "3"], ["uploadId", "VXBsb2FkSWQ-example/+="]], "body": "part bytes " * 100}),
    ("CompleteMultipartUpload", AWS, {},
     {"method": "POST", "key": "prod/dumps/1/dump.hprof.gz", "query": [["uploadId", "VXBsb2FkSWQ-example"]],
      "headers": [["Content-Type", "application/xml"]],
      "body": "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part>"
              "</CompleteMultipartUpload>"}),
    ("a key needing encoding, path style, session token", MINIO, {"AWS_SESSION_TOKEN": "FwoGZXIvYXdzE//token=="},
     {"method": "PUT", "key": "team/dumps/a b$c/x+y.hprof", "body": "x"}),
    ("ListMultipartUploads, GET ?uploads=&prefix=", MINIO, {},
     {"method": "GET", "key": "", "query": [["uploads", ""], ["prefix", "team/dumps/a b$c/x+y.hprof"]]}),
    ("AbortMultipartUpload, DELETE ?uploadId", MINIO, {},
     {"method": "DELETE", "key": "team/dumps/a b$c/x+y.hprof", "query": [["uploadId", "2~x y"]]}),
    ("HEAD of the bucket, virtual host", "s3://dumps-bucket?region=eu-west-1", {},
     {"method": "HEAD", "key": ""}),
]


def expected_url(config_url, request):
    """The URL by botocore's rules, from the store URL and the request."""
    bucket = config_url[len("s3://"):].split("/")[0].split("?")[0]
    path = "/" + quote(request.get("key", ""), safe="/~")
    if "endpoint=" in config_url:
        endpoint = config_url.split("endpoint=")[1].split("&")[0]
        base, path = endpoint, "/" + bucket + (path if request.get("key") else "")
    else:
        region = config_url.split("region=")[1].split("&")[0]
        base = f"https://{bucket}.s3.{region}.amazonaws.com"
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in request.get("query", []))
    return base + path + ("?" + query if query else "")


def botocore_authorization(url, region, method, headers, body, env):
    credentials = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN"))
    request = AWSRequest(method=method, url=url, data=body.encode(),
                         headers={k: v for k, v in headers.items() if k != "Authorization"})
    with mock.patch("botocore.auth.datetime") as fake:
        fake.datetime.utcnow.return_value = FIXED_NOW
        S3SigV4Auth(credentials, "s3", region).add_auth(request)
    return request.headers["Authorization"]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    failures = 0
    for name, config_url, extra_env, request in CASES:
        env = dict(KEYS, **extra_env)
        message = dict(request, url=config_url, env=env, amz_date=AMZ_DATE)
        run = subprocess.run([tool], input=json.dumps(message), capture_output=True, text=True, check=False)
        if run.returncode != 0:
            print(f"FAIL {name}: s3_sign_tool exit {run.returncode}: {run.stderr.strip()}")
            failures += 1
            continue
        ours = json.loads(run.stdout)
        headers = dict(ours["headers"])
        want_url = expected_url(config_url, request)
        if ours["url"] != want_url:
            print(f"FAIL {name}: url\n  ours:     {ours['url']}\n  expected: {want_url}")
            failures += 1
            continue
        region = config_url.split("region=")[1].split("&")[0]
        theirs = botocore_authorization(ours["url"], region, request["method"], headers, request.get("body", ""), env)
        if theirs != headers["Authorization"]:
            print(f"FAIL {name}: signature\n  ours:     {headers['Authorization']}\n  botocore: {theirs}")
            failures += 1
            continue
        print(f"ok   {name}")
    print(f"botocore {botocore.__version__}: {len(CASES) - failures} of {len(CASES)} requests signed alike")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

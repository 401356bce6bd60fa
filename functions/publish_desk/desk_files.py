"""The desk's files in the desk bucket: every file of site/ (next to this module, shipped with the function) and the
config.json the page reads (the stack's API, region and app client), with the Content-Type and Cache-Control each
needs; and the bucket emptied again, so that CloudFormation can delete it. Only botocore, as the Python runtime has
it: the function ships without the layer."""
from __future__ import annotations

import functools
import json
import pathlib
from collections.abc import Callable

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

SITE = pathlib.Path(__file__).resolve().parent / "site"
CONFIG_KEY = "config.json"
# By extension: the types a page without a build step is made of. A file of any other type stops the deploy (with its
# name) rather than going out as application/octet-stream, which a browser refuses under nosniff.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
# The page's files keep their names from one deploy to the next (no build step, no hashed names), so browsers and
# CloudFront revalidate each one (a 304 on its ETag) rather than keep a copy a deploy would leave stale.
SITE_CACHE_CONTROL = "no-cache"
# The stack's values: never kept anywhere (CloudFront does not cache it either: its own cache behavior).
CONFIG_CACHE_CONTROL = "no-store"
MIN_TIME_LEFT_MS = 5000  # stop with a reason while there is still time to give it to CloudFormation


class UnknownFileTypeError(Exception):
    """A file of site/ whose Content-Type is not known."""


class OutOfTimeError(Exception):
    """The function's time is almost up: the answer to CloudFormation goes first."""


@functools.cache
def s3_client():
    """Made at the first call, not at the import (a cold start pays for it only when it publishes)."""
    config = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    return botocore.session.get_session().create_client("s3", config=config)


def site_files(site: pathlib.Path | None = None) -> dict[str, pathlib.Path]:
    """Key -> file, for every file under site/ but hidden ones and a config.json (the stack's own replaces it)."""
    site = site or SITE
    files = {}
    for path in sorted(site.rglob("*")):
        key = path.relative_to(site).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(site).parts):
            continue
        if key == CONFIG_KEY:
            continue
        if path.suffix.lower() not in CONTENT_TYPES:
            raise UnknownFileTypeError(f"site/{key}: no Content-Type known for {path.suffix or 'no extension'!r}; "
                                       "add it to CONTENT_TYPES in functions/publish_desk/desk_files.py")
        files[key] = path
    if "index.html" not in files:
        raise FileNotFoundError(f"{site} has no index.html, the distribution's DefaultRootObject")
    return files


def publish(bucket: str, config: dict, site: pathlib.Path | None = None,
            time_left_ms: Callable[[], int] = lambda: 60_000) -> list[str]:
    """Put every site file and config.json in the bucket, then delete what an earlier deploy left there and this one
    does not have. Returns the keys published."""
    s3 = s3_client()
    files = site_files(site)
    for key, path in files.items():
        if time_left_ms() < MIN_TIME_LEFT_MS:
            raise OutOfTimeError(f"{len(files) - list(files).index(key)} of {len(files)} files not published in time")
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(),
                      ContentType=CONTENT_TYPES[path.suffix.lower()], CacheControl=SITE_CACHE_CONTROL)
    s3.put_object(Bucket=bucket, Key=CONFIG_KEY, Body=json.dumps(config, indent=1).encode(),
                  ContentType=CONTENT_TYPES[".json"], CacheControl=CONFIG_CACHE_CONTROL)
    published = {*files, CONFIG_KEY}
    for key in keys(bucket):
        if key not in published:
            s3.delete_object(Bucket=bucket, Key=key)
    return sorted(published)


def empty(bucket: str) -> int:
    """Delete every object of the bucket (it holds the desk only, unversioned). A bucket already gone is empty."""
    s3 = s3_client()
    try:
        found = keys(bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return 0
        raise
    for key in found:  # one DeleteObject each: a handful of files, and the role's grant is s3:DeleteObject
        s3.delete_object(Bucket=bucket, Key=key)
    return len(found)


def keys(bucket: str) -> list[str]:
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]

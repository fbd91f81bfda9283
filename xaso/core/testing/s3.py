"""A real S3 server for tests and the restore drill.

MinIO's server is packaged neither on PyPI nor in Debian here, so the tests start moto's
``ThreadedMotoServer`` (PyPI, a dev dependency): it speaks the S3 HTTP wire protocol on a
loopback port — SigV4 requests, multipart uploads, ListObjects pages, ACLs, presigned
URLs — so django-storages and boto3 talk to it exactly as they would to MinIO or a
provincial cloud. The app is pointed at it with the same ``XASO_S3_*`` variables
production uses (``xaso.settings.object_storage``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "xaso-test-access"
SECRET_KEY = "xaso-test-secret-key-0123456789"
REGION = "us-east-1"


@dataclass
class S3Server:
    """One running server; ``bucket`` is created by ``s3_server``."""

    endpoint: str
    bucket: str
    _server: ThreadedMotoServer = field(repr=False)
    running: bool = True

    def client(self) -> Any:
        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name=REGION,
        )  # fmt: skip

    def create_bucket(self, name: str | None = None) -> str:
        name = name or f"xaso-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str | None = None) -> dict[str, str]:
        """The ``XASO_S3_*`` variables that point the app at ``bucket`` on this server."""
        return {
            "XASO_S3_BUCKET": bucket or self.bucket,
            "XASO_S3_ENDPOINT_URL": self.endpoint,
            "XASO_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "XASO_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "XASO_S3_REGION": REGION,
            "XASO_S3_ADDRESSING_STYLE": "path",
        }

    def objects(self, bucket: str | None = None) -> dict[str, bytes]:
        """Every object in the bucket, by key (a test helper: reads everything)."""
        client, bucket = self.client(), bucket or self.bucket
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", ()):
                body = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"]
                found[entry["Key"]] = body.read()
        return found

    def stop(self) -> None:
        if self.running:
            self._server.stop()
            self.running = False


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Starts an S3 server on a free loopback port with one empty bucket."""
    # werkzeug would print one line per request to stderr.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    running = S3Server(endpoint=f"http://{host}:{port}", bucket="", _server=server)
    try:
        running.bucket = running.create_bucket()
        yield running
    finally:
        running.stop()

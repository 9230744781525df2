"""Evidence content in S3-compatible object storage (MinIO, Ceph RGW, a cloud's), each file
under `<prefix>/ab/abcdef…` (its SHA-256): every API host and worker reads what any of them
stored. boto3's calls block, so the store's callers run them in threads. A checked upload goes
up from its local temporary file, in parts above 8 MB, read from disk as they are sent; a read
is the object's body, a chunk at a time."""

from __future__ import annotations

from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from backend.evidence.location import S3Location
from backend.evidence.store import Content, EvidenceStore

_ABSENT = {"404", "NoSuchKey", "NotFound"}
_PART_BYTES = 8 * 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=_PART_BYTES, multipart_chunksize=_PART_BYTES, max_concurrency=2)


class S3Store(EvidenceStore):
    def __init__(self, location: S3Location, staging: Path) -> None:
        super().__init__(staging)
        self.bucket = location.bucket
        self.prefix = f"{location.prefix}/" if location.prefix else ""
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=location.endpoint,
            region_name=location.region,
            config=Config(
                # MinIO and Ceph RGW take path-style requests whatever their DNS; AWS picks for itself.
                s3={"addressing_style": "path" if location.endpoint else "auto"},
                # Checksums only where S3 requires them: compatible stores lag behind AWS's newer defaults.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"mode": "standard"},
            ),
        )

    def key_of(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def open(self, sha256: str) -> Content:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as error:
            if error.response["Error"]["Code"] in _ABSENT:
                raise FileNotFoundError(self.key_of(sha256)) from None
            raise
        return Content(answer["Body"], answer["ContentLength"])

    def keep(self, checked: Path, sha256: str) -> None:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
            return  # the same content is stored already
        except ClientError as error:
            if error.response["Error"]["Code"] not in _ABSENT:
                raise
        self.client.upload_file(str(checked), self.bucket, self.key_of(sha256), Config=TRANSFER)

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))

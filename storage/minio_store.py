"""Objects in an S3 bucket (MinIO, OpenStack Swift's s3api, AWS), through the minio SDK.

The SHA-256 of an upload is known only at its end, so put() first streams to a temporary key
`tmp/<uuid>` (multipart in parts of PART_SIZE: memory stays at about one part), then copies it
server-side to its content key and deletes the temporary key. keys() lists only `sha256/`;
derived objects (recomputable caches) live under `derived/` and derived_keys() lists them.
"""
from __future__ import annotations

import io
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import ListMultipartUploadsResult, Part
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from storage.base import (
    HashingReader,
    ObjectNotFound,
    ObjectRef,
    ObjectStat,
    ObjectStore,
    StorageError,
    TemporaryUpload,
    attachment_disposition,
    check_any_key,
    check_derived,
    check_key,
    check_range,
    is_derived_key,
    sha256_of_key,
)

PART_SIZE = 10 * 1024 * 1024
# S3 copies one object of at most 5 GiB at once; beyond, the copy goes part by part.
SINGLE_COPY_LIMIT = 5 * 1024**3
COPY_PART_SIZE = 512 * 1024**2
NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}
BAD_CREDENTIALS_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidSecurity", "InvalidToken"}
BUCKET_TAKEN_CODES = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


class MinioStore(ObjectStore):
    """An S3 bucket, created on first use when missing."""

    name = "minio"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str | None = "us-east-1",
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
    ):
        # An endpoint written as a URL carries its own scheme.
        if "://" in endpoint:
            parts = urlsplit(endpoint)
            secure = parts.scheme == "https"
            endpoint = parts.netloc
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        self.region = region or "us-east-1"
        self.access_key = access_key
        self.part_size = PART_SIZE
        self.single_copy_limit = SINGLE_COPY_LIMIT
        self.copy_part_size = COPY_PART_SIZE
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()
        # Short connect timeout and few retries: a server that is down must fail fast, not hang.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(
                total=2, connect=1, read=1, backoff_factor=0.2, status_forcelist=[502, 503, 504]
            ),
        )
        try:
            # The secret key goes to the SDK only; it is never kept on this object.
            self._client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=self.region,
                http_client=http,
            )
        except ValueError as error:
            raise StorageError(self.name, "init", f"configuration invalide : {error}") from None

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return (
            f"MinioStore(endpoint={scheme}://{self.endpoint}, bucket={self.bucket!r}, "
            f"access_key={self.access_key!r})"
        )

    # -- errors ----------------------------------------------------------------------------

    def _translate(self, error: BaseException, action: str, key: str | None = None) -> StorageError:
        """One StorageError, in French, for any failure of the SDK or of the network."""
        if isinstance(error, StorageError):
            return error
        if isinstance(error, S3Error):
            code = error.code or ""
            if code in NOT_FOUND_CODES and key is not None:
                return ObjectNotFound(self.name, action, key)
            if code in BAD_CREDENTIALS_CODES:
                reason = "accès refusé : identifiants incorrects"
            elif code == "AccessDenied":
                reason = "accès refusé : identifiants incorrects ou droits insuffisants"
            elif code == "NoSuchBucket":
                reason = f"bucket {self.bucket!r} introuvable"
            elif code == "RequestTimeTooSkewed":
                reason = "horloges du serveur et de l'application trop décalées"
            elif code in ("EntityTooLarge", "QuotaExceeded"):
                reason = f"refusé par le serveur : {code}"
            else:
                reason = f"erreur du serveur S3 ({code or 'sans code'} : {error.message or 'sans message'})"
            return StorageError(self.name, action, reason, key=key)
        if isinstance(error, (InvalidResponseError, ServerError)):
            status = getattr(error, "_code", None) or getattr(error, "status_code", None) or "?"
            return StorageError(
                self.name, action, f"réponse inattendue du serveur {self.endpoint} (HTTP {status})", key=key
            )
        if isinstance(error, MaxRetryError):
            error = error.reason or error
        if isinstance(error, (NewConnectionError, ConnectionRefusedError)):
            return StorageError(self.name, action, f"serveur injoignable ({self.endpoint})", key=key)
        if isinstance(error, ConnectTimeoutError):
            return StorageError(self.name, action, f"serveur injoignable, délai dépassé ({self.endpoint})", key=key)
        if isinstance(error, (ReadTimeoutError, TimeoutError)):
            return StorageError(self.name, action, f"délai de réponse dépassé ({self.endpoint})", key=key)
        if isinstance(error, (ProtocolError, ConnectionError)):
            return StorageError(self.name, action, f"connexion interrompue ({self.endpoint})", key=key)
        if isinstance(error, (HTTPError, OSError, MinioException)):
            return StorageError(
                self.name, action, f"erreur réseau ({self.endpoint}) : {type(error).__name__}", key=key
            )
        if isinstance(error, ValueError):
            return StorageError(self.name, action, f"requête invalide : {error}", key=key)
        raise error

    def _ensure_bucket(self, action: str) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                if not self._client.bucket_exists(self.bucket):
                    try:
                        self._client.make_bucket(self.bucket)
                    except S3Error as error:
                        if error.code not in BUCKET_TAKEN_CODES:
                            raise
            except Exception as error:
                raise self._translate(error, action) from None
            self._bucket_ready = True

    # -- the interface ---------------------------------------------------------------------

    def put(
        self,
        stream: BinaryIO,
        length: int | None = None,
        *,
        max_size: int | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ObjectRef:
        reader = HashingReader(stream, self.name, length=length, max_size=max_size, on_progress=on_progress)
        self._ensure_bucket("put")
        tmp_key = f"tmp/{uuid.uuid4().hex}"
        try:
            # length=-1: the SDK reads part by part and goes multipart past one part; one part at
            # a time (no parallel uploads) keeps memory at about part_size.
            self._client.put_object(
                self.bucket, tmp_key, reader, length=-1, part_size=self.part_size, num_parallel_uploads=1
            )
            ref = reader.finish()
            if not self._object_exists(ref.key):
                self._copy(tmp_key, ref.key, ref.size)
            return ref
        except BaseException as error:
            if error is reader.source_error:
                raise
            raise self._translate(error, "put") from None
        finally:
            self._remove_quietly(tmp_key)

    def _object_exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self.bucket, key)
        except S3Error as error:
            if error.code in NOT_FOUND_CODES:
                return False
            raise
        return True

    def _copy(self, source: str, target: str, size: int) -> None:
        if size <= self.single_copy_limit:
            self._client.copy_object(self.bucket, target, CopySource(self.bucket, source))
        else:
            self._copy_in_parts(source, target, size)

    def _copy_in_parts(self, source: str, target: str, size: int) -> None:
        # The SDK's compose_object sends x-amz-copy-source-if-match with the source's ETag, which
        # Swift's s3api rejects (PreconditionFailed) for a multipart-uploaded source; the upload-part-copy
        # calls themselves work, so they are made here without that condition.
        client = self._client
        upload_id = client._create_multipart_upload(self.bucket, target, {})
        try:
            parts = []
            for number, offset in enumerate(range(0, size, self.copy_part_size), start=1):
                end = min(offset + self.copy_part_size, size) - 1
                headers = {
                    "x-amz-copy-source": f"/{self.bucket}/{source}",
                    "x-amz-copy-source-range": f"bytes={offset}-{end}",
                }
                etag, _ = client._upload_part_copy(self.bucket, target, upload_id, number, headers)
                parts.append(Part(number, etag))
            client._complete_multipart_upload(self.bucket, target, upload_id, parts)
        except BaseException:
            try:
                client._abort_multipart_upload(self.bucket, target, upload_id)
            except Exception:
                pass  # the first failure is the one worth reporting
            raise

    def _remove_quietly(self, key: str) -> None:
        try:
            self._client.remove_object(self.bucket, key)
        except Exception:
            pass  # best effort; a leftover tmp/ key is never listed and can be swept later

    def open(self, key: str) -> BinaryIO:
        check_any_key(self.name, "open", key)
        self._ensure_bucket("open")
        try:
            response = self._client.get_object(self.bucket, key)
        except Exception as error:
            raise self._translate(error, "open", key) from None
        return _ObjectReader(response, self, key)

    def open_range(self, key: str, offset: int, length: int) -> BinaryIO:
        check_any_key(self.name, "range", key)
        check_range(self.name, key, offset, length)
        if length == 0:
            self.stat(key)  # ObjectNotFound as for any other read
            return io.BytesIO(b"")
        self._ensure_bucket("range")
        try:
            response = self._client.get_object(self.bucket, key, offset=offset, length=length)
        except S3Error as error:
            if error.code == "InvalidRange":  # at or past the end: nothing to read
                return io.BytesIO(b"")
            raise self._translate(error, "range", key) from None
        except Exception as error:
            raise self._translate(error, "range", key) from None
        return _ObjectReader(response, self, key)

    def put_derived(self, key: str, data: bytes) -> None:
        check_derived(self.name, key, data)
        self._ensure_bucket("put")
        try:
            self._client.put_object(self.bucket, key, io.BytesIO(data), length=len(data))
        except Exception as error:
            raise self._translate(error, "put", key) from None

    def derived_keys(self) -> Iterator[str]:
        self._ensure_bucket("keys")
        try:
            for item in self._client.list_objects(self.bucket, prefix="derived/", recursive=True):
                if is_derived_key(item.object_name):
                    yield item.object_name
        except Exception as error:
            raise self._translate(error, "keys") from None

    def url(self, key: str, filename: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        check_key(self.name, "url", key)
        try:
            return self._client.presigned_get_object(
                self.bucket,
                key,
                expires=expires,
                response_headers={
                    "response-content-disposition": attachment_disposition(filename),
                    "response-content-type": "application/octet-stream",
                },
            )
        except Exception as error:
            raise self._translate(error, "url", key) from None

    def delete(self, key: str) -> None:
        check_any_key(self.name, "delete", key)
        self._ensure_bucket("delete")
        try:
            self._client.remove_object(self.bucket, key)
        except S3Error as error:
            if error.code not in NOT_FOUND_CODES:
                raise self._translate(error, "delete", key) from None
        except Exception as error:
            raise self._translate(error, "delete", key) from None

    def exists(self, key: str) -> bool:
        check_any_key(self.name, "exists", key)
        self._ensure_bucket("exists")
        try:
            return self._object_exists(key)
        except Exception as error:
            raise self._translate(error, "exists", key) from None

    def stat(self, key: str) -> ObjectStat:
        check_any_key(self.name, "stat", key)
        self._ensure_bucket("stat")
        try:
            info = self._client.stat_object(self.bucket, key)
        except Exception as error:
            raise self._translate(error, "stat", key) from None
        sha256 = None if is_derived_key(key) else sha256_of_key(key)
        return ObjectStat(key=key, size=info.size or 0, sha256=sha256, modified=info.last_modified)

    def keys(self) -> Iterator[str]:
        self._ensure_bucket("keys")
        try:
            for item in self._client.list_objects(self.bucket, prefix="sha256/", recursive=True):
                yield item.object_name
        except Exception as error:
            raise self._translate(error, "keys") from None

    def temporary_uploads(self) -> Iterator[TemporaryUpload]:
        """The `tmp/` keys, and the unfinished multipart uploads (`multipart:<key>:<upload id>`)."""
        self._ensure_bucket("temporary")
        try:
            for item in self._client.list_objects(self.bucket, prefix="tmp/", recursive=True):
                yield TemporaryUpload(name=item.object_name, started=item.last_modified, size=item.size)
            for upload in self._multipart_uploads():
                yield TemporaryUpload(
                    name=f"multipart:{upload.object_name}:{upload.upload_id}", started=upload.initiated_time
                )
        except Exception as error:
            raise self._translate(error, "temporary") from None

    def _multipart_uploads(self) -> Iterator:
        """Every unfinished multipart upload of the bucket, page by page.

        Not the SDK's _list_multipart_uploads: it always sends `delimiter=` (empty), which Swift's
        s3api takes for a real delimiter, answering one empty common prefix and no upload.
        """
        query = {"uploads": "", "max-uploads": "1000"}
        while True:
            page = ListMultipartUploadsResult(self._client._execute("GET", self.bucket, query_params=query))
            yield from page.uploads or []
            if not page.is_truncated or not page.uploads:
                return
            query = {**query, "key-marker": page.uploads[-1].object_name,
                     "upload-id-marker": page.uploads[-1].upload_id}

    def remove_temporary(self, upload: TemporaryUpload) -> None:
        kind, _, rest = upload.name.partition(":")
        try:
            if kind == "multipart" and ":" in rest:
                key, upload_id = rest.split(":", 1)
                self._client._abort_multipart_upload(self.bucket, key, upload_id)
            elif upload.name.startswith("tmp/") and not rest:
                self._client.remove_object(self.bucket, upload.name)
            else:
                raise StorageError(self.name, "delete", f"envoi inachevé inconnu : {upload.name!r}")
        except S3Error as error:
            if error.code not in NOT_FOUND_CODES | {"NoSuchUpload"}:
                raise self._translate(error, "delete") from None
        except StorageError:
            raise
        except Exception as error:
            raise self._translate(error, "delete") from None


class _ObjectReader(io.RawIOBase):
    """The body of a GET, read as it arrives; closing it gives the connection back to the pool."""

    def __init__(self, response, store: MinioStore, key: str):
        super().__init__()
        self._response = response
        self._store = store
        self._key = key

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._response.read(None if size is None or size < 0 else size)
        except Exception as error:
            raise self._store._translate(error, "open", self._key) from None

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()

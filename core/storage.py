"""File storage: a MinIO (S3) backend for production, helpers shared with the filesystem backend.

settings.STORAGES gives every business module its own alias (``core``, ``cartera``, ``tickets``…):
a folder under MEDIA_ROOT on disk, or a bucket on MinIO when MINIO_ENDPOINT is set. Code asks for
a module's storage with :func:`module_storage`; the /health/ view calls :func:`storage_check`.
"""

import mimetypes
import os
import posixpath
import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from minio import Minio
from minio.error import S3Error

DEFAULT_URL_EXPIRY = 3600  # seconds a presigned download link stays valid
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound"}
_ALREADY_THERE_CODES = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
# (endpoint, bucket) pairs known to exist: the bucket is checked/created once per process.
_ready_buckets: set[tuple[str, str]] = set()
_bucket_lock = threading.Lock()


class StorageCheckError(Exception):
    """A storage alias is not usable (raised by :func:`storage_check`)."""


def _is_missing(exc: S3Error) -> bool:
    return exc.code in _MISSING_CODES


def _split_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """Accept ``host:port`` as well as ``http(s)://host:port``; a scheme decides ``secure``."""
    endpoint = (endpoint or "").strip()
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return parts.netloc, parts.scheme == "https"
    return endpoint.rstrip("/"), secure


@deconstructible(path="core.storage.MinioStorage")
class MinioStorage(Storage):
    """Django storage on one MinIO/S3 bucket through the official ``minio`` client.

    Options default to settings MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY, MINIO_SECURE and
    MINIO_REGION. ``url()`` returns a presigned GET link valid for ``url_expiry`` seconds;
    ``public_endpoint`` signs those links for another host (e.g. MinIO behind a public proxy).
    """

    def __init__(
        self,
        bucket_name=None,
        endpoint=None,
        access_key=None,
        secret_key=None,
        secure=None,
        region=None,
        url_expiry=DEFAULT_URL_EXPIRY,
        public_endpoint=None,
        connect_timeout=5.0,
        read_timeout=120.0,
    ):
        self.bucket_name = bucket_name or getattr(settings, "MINIO_BUCKET_PREFIX", "crm-") + "core"
        secure = settings.MINIO_SECURE if secure is None else secure
        self.endpoint, self.secure = _split_endpoint(endpoint or settings.MINIO_ENDPOINT, secure)
        self.access_key = settings.MINIO_ACCESS_KEY if access_key is None else access_key
        self.secret_key = settings.MINIO_SECRET_KEY if secret_key is None else secret_key
        self.region = (settings.MINIO_REGION if region is None else region) or None
        self.url_expiry = int(url_expiry)
        self.public_endpoint = public_endpoint
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        if not self.endpoint:
            raise ValueError("MinioStorage needs an endpoint (set MINIO_ENDPOINT).")
        self._client = None
        self._url_client = None

    def __eq__(self, other):
        return isinstance(other, MinioStorage) and self.deconstruct() == other.deconstruct()

    def __hash__(self):
        return hash((self.endpoint, self.bucket_name))

    # --- clients and bucket ----------------------------------------------------------------
    def _make_client(self, endpoint: str, secure: bool) -> Minio:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        return Minio(
            endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=secure,
            region=self.region,
            http_client=http,
        )

    @property
    def client(self) -> Minio:
        if self._client is None:
            self._client = self._make_client(self.endpoint, self.secure)
        return self._client

    @property
    def url_client(self) -> Minio:
        if not self.public_endpoint:
            return self.client
        if self._url_client is None:
            self._url_client = self._make_client(*_split_endpoint(self.public_endpoint, self.secure))
        return self._url_client

    def ensure_bucket(self, *, force: bool = False) -> None:
        """Create the bucket if it does not exist: once per process unless ``force``."""
        key = (self.endpoint, self.bucket_name)
        if key in _ready_buckets and not force:
            return
        with _bucket_lock:
            if key in _ready_buckets and not force:
                return
            if not self.client.bucket_exists(self.bucket_name):
                try:
                    self.client.make_bucket(self.bucket_name, location=self.region)
                except S3Error as exc:
                    if exc.code not in _ALREADY_THERE_CODES:
                        raise
            _ready_buckets.add(key)

    @property
    def bucket(self) -> str:
        self.ensure_bucket()
        return self.bucket_name

    # --- names ------------------------------------------------------------------------------
    @staticmethod
    def _object_name(name) -> str:
        """Forward slashes, no leading slash, no ``.``/``..`` parts: the key stored in the bucket."""
        name = str(name).replace("\\", "/")
        clean = posixpath.normpath("/" + name).lstrip("/")
        if clean in ("", ".") or ".." in name.split("/"):
            raise SuspiciousFileOperation(f"Invalid object name: {name!r}")
        return clean

    def _stat(self, name):
        try:
            return self.client.stat_object(self.bucket, self._object_name(name))
        except S3Error as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"{name} does not exist in bucket {self.bucket_name}") from exc
            raise

    # --- Storage API --------------------------------------------------------------------------
    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wax+"):
            raise ValueError(f"MinioStorage opens files read-only, not with mode {mode!r}.")
        response = None
        try:
            response = self.client.get_object(self.bucket, self._object_name(name))
            data = response.read()
        except S3Error as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"{name} does not exist in bucket {self.bucket_name}") from exc
            raise
        finally:
            if response is not None:
                response.close()
                response.release_conn()
        return ContentFile(data, name=name)

    def _save(self, name, content):
        object_name = self._object_name(name)
        content_type = (
            mimetypes.guess_type(object_name)[0] or getattr(content, "content_type", None) or "application/octet-stream"
        )
        if hasattr(content, "seek"):
            content.seek(0)
        size = getattr(content, "size", None)
        if size is None:
            # Unknown length: let the client stream it in multipart chunks.
            self.client.put_object(
                self.bucket, object_name, content, length=-1, part_size=10 * 1024 * 1024, content_type=content_type
            )
        else:
            self.client.put_object(self.bucket, object_name, content, length=size, content_type=content_type)
        return object_name

    def exists(self, name):
        try:
            self._stat(name)
        except FileNotFoundError:
            return False
        return True

    def delete(self, name):
        if not name:
            raise ValueError("The name must be given to delete().")
        # S3 deletes are idempotent: a missing object is not an error.
        self.client.remove_object(self.bucket, self._object_name(name))

    def size(self, name):
        return self._stat(name).size

    def url(self, name):
        return self.url_client.presigned_get_object(
            self.bucket, self._object_name(name), expires=timedelta(seconds=self.url_expiry)
        )

    def listdir(self, path):
        prefix = str(path or "").replace("\\", "/").strip("/")
        prefix = f"{self._object_name(prefix)}/" if prefix else None
        directories, files = [], []
        for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=False):
            relative = obj.object_name[len(prefix or "") :]
            if obj.is_dir:
                directories.append(relative.rstrip("/"))
            elif relative:
                files.append(relative)
        return directories, files

    def get_modified_time(self, name):
        modified = self._stat(name).last_modified
        if modified is None:
            raise FileNotFoundError(f"{name} has no modification time")
        if settings.USE_TZ:
            return modified
        return timezone.make_naive(modified)


def module_storage(module: str) -> Storage:
    """The storage of one business module (an alias of settings.STORAGES, e.g. ``"cartera"``)."""
    return storages[module]


def storage_check(alias: str = "default") -> None:
    """Raise :class:`StorageCheckError` unless the storage ``alias`` can be reached and written.

    MinIO: a fresh round trip to the server (``bucket_exists``), creating the bucket on a new
    install. Filesystem: the directory exists (or can be created) and a file can be written there.
    """
    try:
        storage = storages[alias]
    except Exception as exc:
        raise StorageCheckError(f"Storage {alias!r} is not configured: {exc}") from exc
    try:
        if isinstance(storage, MinioStorage):
            if not storage.client.bucket_exists(storage.bucket_name):
                storage.ensure_bucket(force=True)
        elif isinstance(storage, FileSystemStorage):
            location = Path(storage.location)
            location.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=location, prefix=".health-"):
                pass
        else:
            storage.exists(".health-check")
    except StorageCheckError:
        raise
    except Exception as exc:
        raise StorageCheckError(f"Storage {alias!r} is not usable: {exc}") from exc

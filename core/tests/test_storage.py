"""MinioStorage against moto's S3-compatible server, driven by the real ``minio`` client."""

import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.test import override_settings
from minio import Minio
from moto.server import ThreadedMotoServer

from core.storage import MinioStorage, StorageCheckError, module_storage, storage_check

ACCESS_KEY = "testing"
SECRET_KEY = "testing-secret"


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture
def minio_settings(s3_endpoint, settings):
    settings.MINIO_ENDPOINT = s3_endpoint
    settings.MINIO_ACCESS_KEY = ACCESS_KEY
    settings.MINIO_SECRET_KEY = SECRET_KEY
    settings.MINIO_SECURE = False
    settings.MINIO_REGION = "us-east-1"
    return settings


@pytest.fixture
def raw_client(s3_endpoint):
    return Minio(s3_endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region="us-east-1")


def bucket_name(label="crm"):
    return f"{label}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def storage(minio_settings):
    return MinioStorage(bucket_name=bucket_name())


def test_bucket_created_on_first_use(storage, raw_client):
    assert not raw_client.bucket_exists(storage.bucket_name)
    storage.save("hola.txt", ContentFile(b"hola"))
    assert raw_client.bucket_exists(storage.bucket_name)


def test_options_default_to_settings(storage, s3_endpoint):
    assert storage.endpoint == s3_endpoint
    assert storage.access_key == ACCESS_KEY
    assert storage.secure is False
    assert storage.url_expiry == 3600


def test_endpoint_with_scheme(minio_settings):
    assert MinioStorage(bucket_name="x", endpoint="https://minio.example:9000").secure is True
    plain = MinioStorage(bucket_name="x", endpoint="http://minio.example:9000/", secure=True)
    assert (plain.endpoint, plain.secure) == ("minio.example:9000", False)


def test_round_trip(storage, raw_client):
    name = storage.save("docs/2024/informe.pdf", ContentFile(b"%PDF-1.4 contenido"))
    assert name == "docs/2024/informe.pdf"
    assert storage.exists(name)
    assert storage.size(name) == len(b"%PDF-1.4 contenido")
    with storage.open(name) as fh:
        assert fh.read() == b"%PDF-1.4 contenido"
    stat = raw_client.stat_object(storage.bucket_name, name)
    assert stat.content_type == "application/pdf"
    modified = storage.get_modified_time(name)
    assert isinstance(modified, datetime) and modified.tzinfo is not None

    storage.save("docs/raiz.txt", ContentFile(b"x"))
    storage.save("docs/2025/otro.txt", ContentFile(b"y"))
    directories, files = storage.listdir("docs")
    assert sorted(directories) == ["2024", "2025"]
    assert files == ["raiz.txt"]
    assert storage.listdir("docs/2024/") == ([], ["informe.pdf"])
    assert storage.listdir("") == (["docs"], [])

    storage.delete(name)
    assert not storage.exists(name)
    storage.delete(name)  # deleting a missing object is not an error
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)


def test_backslashes_and_leading_slash_are_normalised(storage):
    name = storage.save("adjuntos\\carta.txt", ContentFile(b"carta"))
    assert name == "adjuntos/carta.txt"
    assert storage.exists("/adjuntos/carta.txt")
    assert storage.exists("adjuntos\\carta.txt")


def test_same_name_twice_gets_another_name(storage):
    first = storage.save("recibo.txt", ContentFile(b"uno"))
    second = storage.save("recibo.txt", ContentFile(b"dos"))
    assert first == "recibo.txt"
    assert second != first
    assert second.startswith("recibo_") and second.endswith(".txt")
    assert storage.open(first).read() == b"uno"
    assert storage.open(second).read() == b"dos"


def test_open_for_writing_is_refused(storage):
    with pytest.raises(ValueError):
        storage.open("nuevo.txt", "wb")


def test_url_is_presigned_and_downloads(storage):
    name = storage.save("grabaciones/llamada.txt", ContentFile(b"audio falso"))
    url = storage.url(name)
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=3600" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local moto server
        assert response.read() == b"audio falso"


def test_url_expiry_is_configurable(minio_settings):
    storage = MinioStorage(bucket_name=bucket_name(), url_expiry=60)
    name = storage.save("a.txt", ContentFile(b"a"))
    assert "X-Amz-Expires=60" in storage.url(name)


def test_deconstruct(storage):
    path, args, kwargs = storage.deconstruct()
    assert path == "core.storage.MinioStorage"
    assert kwargs == {"bucket_name": storage.bucket_name}
    assert MinioStorage(**kwargs) == storage


def test_module_storages_use_their_own_buckets(minio_settings, raw_client):
    cartera, tickets = bucket_name("cartera"), bucket_name("tickets")
    minio = {"BACKEND": "core.storage.MinioStorage"}
    config = {
        "default": {**minio, "OPTIONS": {"bucket_name": bucket_name("core")}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "cartera": {**minio, "OPTIONS": {"bucket_name": cartera}},
        "tickets": {**minio, "OPTIONS": {"bucket_name": tickets, "url_expiry": 120}},
    }
    with override_settings(STORAGES=config):
        assert isinstance(storages["cartera"], MinioStorage)
        assert module_storage("cartera") is storages["cartera"]
        assert module_storage("tickets").url_expiry == 120
        module_storage("cartera").save("deuda.csv", ContentFile(b"cartera"))
        module_storage("tickets").save("deuda.csv", ContentFile(b"tickets"))
        storage_check("cartera")
    assert raw_client.get_object(cartera, "deuda.csv").read() == b"cartera"
    assert raw_client.get_object(tickets, "deuda.csv").read() == b"tickets"
    # Leaving override_settings resets the cached backends to the project's own.
    assert not isinstance(storages["cartera"], MinioStorage)


def test_storage_check_minio_creates_missing_bucket(minio_settings, raw_client):
    name = bucket_name("health")
    config = {
        "default": {"BACKEND": "core.storage.MinioStorage", "OPTIONS": {"bucket_name": name}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=config):
        storage_check()
    assert raw_client.bucket_exists(name)


def test_storage_check_minio_unreachable(minio_settings):
    config = {
        "default": {
            "BACKEND": "core.storage.MinioStorage",
            "OPTIONS": {"bucket_name": "crm-core", "endpoint": "127.0.0.1:9", "connect_timeout": 1},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=config), pytest.raises(StorageCheckError):
        storage_check()


def filesystem_config(location):
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_storage_check_filesystem_creates_directory(tmp_path):
    location = tmp_path / "media" / "core"
    with override_settings(STORAGES=filesystem_config(location)):
        assert isinstance(storages["default"], FileSystemStorage)
        storage_check()
    assert location.is_dir()
    assert list(location.iterdir()) == []  # the probe file is cleaned up


def test_storage_check_filesystem_unwritable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media folder should be")
    with override_settings(STORAGES=filesystem_config(blocker / "core")), pytest.raises(StorageCheckError):
        storage_check()


def test_storage_check_unknown_alias():
    with pytest.raises(StorageCheckError):
        storage_check("no-such-module")


def test_project_settings_define_every_module_storage(settings):
    for module in settings.STORAGE_MODULES:
        storage = module_storage(module)
        assert isinstance(storage, FileSystemStorage)
        assert Path(storage.location).name == module

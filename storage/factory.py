"""Build the object store named by the configuration (see config.py for the settings)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from storage.base import ObjectStore, StorageError
from storage.local import LocalStore
from storage.minio_store import MinioStore


def store_from_config(config: Mapping) -> ObjectStore:
    """The store for STORAGE_BACKEND: "local" (STORAGE_DIR) or "minio" (MINIO_* settings)."""
    backend = str(config.get("STORAGE_BACKEND", "local")).strip().lower()
    if backend == "local":
        return LocalStore(Path(config["STORAGE_DIR"]))
    if backend == "minio":
        return MinioStore(
            endpoint=config["MINIO_ENDPOINT"],
            access_key=config["MINIO_ACCESS_KEY"],
            secret_key=config["MINIO_SECRET_KEY"],
            bucket=config.get("MINIO_BUCKET") or "probatio",
            secure=bool(config.get("MINIO_SECURE", False)),
            region=config.get("MINIO_REGION") or "us-east-1",
        )
    raise StorageError(backend or "?", "init", f"moteur de stockage inconnu : {backend!r} (local ou minio)")

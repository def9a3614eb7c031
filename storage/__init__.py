"""Where evidence files are kept: a content-addressed object store behind a small interface.

    from storage import store_from_config
    store = store_from_config(app.config)
    ref = store.put(stream, max_size=limit)      # ObjectRef(backend, key, sha256, size)
    with store.open(ref.key) as data: ...

Every failure is a StorageError (ObjectNotFound, ObjectTooLarge) with a French message.
"""
from storage.base import (
    ObjectNotFound,
    ObjectRef,
    ObjectStat,
    ObjectStore,
    ObjectTooLarge,
    StorageError,
    attachment_disposition,
    content_key,
    is_valid_key,
)
from storage.factory import store_from_config
from storage.local import LocalStore
from storage.minio_store import MinioStore

__all__ = [
    "LocalStore",
    "MinioStore",
    "ObjectNotFound",
    "ObjectRef",
    "ObjectStat",
    "ObjectStore",
    "ObjectTooLarge",
    "StorageError",
    "attachment_disposition",
    "content_key",
    "is_valid_key",
    "store_from_config",
]

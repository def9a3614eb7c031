"""The configured object store inside the application: set up by create_app, used by services."""
from flask import Flask, current_app, redirect, send_file

from core.errors import render_error
from storage.base import ObjectStore, StorageError
from storage.factory import store_from_config


def init_app(app: Flask) -> None:
    """Open the store named by the configuration; a storage failure becomes a French 503 page."""
    app.extensions["object_store"] = store_from_config(app.config)

    @app.errorhandler(StorageError)
    def storage_error(error):
        app.logger.error("Storage failure: %s", error)
        return render_error(503, str(error))


def object_store() -> ObjectStore:
    return current_app.extensions["object_store"]


def send_stored_file(key: str, filename: str, media_type: str):
    """Answer a download of a stored object, as an attachment.

    MinIO hands out a short-lived presigned URL (the caller has already checked the policy);
    the local store streams the object through the app.
    """
    url = object_store().url(key, filename)
    if url:
        return redirect(url)
    return send_file(object_store().open(key), mimetype=media_type, as_attachment=True, download_name=filename, max_age=0)

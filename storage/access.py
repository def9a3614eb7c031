"""Access to the configured object store from services (set up by create_app)."""
from flask import current_app

from storage.base import ObjectStore


def object_store() -> ObjectStore:
    return current_app.extensions["object_store"]


def send_stored_file(key: str, filename: str, media_type: str):
    """Answer a download of a stored object, as an attachment.

    MinIO hands out a short-lived presigned URL (the caller has already checked the policy);
    the local store streams the object through the app.
    """
    from flask import redirect, send_file

    url = object_store().url(key, filename)
    if url:
        return redirect(url)
    return send_file(object_store().open(key), mimetype=media_type, as_attachment=True, download_name=filename, max_age=0)

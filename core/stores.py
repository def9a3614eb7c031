"""Access to the configured object store from services (set up by create_app)."""
from flask import current_app

from storage.base import ObjectStore


def object_store() -> ObjectStore:
    return current_app.extensions["object_store"]

"""Upload, download and preview of evidence files (filled in by the upload work)."""
from flask import Blueprint

bp = Blueprint("evidence_files", __name__)

"""Evidence files: upload (candidates, on their own evidence), and the reading routes (whoever
may view the portfolio). The world's versions are text logs: no thumbnail (404 once allowed)."""
import os

from tests.authorization.cases import Case, expect

# The minio backend answers a download with a redirect to a presigned URL; the local one streams.
DOWNLOADED = 302 if os.environ.get("STORAGE_BACKEND", "local") == "minio" else 200

ROUTES = {
    # Posting no file: 400 for who may upload, 403 for the others, login for anonymous.
    "evidence_files.upload": Case(
        "POST", lambda w: f"/preuves/{w['own_evidence'].id}/fichiers", expect(302, 400, 403, 403, 403)
    ),
    "evidence_files.download": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/telechargement",
        expect(302, DOWNLOADED, DOWNLOADED, 403, DOWNLOADED),
    ),
    "evidence_files.preview": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/apercu", expect(302, 200, 200, 403, 200)
    ),
    "evidence_files.thumbnail": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/miniature", expect(302, 404, 404, 403, 404)
    ),
    "evidence_files.text": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/texte", expect(302, 200, 200, 403, 200)
    ),
}

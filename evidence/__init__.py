"""Evidence (preuves): its files and versions, claims on criteria, deliverables, review status, comments.

    models.py           Evidence → EvidenceFile → EvidenceVersion (backend + object key), Claim, Comment
    services.py         create, describe, delete, claims, deliverables, status, comments
    filetypes.py        the file-type registry (extension, media type, kind, previewer, extractor, upload)
    filenames.py        the name an uploaded file is kept under
    sniffing.py         what the first bytes of an upload really are
    uploads.py          one file: check, stream into the store, record a version (then version_stored)
    upload_requests.py  one request of several files, read part by part (multipart.py)
    files.py            open_version: reading a version through the backend that recorded it
    previews.py         previewers (image, text, PDF, icon) and thumbnails
    signals.py          version_stored, which search listens to (evidence imports neither search nor portfolio)
    views/pages.py      the evidence page and its forms; views/files.py upload, download, preview
"""

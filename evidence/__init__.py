"""Evidence (preuves): its files and versions, claims on criteria, deliverables, review status, comments.

    models.py           Evidence → EvidenceFile → EvidenceVersion (backend + object key), Claim (and the
                        ClaimRevision history of its justifications), Comment
    services.py         create, describe, delete, claims, deliverables, status, comments; no silent
                        overwrite: re-tagging asks (ClaimAlreadyTagged), a change to validated
                        evidence sends it back to the tutor ("à revoir", REVISED)
    filetypes.py        the file-type registry (extension, media type, kind, previewer, extractor, upload)
    filenames.py        the name an uploaded file is kept under
    sniffing.py         what the first bytes of an upload really are
    uploads.py          one file: check, stream into the store, record a version (then version_stored)
    upload_requests.py  one request of several files, read part by part (multipart.py)
    files.py            open_version: reading a version through the backend that recorded it
    previews.py         previewers (image, text, PDF, SVG, Word/OpenDocument, icon) and thumbnails
    rendering.py        previews on the dossier's readers (documents/): SVG → PNG, Word/OpenDocument → pages
    signals.py          version_stored (search listens), and the review signals notifications mails
                        about (evidence imports neither search, portfolio nor notifications)
    anchors.py          where in a file a claim's proof is (ClaimAnchor: lines, pages, a region, cells):
                        add / replace / remove, refused outside the version, moved to a new version
                        (lines found again by content)
    excerpt_facts.py    a version's lines, pages and sheets, from a line index built once by streaming
    excerpts.py         the excerpt of an anchor (AnchorSpan: frozen or live), crops and PDF pages
                        rendered once and cached as derived objects; sheets.py reads XLSX/ODS cells
    views/pages.py      the evidence page and its forms; views/files.py upload, download, preview;
                        views/anchors.py choosing an excerpt (static/js/anchors.js: click, shift-click, drag);
                        views/excerpts.py the crops and PDF pages of excerpts
"""

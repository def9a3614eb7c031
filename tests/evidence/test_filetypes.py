"""The file-type registry: one table for uploads, sniffing, previews, extraction, coverage, dossier."""
from __future__ import annotations

import pytest

from evidence import previews
from evidence.filetypes import (
    FILE_TYPES,
    FileKind,
    accepted_extensions,
    extension_of,
    file_type_of,
    known_extension_type,
    upload_type,
)
from search.extraction.kinds import FILTER_KINDS, Kind, kind_of
from search.extraction.service import EXTRACTORS


@pytest.mark.parametrize(("filename", "extension"), [
    ("capture.PNG", "png"), ("configs.tar.gz", "tar.gz"), ("sans-extension", ""), (".bashrc", ""), ("a.b.log", "log"),
])
def test_extension_of(filename, extension):
    assert extension_of(filename) == extension


def test_every_extension_names_one_type_and_every_name_used_exists():
    extensions = [e for t in FILE_TYPES for e in t.extensions]
    assert len(extensions) == len(set(extensions))
    for file_type in FILE_TYPES:
        assert file_type.previewer in previews.PREVIEWERS, file_type
        assert file_type.extractor is None or file_type.extractor in EXTRACTORS, file_type
        assert file_type.kind in FILTER_KINDS, file_type


def test_the_extension_decides_before_the_media_type():
    assert file_type_of("pare-feu.log", "application/octet-stream").is_text
    assert file_type_of("capture.png", "text/plain").kind == FileKind.IMAGE
    assert file_type_of("Dockerfile", "").kind == FileKind.SCRIPT


@pytest.mark.parametrize(("media_type", "kind", "label"), [
    ("text/plain", FileKind.TEXT, "texte"), ("application/json", FileKind.TEXT, "fichier texte"),
    ("application/pdf", FileKind.PDF, "document PDF"), ("image/x-icon", FileKind.IMAGE, "image"),
    ("text/html; charset=utf-8", FileKind.TEXT, "fichier texte"), ("application/x-sh", FileKind.SCRIPT, "script shell"),
    ("application/octet-stream", FileKind.OTHER, "fichier"), ("", FileKind.OTHER, "fichier"),
])
def test_without_a_known_extension_the_media_type_decides(media_type, kind, label):
    file_type = file_type_of("sans-extension", media_type)
    assert (file_type.kind, file_type.label) == (kind, label)


def test_uploads_accept_the_allow_list_only_and_archives_when_allowed():
    assert upload_type("capture.jpeg", allow_archives=False).media_type == "image/jpeg"
    assert upload_type("outil.exe", allow_archives=False) is None
    assert upload_type("donnees.json", allow_archives=False) is None  # known to search, not uploadable
    assert known_extension_type("donnees.json").is_text
    assert upload_type("configs.tgz", allow_archives=False) is None
    assert upload_type("configs.tgz", allow_archives=True).label == "archive tar.gz"
    assert ".zip" not in accepted_extensions(allow_archives=False)
    assert accepted_extensions(allow_archives=True)[-4:] == [".zip", ".7z", ".tar.gz", ".tgz"]


def test_every_uploadable_type_is_known_to_search_with_the_kind_it_shows():
    expected = {
        "png": Kind.IMAGE, "log": Kind.TEXT, "svg": Kind.DIAGRAM, "pdf": Kind.PDF, "drawio": Kind.DIAGRAM,
        "vsdx": Kind.DIAGRAM, "pkt": Kind.OTHER, "ps1": Kind.SCRIPT, "yml": Kind.TEXT, "conf": Kind.TEXT,
        "docx": Kind.DOCUMENT, "xlsx": Kind.DOCUMENT, "odt": Kind.DOCUMENT, "zip": Kind.OTHER,
    }
    for extension, kind in expected.items():
        file_type = upload_type(f"x.{extension}", allow_archives=True)
        assert kind_of(f"x.{extension}", file_type.media_type) == kind, extension


def test_what_is_text_is_the_same_for_previews_search_and_extraction():
    for file_type in FILE_TYPES:
        name = f"x.{file_type.extensions[0]}"
        assert (file_type.previewer == "text") == file_type.is_text, name
        assert (file_type.extractor == "text") == file_type.is_text, name
        assert (kind_of(name, file_type.media_type) in (Kind.TEXT, Kind.SCRIPT)) == file_type.is_text, name

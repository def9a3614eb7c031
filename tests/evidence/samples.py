"""Shared pieces of the upload, preview and download tests (fixtures are in conftest.py): sample
files, and stores that fail or wait on purpose (real ObjectStore subclasses wrapping the
configured one)."""
from __future__ import annotations

import io
import os
import struct
import threading
import zipfile
import zlib

from PIL import Image
from sqlalchemy import select

from evidence.models import EvidenceFile, EvidenceVersion
from extensions import db
from storage.access import object_store
from storage.base import ObjectStore, StorageError


# --- sample files ------------------------------------------------------------------------------

def png_bytes(width: int = 64, height: int = 48, color=(30, 90, 160)) -> bytes:
    out = io.BytesIO()
    # Random pixels in a corner keep each sample's content (and so its object) unique.
    image = Image.new("RGB", (width, height), color)
    image.putpixel((0, 0), tuple(os.urandom(3)))
    image.putpixel((1, 0), tuple(os.urandom(3)))
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    image.save(out, "JPEG")
    return out.getvalue()


def unique_text(text: str = "journal du pare-feu\n") -> bytes:
    return f"{text}# {os.urandom(8).hex()}\n".encode()


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 57 + os.urandom(64)


def pe_bytes() -> bytes:
    header = bytearray(b"MZ" + b"\x90" * 62)
    struct.pack_into("<I", header, 0x3C, 0x80)
    return bytes(header) + b"\x00" * (0x80 - 64) + b"PE\x00\x00" + os.urandom(64)


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=280)
    writer.add_metadata({"/Title": os.urandom(6).hex()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!-- ' + os.urandom(4).hex().encode() + b' -->\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>\n'
    )


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", f"<document>{os.urandom(4).hex()}</document>")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG announcing a huge image: Pillow must refuse it rather than decode it."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    data = png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
    return b"\x89PNG\r\n\x1a\n" + header + data + png_chunk(b"IEND", b"") + os.urandom(8)


# --- stores failing or waiting on purpose ------------------------------------------------------

class WrappingStore(ObjectStore):
    """Delegates everything to the configured store; subclasses change put()."""

    def __init__(self, inner: ObjectStore):
        self.inner = inner
        self.name = inner.name

    def put(self, stream, length=None, *, max_size=None, on_progress=None):
        return self.inner.put(stream, length, max_size=max_size, on_progress=on_progress)

    def open(self, key):
        return self.inner.open(key)

    def open_range(self, key, offset, length):
        return self.inner.open_range(key, offset, length)

    def put_derived(self, key, data):
        return self.inner.put_derived(key, data)

    def derived_keys(self):
        return self.inner.derived_keys()

    def url(self, key, filename, expires=None):
        return self.inner.url(key, filename) if expires is None else self.inner.url(key, filename, expires)

    def delete(self, key):
        return self.inner.delete(key)

    def exists(self, key):
        return self.inner.exists(key)

    def stat(self, key):
        return self.inner.stat(key)

    def keys(self):
        return self.inner.keys()

    def temporary_uploads(self):
        return self.inner.temporary_uploads()

    def remove_temporary(self, upload):
        return self.inner.remove_temporary(upload)


class _FailingStream:
    def __init__(self, stream, store: FailingStore):
        self._stream = stream
        self._store = store
        self._read = 0

    def read(self, size=-1):
        data = self._stream.read(size)
        self._read += len(data)
        if self._store.down and self._read > self._store.fail_after:
            raise StorageError(self._store.name, "put", "connexion interrompue (panne simulée)")
        return data


class FailingStore(WrappingStore):
    """The storage goes down after `fail_after` bytes of an upload, while `down` is true."""

    def __init__(self, inner: ObjectStore, fail_after: int):
        super().__init__(inner)
        self.fail_after = fail_after
        self.down = True

    def put(self, stream, length=None, *, max_size=None, on_progress=None):
        return self.inner.put(_FailingStream(stream, self), length, max_size=max_size, on_progress=on_progress)


class RendezvousStore(WrappingStore):
    """put() stores, then waits for `parties` uploads to get there: they record at the same time."""

    def __init__(self, inner: ObjectStore, parties: int):
        super().__init__(inner)
        self.barrier = threading.Barrier(parties, timeout=30)

    def put(self, stream, length=None, *, max_size=None, on_progress=None):
        ref = self.inner.put(stream, length, max_size=max_size, on_progress=on_progress)
        self.barrier.wait()
        return ref


def versions_of(evidence) -> list[EvidenceVersion]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(EvidenceVersion).join(EvidenceFile).where(EvidenceFile.evidence_id == evidence.id)
            .order_by(EvidenceFile.position, EvidenceVersion.number)
        )
    )


def store_keys() -> set[str]:
    return set(object_store().keys())


def local_leftovers() -> list[str]:
    """Temporary files of the local store (an interrupted upload must leave none)."""
    store = object_store()
    tmp = getattr(store, "tmp_dir", None)
    return sorted(p.name for p in tmp.iterdir()) if tmp is not None and tmp.exists() else []


def uploaded(workspace, content: bytes, name: str):
    """Upload `content` as `name` through the evidence page; its new version."""
    response = workspace.upload((content, name))
    assert response.status_code == 200, response.text
    return versions_of(workspace.evidence)[-1]


def fragment(workspace, version) -> str:
    """The htmx preview fragment of `version`."""
    response = workspace.client.get(f"/versions/{version.id}/apercu", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body  # a fragment, not a page
    return body

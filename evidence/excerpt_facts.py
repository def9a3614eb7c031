"""Facts about a stored version (how many lines, pages, which sheets), and its lines read by one
ranged read: what the anchor services check anchors against and what excerpts are cut from.

    line_count(version)          -> int | None   (None: not a text file, or unreadable)
    page_count(version)          -> int | None   (PDF pages, or pages of the Word/ODT preview rendering)
    sheet_names(version)         -> list[str]    (empty when not a spreadsheet)
    sheet_bounds(version, sheet) -> (max_row, max_col) | None
    read_lines(version, first, last) -> [str]    (decoded, one bounded ranged read)

`version` is an EvidenceVersion or anything with the same attributes (sha256, object_key, backend,
filename, media_type, size: an AnchorSpan cut from a frozen snapshot). None of them loads a large
text file: its **line index** (the byte offset of every LINE_INDEX_STEP-th line) is built once by
streaming the object and kept as a derived object of the store (`derived/<sha256>/lines-v1.json`),
so that an excerpt reads only the few kilobytes around its lines (ObjectStore.open_range). The
other facts are cached the same way (`derived/<sha256>/facts-v1.json`): they are computed once per
content, whatever the number of versions or anchors pointing at it. evidence/excerpts.py re-exports
these names (the anchor services call them there).
"""
from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from evidence.files import StoredElsewhere
from evidence.filetypes import FileKind, extension_of, file_type_of
from storage.access import object_store
from storage.base import CHUNK_SIZE, ObjectNotFound, ObjectStore, StorageError, derived_key

LINE_INDEX_STEP = 1000  # one offset kept every this many lines
LINE_INDEX_NAME = "lines-v1.json"
FACTS_NAME = "facts-v1.json"
HEAD_SIZE = 64 * 1024  # what the encoding is detected from
MEMORY_CACHE_SIZE = 128
PDF_FACTS_MAX_BYTES = 100 * 1024 * 1024
OFFICE_FACTS_MAX_BYTES = 50 * 1024 * 1024


# --- where the object is ------------------------------------------------------------------------

def store_for(version: Any) -> ObjectStore:
    """The configured store when it holds this version (a row or a span); else StoredElsewhere."""
    store = object_store()
    if version.backend != store.name:
        raise StoredElsewhere(version.backend, version.object_key)
    return store


def kind_of(version: Any) -> FileKind:
    return file_type_of(version.filename, version.media_type).kind


class _Memory:
    """A small process-wide LRU of facts by (sha256, name): the derived object is read once."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memory = _Memory(MEMORY_CACHE_SIZE)


def clear_memory_cache() -> None:
    """Forget what this process remembers (tests; the derived objects stay in the store)."""
    _memory.clear()


def _derived_json(version: Any, name: str, compute: Callable[[], dict]) -> dict:
    """The derived JSON object `name` of this version's content: from memory, else from the store,
    else computed (by streaming the object) and stored for every later reader."""
    memo = (version.backend, version.sha256, name)
    if (found := _memory.get(memo)) is not None:
        return found
    store = store_for(version)
    key = derived_key(version.sha256, name)
    value = None
    try:
        with store.open(key) as stream:
            value = json.loads(stream.read(CHUNK_SIZE * 32))
    except ObjectNotFound:
        pass
    except (StorageError, ValueError) as error:  # a damaged cache is recomputed, never trusted
        current_app.logger.warning("Derived object %s unreadable, recomputed: %s", key, error)
    if not isinstance(value, dict):
        value = compute()
        try:
            store.put_derived(key, json.dumps(value, separators=(",", ":")).encode("utf-8"))
        except StorageError as error:  # the cache is an optimisation: the answer stays right
            current_app.logger.warning("Derived object %s not stored: %s", key, error)
    _memory.put(memo, value)
    return value


# --- the line index -----------------------------------------------------------------------------

def _scan_lines(stream, step: int = LINE_INDEX_STEP) -> dict:
    """Count the lines of a byte stream and note where every `step`-th line starts."""
    offsets = [0]
    newlines = 0  # newlines seen so far
    position = 0  # bytes seen so far
    last_byte = b""
    next_target = step  # after this many newlines, a line whose offset is kept starts
    while chunk := stream.read(CHUNK_SIZE):
        count = chunk.count(b"\n")
        start = 0
        seen = newlines
        while seen + (count - (seen - newlines)) >= next_target:
            # The (next_target - seen)-th newline after `start` ends the line before a kept one.
            for _ in range(next_target - seen):
                start = chunk.index(b"\n", start) + 1
            seen = next_target
            offsets.append(position + start)
            next_target += step
        newlines += count
        position += len(chunk)
        last_byte = chunk[-1:]
    total = newlines + (1 if position and last_byte != b"\n" else 0)
    # An offset at the very end (the file ends with a newline on a step boundary) starts no line.
    while len(offsets) > 1 and offsets[-1] >= position:
        offsets.pop()
    return {"step": step, "lines": total, "size": position, "offsets": offsets}


def _detect_encoding(store: ObjectStore, key: str) -> str:
    from evidence.sniffing import text_encoding

    with store.open_range(key, 0, HEAD_SIZE) as stream:
        head = stream.read(HEAD_SIZE)
    return text_encoding(head) or "utf-8"


def build_line_index(version: Any) -> dict:
    """Stream the version once and return its line index (also stored as a derived object).

    Called lazily on first use, and by the text extraction job (search/) so that the first juror
    to open an excerpt does not wait for it."""
    def compute() -> dict:
        store = store_for(version)
        with store.open(version.object_key) as stream:
            index = _scan_lines(stream)
        index["encoding"] = _detect_encoding(store, version.object_key)
        return index

    return _derived_json(version, LINE_INDEX_NAME, compute)


def line_index(version: Any) -> dict | None:
    """The line index of a text version, or None when the version is not a text file."""
    if kind_of(version) not in (FileKind.TEXT, FileKind.SCRIPT):
        return None
    return build_line_index(version)


def line_count(version: Any) -> int | None:
    """How many lines the text version has (None: not a text file, or its object is unreadable)."""
    try:
        index = line_index(version)
    except StorageError as error:
        current_app.logger.warning("No line count for %s: %s", version.object_key, error)
        return None
    return None if index is None else int(index["lines"])


def read_lines(version: Any, first: int, last: int, *, max_bytes: int = 4 * 1024 * 1024) -> list[str]:
    """Lines `first`..`last` (1-based, inclusive, clamped to the file) of a text version, decoded,
    read by one ranged read from the nearest indexed offset. StorageError when unreadable."""
    index = build_line_index(version)
    total = int(index["lines"])
    first = max(1, first)
    last = min(total, last)
    if last < first:
        return []
    step = int(index["step"])
    slot = min((first - 1) // step, len(index["offsets"]) - 1)
    start_line = slot * step + 1
    offset = int(index["offsets"][slot])
    # The lines end before the next indexed line after `last`: one bounded ranged read.
    end_slot = (last - 1) // step + 1
    end = int(index["offsets"][end_slot]) if end_slot < len(index["offsets"]) else int(index["size"])
    store = store_for(version)
    wanted = last - start_line + 1
    data = bytearray()
    with store.open_range(version.object_key, offset, min(end - offset, max_bytes)) as stream:
        while data.count(b"\n") < wanted:
            chunk = stream.read(64 * 1024)
            if not chunk:
                break
            data += chunk
    raw_lines = bytes(data).split(b"\n")
    skip = first - start_line
    chosen = raw_lines[skip:skip + (last - first + 1)]
    from evidence.sniffing import decode_text

    encoding = index.get("encoding") or "utf-8"
    return [decode_text(line, encoding=encoding).rstrip("\r") for line in chosen]


# --- pages and sheets ---------------------------------------------------------------------------

def _spooled_path(version: Any, limit: int, folder: str) -> Path:
    """The object copied to a file in `folder` (PDF and ZIP readers need to seek)."""
    extension = extension_of(version.filename)
    target = Path(folder) / ("source." + (extension if extension.replace(".", "").isalnum() else "bin"))
    copied = 0
    with store_for(version).open(version.object_key) as stream, open(target, "wb") as out:
        while chunk := stream.read(CHUNK_SIZE):
            copied += len(chunk)
            if copied > limit:
                raise ValueError("object larger than the facts limit")
            out.write(chunk)
    return target


def _pdf_pages(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def _document_pages(version: Any) -> int:
    from evidence.previews import document_preview

    return document_preview(version).count


def _compute_facts(version: Any) -> dict:
    kind = kind_of(version)
    facts: dict = {"kind": kind.value, "pages": None, "sheets": [], "error": None}
    try:
        if kind == FileKind.PDF:
            with tempfile.TemporaryDirectory(prefix="probatio-facts-") as folder:
                facts["pages"] = _pdf_pages(_spooled_path(version, PDF_FACTS_MAX_BYTES, folder))
        elif kind == FileKind.DOCUMENT:
            facts["pages"] = _document_pages(version)
        elif kind == FileKind.SPREADSHEET:
            from evidence.sheets import read_sheets

            with tempfile.TemporaryDirectory(prefix="probatio-facts-") as folder:
                path = _spooled_path(version, OFFICE_FACTS_MAX_BYTES, folder)
                facts["sheets"] = [
                    {"name": sheet.name, "rows": sheet.max_row, "cols": sheet.max_col}
                    for sheet in read_sheets(path, extension_of(version.filename))
                ]
    except StorageError:
        raise
    except Exception as error:  # an untrusted file met a reader: no facts, a trace
        current_app.logger.warning("No facts for %s (%s): %r", version.object_key, version.filename, error)
        facts["error"] = type(error).__name__
    return facts


def facts_of(version: Any) -> dict:
    """Pages and sheets of a version (cached per content); StorageError when unreadable."""
    return _derived_json(version, FACTS_NAME, lambda: _compute_facts(version))


def _facts_or_none(version: Any) -> dict | None:
    if kind_of(version) not in (FileKind.PDF, FileKind.DOCUMENT, FileKind.SPREADSHEET):
        return None
    try:
        return facts_of(version)
    except StorageError as error:
        current_app.logger.warning("No facts for %s: %s", version.object_key, error)
        return None


def page_count(version: Any) -> int | None:
    """Pages of a PDF, or of the preview rendering of a Word/ODT file; None otherwise or unreadable."""
    facts = _facts_or_none(version)
    return None if facts is None or facts.get("pages") is None else int(facts["pages"])


def sheet_names(version: Any) -> list[str]:
    """The sheets of a spreadsheet, in their order; empty when not a spreadsheet (or unreadable)."""
    facts = _facts_or_none(version)
    return [sheet["name"] for sheet in facts["sheets"]] if facts else []


def sheet_bounds(version: Any, sheet: str) -> tuple[int, int] | None:
    """(max_row, max_col) of the named sheet (0, 0 when empty); None when there is no such sheet."""
    facts = _facts_or_none(version)
    for entry in (facts or {}).get("sheets", []):
        if entry["name"] == sheet:
            return int(entry["rows"]), int(entry["cols"])
    return None



def pdf_page_text(span: Any, number: int) -> str:
    """The text of page `number` of a PDF version (pypdf), extracted once and cached."""
    name = f"pagetext-{int(number)}-v1.txt"
    store = store_for(span)
    key = derived_key(span.sha256, name)
    try:
        with store.open(key) as stream:
            return stream.read().decode("utf-8")
    except ObjectNotFound:
        pass
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="probatio-pagetext-") as folder:
        reader = PdfReader(str(_spooled_path(span, PDF_FACTS_MAX_BYTES, folder)))
        text = reader.pages[number - 1].extract_text() if 1 <= number <= len(reader.pages) else ""
    try:
        store.put_derived(key, text.encode("utf-8"))
    except StorageError as error:
        current_app.logger.warning("Derived text %s not stored: %s", key, error)
    return text


def prepare_facts(version: Any) -> None:
    """Compute now (and cache) what excerpts of this version will need: the line index of a text
    file, the pages and sheets of a PDF, Word or spreadsheet. Called by the text extraction job
    (search/extraction/tasks.py), so that the first reader of an excerpt does not wait; failures
    are logged, never raised (the facts are computed again on first use)."""
    try:
        kind = kind_of(version)
        if kind in (FileKind.TEXT, FileKind.SCRIPT):
            build_line_index(version)
        elif kind in (FileKind.PDF, FileKind.DOCUMENT, FileKind.SPREADSHEET):
            facts_of(version)
    except Exception as error:  # an optimisation only
        current_app.logger.warning("Excerpt facts of version %s not prepared: %r", getattr(version, "id", None), error)

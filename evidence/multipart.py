"""A multipart/form-data body read part by part, straight from the request stream.

Werkzeug's form parser (`request.files`) copies every file part into a SpooledTemporaryFile
(on disk past 500 KB) before the view runs, so a 500 MB upload would be written twice. Here each
part is a readable stream handed to the upload service as the bytes arrive: memory stays at about
one read (READ_SIZE), and no temporary copy is made.

Why not werkzeug.sansio.multipart.MultipartDecoder: it streams too, but copies each byte four
times and scans it twice (about 1.3 GB/s here, as slow as hashing it); this reader copies once and
scans once (about 2.2 GB/s), which is what keeps an upload close to a direct store put. It reads
what browsers and HTTP libraries send (RFC 7578: CRLF line breaks); header values are parsed by
werkzeug's own parse_options_header.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import parse_options_header

# Reads of this size stay in the CPU cache while they are scanned, hashed and written.
READ_SIZE = 256 * 1024
# Part headers and the preamble are small; more without a blank line is not a form.
MAX_HEADER_BYTES = 16 * 1024
MAX_BOUNDARY_LENGTH = 200
_QUOTED_FILENAME = re.compile(r'(?:^|;)\s*filename="([^"]*)"', re.IGNORECASE)


class MalformedBody(Exception):
    """The body is not the multipart form it claims to be; the message is French."""


class BodyStalled(MalformedBody):
    """The client stopped sending before the end of the body it announced (idle timeout)."""

    def __init__(self):
        super().__init__(
            "Envoi interrompu : plus aucune donnée n'arrivait, aucun fichier n'a été enregistré. "
            "Vérifiez votre connexion et recommencez l'envoi."
        )


def _malformed(detail: str) -> MalformedBody:
    return MalformedBody(f"Requête d'envoi mal formée : {detail}.")


def browser_filename(disposition: str, parsed: str) -> str:
    """The file name as the browser sent it.

    Browsers do not escape backslashes in form-data names (the HTML standard only escapes CR, LF
    and the quote), so "C:\\Users\\x\\capture.png" from an old browser must not be read as a
    quoted-string with escapes, which is what the generic header parser does.
    """
    if "filename*" in disposition.lower():
        return parsed
    match = _QUOTED_FILENAME.search(disposition)
    return match.group(1) if match else parsed


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _parse_headers(block: bytes) -> Headers:
    lines: list[bytes] = []
    for line in block.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and lines:  # a folded header continues the previous line
            lines[-1] += b" " + line.strip()
        else:
            lines.append(line)
    headers = Headers()
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise _malformed("en-tête de partie illisible")
        headers.add(_decode(name).strip(), _decode(value).strip())
    return headers


class Part:
    """One part of the body: a field (filename None) or a file, read as a stream."""

    def __init__(self, reader: MultipartReader, name: str, filename: str | None, headers: Headers):
        self._reader = reader
        self.name = name
        self.filename = filename
        self.headers = headers
        self.size = 0
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes of the part (fewer when fewer have arrived), b"" at its end."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(READ_SIZE), b""))
        if self.finished or size == 0:
            return b""
        data = self._reader._read_data(size)
        if data:
            self.size += len(data)
        else:
            self.finished = True
        return data

    def read_value(self, limit: int = 4096) -> str:
        """The whole value of a small field, as text."""
        data = b""
        while len(data) <= limit and (more := self.read(limit + 1 - len(data))):
            data += more
        if len(data) > limit:
            raise _malformed(f"le champ « {self.name} » est trop long")
        return _decode(data)

    def drain(self) -> None:
        """Skip what is left of the part without keeping it."""
        while self.read(READ_SIZE):
            pass


class MultipartReader:
    """Iterate over the parts of a multipart body; each part is read (or skipped) in turn.

    The body goes through one fixed buffer: the stream reads into it (readinto: no intermediate
    copy), the delimiter is searched in place, and each read hands out one copy of the data.
    """

    def __init__(self, stream: BinaryIO, boundary: bytes, *, read_size: int = READ_SIZE):
        if not boundary or len(boundary) > MAX_BOUNDARY_LENGTH or b"\r" in boundary or b"\n" in boundary:
            raise _malformed("délimiteur multipart absent ou invalide")
        self._stream = stream
        self._use_readinto = hasattr(stream, "readinto")
        self._read_size = read_size
        self._delimiter = b"\r\n--" + boundary
        self._buffer = bytearray(max(read_size, MAX_HEADER_BYTES) + MAX_HEADER_BYTES)
        # A leading CRLF lets the first boundary, at the very start of the body, match the delimiter.
        self._buffer[:2] = b"\r\n"
        self._start, self._end = 0, 2  # the unread bytes are _buffer[_start:_end]
        # Within a part's data: how many unread bytes are known to be data, and whether the
        # delimiter follows them.
        self._safe = 0
        self._delimiter_next = False

    def _fill(self) -> None:
        """Read more of the body after the unread bytes, moving those to the front first."""
        if self._start:
            unread = self._end - self._start
            self._buffer[:unread] = self._buffer[self._start:self._end]
            self._start, self._end = 0, unread
        room = min(self._read_size, len(self._buffer) - self._end)
        if room <= 0:
            raise _malformed("en-têtes de partie trop longs")
        with memoryview(self._buffer) as view:
            target = view[self._end:self._end + room]
            try:
                count = self._read_into(target, room)
            except TimeoutError:  # the socket's idle timeout (evidence/upload_requests.py)
                raise BodyStalled() from None
            except ClientDisconnected as error:  # werkzeug's LimitedStream wraps that timeout
                if isinstance(error.__context__, TimeoutError):
                    raise BodyStalled() from None
                raise
            finally:
                target.release()
        if not count:
            raise _malformed("le corps multipart est incomplet")
        self._end += count

    def _read_into(self, target: memoryview, room: int) -> int:
        if self._use_readinto:
            try:
                return self._stream.readinto(target) or 0
            except (NotImplementedError, io.UnsupportedOperation):
                self._use_readinto = False
        chunk = self._stream.read(room)
        target[:len(chunk)] = chunk
        return len(chunk)

    def _find(self, needle: bytes, limit: int) -> int:
        """The offset of `needle` from the first unread byte, reading until it shows up."""
        searched = self._start
        while (index := self._buffer.find(needle, searched, self._end)) < 0:
            if self._end - self._start > limit:
                raise _malformed("en-têtes de partie trop longs ou délimiteur introuvable")
            searched = max(self._start, self._end - len(needle) + 1) - self._start
            self._fill()
            searched += self._start
        return index - self._start

    def _unread(self, count: int) -> bytes:
        return bytes(self._buffer[self._start:self._start + count])

    def _ensure(self, count: int) -> None:
        while self._end - self._start < count:
            self._fill()

    def _skip(self, count: int) -> None:
        self._start += count

    def _read_data(self, size: int) -> bytes:
        """Up to `size` bytes of the current part's data; b"" once its closing delimiter is consumed."""
        while True:
            if self._safe == 0 and not self._delimiter_next:
                index = self._buffer.find(self._delimiter, self._start, self._end)
                if index >= 0:
                    self._safe, self._delimiter_next = index - self._start, True
                else:
                    # The end of the buffer may hold the start of a delimiter: keep it for later.
                    self._safe = max(0, self._end - self._start - len(self._delimiter) + 1)
            if self._safe:
                count = min(size, self._safe)
                with memoryview(self._buffer) as view:
                    data = bytes(view[self._start:self._start + count])
                self._start += count
                self._safe -= count
                return data
            if self._delimiter_next:
                self._skip(len(self._delimiter))
                self._delimiter_next = False
                return b""
            self._fill()

    def _next_part(self) -> Part | None:
        """After a delimiter: the next part with its headers, or None after the closing one."""
        self._ensure(2)
        if self._unread(2) == b"--":
            return None  # the epilogue, if any, is ignored
        end = self._find(b"\r\n", MAX_HEADER_BYTES)
        if self._unread(end).strip(b" \t"):  # only transport padding may follow a delimiter
            raise _malformed("délimiteur suivi de données")
        self._skip(end + 2)
        self._ensure(2)
        if self._unread(2) == b"\r\n":
            raise _malformed("partie sans en-têtes")
        end = self._find(b"\r\n\r\n", MAX_HEADER_BYTES)
        headers = _parse_headers(self._unread(end))
        self._skip(end + 4)
        disposition = headers.get("Content-Disposition")
        if not disposition:
            raise _malformed("partie sans Content-Disposition")
        _, options = parse_options_header(disposition)
        filename = options.get("filename")
        if filename is not None:
            filename = browser_filename(disposition, filename)
        part = Part(self, options.get("name", ""), filename, headers)
        # An empty part sent without its blank line shares one CRLF between its headers and the
        # next delimiter (werkzeug's test client does this): the delimiter, less its CRLF, is next.
        marker = self._delimiter[2:]
        self._ensure(len(marker))
        if self._unread(len(marker)) == marker:
            self._skip(len(marker))
            part.finished = True
        return part

    def __iter__(self) -> Iterator[Part]:
        index = self._find(self._delimiter, MAX_HEADER_BYTES)  # skip the preamble
        self._skip(index + len(self._delimiter))
        while True:
            part = self._next_part()
            if part is None:
                return
            yield part
            part.drain()

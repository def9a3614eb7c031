"""Facts about a version (evidence/excerpts.py): line, page and sheet counts, computed once by
streaming and kept as derived objects of the store."""
from __future__ import annotations

import io

from evidence import excerpts
from storage.access import object_store
from storage.base import derived_key
from tests.evidence.samples import docx_bytes, png_bytes
from tests.excerpts.samples import numbered_log, ods_bytes, pdf_pages, xlsx_bytes


def test_line_count_of_a_log_and_its_index_is_stored_once(stored):
    version = stored(numbered_log(2500), "journal.log", "text/plain")
    assert excerpts.line_count(version) == 2500
    key = derived_key(version.sha256, excerpts.LINE_INDEX_NAME)
    assert object_store().exists(key)
    assert key not in set(object_store().keys())  # keys() lists content only
    assert key in set(object_store().derived_keys())
    index = excerpts.build_line_index(version)
    assert index["offsets"][:3] == [0, index["offsets"][1], index["offsets"][2]]
    # Line 1001 starts where the index says.
    with object_store().open_range(version.object_key, index["offsets"][1], 20) as stream:
        assert stream.read().decode("utf-8").startswith("événement 001001")


def test_line_count_edge_cases(stored):
    assert excerpts.line_count(stored(b"", "vide.log", "text/plain")) == 0
    assert excerpts.line_count(stored(b"une ligne sans fin", "a.log", "text/plain")) == 1
    assert excerpts.line_count(stored(b"a\nb\n", "b.log", "text/plain")) == 2
    assert excerpts.line_count(stored(b"a\r\nb\r\nc", "c.txt", "text/plain")) == 3


def test_line_index_on_step_boundaries_matches_a_plain_split():
    for lines in (999, 1000, 1001, 2000, 3001):
        data = numbered_log(lines)
        index = excerpts._scan_lines(io.BytesIO(data), step=1000)
        starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10][:-1]
        assert index["lines"] == lines
        assert index["offsets"] == starts[::1000]


def test_line_index_with_small_chunks_and_tiny_steps():
    data = b"".join(b"x" * (n % 7) + b"\n" for n in range(500)) + b"tail"
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(13)
    index = excerpts._scan_lines(Trickle(data), step=3)
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    assert index["lines"] == 501
    assert index["offsets"] == starts[::3]


def test_read_lines_reads_the_lines_asked(stored):
    version = stored(numbered_log(5000), "journal.log", "text/plain")
    lines = excerpts.read_lines(version, 1999, 2002)
    assert [line.split(" ")[1] for line in lines] == ["001999", "002000", "002001", "002002"]
    assert excerpts.read_lines(version, 4999, 9000)[-1].startswith("événement 005000")
    assert excerpts.read_lines(version, 6000, 6001) == []


def test_not_a_text_file_has_no_line_count(stored):
    assert excerpts.line_count(stored(png_bytes(), "capture.png", "image/png")) is None


def test_page_count_of_a_pdf_and_of_a_word_file(stored):
    assert excerpts.page_count(stored(pdf_pages(30), "schema.pdf", "application/pdf")) == 30
    assert excerpts.page_count(stored(numbered_log(10), "a.log", "text/plain")) is None
    word = stored(docx_bytes(), "note.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert excerpts.page_count(word) in (None, 1)  # a minimal (invalid) docx: never a 500


def test_a_damaged_pdf_has_no_page_count(stored):
    assert excerpts.page_count(stored(b"%PDF-1.4 garbage", "casse.pdf", "application/pdf")) is None


def test_sheets_of_an_xlsx_workbook(stored):
    version = stored(
        xlsx_bytes({"Inventaire": [["Nom", "IP"], ["srv1", "10.0.0.1"], ["srv2", "10.0.0.2"]], "Vide": []}),
        "parc.xlsx",
    )
    assert excerpts.sheet_names(version) == ["Inventaire", "Vide"]
    assert excerpts.sheet_bounds(version, "Inventaire") == (3, 2)
    assert excerpts.sheet_bounds(version, "Absente") is None


def test_sheets_of_an_ods_workbook_ignore_the_repeated_empty_tail(stored):
    version = stored(ods_bytes({"Parc": [["a", "b", "c"], ["d", "e", "f"]], "Notes": [["x"]]}), "parc.ods")
    assert excerpts.sheet_names(version) == ["Parc", "Notes"]
    assert excerpts.sheet_bounds(version, "Parc") == (2, 3)
    assert excerpts.sheet_bounds(version, "Notes") == (1, 1)


def test_a_damaged_workbook_has_no_sheets(stored):
    assert excerpts.sheet_names(stored(b"PK\x03\x04 broken", "casse.xlsx")) == []
    assert excerpts.sheet_names(stored(numbered_log(3), "a.log", "text/plain")) == []


def test_facts_survive_a_missing_object(stored):
    version = stored(numbered_log(3), "a.log", "text/plain")
    object_store().delete(version.object_key)
    assert excerpts.line_count(version) is None
    pdf = stored(pdf_pages(2), "b.pdf", "application/pdf")
    object_store().delete(pdf.object_key)
    assert excerpts.page_count(pdf) is None


def test_a_damaged_cached_index_is_recomputed(stored):
    version = stored(numbered_log(1200), "journal.log", "text/plain")
    object_store().put_derived(derived_key(version.sha256, excerpts.LINE_INDEX_NAME), b"{not json")
    assert excerpts.line_count(version) == 1200


def test_read_lines_on_every_side_of_the_index_steps(stored):
    version = stored(numbered_log(3500), "journal.log", "text/plain")
    for first, last in ((1, 1), (999, 1001), (1000, 1000), (1001, 1001), (2000, 2001), (3499, 3500), (1, 3500)):
        lines = excerpts.read_lines(version, first, last)
        assert [int(line.split(" ")[1]) for line in lines] == list(range(first, last + 1)), (first, last)

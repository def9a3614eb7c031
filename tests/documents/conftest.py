"""One document with every block type (tests/documents/samples.py), rendered once to each format."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from documents import Document, RenderReport, render_docx, render_pdf
from tests.documents.samples import Rendered, full_document, pdf_page_texts


@pytest.fixture(scope="session")
def document() -> Document:
    return full_document()


@pytest.fixture(scope="session")
def docx_render(document, output_dir) -> Rendered:
    report = RenderReport()
    data = render_docx(document, report)
    (output_dir / "documents-complet.docx").write_bytes(data)
    return Rendered(document, data, report)


@pytest.fixture(scope="session")
def pdf_render(document, output_dir) -> Rendered:
    report = RenderReport()
    data = render_pdf(document, report)
    (output_dir / "documents-complet.pdf").write_bytes(data)
    return Rendered(document, data, report)


@pytest.fixture(scope="session")
def pdf_reader(pdf_render) -> PdfReader:
    return PdfReader(io.BytesIO(pdf_render.data))


@pytest.fixture(scope="session")
def pdf_texts(pdf_render, tmp_path_factory) -> list[str]:
    return pdf_page_texts(pdf_render.data, tmp_path_factory.mktemp("pdf-text"))

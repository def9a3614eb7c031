"""A small document model rendered to Word (python-docx) and PDF (reportlab).

Build a `Document` from blocks, then call `render_docx` or `render_pdf`; both return bytes and,
given a `RenderReport`, say what they replaced or left out. No database, no Flask.
"""
from documents.docx_renderer import render_docx
from documents.model import (Block, BulletList, CodeBlock, CrossReference, Document, Heading, Image,
                             Inline, PageBreak, Paragraph, PdfPages, Run, Svg, Table, TableOfContents, TitlePage,
                             parse_markup)
from documents.pdf_renderer import RenderError, layout_page_count, pdf_page_count, render_pdf
from documents.text import RenderReport

__all__ = [
    "Block", "BulletList", "CodeBlock", "CrossReference", "Document", "Heading", "Image", "Inline",
    "PageBreak", "Paragraph", "PdfPages", "RenderError", "RenderReport", "Run", "Svg", "Table", "TableOfContents",
    "TitlePage", "layout_page_count", "parse_markup", "pdf_page_count", "render_docx", "render_pdf",
]

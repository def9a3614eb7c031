"""Sample files for the excerpt tests: a multi-page PDF, spreadsheets (XLSX, ODS)."""
from __future__ import annotations

import io
import zipfile
from collections import deque

from PIL import Image


def pdf_pages(count: int, label: str = "Page") -> bytes:
    """A PDF of `count` pages, each saying "<label> n" in large letters (pdftotext finds it)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4)
    for number in range(1, count + 1):
        drawing.setFont("Helvetica", 40)
        drawing.drawString(72, 700, f"{label} {number}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ods_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    tables = []
    for name, rows in sheets.items():
        xml_rows = "".join(
            "<table:table-row>"
            + "".join(f"<table:table-cell><text:p>{cell}</text:p></table:table-cell>" for cell in row)
            + "</table:table-row>"
            for row in rows
        )
        # The tail LibreOffice writes: empty rows repeated to the sheet's end.
        xml_rows += '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
        tables.append(f'<table:table table:name="{name}">{xml_rows}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
        '</office:document-content>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return out.getvalue()


def numbered_log(lines: int, prefix: str = "événement") -> bytes:
    return "".join(f"{prefix} {n:06d} : connexion acceptée\n" for n in range(1, lines + 1)).encode("utf-8")


def green_shapes(image: Image.Image) -> list[tuple[int, int, int]]:
    """(width, height, pixels) of each connected patch of the crop's green."""
    width, height = image.size
    pixels = image.load()

    def green(x, y):
        r, g, b = pixels[x, y]
        return g > 130 and r < 70 and b < 70

    seen = set()
    shapes = []
    for y in range(height):
        for x in range(width):
            if (x, y) in seen or not green(x, y):
                continue
            queue, box, count = deque([(x, y)]), [x, y, x, y], 0
            seen.add((x, y))
            while queue:
                cx, cy = queue.popleft()
                count += 1
                box = [min(box[0], cx), min(box[1], cy), max(box[2], cx), max(box[3], cy)]
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < width and 0 <= ny < height and (nx, ny) not in seen and green(nx, ny):
                        seen.add((nx, ny))
                        queue.append((nx, ny))
            shapes.append((box[2] - box[0] + 1, box[3] - box[1] + 1, count))
    return shapes


def loaded_width(page, image) -> int:
    """The natural width of a (lazily loaded) picture once the browser has it."""
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate("img => img.naturalWidth")

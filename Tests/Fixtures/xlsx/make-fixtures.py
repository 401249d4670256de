#!/usr/bin/env python3
"""Writes the .xlsx fixtures of Tests/CXVCoreTests/XLSXTests.swift with two real xlsx writers,
openpyxl (which writes every string inline) and XlsxWriter (which writes them to the
shared-string table), and seeds Fuzz/corpus/xlsx with them.
pip install openpyxl==3.1.5 xlsxwriter==3.3.1; then, from anywhere:
python3 Tests/Fixtures/xlsx/make-fixtures.py"""
import datetime
import os
import shutil
import zipfile

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font
import xlsxwriter

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "..", "Fuzz", "corpus", "xlsx")


def contacts():
    """A cover sheet first, then "Contacts" with phones stored as numbers, then an empty sheet."""
    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Contact export"
    cover["A2"] = "Exported"
    cover["B2"] = datetime.date(2024, 1, 1)  # stored as the serial number 45292

    ws = wb.create_sheet("Contacts")
    ws.append(["Phone", "First Name", "Last Name", "Email"])
    ws.append([12025550101, "Ada", "Lovelace", "ada@example.com"])
    ws.append([12025550102.0, "Zoë", "Smith & <Co>", "zoe@example.com"])
    # Row 4 is left blank.
    ws["A5"] = "+1 (202) 555-0103"
    ws["B5"] = "李"
    ws["D5"] = "li@example.com"  # C5, Last Name, is empty
    ws.append([12025550104, "Grace", "Hopper"])  # row 6: no Email
    ws["F6"].font = Font(bold=True)  # a styled cell with no value, beyond the header's width
    ws.append([12025550105, "Alan", "Turing", "alan@example.com", True])  # row 7: a fifth, boolean field
    ws.append([12025550106, "  Barbara ", "Liskov\nMIT", False])  # row 8: spaces kept, a newline, FALSE
    ws["A9"] = 12025550107
    ws["B9"] = CellRichText([TextBlock(InlineFont(b=True), "Mar"), "garet"])  # rich text: two runs
    ws["C9"] = "Hamilton"

    wb.create_sheet("Notes & <Misc>")  # no cells at all
    path = os.path.join(HERE, "contacts.xlsx")
    wb.save(path)
    return path


def shared_strings():
    """The same kind of sheet from XlsxWriter: strings shared (one written twice), rich text,
    and numbers as it formats them ("%.16G": 1.5E+20 in exponent form)."""
    path = os.path.join(HERE, "shared-strings.xlsx")
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Contacts")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Phone", "First Name", "Last Name", "Email"])
    ws.write_row(1, 0, [12025550101, "Ada", "Lovelace", "ada@example.com"])
    ws.write_number(2, 0, 12025550102.0)
    ws.write_rich_string(2, 1, bold, "Zo", "ë")
    ws.write_string(2, 2, "Lovelace")
    ws.write_string(2, 3, "a&b<c>@example.com")
    ws.write_number(4, 0, 1.5e20)
    ws.write_boolean(4, 1, True)
    ws.write_number(4, 2, 0.005)
    ws.write_string(4, 3, "  ")
    wb.close()
    return path


def stored_inline():
    """A minimal workbook, uncompressed and with inline strings, as a small seed the fuzzer can mutate."""
    path = os.path.join(HERE, "inline-stored.xlsx")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c><c r="B1" t="inlineStr"><is><r><t>First</t></r><r><t xml:space="preserve"> Name</t></r></is></c></row>'
        '<row r="3"><c r="A3"><v>1.2025550101E10</v></c><c r="B3" t="b"><v>1</v></c><c r="D3" t="e"><v>#N/A</v></c></row>'
        '</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


if __name__ == "__main__":
    os.makedirs(CORPUS, exist_ok=True)
    for made in (contacts(), shared_strings(), stored_inline()):
        shutil.copy(made, os.path.join(CORPUS, os.path.basename(made)))
        print(made, os.path.getsize(made), "bytes")

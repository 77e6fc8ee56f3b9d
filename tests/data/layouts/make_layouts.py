"""Make the committed layout files that tests cannot make themselves: .ods, .xls and password-protected books.

openpyxl writes the source workbook (cover sheet, then the data sheet with title rows, error formulas, a
hidden column, a blank row and a blank column); LibreOffice converts it, computing the formulas, so the
.ods and .xls hold what LibreOffice itself writes. The protected copies are saved through a small
LibreOffice Basic macro with the password "kaitiaki" (an encrypted .xlsx is an OLE file, not a zip; the
.xlsx uses "Standard" encryption: LibreOffice 7.4 crashed here saving the default "Agile" one headless).

Needs LibreOffice (`soffice`) and openpyxl. Run from the repository root:
    .venv/bin/python tests/data/layouts/make_layouts.py
Tests never run this; they read the files it wrote.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
PASSWORD = "kaitiaki"

COVER_ROWS = [
    ["About this workbook"],
    [],
    ["The Participants sheet holds everyone enrolled this year."],
    ["Prepared by", "Hine"],
    ["Checked", "yes"],
]
TITLE_ROWS = [["Te Puna Whānau — participants"], ["Exported 1/11/2026"], []]
HEADER = [
    "Whānau ID",
    "NHI",
    "Given Name(s)",
    "Family Name",
    "D.O.B.",
    "Sex",
    None,
    "Date Enrolled",
    "Case notes",
    "Visits",
]
DATA_ROWS = [
    [
        "W001",
        "ZZZ0016",
        "Aroha",
        "Ngata",
        dt.date(1980, 5, 17),
        "F",
        None,
        dt.date(2020, 1, 1),
        "Lives with nan",
        3,
    ],
    ["W002", "ZZZ0024", "Mere", "Smith", "03/04/1985", "Female", None, dt.date(2021, 2, 3), None, 4],
    [],
    ["W003", "ZZZ0032", "Tama", "Kingi", "=NA()", "M", None, "2019-02-01", "Court date", "=1/0"],
    ["W004", "ZZZ0040", "Hine", "Rāwiri", dt.date(1990, 12, 31), "X", None, dt.date(2022, 6, 30), None, 2.5],
]

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveWithPassword(inPath As String, outPath As String, filterName As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), &quot;_blank&quot;, 0, args())
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = filterName
  out(1).Name = &quot;Password&quot;
  out(1).Value = &quot;PASSWORD&quot;
  If filterName = &quot;Calc MS Excel 2007 XML&quot; Then
    Dim enc(1) As New com.sun.star.beans.NamedValue
    enc(0).Name = &quot;OOXPassword&quot;
    enc(0).Value = &quot;PASSWORD&quot;
    enc(1).Name = &quot;CryptoType&quot;
    enc(1).Value = &quot;Standard&quot;
    out(1).Name = &quot;EncryptionData&quot;
    out(1).Value = enc()
  End If
  doc.storeToURL(ConvertToURL(outPath), out())
  doc.close(True)
End Sub
</script:module>
""".replace("PASSWORD", PASSWORD)

FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8"}


def write_source(path: Path) -> None:
    book = Workbook()
    cover = book.active
    cover.title = "Read me"
    for row in COVER_ROWS:
        cover.append(row)
    sheet = book.create_sheet("Participants")
    for row in [*TITLE_ROWS, HEADER, *DATA_ROWS]:
        sheet.append(row)
    for cell in sheet["E"][4:] + sheet["H"][4:]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "dd/mm/yyyy"
    sheet.column_dimensions["I"].hidden = True
    book.save(path)


def soffice_program() -> str:
    """soffice.bin itself, so a timeout ends LibreOffice and not only its launcher script."""
    launcher = Path(shutil.which("soffice") or "soffice").resolve()
    program = launcher.with_name("soffice.bin")
    return str(program if program.exists() else launcher)


def soffice(profile: Path, *arguments: str) -> None:
    command = [
        soffice_program(),
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        *arguments,
    ]
    for _attempt in range(2):  # a new profile makes soffice.bin exit 81 ("restart me") the first time
        done = subprocess.run(command, capture_output=True, timeout=120)
        if done.returncode != 81:
            break
    done.check_returncode()


def convert(profile: Path, source: Path, suffix: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        soffice(profile, "--convert-to", f"{suffix}:{FILTERS[suffix]}", "--outdir", folder, str(source))
        shutil.move(Path(folder) / f"{source.stem}.{suffix}", target)


def save_protected(profile: Path, source: Path, suffix: str, target: Path) -> None:
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    module.write_text(MACRO, encoding="utf-8")
    soffice(profile, f'macro:///Standard.Module1.SaveWithPassword("{source}","{target}","{FILTERS[suffix]}")')


def main() -> int:
    if shutil.which("soffice") is None:
        print("LibreOffice (soffice) is needed to make these files.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        profile = work / "profile"
        source = work / "cover_sheet.xlsx"
        write_source(source)
        convert(profile, source, "ods", work / "warm-up.ods")  # creates the profile and its Basic library
        for suffix in ("ods", "xls"):
            convert(profile, source, suffix, HERE / f"cover_sheet.{suffix}")
        for suffix in ("xlsx", "xls", "ods"):
            save_protected(profile, source, suffix, HERE / f"protected.{suffix}")
    for path in sorted(HERE.glob("*.*")):
        if path.suffix != ".py":
            print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

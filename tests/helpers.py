"""Opening outputs in the programs people use: Chromium draws a web page to a PNG, LibreOffice
Writer turns a Word document into a PDF. Shared by the tests of the reports and of tracking."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _screenshot(page: Path, png: Path, width: int, height: int, tmp: Path) -> None:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
WRITER = SOFFICE and shutil.which("lowriter")  # Debian's libreoffice-writer; calc alone cannot read .docx


def docx_to_pdf(docx: Path, outdir: Path) -> Path:
    """`docx` converted by LibreOffice Writer (its own profile in `outdir`): the PDF's path."""
    assert SOFFICE
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{outdir / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / (docx.stem + ".pdf")

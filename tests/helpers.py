"""Opening outputs in the programs people use: Chromium draws a web page to a PNG, LibreOffice
saves a document or workbook as PDF or another format. Shared by the tests that open outputs."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
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


def save_as(path: Path, suffix: str, outdir: Path) -> Path:
    """`path` opened and saved by LibreOffice as `suffix` (pdf, xlsx, xls, ods) into `outdir`,
    with a throwaway profile of its own (no clash with another soffice running)."""
    assert SOFFICE
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                suffix,
                "--outdir",
                str(outdir),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return outdir / f"{path.stem}.{suffix}"

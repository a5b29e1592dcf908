"""A full disk while the reports are written: on a real (tmpfs) filesystem that fills up, the
previous reports stay byte for byte, no temporary is left, and the next write succeeds."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recon_pipeline.lib.reports import write_reports
from recon_pipeline.lib.reports.write import REPORT_FILES, report_folder
from tests.faults import fill, small_filesystem
from tests.unit.reports.kit import cycle_inputs

CYCLE = "2026-09"


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    """An output directory whose reports/ is a 16 MB filesystem of its own."""
    with small_filesystem(tmp_path / "out" / "reports", "16m"):
        yield tmp_path / "out"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in REPORT_FILES}


def test_a_full_disk_keeps_the_previous_reports_whole(out: Path, sources: Path) -> None:
    inputs = cycle_inputs(sources, CYCLE)
    first = write_reports(out, inputs, now=datetime(2026, 10, 3, 8, 0, tzinfo=UTC))
    folder = report_folder(out, CYCLE)
    assert first.folder == folder
    before = _snapshot(folder)
    # Room for report.xlsx but not for report.html after it: written file by file, the xlsx
    # (stamped with the run's time) would already be the new one when the disk fills up.
    xlsx, html = len(before["report.xlsx"]), len(before["report.html"])
    assert html - xlsx > 16384  # tmpfs counts whole pages
    filler = fill(out / "reports", leave=(xlsx + html) // 2)
    with pytest.raises(OSError) as raised:
        write_reports(out, inputs, now=datetime(2026, 10, 4, 8, 0, tzinfo=UTC))
    assert raised.value.errno == errno.ENOSPC
    assert _snapshot(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES)  # no temporaries
    filler.unlink()
    write_reports(out, inputs, now=datetime(2026, 10, 4, 8, 0, tzinfo=UTC))
    after = _snapshot(folder)
    assert after["summary.json"] != before["summary.json"]  # the new run's stamp, once room
    assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES)

"""The workspace: the only way tasks touch files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_orchestrate import UnsafePathError, Workspace


def test_write_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old\n")
    target.chmod(0o755)
    ws = Workspace(tmp_path)
    change = ws.write_text("run.sh", "new\n")
    assert change is not None and "-old\n+new\n" in change.diff
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["run.sh"]  # no temp file left behind


def test_same_text_is_no_change(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("same\r\n", newline="")
    ws = Workspace(tmp_path)
    assert ws.read_text("a.txt") == "same\r\n"
    assert ws.write_text("a.txt", "same\r\n") is None
    assert ws.changes == []


def test_dry_run_records_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, dry_run=True)
    change = ws.write_text("sub/new.txt", "hello\n")
    assert change is not None and change.created
    assert change.diff.startswith("--- /dev/null\n+++ b/sub/new.txt\n")
    assert not (tmp_path / "sub").exists()


@pytest.mark.parametrize("rel", ["../outside.txt", "/etc/passwd", "a/../../outside.txt", ""])
def test_paths_outside_the_root_are_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UnsafePathError):
        Workspace(tmp_path / "root").write_text(rel, "x")
    assert not (tmp_path / "outside.txt").exists()


def test_symlink_that_escapes_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        Workspace(root).write_text("link/file.txt", "x")
    assert os.listdir(outside) == []


def test_dotdot_that_stays_inside_is_fine(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    assert ws.write_text("a/../b.txt", "x") is not None
    assert (tmp_path / "b.txt").read_text() == "x"


def _increment(root: str, times: int) -> None:
    ws = Workspace(Path(root))
    for _ in range(times):
        with ws.locked("counter.txt"):
            value = int(ws.read_text("counter.txt"))
            ws.write_text("counter.txt", f"{value + 1}\n")


def test_locked_read_modify_write_loses_no_update_across_processes(tmp_path: Path) -> None:
    import multiprocessing

    (tmp_path / "counter.txt").write_text("0\n")
    procs = [
        multiprocessing.get_context("spawn").Process(target=_increment, args=(str(tmp_path), 40))
        for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert (tmp_path / "counter.txt").read_text() == "120\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter.txt"]  # the lock lives elsewhere

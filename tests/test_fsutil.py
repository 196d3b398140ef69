"""Writing files: an error names the file the person asked for, never a temp file."""

import os

import pytest

from bulletsmith.fsutil import atomic_write, describe_os_error, why_unwritable


def test_a_missing_folder_names_the_target_not_the_temp_file(tmp_path):
    target = tmp_path / "nodir" / "o.txt"
    with pytest.raises(FileNotFoundError) as e:
        atomic_write(target, "text")
    assert e.value.filename == str(target)
    assert describe_os_error(e.value, "cannot save") == f"cannot save {target}: No such file or directory"
    assert describe_os_error(BrokenPipeError(32, "Broken pipe"), "cannot save") == "cannot save: Broken pipe"
    assert ".tmp" not in str(e.value)


def test_why_unwritable_says_which_folder(tmp_path):
    assert why_unwritable(tmp_path / "o.txt") is None
    assert why_unwritable(tmp_path / "nodir" / "o.txt") == (
        f"the folder {tmp_path / 'nodir'} does not exist; create it first or choose another path"
    )
    assert why_unwritable(tmp_path) == "is a folder, not a file"
    (tmp_path / "file").write_text("")
    assert why_unwritable(tmp_path / "file" / "o.txt") == f"{tmp_path / 'file'} is not a folder"


def test_why_unwritable_says_a_read_only_folder(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere (CI runs as root): let the OS say no as it would to a user
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(folder) else real_access(p, mode))
    try:
        assert why_unwritable(folder / "o.txt") == f"the folder {folder} is not writable"
    finally:
        folder.chmod(0o700)

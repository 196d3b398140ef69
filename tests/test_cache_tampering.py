"""The response cache never reaches outside its folder, whatever its database holds.

diskcache keeps large values in side files and trusts the file name in each row: reading,
replacing, expiring or evicting a row opens or deletes `folder/filename`. These tests plant
rows as an attacker with write access to cache.db could, and check that nothing outside the
cache folder is read or removed, and that the planted row is a miss, removed, reported once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bulletsmith.engines.openai.cache import ResponseCache

SECRET = {"response": {"text": "read from outside the cache"}}


@pytest.fixture
def layout(tmp_path: Path):
    """tmp/cache (the cache folder) and tmp/elsewhere/secret.json (a file it must never touch)."""
    cache = tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    secret = elsewhere / "secret.json"
    secret.write_text(json.dumps(SECRET), encoding="utf-8")
    rc = ResponseCache(cache)
    rc.set("good", {"response": {"text": "ours"}})
    rc.close()
    return cache, elsewhere, secret


def _plant(cache: Path, key: str, filename: str, *, expired: bool = False, mode: int = 3) -> None:
    """A row as diskcache writes one for a value kept in a side file (mode 3 = text file)."""
    now = time.time()
    con = sqlite3.connect(cache / "cache.db")
    try:
        con.execute(
            "INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, size,"
            " mode, filename, value) VALUES (?, 1, ?, ?, ?, 0, NULL, 10, ?, ?, NULL)",
            (key, now, now - 60 if expired else None, now, mode, filename),
        )
        con.commit()
    finally:
        con.close()


def _rows(cache: Path) -> list[str]:
    con = sqlite3.connect(cache / "cache.db")
    try:
        return [k for (k,) in con.execute("SELECT key FROM Cache")]
    finally:
        con.close()


def test_a_row_naming_a_file_outside_is_a_miss_and_the_file_is_neither_read_nor_removed(layout, caplog):
    cache, elsewhere, secret = layout
    _plant(cache, "k", "../elsewhere/secret.json")
    rc = ResponseCache(cache)
    try:
        with caplog.at_level(logging.WARNING, logger="bulletsmith.engines.openai.cache"):
            assert rc.get("k") is None  # the file holds a valid entry: a read would have returned it
            assert rc.get("k") is None
            rc.set("k", {"response": {"text": "new"}})  # replacing the row would delete its old file
            assert rc.get("k") == {"response": {"text": "new"}}
            assert rc.get("good") == {"response": {"text": "ours"}}
    finally:
        rc.close()
    assert json.loads(secret.read_text(encoding="utf-8")) == SECRET
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "did not write" in warnings[0] and "removed" in warnings[0], warnings


def test_an_expired_planted_row_needs_no_key_and_still_removes_nothing_outside(layout):
    cache, elsewhere, secret = layout
    deep = elsewhere / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "x.val").write_text("keep", encoding="utf-8")
    _plant(cache, "planted-1", "../elsewhere/secret.json", expired=True)
    _plant(cache, "planted-2", "../elsewhere/a/b/x.val", expired=True)
    _plant(cache, "planted-3", str(secret), expired=True)  # an absolute path
    rc = ResponseCache(cache)
    try:
        rc.set("another", {"response": {}})  # a write culls expired rows and deletes their files
    finally:
        rc.close()
    assert secret.exists() and (deep / "x.val").read_text(encoding="utf-8") == "keep"
    assert not [k for k in _rows(cache) if k.startswith("planted")]  # the rows are gone, the files are not


def test_a_symlinked_side_folder_is_not_followed(layout):
    cache, elsewhere, _ = layout
    (elsewhere / "cd").mkdir()
    victim = elsewhere / "cd" / ("0" * 28 + ".val")
    victim.write_text("keep", encoding="utf-8")
    (cache / "ab").symlink_to(elsewhere, target_is_directory=True)
    _plant(cache, "planted", f"ab/cd/{'0' * 28}.val", expired=True)  # a name diskcache could make
    rc = ResponseCache(cache)
    try:
        rc.set("another", {"response": {}})
    finally:
        rc.close()
    assert victim.read_text(encoding="utf-8") == "keep"


def test_a_side_file_an_older_version_wrote_is_a_miss_and_is_cleaned_up(layout):
    cache, _, _ = layout
    name = f"12/34/{'a' * 28}.val"
    (cache / "12" / "34").mkdir(parents=True)
    (cache / name).write_text(json.dumps({"response": {"text": "old"}}), encoding="utf-8")
    _plant(cache, "old", name)
    rc = ResponseCache(cache)
    try:
        assert rc.get("old") is None
    finally:
        rc.close()
    assert not (cache / "12").exists()  # the file and the two folders diskcache made, nothing above
    assert (cache / "cache.db").exists()


def test_large_values_stay_inside_the_database(tmp_path):
    cache = tmp_path / "cache"
    rc = ResponseCache(cache)
    big = {"response": {"text": "x" * 100_000}}  # diskcache's own limit for inline text is 32 KB
    try:
        rc.set("big", big)
        assert rc.get("big") == big
    finally:
        rc.close()
    assert [p.name for p in cache.iterdir() if p.is_dir()] == []
    con = sqlite3.connect(cache / "cache.db")
    try:
        assert con.execute("SELECT mode, filename FROM Cache WHERE key = 'big'").fetchall() == [(1, None)]
    finally:
        con.close()


def test_a_database_with_planted_settings_is_not_used(layout, caplog):
    """diskcache runs each `sqlite_*` setting as a PRAGMA when it connects: never let it read one we did not write."""
    cache, _, _ = layout
    con = sqlite3.connect(cache / "cache.db")
    con.execute("INSERT INTO Settings VALUES ('sqlite_temp_store_directory', '''/tmp''')")
    con.commit()
    con.close()
    rc = ResponseCache(cache)
    with caplog.at_level(logging.WARNING, logger="bulletsmith.engines.openai.cache"):
        assert rc.get("good") is None
        rc.set("x", {"response": {}})  # failing to cache never fails the call
        assert rc.get("x") is None
    rc.close()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "sqlite_temp_store_directory" in warnings[0] and str(cache) in warnings[0]

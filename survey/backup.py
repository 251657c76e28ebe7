"""Backups and restores, each with the database's own safe tool.

SQLite: the online backup API (a consistent copy while others keep writing; a plain
file copy of a database in WAL mode can lose the newest transactions or be torn).
PostgreSQL: ``pg_dump`` in its custom format, restored with ``pg_restore``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    """The address pg_dump understands (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup(database_url: str, target: Path) -> None:
    """Write a consistent backup of the database to ``target`` (refuses to overwrite)."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore(backup_file: Path, database_url: str) -> None:
    """Restore ``backup_file`` into the database, replacing what it holds.

    Stop the application first: a restore replaces every table.
    """
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        destination = sqlite3.connect(_sqlite_path(url))
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{backup_file} is damaged (integrity check failed)")
            source.backup(destination)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup_file} is not a SQLite backup: {error}") from None
        finally:
            destination.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(backup_file),
            ]
        )
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")

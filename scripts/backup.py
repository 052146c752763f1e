"""Back up the database and the uploaded files into one timestamped directory.

    .venv/bin/python scripts/backup.py [--dest DIR] [--keep N]        (make backup)

Writes ``DIR/po-YYYYMMDDTHHMMSSZ/`` (DIR: ``--dest``, else ``BACKUP_DIR``, else
``var/backups/`` in the project, which git ignores), readable by its owner only
(the families' data):

- ``database.dump``: PostgreSQL, ``pg_dump``'s custom format (compressed, read by ``pg_restore``);
- ``database.sqlite3``: SQLite, a consistent copy made by SQLite's online backup API;
- ``media.tar``: ``MEDIA_ROOT`` as a tar archive (images and documents are compressed
  already); none when the uploads are in an S3 bucket, which keeps its own versions;
- ``manifest.json``: when, which database, the migrations applied, and each file's SHA-256.

The site keeps running: both databases give a consistent snapshot while others
write. The directory is written under a hidden name and renamed once complete,
so a backup that is listed is whole. ``--keep N`` then deletes all but the N
newest. ``scripts/restore.py`` puts a backup back. Settings come from
``DJANGO_SETTINGS_MODULE`` as for ``manage.py``.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMAT_VERSION = 1
PREFIX = "po-"
MANIFEST = "manifest.json"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_FILE = "media.tar"


class BackupError(Exception):
    """A refusal or a failure explained to the operator; the script exits with status 2."""


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def database():
    """(vendor, settings dict) of the default database."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"pas de sauvegarde possible pour une base {connection.vendor}.")
    return connection.vendor, connection.settings_dict


def libpq_env(settings_dict):
    """The connection as libpq's environment variables: the password stays out of the process list."""
    env = {**os.environ}
    values = {
        "PGDATABASE": settings_dict["NAME"],
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGSSLMODE": settings_dict.get("OPTIONS", {}).get("sslmode"),
    }
    env.update({key: value for key, value in values.items() if value})
    return env


def program(name):
    """The full path of a PostgreSQL client program."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable (Debian : apt-get install postgresql-client).")
    return path


def run(command, **kwargs):
    """Run a PostgreSQL client program; its error output becomes the error's message."""
    result = subprocess.run([program(command[0]), *command[1:]], capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué ({result.returncode}) : {result.stderr.strip()}")
    return result


def media_root():
    """MEDIA_ROOT when uploads are on the filesystem, else None (an S3 bucket)."""
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage, default_storage

    return Path(settings.MEDIA_ROOT) if isinstance(default_storage, FileSystemStorage) else None


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def applied_migrations():
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections["default"]).applied_migrations())


def dump_database(vendor, settings_dict, target):
    if vendor == "postgresql":
        run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            env=libpq_env(settings_dict),
        )
    else:
        source = sqlite3.connect(Path(settings_dict["NAME"]).resolve().as_uri() + "?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot, even while others write
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()


def archive_media(root, target):
    """Every file under ``root``, with paths relative to it; returns (files, bytes)."""
    files = size = 0
    with tarfile.open(target, "w") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
                if path.is_file():
                    files += 1
                    size += path.stat().st_size
    return files, size


def backup(dest, now=None):
    """Write one backup into ``dest``; returns its directory."""
    vendor, settings_dict = database()
    now = now or datetime.datetime.now(tz=datetime.UTC)
    name = PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / name
    if final.exists():
        raise BackupError(f"{final} existe déjà.")
    partial = dest / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "database": {"vendor": vendor, "file": DATABASE_FILES[vendor]},
            "migrations": applied_migrations(),
            "media": None,
            "files": {},
        }
        dump_database(vendor, settings_dict, partial / DATABASE_FILES[vendor])
        root = media_root()
        if root is not None:
            files, size = archive_media(root, partial / MEDIA_FILE)
            manifest["media"] = {"file": MEDIA_FILE, "files": files, "bytes": size}
        for path in sorted(partial.iterdir()):
            manifest["files"][path.name] = {"sha256": sha256(path), "bytes": path.stat().st_size}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def complete_backups(dest):
    """The complete backups in ``dest``, oldest first."""
    if not dest.is_dir():
        return []
    return sorted(path for path in dest.glob(PREFIX + "*") if (path / MANIFEST).is_file())


def prune(dest, keep):
    """Delete all but the ``keep`` newest complete backups; returns those deleted."""
    old = complete_backups(dest)[:-keep] if keep > 0 else []
    for path in old:
        shutil.rmtree(path)
    return old


def default_dest():
    return Path(os.environ.get("BACKUP_DIR") or ROOT / "var" / "backups")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sauvegarde la base de données et les fichiers déposés (médias).")
    parser.add_argument(
        "--dest", type=Path, default=None, help="dossier des sauvegardes (BACKUP_DIR, sinon var/backups/)"
    )
    parser.add_argument("--keep", type=int, default=0, help="puis supprime les sauvegardes sauf les N plus récentes")
    args = parser.parse_args(argv)
    os.umask(0o077)  # the families' data: readable by the owner only
    setup_django()
    dest = args.dest or default_dest()
    try:
        path = backup(dest)
    except BackupError as error:
        print(f"Sauvegarde impossible : {error}", file=sys.stderr)
        return 2
    manifest = json.loads((path / MANIFEST).read_text())
    media = manifest["media"]
    print(f"Sauvegarde écrite : {path}")
    database_bytes = manifest["files"][manifest["database"]["file"]]["bytes"]
    print(f"  base de données ({manifest['database']['vendor']}) : {database_bytes} octets")
    if media:
        print(f"  médias : {media['files']} fichier(s), {media['bytes']} octets")
    else:
        print("  médias : dans le stockage objet (S3), non archivés ici")
    for old in prune(dest, args.keep):
        print(f"Ancienne sauvegarde supprimée : {old}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

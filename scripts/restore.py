"""Put back a backup made by ``scripts/backup.py``: the database, then the uploaded files.

    .venv/bin/python scripts/restore.py BACKUP_DIR [--force]        (make restore BACKUP=var/backups/po-… [FORCE=1])

Checks first, changes nothing until every check passes: the manifest's
SHA-256 of every file, the database vendor (a PostgreSQL dump goes back into
PostgreSQL, a SQLite copy into SQLite), and that this code knows every
migration the backup had applied (deploy the code that made it first).

Refuses to overwrite a database that has tables, or a ``MEDIA_ROOT`` that has
files, without ``--force``. Restoring onto a fresh server needs no ``--force``:
an empty database (``createdb``, no ``migrate``) and an empty ``MEDIA_ROOT``.

- PostgreSQL: the tables of the ``public`` schema are dropped and the dump
  restored in one transaction (``pg_restore`` to SQL, run by ``psql
  --single-transaction``): on any error, the database is left as it was.
- SQLite: SQLite's backup API copies the saved file over the live database in
  one step; the other processes see the restored data at their next query.
- Media: the archive is extracted beside them before the database is touched,
  and replaces them once the database is restored.

Then the cache is emptied (it holds pages and menus of the replaced data; with
Redis, this also empties the task queue: the notifications sweeper queues
pending messages again). Stop the web processes and the workers while
restoring, start them after; run ``manage.py migrate`` if the code is newer.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from backup import (
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    database,
    libpq_env,
    media_root,
    program,
    setup_django,
    sha256,
)

# Drops what a previous restore or ``migrate`` made, within the restore's transaction.
DROP_PUBLIC_SCHEMA_OBJECTS = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT viewname FROM pg_views WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', item.viewname);
    END LOOP;
    FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequencename);
    END LOOP;
END $$;
"""


def read_manifest(path):
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} n'est pas une sauvegarde complète (pas de {MANIFEST}).")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"format de sauvegarde inconnu : {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        file = path / name
        if not file.is_file():
            raise BackupError(f"fichier manquant dans la sauvegarde : {name}.")
        if sha256(file) != expected["sha256"]:
            raise BackupError(f"{name} est altéré (SHA-256 différent de celui du manifeste).")
    return manifest


def unknown_migrations(manifest):
    """Migrations the backup had applied that this code does not have."""
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    return sorted(set(manifest["migrations"]) - known)


def pending_migrations():
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def existing_tables():
    from django.db import connections

    with connections["default"].cursor() as cursor:
        return connections["default"].introspection.table_names(cursor)


def restore_postgresql(settings_dict, dump):
    env = libpq_env(settings_dict)
    pg_restore, psql = program("pg_restore"), program("psql")
    with tempfile.TemporaryFile() as restore_errors:
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        try:
            result = subprocess.run(
                [psql, "-X", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
                + ["-c", DROP_PUBLIC_SCHEMA_OBJECTS, "-f", "-"],
                stdin=script.stdout,
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
        finally:
            script.stdout.close()
            script.wait()
        if script.returncode != 0:
            restore_errors.seek(0)
            raise BackupError(f"pg_restore a échoué : {restore_errors.read().decode(errors='replace').strip()}")
    if result.returncode != 0:
        raise BackupError(f"psql a échoué, la base est inchangée : {result.stderr.strip()}")


def restore_sqlite(settings_dict, copy):
    import sqlite3

    source = sqlite3.connect(copy.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{copy.name} est endommagée (PRAGMA integrity_check).")
        target_path = Path(settings_dict["NAME"])
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, timeout=settings_dict.get("OPTIONS", {}).get("timeout", 20))
        try:
            source.backup(target)  # one step, under the database's write lock
        finally:
            target.close()
    finally:
        source.close()


def stage_media(archive, root):
    """Extract ``archive`` into a hidden directory inside ``root`` (same filesystem: moves are renames)."""
    import tarfile

    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restauration-", dir=root))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def swap_media(staging, root):
    """Replace what ``root`` holds by what was staged."""
    try:
        for entry in root.iterdir():
            if entry == staging:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        for entry in staging.iterdir():
            entry.rename(root / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def clear_caches():
    from django.conf import settings
    from django.core.cache import caches

    lines = []
    for alias in settings.CACHES:
        try:
            caches[alias].clear()
        except Exception as error:  # noqa: BLE001 (reported; the restore itself succeeded)
            lines.append(
                f"ATTENTION : cache « {alias} » non vidé ({type(error).__name__}: {error}) ; videz-le à la main"
            )
        else:
            lines.append(f"cache « {alias} » vidé")
    return lines


def restore(path, force=False):
    """Restore the backup in ``path``; returns what was done, as lines for the operator."""
    from django.db import connections

    manifest = read_manifest(path)
    vendor, settings_dict = database()
    saved_vendor = manifest["database"]["vendor"]
    if saved_vendor != vendor:
        raise BackupError(f"sauvegarde d'une base {saved_vendor}, base configurée {vendor} : rien n'est restauré.")
    unknown = unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            "la sauvegarde vient d'une version plus récente du code (migrations inconnues : "
            + ", ".join(unknown[:5])
            + (" …" if len(unknown) > 5 else "")
            + ") : déployez d'abord cette version."
        )
    root = media_root()
    media = manifest["media"]
    occupied = []
    if existing_tables():
        occupied.append(f"la base de données ({settings_dict['NAME']}) contient des tables")
    if media and root is not None and root.is_dir() and any(root.iterdir()):
        occupied.append(f"le dossier des médias ({root}) n'est pas vide")
    if occupied and not force:
        raise BackupError(" ; ".join(occupied) + ". Relancez avec --force pour les remplacer.")

    done = []
    # The media are extracted first: an archive that cannot be read stops the restore before any change.
    staging = stage_media(path / media["file"], root) if media and root is not None else None
    database_file = path / manifest["database"]["file"]
    connections["default"].close()
    try:
        if vendor == "postgresql":
            restore_postgresql(settings_dict, database_file)
        else:
            restore_sqlite(settings_dict, database_file)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    done.append(f"base de données restaurée depuis {database_file.name}")
    if staging is not None:
        swap_media(staging, root)
        done.append(f"médias restaurés dans {root} ({media['files']} fichier(s))")
    elif media:
        done.append("médias non restaurés : le stockage configuré est un bucket S3 (voir docs/deployment.md)")
    else:
        done.append("pas de médias dans cette sauvegarde (stockage objet) : médias inchangés")
    connections["default"].close()
    done += clear_caches()
    if pending_migrations():
        done.append("le code a des migrations plus récentes : lancez manage.py migrate")
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description="Restaure une sauvegarde faite par scripts/backup.py.")
    parser.add_argument("backup", type=Path, help="le dossier de la sauvegarde (var/backups/po-…)")
    parser.add_argument("--force", action="store_true", help="remplace une base ou des médias existants")
    args = parser.parse_args(argv)
    setup_django()
    try:
        done = restore(args.backup, force=args.force)
    except BackupError as error:
        print(f"Restauration impossible : {error}", file=sys.stderr)
        return 2
    print(f"Sauvegarde {args.backup} restaurée :")
    for line in done:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

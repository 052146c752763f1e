"""``make backup`` / ``make restore`` (scripts/backup.py, scripts/restore.py): the database and the media.

The round trips run on the suite's own database, SQLite or PostgreSQL: data
and an uploaded image, a backup, changes and deletions, a restore, and
everything is back. A restore onto a new server goes into a database of its
own (a new SQLite file, or a PostgreSQL database with a unique name, dropped
afterwards). The refusals run in the test's process, on backups made there.
"""

import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from wagtail.images import get_image_model
from wagtail.models import Collection

from tests.deploy import ROOT, child_env
from tests.factories import ImageFactory, UserFactory
from tests.servers import database_env

TEST_SETTINGS = {"DJANGO_SETTINGS_MODULE": "config.settings.test"}


@pytest.fixture(scope="module")
def scripts():
    """scripts/backup.py and scripts/restore.py as modules (restore.py imports backup.py by name)."""
    path = str(ROOT / "scripts")
    sys.path.insert(0, path)
    try:
        return SimpleNamespace(backup=importlib.import_module("backup"), restore=importlib.import_module("restore"))
    finally:
        sys.path.remove(path)


def script_env(media_root, backup_dir=None, database=None):
    """A child process on the test settings, pointed at ``database`` (the suite's by default) and ``media_root``."""
    env = {**database_env(database or connection), "MEDIA_ROOT": str(media_root)}
    if backup_dir is not None:
        env["BACKUP_DIR"] = str(backup_dir)
    env = child_env(env, base=TEST_SETTINGS)
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # under `make test`, this make is not a sub-make
        env.pop(name, None)
    return env


def make(*arguments, env):
    """``make TARGET …`` as an operator types it, without reinstalling the requirements."""
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", f"PY={sys.executable}", *arguments],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def family_and_image():
    """A parent and an uploaded image (a file in MEDIA_ROOT), committed."""
    if not Collection.objects.exists():  # a transactional test's flush removed the root collection
        Collection.add_root(name="Root")
    parent = UserFactory(email="camille.martin@exemple.fr", first_name="Camille", last_name="Martin")
    image = ImageFactory(title="Camp d'été à Vassivière")
    return parent, image


def only_backup(directory):
    (path,) = sorted(directory.glob("po-*"))
    return path


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_make_backup_then_make_restore_puts_the_data_and_the_media_back(settings, tmp_path):
    media_root = Path(settings.MEDIA_ROOT)
    backups = tmp_path / "backups"
    parent, image = family_and_image()
    image_path = media_root / image.file.name
    image_bytes, image_pk = image_path.read_bytes(), image.pk
    env = script_env(media_root, backups)

    result = make("backup", "KEEP=3", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    saved = only_backup(backups)
    assert f"Sauvegarde écrite : {saved}" in result.stdout
    assert saved.stat().st_mode & 0o077 == 0  # the families' data: the owner's only
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["media"] == {"file": "media.tar", "files": 1, "bytes": len(image_bytes)}
    assert "accounts.0001_initial" in manifest["migrations"]

    # After the backup: a change, a deletion (the row and its file), a new row.
    get_user_model().objects.filter(pk=parent.pk).update(first_name="Modifié")
    image.delete()
    image_path.unlink(missing_ok=True)
    UserFactory(email="arrive.apres@exemple.fr")
    connection.close()  # as the web processes are stopped while restoring

    refused = make("restore", f"BACKUP={saved}", env=env)
    assert refused.returncode != 0
    assert "contient des tables" in refused.stderr and "--force" in refused.stderr
    assert get_user_model().objects.get(pk=parent.pk).first_name == "Modifié"  # nothing touched
    connection.close()

    result = make("restore", f"BACKUP={saved}", "FORCE=1", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "base de données restaurée" in result.stdout and "médias restaurés" in result.stdout
    users = get_user_model().objects.order_by("email")
    assert [(user.email, user.first_name) for user in users] == [("camille.martin@exemple.fr", "Camille")]
    restored = get_image_model().objects.get()
    assert (restored.pk, restored.title, restored.file.name) == (image_pk, "Camp d'été à Vassivière", image.file.name)
    assert image_path.read_bytes() == image_bytes
    assert [path.name for path in media_root.iterdir()] == ["original_images"]  # no staging left behind


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database beside the suite's: a new file, or a uniquely named PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield type(connections["default"])(
            {**connection.settings_dict, "NAME": str(tmp_path / "nouveau.sqlite3")}, "restored"
        )
        return
    name = f"po_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    database = type(connections["default"])({**connection.settings_dict, "NAME": name}, "restored")
    try:
        yield database
    finally:
        database.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_restore_onto_a_new_server_needs_no_force(scripts, settings, tmp_path, empty_database):
    parent, image = family_and_image()
    image_bytes = (Path(settings.MEDIA_ROOT) / image.file.name).read_bytes()
    saved = scripts.backup.backup(tmp_path / "backups")
    new_media = tmp_path / "new-server" / "media"

    result = subprocess.run(
        [sys.executable, "scripts/restore.py", str(saved)],
        cwd=ROOT,
        env=script_env(new_media, database=empty_database),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    user_table, image_table = get_user_model()._meta.db_table, get_image_model()._meta.db_table
    try:
        with empty_database.cursor() as cursor:
            cursor.execute(f"SELECT email, first_name FROM {user_table}")  # noqa: S608 (a model's table name)
            assert cursor.fetchall() == [(parent.email, "Camille")]
            cursor.execute(f"SELECT id, file FROM {image_table}")  # noqa: S608
            assert cursor.fetchall() == [(image.pk, image.file.name)]
    finally:
        empty_database.close()
    assert (new_media / image.file.name).read_bytes() == image_bytes


# Refusals: checked before anything changes.


@pytest.mark.django_db
def test_a_damaged_or_incomplete_backup_is_refused(scripts, settings, tmp_path):
    ImageFactory()
    saved = scripts.backup.backup(tmp_path)
    archive = saved / "media.tar"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(scripts.backup.BackupError, match="media.tar est altéré"):
        scripts.restore.restore(saved, force=True)
    (saved / "manifest.json").unlink()
    with pytest.raises(scripts.backup.BackupError, match="pas une sauvegarde complète"):
        scripts.restore.restore(saved, force=True)


@pytest.mark.django_db
def test_another_database_or_newer_code_is_refused(scripts, tmp_path):
    saved = scripts.backup.backup(tmp_path)
    manifest_path = saved / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest_path.write_text(json.dumps({**manifest, "database": {**manifest["database"], "vendor": other}}))
    with pytest.raises(scripts.backup.BackupError, match=f"sauvegarde d'une base {other}"):
        scripts.restore.restore(saved, force=True)
    future = [*manifest["migrations"], "memberspace.9999_plus_recente"]
    manifest_path.write_text(json.dumps({**manifest, "migrations": future}))
    with pytest.raises(scripts.backup.BackupError, match="memberspace.9999_plus_recente"):
        scripts.restore.restore(saved, force=True)


@pytest.mark.django_db
def test_keep_deletes_all_but_the_newest_complete_backups(scripts, tmp_path):
    import datetime

    times = [datetime.datetime(2026, 11, day, 2, 0, tzinfo=datetime.UTC) for day in (24, 25, 26)]
    made = [scripts.backup.backup(tmp_path, now=now) for now in times]
    assert [path.name for path in made] == ["po-20261124T020000Z", "po-20261125T020000Z", "po-20261126T020000Z"]
    unfinished = tmp_path / ".po-20261127T020000Z.partial"
    unfinished.mkdir()
    assert scripts.backup.prune(tmp_path, keep=2) == made[:1]
    assert sorted(path.name for path in tmp_path.iterdir()) == [unfinished.name, made[1].name, made[2].name]
    with pytest.raises(scripts.backup.BackupError, match="existe déjà"):
        scripts.backup.backup(tmp_path, now=times[2])


def test_make_restore_without_a_backup_says_how(tmp_path):
    env = script_env(tmp_path / "media", tmp_path)
    result = make("restore", env=env)
    assert result.returncode != 0
    assert "make restore BACKUP=var/backups/po-…" in result.stdout
    assert not os.listdir(tmp_path)  # nothing written

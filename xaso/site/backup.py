"""Encrypted backups of the database and every stored file, and their restore.

A backup is one file: a tar archive (database dump, files, manifest with SHA-256 of each
file and row counts of each table) encrypted in 1 MiB chunks with AES-256-GCM, so a
province's evidence store never has to fit in memory and any tampering fails the restore.
The key is 32 bytes, base64 in ``XASO_BACKUP_KEY``; without it nothing can be read.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

MAGIC = b"XASOBK1\n"
CHUNK = 1 << 20
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


def backup_key() -> bytes:
    raw = os.environ.get("XASO_BACKUP_KEY", "")
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError(
            "XASO_BACKUP_KEY phải là 32 byte mã hoá base64 (tạo bằng: xaso backup --new-key)."
        )
    return key


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


# --- encryption ---------------------------------------------------------------------------


def encrypt_file(plain: BinaryIO, out: BinaryIO, key: bytes) -> None:
    aead = AESGCM(key)
    prefix = os.urandom(4)
    out.write(MAGIC + prefix)
    index = 0
    while True:
        block = plain.read(CHUNK)
        last = len(block) < CHUNK
        nonce = prefix + struct.pack(">Q", index)
        # The "last" flag is authenticated, so a truncated backup cannot pass as whole.
        sealed = aead.encrypt(nonce, block, b"L" if last else b"C")
        out.write(struct.pack(">I", len(sealed)) + sealed)
        index += 1
        if last:
            return


def decrypt_file(sealed: BinaryIO, out: BinaryIO, key: bytes) -> None:
    if sealed.read(len(MAGIC)) != MAGIC:
        raise BackupError("Tệp không phải bản sao lưu của xaso.")
    aead = AESGCM(key)
    prefix = sealed.read(4)
    index = 0
    while True:
        head = sealed.read(4)
        if len(head) < 4:
            raise BackupError("Bản sao lưu bị cắt cụt.")
        (size,) = struct.unpack(">I", head)
        body = sealed.read(size)
        nonce = prefix + struct.pack(">Q", index)
        for flag in (b"C", b"L"):
            try:
                block = aead.decrypt(nonce, body, flag)
            except Exception:
                continue
            out.write(block)
            if flag == b"L":
                return
            break
        else:
            raise BackupError("Sai khoá hoặc bản sao lưu đã bị sửa.")
        index += 1


# --- what is in the database and the storage ----------------------------------------------


def table_fingerprints() -> dict[str, dict[str, Any]]:
    """Row count and a SHA-256 of the sorted primary keys of every model's table."""
    result: dict[str, dict[str, Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        table = model._meta.db_table
        if table in result:
            continue
        pks = sorted(str(pk) for pk in model._base_manager.values_list("pk", flat=True))
        digest = hashlib.sha256("\n".join(pks).encode()).hexdigest()
        result[table] = {"rows": len(pks), "pk_sha256": digest}
    return result


def stored_files(prefix: str = "") -> Iterator[str]:
    """The name of every file in the default storage. An object store is listed flat (one
    request per 1,000 keys, however many "folders"); a file system is walked."""
    keys = _object_keys(prefix)
    if keys is not None:
        yield from keys
        return
    try:
        directories, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}{name}"
    for directory in directories:
        yield from stored_files(f"{prefix}{directory}/")


def _object_keys(prefix: str) -> Iterator[str] | None:
    from storages.backends.s3 import S3Storage

    if not isinstance(default_storage, S3Storage):
        return None
    # Names are relative to the storage's key prefix (XASO_S3_PREFIX), as the app saw them.
    root = f"{default_storage.location}/" if default_storage.location else ""
    objects = default_storage.bucket.objects.filter(Prefix=f"{root}{prefix}")
    return (o.key[len(root) :] for o in objects if not o.key.endswith("/"))


def sha256_of(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


# --- database dump and load ---------------------------------------------------------------


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432),
            "-U", str(db.get("USER") or "postgres")]  # fmt: skip
    return args, env


def dump_database(target: Path) -> str:
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        dest = sqlite3.connect(target)
        with dest:
            raw.backup(dest)  # a consistent snapshot even while others write
        dest.close()
        return "sqlite"
    if vendor == "postgresql":
        args, env = _pg_env()
        name = str(settings.DATABASES["default"]["NAME"])
        subprocess.run(
            ["pg_dump", *args, "-Fc", "--no-owner", "--no-acl", "-f", str(target), name],
            check=True, env=env,
        )  # fmt: skip
        return "postgresql"
    raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {vendor}.")


def load_database(dump: Path, kind: str) -> None:
    vendor = connection.vendor
    if kind != vendor:
        raise BackupError(f"Bản sao lưu là {kind}, cơ sở dữ liệu đích là {vendor}.")
    if vendor == "sqlite":
        connection.close()
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(dump, name)
        return
    args, env = _pg_env()
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    subprocess.run(
        ["pg_restore", *args, "--no-owner", "--no-acl", "--exit-on-error", "-d", name,
         str(dump)],
        check=True, env=env,
    )  # fmt: skip


# --- the two commands -----------------------------------------------------------------------


@dataclass
class BackupReport:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int


def make_backup(out_path: Path) -> BackupReport:
    key = backup_key()
    with tempfile.TemporaryDirectory(prefix="xaso-backup-") as tmp:
        work = Path(tmp)
        kind = dump_database(work / "database.dump")
        files = []
        plain = work / "backup.tar"
        with tarfile.open(plain, "w") as tar:
            tar.add(work / "database.dump", arcname="database.dump")
            for name in stored_files():
                with default_storage.open(name, "rb") as handle:
                    digest = sha256_of(handle)
                    size = handle.tell()
                    handle.seek(0)
                    info = tarfile.TarInfo(f"files/{name}")
                    info.size = size
                    tar.addfile(info, handle)
                files.append({"name": name, "size": size, "sha256": digest})
            fingerprints = table_fingerprints()
            manifest = {
                "format": FORMAT_VERSION, "database": kind, "tables": fingerprints,
                "files": files,
            }  # fmt: skip
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_suffix(out_path.suffix + ".partial")
        with plain.open("rb") as src, partial.open("wb") as dst:
            encrypt_file(src, dst, key)
        partial.replace(out_path)
    return BackupReport(
        out_path, len(fingerprints), sum(t["rows"] for t in fingerprints.values()), len(files),
        out_path.stat().st_size,
    )  # fmt: skip


@dataclass
class RestoreReport:
    tables: int
    rows_expected: int
    rows_lost: int
    tables_differing: list[str]
    files: int
    files_lost: int


def restore_backup(path: Path) -> RestoreReport:
    """Restores into an empty database and storage, then proves nothing was lost."""
    key = backup_key()
    with tempfile.TemporaryDirectory(prefix="xaso-restore-") as tmp:
        work = Path(tmp)
        plain = work / "backup.tar"
        with path.open("rb") as src, plain.open("wb") as dst:
            decrypt_file(src, dst, key)
        with tarfile.open(plain, "r") as tar:
            tar.extractall(work / "x", filter="data")
        root = work / "x"
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        load_database(root / "database.dump", manifest["database"])
        for entry in manifest["files"]:
            with (root / "files" / entry["name"]).open("rb") as handle:
                if default_storage.exists(entry["name"]):
                    default_storage.delete(entry["name"])
                default_storage.save(entry["name"], File(handle))
    return verify_restore(manifest)


def verify_restore(manifest: dict[str, Any]) -> RestoreReport:
    now = table_fingerprints()
    rows_lost, differing = 0, []
    for table, before in manifest["tables"].items():
        after = now.get(table, {"rows": 0, "pk_sha256": ""})
        rows_lost += max(before["rows"] - after["rows"], 0)
        if after != before:
            differing.append(table)
    files_lost = 0
    for entry in manifest["files"]:
        try:
            with default_storage.open(entry["name"], "rb") as handle:
                ok = sha256_of(handle) == entry["sha256"]
        except FileNotFoundError:
            ok = False
        files_lost += 0 if ok else 1
    return RestoreReport(
        len(manifest["tables"]), sum(t["rows"] for t in manifest["tables"].values()),
        rows_lost, differing, len(manifest["files"]), files_lost,
    )  # fmt: skip

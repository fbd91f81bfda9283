"""Backups: encryption that detects tampering and truncation, and a restore that loses
nothing (a real demo, backed up and restored into a fresh data directory)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xaso.site.backup import CHUNK, BackupError, decrypt_file, encrypt_file, new_key

KEY = bytes(range(32))


def roundtrip(data: bytes, key: bytes = KEY) -> bytes:
    sealed = io.BytesIO()
    encrypt_file(io.BytesIO(data), sealed, key)
    sealed.seek(0)
    out = io.BytesIO()
    decrypt_file(sealed, out, key)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_encryption_roundtrip(size: int) -> None:
    data = os.urandom(size)
    assert roundtrip(data) == data


def _sealed(data: bytes) -> bytearray:
    out = io.BytesIO()
    encrypt_file(io.BytesIO(data), out, KEY)
    return bytearray(out.getvalue())


def test_a_flipped_byte_is_detected() -> None:
    sealed = _sealed(b"x" * 5000)
    sealed[100] ^= 1
    with pytest.raises(BackupError, match="đã bị sửa"):
        decrypt_file(io.BytesIO(bytes(sealed)), io.BytesIO(), KEY)


def test_a_truncated_backup_is_detected() -> None:
    sealed = _sealed(os.urandom(2 * CHUNK + 10))
    cut = bytes(sealed[: len(MAGIC_AND_PREFIX) + 4 + CHUNK + 16])
    with pytest.raises(BackupError):
        decrypt_file(io.BytesIO(cut), io.BytesIO(), KEY)


MAGIC_AND_PREFIX = b"XASOBK1\n" + b"0000"


def test_the_wrong_key_reads_nothing() -> None:
    sealed = _sealed(b"bi mat")
    with pytest.raises(BackupError):
        decrypt_file(io.BytesIO(bytes(sealed)), io.BytesIO(), bytes(32))


def test_backup_and_restore_lose_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "XASO_BACKUP_KEY": new_key()}
    env.pop("DATABASE_URL", None)

    def xaso(data_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xaso", *args], capture_output=True,
                              text=True, env={**env, "XASO_DATA_DIR": data_dir})  # fmt: skip

    source, target = str(tmp_path / "a"), str(tmp_path / "b")
    assert xaso(source, "demo", "--no-serve").returncode == 0
    put = ("from django.core.files.base import ContentFile; "
           "from django.core.files.storage import default_storage as s; "
           "s.save('minh-chung/qd-01.pdf', ContentFile(b'%PDF-1.7 ' * 999))")  # fmt: skip
    assert xaso(source, "manage", "shell", "-c", put).returncode == 0
    backup = tmp_path / "x.xbk"
    made = xaso(source, "backup", "--out", str(backup))
    assert made.returncode == 0, made.stderr
    assert b"minh-chung" not in backup.read_bytes()  # encrypted, not merely archived
    restored = xaso(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "rows_lost 0" in restored.stdout and "files_lost 0" in restored.stdout
    assert "files 1" in restored.stdout
    assert (
        (tmp_path / "b" / "media" / "minh-chung" / "qd-01.pdf").read_bytes().startswith(b"%PDF-1.7")
    )


def test_backup_without_a_key_refuses(tmp_path: Path) -> None:
    env = {**os.environ, "XASO_DATA_DIR": str(tmp_path)}
    env.pop("XASO_BACKUP_KEY", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "xaso", "backup"], capture_output=True,
                            text=True, env=env)  # fmt: skip
    assert result.returncode != 0 and "XASO_BACKUP_KEY" in result.stderr

"""The data keys (数据密钥): SM4 keys that encrypt personal fields and the key of their blind index.

They live outside the database, so that a dump, a backup or a reader of the tables holds
ciphertext only:

- `GONGZHI_DATA_KEYS` (environment or `.streamlit/secrets.toml`) for Supabase and any other
  deployment: the keyring's lines, separated by newlines or `;`;
- otherwise the file `<data dir>/secrets/data-keys` (0600 in the 0700 folder where the embedded
  server keeps its passwords), made on first use for the embedded default.

A keyring is lines of `index <base64 of 32 bytes>` (the blind-index key, one, never rotated) and
`key <id> <base64 of 16 bytes> [retired]` (SM4 keys, id 1–255). The highest id that is not retired
is the current key: new ciphertext uses it, older ones still decrypt. `keys rotate` adds a key and
marks an old one `retired` once no row uses it; a retired key stays so that an older backup can
still be read (delete its line only when no kept backup needs it).
"""
from __future__ import annotations

import base64
import os
import secrets as tokens
from dataclasses import dataclass, field
from pathlib import Path

from gongzhi import config
from gongzhi.errors import DomainError

FILE_NAME = "data-keys"
ENV = "GONGZHI_DATA_KEYS"
SM4_KEY_BYTES = 16
INDEX_KEY_BYTES = 32
HEADER = ("# Gongzhi data keys: SM4 keys of the personal fields and the blind-index key.\n"
          "# Back this file up apart from the database backups: without it the phones cannot be read.\n")


class KeyError_(DomainError):
    """The data keys are missing, unreadable or do not fit the data; the message says what to do
    (pages show it as `personal.keys_missing`, the command line prints it)."""

    def __init__(self, message: str):
        super().__init__("personal.keys_missing", detail=message)
        self.args = (message,)

    def __str__(self) -> str:
        return self.args[0]


@dataclass
class Keyring:
    index_key: bytes
    keys: dict[int, bytes]
    retired: set[int] = field(default_factory=set)
    source: str = ""          # where it was read from (a path, or the environment variable's name)

    @property
    def current_id(self) -> int:
        live = [k for k in self.keys if k not in self.retired]
        if not live:
            raise KeyError_(f"The keyring in {self.source} has no key that is not retired; add one "
                            "(`python -m gongzhi keys generate`).")
        return max(live)

    def key(self, key_id: int) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyError_(f"Data key {key_id} is not in the keyring ({self.source}): the rows were encrypted "
                            "with a key this keyring lacks. Restore the keyring that belongs to this database "
                            "(see docs/operations.md, 'The data keys').") from None

    def text(self) -> str:
        lines = [f"index {_b64(self.index_key)}"]
        for key_id in sorted(self.keys):
            lines.append(f"key {key_id} {_b64(self.keys[key_id])}" + (" retired" if key_id in self.retired else ""))
        return HEADER + "\n".join(lines) + "\n"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def parse(text: str, source: str) -> Keyring:
    """A keyring from its text; KeyError_ naming the line that is wrong."""
    index_key, keys, retired = None, {}, set()
    for number, line in enumerate(text.replace(";", "\n").splitlines(), 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        try:
            if parts[0] == "index" and len(parts) == 2:
                index_key = base64.b64decode(parts[1], validate=True)
                if len(index_key) != INDEX_KEY_BYTES:
                    raise ValueError
            elif parts[0] == "key" and len(parts) in (3, 4):
                key_id, raw = int(parts[1]), base64.b64decode(parts[2], validate=True)
                if not 1 <= key_id <= 255 or len(raw) != SM4_KEY_BYTES or key_id in keys:
                    raise ValueError
                if len(parts) == 4:
                    if parts[3] != "retired":
                        raise ValueError
                    retired.add(key_id)
                keys[key_id] = raw
            else:
                raise ValueError
        except ValueError:
            raise KeyError_(f"The data keyring ({source}) is corrupt at entry {number}: expected "
                            "`index <base64 of 32 bytes>` or `key <1-255> <base64 of 16 bytes> [retired]`. "
                            "Restore it from its backup; never start without it.") from None
    if index_key is None or not keys:
        raise KeyError_(f"The data keyring ({source}) is incomplete: it needs one `index` line and at least one "
                        "`key` line. Restore it from its backup.")
    ring = Keyring(index_key, keys, retired, source)
    ring.current_id  # noqa: B018 — refuses a ring of retired keys only
    return ring


def new_keyring(source: str = "") -> Keyring:
    return Keyring(tokens.token_bytes(INDEX_KEY_BYTES), {1: tokens.token_bytes(SM4_KEY_BYTES)}, set(), source)


def path() -> Path:
    return config.data_dir() / "secrets" / FILE_NAME


def from_environment() -> bool:
    return config.setting(ENV) is not None


def configured() -> bool:
    """Whether a keyring is set or its file exists."""
    return from_environment() or path().exists()


def load(*, create: bool = False) -> Keyring:
    """The keyring: from GONGZHI_DATA_KEYS, else the file. The file is made when missing only if
    `create` (the migrate command decides, see `pending.ensure_keys`). Never silently without keys."""
    configured = config.setting(ENV)
    if configured is not None:
        return parse(configured, ENV)
    file = path()
    if file.exists():
        return _read(file)
    if not create:
        raise KeyError_(f"No data keys: set {ENV} (the keyring's lines, see docs/operations.md) or put the keyring "
                        f"file at {file}. Gongzhi does not write personal data without them.")
    ring = new_keyring(str(file))
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with open(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(ring.text())
    except FileExistsError:  # another process made it first
        return _read(file)
    return ring


def _read(file: Path) -> Keyring:
    try:
        text = file.read_text()
    except OSError as exc:
        raise KeyError_(f"The data keyring {file} cannot be read ({exc.strerror}).") from None
    return parse(text, str(file))


def save(ring: Keyring) -> None:
    """Write the keyring file atomically (a rotation's new key, a retirement). Only the file keyring
    can change; a keyring from the environment is changed by whoever sets the variable."""
    if from_environment():
        raise KeyError_(f"The keyring comes from {ENV}; change that setting instead (see docs/operations.md).")
    file = path()
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".new")
    tmp.unlink(missing_ok=True)
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(ring.text())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, file)

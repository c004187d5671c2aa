"""Where the bytes of photos live, behind one interface (`PhotoStore`: put, get, delete by key) with
two backends:

- `FolderStore`: a folder under the data directory (`.gongzhi/photos`, mode 0700, files 0600) —
  the embedded default;
- `SupabaseStore`: a Supabase Storage bucket over its HTTP API (`/storage/v1/object/...`, the
  `apikey` and `Authorization: Bearer` headers; listing through `/storage/v1/object/list/<bucket>`,
  one folder level a request, paged by offset; many objects removed at once through
  `DELETE /storage/v1/object/<bucket>` with `{"prefixes": [...]}`, at most 1,000 a request, each
  batch retried a few times and what it could not remove reported), used when `SUPABASE_URL` and
  `SUPABASE_SERVICE_ROLE_KEY` are set or `GONGZHI_PHOTO_STORE=supabase`.

Keys are `<subject kind>/<subject id>/<32 hex>.<ext>` (the database checks the same shape); a key
of any other shape is refused before it reaches a path or a URL. Who may read a photo is decided
by the database (gongzhi.photos.commands reads the row under row-level security first); the
bucket's own policies (the photos migration) decide for clients that reach Storage directly.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import quote

import requests

from gongzhi import config
from gongzhi.errors import DomainError

KEY = re.compile(r"^[a-z_]{1,32}/[0-9]{1,18}/[0-9a-f]{32}(\.thumb)?\.(jpg|png|webp)$")
# The folder levels of a key (subject kind, subject id): a listing descends only into these.
FOLDERS = (re.compile(r"^[a-z_]{1,32}$"), re.compile(r"^[0-9]{1,18}$"))
BUCKET = "photos"
TIMEOUT = 20
LIST_PAGE = 1000   # entries per listing request
# Objects per bulk delete: Storage refuses more (storage-api's MAX_OBJECTS_PER_REQUEST, "Bulk object
# requests are limited to 1000 objects per request").
DELETE_BATCH = 1000
DELETE_ATTEMPTS = 3   # a batch that fails (no answer, 429, 5xx) is sent again this many times in all
RETRY_WAIT_S = 0.5    # before the second attempt; doubled before each further one


@dataclass(frozen=True)
class Deleted:
    """What a bulk removal did: the keys the store confirmed removed, and the keys it did not
    (its batch failed after every attempt, or the answer did not list them), with the reason."""
    removed: tuple[str, ...]
    kept: tuple[str, ...] = ()
    reasons: tuple[DomainError, ...] = ()   # one per failed batch (photos.store_failed, …)


class PhotoStore(Protocol):
    """A place for photo bytes. `get` raises DomainError('photos.missing') for an absent key."""
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"not a photo key: {key!r}")
    return key


class FolderStore:
    """Photos as files under `root`, which only the server's user may read."""
    name = "folder"

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise DomainError("photos.missing") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_many(self, keys: list[str]) -> Deleted:
        """Remove `keys`; a file that cannot be removed is kept and reported, the others go."""
        removed, kept = [], []
        for key in keys:
            try:
                self.delete(key)
            except OSError:
                kept.append(key)
            else:
                removed.append(key)
        return Deleted(tuple(removed), tuple(kept), (DomainError("photos.store_failed", status="OSError"),) if kept else ())

    def listing(self) -> Iterator[tuple[str, dt.datetime]]:
        """Every photo file in the folder, as (key, when it was last written); files that are not
        named like a photo are left out (the sweep never touches them)."""
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and KEY.match(key):
                yield key, dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


class SupabaseStore:
    """Photos in a Supabase Storage bucket, through its HTTP API. `token` is the bearer token (the
    service key, or a user's access token, whose claims the bucket's policies then judge)."""
    name = "supabase"

    def __init__(self, url: str, apikey: str, token: str | None = None, bucket: str = BUCKET,
                 session: requests.Session | None = None, list_page: int = LIST_PAGE,
                 delete_batch: int = DELETE_BATCH, attempts: int = DELETE_ATTEMPTS, retry_wait_s: float | None = None):
        self.base = url.rstrip("/") + "/storage/v1"
        self.list_page = list_page
        self.delete_batch = max(1, min(delete_batch, DELETE_BATCH))
        self.attempts = max(1, attempts)
        self.retry_wait_s = RETRY_WAIT_S if retry_wait_s is None else retry_wait_s
        self.bucket = bucket
        self.headers = {"apikey": apikey, "Authorization": f"Bearer {token or apikey}"}
        self.http = session or requests.Session()

    def _url(self, key: str, authenticated: bool = False) -> str:
        where = "object/authenticated" if authenticated else "object"
        return f"{self.base}/{where}/{quote(self.bucket)}/{quote(_checked(key))}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        answer = self._send("post", self._url(key), data=data,
                            headers={"Content-Type": content_type, "x-upsert": "false", "cache-control": "3600"})
        if answer.status_code not in (200, 201):
            raise _refusal(answer)

    def get(self, key: str) -> bytes:
        answer = self._send("get", self._url(key, authenticated=True))
        if answer.status_code == 200:
            return answer.content
        raise _refusal(answer)

    def delete(self, key: str) -> None:
        answer = self._send("delete", self._url(key))
        if answer.status_code not in (200, 204) and _status(answer) != 404:
            raise _refusal(answer)

    def delete_many(self, keys: list[str]) -> Deleted:
        """Remove `keys` in batches of at most `delete_batch` through Storage's bulk delete, which
        answers the objects it removed (an object it does not have, or may not remove, is simply
        not in the answer). A batch with no answer, a 429 or a 5xx is sent again, up to `attempts`
        in all; a batch that still fails, or is refused, is reported with its keys and the next
        batch goes on. Nothing is forgotten: every key is either removed or kept."""
        keys = [_checked(k) for k in keys]
        removed: list[str] = []
        kept: list[str] = []
        reasons: list[DomainError] = []
        for start in range(0, len(keys), self.delete_batch):
            batch = keys[start:start + self.delete_batch]
            gone, reason = self._delete_batch(batch)
            removed.extend(k for k in batch if k in gone)
            kept.extend(k for k in batch if k not in gone)
            if reason:
                reasons.append(reason)
        return Deleted(tuple(removed), tuple(kept), tuple(reasons))

    def _delete_batch(self, batch: list[str]) -> tuple[set[str], DomainError | None]:
        """The names one bulk delete removed, and why the batch failed (None when it answered)."""
        reason = DomainError("photos.store_unreachable")
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.retry_wait_s * 2 ** (attempt - 1))
            try:
                answer = self._send("delete", f"{self.base}/object/{quote(self.bucket)}", json={"prefixes": batch})
            except DomainError as exc:
                reason = exc
                continue
            if answer.status_code == 200:
                return {entry["name"] for entry in answer.json() if isinstance(entry, dict) and "name" in entry}, None
            status = _status(answer)
            reason = _refusal(answer)
            if status != 429 and status < 500:      # a refusal: sending it again changes nothing
                break
        return set(), reason

    def listing(self) -> Iterator[tuple[str, dt.datetime]]:
        """Every photo object in the bucket, as (key, when it was last written), through Storage's
        list endpoint: it answers one folder level under a prefix (folders with a null id), sorted
        by name and paged by `limit`/`offset`, so the listing walks kind/ then kind/id/ folders.
        Folders and objects not shaped like a photo key are left out (the sweep never touches them)."""
        yield from self._walk("", 0, self.list_page)

    def _walk(self, prefix: str, depth: int, page: int) -> Iterator[tuple[str, dt.datetime]]:
        for entry in self._list(prefix, page):
            name = entry.get("name") or ""
            if entry.get("id") is None:                       # a folder
                if depth < len(FOLDERS) and FOLDERS[depth].match(name):
                    yield from self._walk(f"{prefix}{name}/", depth + 1, page)
            elif KEY.match(prefix + name):
                yield prefix + name, _when(entry.get("updated_at") or entry.get("created_at"))

    def _list(self, prefix: str, page: int) -> Iterator[dict]:
        offset = 0
        while True:
            answer = self._send("post", f"{self.base}/object/list/{quote(self.bucket)}", json={
                "prefix": prefix, "limit": page, "offset": offset, "sortBy": {"column": "name", "order": "asc"}})
            if answer.status_code != 200:
                raise _refusal(answer)
            entries = answer.json()
            yield from entries
            if len(entries) < page:
                return
            offset += len(entries)

    def _send(self, method: str, url: str, headers: dict | None = None, **kw) -> requests.Response:
        try:
            return self.http.request(method, url, headers={**self.headers, **(headers or {})}, timeout=TIMEOUT, **kw)
        except requests.RequestException:
            raise DomainError("photos.store_unreachable") from None


def _when(stamp: str | None) -> dt.datetime:
    """Storage's ISO 8601 time as an aware datetime; an object without one counts as written now
    (the sweep then keeps it for the grace period)."""
    if not stamp:
        return dt.datetime.now(dt.timezone.utc)
    at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def _status(answer: requests.Response) -> int:
    """The status Storage means: it answers some refusals as 400 with the real code in the body."""
    try:
        body = answer.json()
    except ValueError:
        return answer.status_code
    code = str(body.get("statusCode", answer.status_code)) if isinstance(body, dict) else str(answer.status_code)
    return int(code) if code.isdigit() else answer.status_code


def _refusal(answer: requests.Response) -> DomainError:
    status = _status(answer)
    if status == 404:
        return DomainError("photos.missing")
    if status in (401, 403):
        return DomainError("error.forbidden")
    if status == 409:
        return DomainError("error.duplicate")
    if status == 413:
        return DomainError("photos.store_too_large")
    return DomainError("photos.store_failed", status=status)


def store() -> PhotoStore:
    """The configured photo store: Supabase Storage on a hosted deployment, else the folder."""
    chosen = config.setting("GONGZHI_PHOTO_STORE")
    url, key = config.setting("SUPABASE_URL"), config.setting("SUPABASE_SERVICE_ROLE_KEY")
    if chosen == "supabase" or (chosen is None and url and key):
        if not (url and key):
            raise DomainError("photos.store_not_configured")
        return SupabaseStore(url, key)
    return FolderStore(config.data_dir() / "photos")

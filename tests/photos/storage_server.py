"""A small Supabase Storage server on loopback, for the photo store's tests: the object part of
the Storage API's HTTP contract (what storage-api's routes answer), backed by a real database.

  POST   /storage/v1/object/list/<bucket>                  list one folder level under a prefix
                                                           ({prefix, limit, offset, sortBy}: folders
                                                           with a null id, objects with their times)
  POST   /storage/v1/object/<bucket>/<path>                upload (409 when the path exists)
  GET    /storage/v1/object/authenticated/<bucket>/<path>  download
  DELETE /storage/v1/object/<bucket>/<path>                remove
  DELETE /storage/v1/object/<bucket>                       remove many ({"prefixes": [names]}, 1 to 1,000
                                                           names, else 400): answers the objects it
                                                           removed; a name it does not have, or that
                                                           the caller may not remove, is left out

Every request needs `apikey` and `Authorization: Bearer <jwt>` (HS256 with the test secret);
without them 401 (Storage answers 400 with statusCode 403/404 in the body for RLS refusals and
missing objects, and so does this server). The token's `role` decides as in Storage: service_role
bypasses row-level security; any other role runs the object's row in `storage.objects` under the
policies of the database, as `authenticated` with the token's claims — the same check Storage
makes. The bytes are kept in memory.

For the failure tests, `fail_bulk` names objects whose bulk delete fails as a Storage whose backend
is down does: 500, and nothing of that request removed (its rows are deleted in one transaction);
`fail_bulk_times` limits how many such requests fail (None: all of them).
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import jwt
import psycopg

SECRET = "test-storage-secret-at-least-32-bytes-long"
ROUTE = re.compile(r"^/storage/v1/object/(?P<auth>authenticated/)?(?P<bucket>[^/]+)/(?P<path>.+)$")
LIST = re.compile(r"^/storage/v1/object/list/(?P<bucket>[^/]+)$")
BULK = re.compile(r"^/storage/v1/object/(?P<bucket>[^/]+)$")
BULK_LIMIT = 1000   # storage-api's MAX_OBJECTS_PER_REQUEST

# A minimal `storage` schema with the columns Storage's policies use (the hosted one has more).
SCHEMA = """
create schema if not exists storage;
create table if not exists storage.buckets (id text primary key, name text not null, public boolean default false);
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  unique (bucket_id, name));
alter table storage.objects enable row level security;
grant usage on schema storage to authenticated, gongzhi_district;
grant select, insert, delete on storage.objects to authenticated, gongzhi_district;
grant select on storage.buckets to authenticated, gongzhi_district;
"""


def token(claims: dict) -> str:
    return jwt.encode({"aud": "authenticated", **claims}, SECRET, algorithm="HS256")


class StorageServer:
    """`with StorageServer(db_url) as s:` serves on s.url until the block ends."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.fail_bulk: set[str] = set()
        self.fail_bulk_times: int | None = None
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------ the row, under the policies
    def _row(self, claims: dict, sql: str, params: tuple) -> int:
        with psycopg.connect(self.db_url, autocommit=False) as conn:
            if claims.get("role") != "service_role":
                conn.execute("select set_config('request.jwt.claims', %s, true), set_config('role', 'authenticated', true)",
                             (json.dumps(claims),))
            try:
                n = conn.execute(sql, params).rowcount
            except psycopg.errors.InsufficientPrivilege:
                return 0
            conn.commit()
            return n

    def _rows(self, claims: dict, sql: str, params: tuple) -> list[tuple]:
        with psycopg.connect(self.db_url, autocommit=False) as conn:
            if claims.get("role") != "service_role":
                conn.execute("select set_config('request.jwt.claims', %s, true), set_config('role', 'authenticated', true)",
                             (json.dumps(claims),))
            return conn.execute(sql, params).fetchall()

    def bulk_delete(self, claims: dict, bucket: str, names: list[str]) -> list[dict]:
        """Storage's deleteObjects: the rows of `names` the caller may delete, deleted in one
        transaction, answered as objects (name, bucket_id, id, owner, times, metadata)."""
        with psycopg.connect(self.db_url, autocommit=False) as conn:
            if claims.get("role") != "service_role":
                conn.execute("select set_config('request.jwt.claims', %s, true), set_config('role', 'authenticated', true)",
                             (json.dumps(claims),))
            try:
                rows = conn.execute("delete from storage.objects where bucket_id = %s and name = any (%s)"
                                    " returning id, name, owner, created_at, updated_at", (bucket, names)).fetchall()
            except psycopg.errors.InsufficientPrivilege:
                return []
            conn.commit()
        return [{"name": name, "bucket_id": bucket, "id": str(oid), "owner": str(owner) if owner else None,
                 "created_at": created.isoformat(), "updated_at": updated.isoformat(),
                 "last_accessed_at": updated.isoformat(),
                 "metadata": {"size": len(self.objects.get((bucket, name), (b"",))[0])}}
                for oid, name, owner, created, updated in rows]

    def listing(self, claims: dict, bucket: str, body: dict) -> list[dict]:
        """One folder level under body['prefix'], as Storage's search answers it: the folders (id
        null) and the objects directly under the prefix, sorted by name, then `offset` and `limit`."""
        prefix = body.get("prefix") or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        rows = self._rows(claims, "select name, id, created_at, updated_at from storage.objects"
                                  " where bucket_id = %s and starts_with(name, %s) order by name", (bucket, prefix))
        entries: dict[str, dict] = {}
        for name, oid, created, updated in rows:
            rest = name[len(prefix):]
            if "/" in rest:
                folder = rest.split("/", 1)[0]
                entries.setdefault(folder, {"name": folder, "id": None, "updated_at": None, "created_at": None,
                                            "last_accessed_at": None, "metadata": None})
            else:
                entries[rest] = {"name": rest, "id": str(oid), "created_at": created.isoformat(),
                                 "updated_at": updated.isoformat(), "last_accessed_at": updated.isoformat(),
                                 "metadata": {"size": len(self.objects.get((bucket, name), (b"",))[0])}}
        ordered = [entries[k] for k in sorted(entries)]
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 100))
        return ordered[offset:offset + limit]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes | dict, ctype: str = "application/json"):
                data = json.dumps(body).encode() if isinstance(body, dict) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, code: int, error: str):
                # Storage answers refusals as 400 with the meaning in the body.
                self._answer(400, {"statusCode": str(code), "error": error, "message": error})

            def _claims(self):
                auth = self.headers.get("Authorization", "")
                if not self.headers.get("apikey") or not auth.startswith("Bearer "):
                    self._answer(401, {"statusCode": "401", "error": "Unauthorized", "message": "no token"})
                    return None
                try:
                    return jwt.decode(auth.removeprefix("Bearer "), SECRET, algorithms=["HS256"], audience="authenticated")
                except jwt.PyJWTError:
                    self._error(403, "invalid_jwt")
                    return None

            def _route(self, download: bool):
                found = ROUTE.match(self.path)
                if not found or bool(found["auth"]) != download:
                    self._answer(404, {"statusCode": "404", "error": "not_found", "message": "route"})
                    return None
                return found["bucket"], unquote(found["path"])

            def do_POST(self):
                claims, route = self._claims(), None
                if claims is None:
                    return
                if (listed := LIST.match(self.path)) is not None:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                    server.requests.append(("LIST", self.path, body))
                    if "prefix" not in body:
                        return self._error(400, "body must have required property 'prefix'")
                    data = json.dumps(server.listing(claims, listed["bucket"], body)).encode()
                    return self._answer(200, data)
                if (route := self._route(False)) is None:
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(("POST", self.path, dict(self.headers)))
                with server.lock:
                    if route in server.objects:
                        return self._error(409, "Duplicate")
                    made = server._row(claims, "insert into storage.objects (bucket_id, name, owner)"
                                       " values (%s, %s, nullif(%s, '')::uuid)", (*route, claims.get("sub", "")))
                    if not made:
                        return self._error(403, "new row violates row-level security policy")
                    server.objects[route] = (body, self.headers.get("Content-Type", "application/octet-stream"))
                self._answer(200, {"Key": f"{route[0]}/{route[1]}"})

            def do_GET(self):
                claims, route = self._claims(), None
                if claims is None or (route := self._route(True)) is None:
                    return
                server.requests.append(("GET", self.path, dict(self.headers)))
                seen = server._row(claims, "select from storage.objects where bucket_id = %s and name = %s", route)
                if not seen or route not in server.objects:
                    return self._error(404, "not_found")
                body, ctype = server.objects[route]
                self._answer(200, body, ctype)

            def _bulk_delete(self, claims: dict, bucket: str):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append(("BULK_DELETE", self.path, body))
                names = body.get("prefixes") if isinstance(body, dict) else None
                if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                    return self._error(400, "body/prefixes must be an array of at least 1 string")
                if len(names) > BULK_LIMIT:
                    return self._error(400, f"Bulk object requests are limited to {BULK_LIMIT} objects per request.")
                with server.lock:
                    if server.fail_bulk & set(names) and server.fail_bulk_times != 0:
                        if server.fail_bulk_times is not None:
                            server.fail_bulk_times -= 1
                        return self._answer(500, {"statusCode": "500", "error": "internal", "message": "backend down"})
                    gone = server.bulk_delete(claims, bucket, names)
                    for entry in gone:
                        server.objects.pop((bucket, entry["name"]), None)
                self._answer(200, json.dumps(gone).encode())

            def do_DELETE(self):
                claims, route = self._claims(), None
                if claims is None:
                    return
                if (bulk := BULK.match(self.path)) is not None:
                    return self._bulk_delete(claims, unquote(bulk["bucket"]))
                if (route := self._route(False)) is None:
                    return
                server.requests.append(("DELETE", self.path, dict(self.headers)))
                with server.lock:
                    gone = server._row(claims, "delete from storage.objects where bucket_id = %s and name = %s", route)
                    if not gone:
                        return self._error(404, "not_found")
                    server.objects.pop(route, None)
                self._answer(200, {"message": "Successfully deleted"})

        return Handler

"""The sweep removes Storage objects in batches through Storage's bulk delete
(`DELETE /storage/v1/object/<bucket>` with `{"prefixes": [...]}`, at most 1,000 names a request),
over real HTTP to the loopback Storage server: N orphans take ceil(N / batch) requests and no
single-object delete; the server holds the client to Storage's limit; a batch that fails is sent
again and then, if it still fails, reported by key while the other batches go on — the objects it
could not remove stay in the bucket as orphans, and the next sweep removes them; the command prints
them and exits non-zero."""
import math
import uuid

import pytest
import requests
from click.testing import CliRunner

from gongzhi import db
from gongzhi.cli import main
from gongzhi.photos import sweep
from gongzhi.photos.storage import DELETE_BATCH, SupabaseStore
from tests.photos.storage_server import BULK_LIMIT, token
from tests.photos.test_sweep_storage import SERVICE, _bucket, server, storage_db  # noqa: F401  (fixtures)


def _orphans(server, n: int, subject: str = "suggestion/990001") -> list[str]:
    """`n` old objects no photo row names, written straight into the bucket (rows and bytes)."""
    keys = sorted(f"{subject}/{uuid.uuid4().hex}.jpg" for _ in range(n))   # the order the listing gives
    with db.owner() as conn:
        conn.execute("insert into storage.objects (bucket_id, name, created_at, updated_at)"
                     " select 'photos', k, now() - interval '1 day', now() - interval '1 day'"
                     " from unnest(%s::text[]) k", (keys,))
    for key in keys:
        server.objects[("photos", key)] = (b"\xff\xd8\xff bytes", "image/jpeg")
    return keys


def _deletes(server) -> tuple[list[list[str]], int]:
    bulk = [body["prefixes"] for verb, _path, body in server.requests if verb == "BULK_DELETE"]
    single = sum(1 for verb, _path, _h in server.requests if verb == "DELETE")
    return bulk, single


def _service_store(server, **kw) -> SupabaseStore:
    return SupabaseStore(server.url, "anon-key", token=token(SERVICE), retry_wait_s=0, **kw)


@pytest.mark.parametrize("n, batch", [(10, 4), (9, 3), (1, 4)])
def test_n_orphans_take_ceil_n_over_the_batch_requests(server, n, batch):
    keys = _orphans(server, n)
    with db.owner() as conn:
        done = sweep.sweep(conn, store=_service_store(server, delete_batch=batch))
    assert done == sweep.Swept(rows_orphaned=0, files_seen=n, files_orphaned=n, files_young=0, removed=True)
    bulk, single = _deletes(server)
    assert len(bulk) == math.ceil(n / batch) and single == 0
    assert all(len(b) <= batch for b in bulk) and sorted(sum(bulk, [])) == sorted(keys)
    assert _bucket(server) == set()


def test_storage_limits_a_bulk_delete_to_1000_and_the_client_keeps_to_it(server):
    assert DELETE_BATCH == BULK_LIMIT == 1000
    keys = _orphans(server, 1001)
    refused = requests.delete(f"{server.url}/storage/v1/object/photos", json={"prefixes": keys},
                              headers={"apikey": "k", "Authorization": f"Bearer {token(SERVICE)}"}, timeout=20)
    assert refused.status_code == 400 and "limited to 1000" in refused.json()["message"]
    empty = requests.delete(f"{server.url}/storage/v1/object/photos", json={"prefixes": []},
                            headers={"apikey": "k", "Authorization": f"Bearer {token(SERVICE)}"}, timeout=20)
    assert empty.status_code == 400
    assert len(_bucket(server)) == 1001                                  # a refused request removed nothing
    server.requests.clear()
    done = _service_store(server, delete_batch=5000).delete_many(keys)   # asks for more than Storage allows
    assert sorted(done.removed) == sorted(keys) and done.kept == ()
    bulk, single = _deletes(server)
    assert [len(b) for b in bulk] == [1000, 1] and single == 0
    assert _bucket(server) == set()


def test_the_answer_decides_what_was_removed(server):
    """Storage answers the objects it removed; a name it does not have is not removed, and says so."""
    keys = _orphans(server, 3)
    ghost = f"suggestion/990002/{uuid.uuid4().hex}.jpg"
    done = _service_store(server).delete_many([*keys, ghost])
    assert sorted(done.removed) == sorted(keys) and done.kept == (ghost,) and done.reasons == ()


def test_a_failed_batch_is_sent_again(server):
    keys = _orphans(server, 8)
    server.fail_bulk, server.fail_bulk_times = {keys[5]}, 1        # the second batch fails once
    with db.owner() as conn:
        done = sweep.sweep(conn, store=_service_store(server, delete_batch=4, attempts=3))
    assert done.files_orphaned == 8 and done.files_failed == 0 and done.kept == ()
    bulk, _single = _deletes(server)
    assert len(bulk) == 3 and bulk[1] == bulk[2]                      # two batches, the second twice
    assert _bucket(server) == set()


def test_a_batch_that_keeps_failing_is_reported_and_the_next_run_removes_it(server):
    keys = _orphans(server, 10)
    server.fail_bulk = {keys[4]}                                       # the second of three batches, always
    with db.owner() as conn:
        done = sweep.sweep(conn, store=_service_store(server, delete_batch=4, attempts=3))
    assert (done.files_orphaned, done.files_failed) == (10, 4)
    assert done.kept == tuple(keys[4:8]) and [r.key for r in done.reasons] == ["photos.store_failed"]
    assert done.reasons[0].params == {"status": 500}
    bulk, _single = _deletes(server)
    assert len(bulk) == 1 + 3 + 1                                      # the failing batch tried three times
    assert _bucket(server) == set(keys[4:8])                           # what was not removed is still there

    server.fail_bulk = set()                                           # Storage is back
    with db.owner() as conn:
        again = sweep.sweep(conn, store=_service_store(server, delete_batch=4))
    assert (again.files_seen, again.files_orphaned, again.files_failed) == (4, 4, 0)
    assert _bucket(server) == set()


def test_a_refused_batch_is_not_sent_again(server):
    keys = _orphans(server, 3)
    stranger = SupabaseStore(server.url, "anon-key", token="not-a-jwt", retry_wait_s=0)
    done = stranger.delete_many(keys)
    assert done.removed == () and done.kept == tuple(keys) and [r.key for r in done.reasons] == ["error.forbidden"]
    assert _bucket(server) == set(keys)


def test_the_command_lists_what_it_could_not_remove_and_fails(server, monkeypatch):
    monkeypatch.setenv("SUPABASE_URL", server.url)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", token(SERVICE))
    monkeypatch.delenv("GONGZHI_PHOTO_STORE", raising=False)
    monkeypatch.setattr("gongzhi.photos.storage.RETRY_WAIT_S", 0)       # no waiting between attempts
    keys = _orphans(server, 3)
    server.fail_bulk = {keys[0]}
    done = CliRunner().invoke(main, ["photos", "sweep"])
    assert done.exit_code == 1, done.output
    assert "removed 0, kept 0" in done.output and "not removed 3" in done.output
    assert "照片存储拒绝了请求（500）" in done.output
    assert all(f"  {k}" in done.output for k in keys)
    assert _bucket(server) == set(keys)

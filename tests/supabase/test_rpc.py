"""Functions callable as RPC: on Supabase every function in `public` is executable by anon and
authenticated by default (PUBLIC's execute plus the default privileges), so a `security definer`
function there is an open door unless it is meant to be one. Checked on both flavours, over every
migration in the folder — including the ones other features add."""
import psycopg
import pytest

from gongzhi import doctor


def _flavours(shared_url, supabase_shared_url):
    return {"compat": shared_url, "supabase": supabase_shared_url}


@pytest.mark.parametrize("flavour", ["compat", "supabase"])
def test_no_security_definer_function_in_public_is_open_to_the_api_roles(flavour, shared_url, supabase_shared_url):
    with psycopg.connect(_flavours(shared_url, supabase_shared_url)[flavour]) as conn:
        finding = doctor.check_rpc(conn)
    assert finding.ok, (f"{finding.params.get('functions')}: revoke execute from public, anon, authenticated,"
                        " move it to schema private, or list it in doctor.RPC_MEANT_FOR_API_ROLES with a reason")


@pytest.mark.parametrize("flavour", ["compat", "supabase"])
def test_private_helpers_are_out_of_anons_reach(flavour, shared_url, supabase_shared_url):
    with psycopg.connect(_flavours(shared_url, supabase_shared_url)[flavour]) as conn:
        assert not conn.execute("select has_schema_privilege('anon', 'private', 'usage')").fetchone()[0]
        callable_by_anon = conn.execute("""
            select p.oid::regprocedure::text from pg_proc p
            where p.pronamespace = 'private'::regnamespace and p.prosecdef
              and has_function_privilege('anon', p.oid, 'execute')""").fetchall()
        assert callable_by_anon == []


def test_the_listed_exceptions_exist_and_are_security_definer(supabase_shared_url):
    """An entry in RPC_MEANT_FOR_API_ROLES must name a real function, so the list cannot rot."""
    with psycopg.connect(supabase_shared_url) as conn:
        for signature in doctor.RPC_MEANT_FOR_API_ROLES:
            row = conn.execute("select prosecdef from pg_proc where oid = to_regprocedure(%s)", (signature,)).fetchone()
            assert row and row[0], signature

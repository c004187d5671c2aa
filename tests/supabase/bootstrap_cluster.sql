-- What a new hosted Supabase project has before its first `supabase db push`, cluster-wide part.
-- Run as supabase_admin (a superuser), written after Supabase's own init scripts for its Postgres
-- image (roles, then the demotion of `postgres`), reduced to what Gongzhi's schema touches.

create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;
create role supabase_auth_admin login noinherit createrole;
create role dashboard_user nologin createrole createdb replication;

-- `postgres` is the role a project's owner (and `supabase db push`) connects as: no superuser.
create role postgres nosuperuser createdb createrole login replication bypassrls;
-- PostgreSQL 16 and later: postgres may hand out the API roles (Supabase grants them with admin).
grant anon, authenticated, service_role to postgres with admin option;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

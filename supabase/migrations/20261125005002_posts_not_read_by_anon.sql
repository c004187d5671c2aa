-- anon reads nothing (DESIGN, and `python -m gongzhi doctor` checks it): the public page's list of
-- open posts is read by the portal itself (public notices, no personal data), not through the
-- public key; anon keeps only its two inserts (application, and signup by phone and code).

-- ---------------------------------------------------------------- row-level security
drop policy "anyone reads open posts" on public.post;

-- ---------------------------------------------------------------- grants
revoke select on public.post from anon;

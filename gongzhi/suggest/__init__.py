"""民情意见箱 (the residents' suggestion box): the public submission and lookup by tracking code
(`commands.submit`, `queries.lookup`), the community's triage (`commands`: reply, close, turn
into a demand or a whistle event, merge, and the 五议 seam `to_deliberation`), the triage board
and the figures for the weekly feedback and monthly bulletin (`queries`), the printable QR code
per community (`qr`) and the demo messages (`demo`). The rules live in the database
(supabase/migrations/*_suggestion_box.sql): anon inserts only through public.submit_suggestion."""

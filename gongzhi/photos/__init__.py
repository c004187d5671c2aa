"""随手拍 Photos: images attached to demands, whistle events (before / after the fix), project
milestones, and the grid worker's rounds and findings (a finding reported up shows its photos on
the demand or event it became: `queries.linked`). `images` cleans an upload, `storage` keeps the bytes (a folder or Supabase Storage),
`commands` and `queries` go through the signed-in user's session, so row-level security on
`public.photo` decides who attaches and who sees (docs/photos.md)."""

# The kinds of row a photo may be attached to (private.photo_subject holds the same list).
KINDS = ("demand", "event", "milestone", "visit", "finding")
STAGES = ("before", "after")

"""随手拍 Photos: images attached to demands, whistle events (before / after the fix) and project
milestones. `images` cleans an upload, `storage` keeps the bytes (a folder or Supabase Storage),
`commands` and `queries` go through the signed-in user's session, so row-level security on
`public.photo` decides who attaches and who sees (docs/photos.md)."""

# The kinds of row a photo may be attached to (private.photo_subject holds the same list).
KINDS = ("demand", "event", "milestone", "suggestion")
STAGES = ("before", "after")

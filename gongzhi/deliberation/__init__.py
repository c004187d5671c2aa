"""五议 deliberation: a community's major affair moving 提议 → 动议 → 商议 → 公议 → 评议.

The stage machine, the quorum and result, and the anonymous vote live in the database
(supabase/migrations/20261205002200_deliberation.sql); `forms` checks what staff type, `commands`
makes each move in one transaction, `queries` reads the list and an item's detail, `ballot` is the
signed-out vote, `demo` the demo district's items.
"""

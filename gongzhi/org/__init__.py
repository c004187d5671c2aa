"""组织与账号: the org tree and staff accounts, managed by district staff through their own
row-level security (never the owner connection), and each user's remembered language."""

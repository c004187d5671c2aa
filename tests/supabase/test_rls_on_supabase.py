"""Every RLS matrix of tests/db, and the schema catalogue checks, run unchanged on the
Supabase-flavoured database (this folder's `conn`): what passes on the embedded server with the
compat layer must pass on a database prepared like a hosted project.

The test functions of tests/db/test_rls_*.py and tests/db/test_catalogue.py are collected here
under a prefix, so a matrix added to tests/db is covered on both flavours without a copy.
"""
import importlib
from pathlib import Path

DB_TESTS = Path(__file__).parent.parent / "db"
MODULES = sorted(p.stem for p in DB_TESTS.glob("test_rls_*.py")) + ["test_catalogue"]

for _module_name in MODULES:
    _module = importlib.import_module(f"tests.db.{_module_name}")
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test) and getattr(_test, "__module__", "") in (_module.__name__, "tests.db.rls"):
            globals()[f"test_{_module_name.removeprefix('test_')}__{_name.removeprefix('test_')}"] = _test
del _module_name, _module, _name, _test

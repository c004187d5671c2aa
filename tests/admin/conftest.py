"""Administrator tests share the import tests' helpers: demo accounts as Identities on a fresh database."""
from tests.imports.conftest import user_of  # noqa: F401  (fixture)

"""Who is signed in: the Identity every domain call takes, and the role → pages map."""
from gongzhi.auth.identity import Identity, load_identity

__all__ = ["Identity", "load_identity"]

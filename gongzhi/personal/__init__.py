"""Residents' and staff's personal data: what is held (the inventory), how it is kept at rest
(encrypted, with a blind index and a masked copy) and who may read it in full.

`inventory.py` is the one list of personal fields; the encryption, the retention job, subject
requests, the docs and the compliance report all read it. `keys.py` holds the data keys (outside
the database), `crypto.py` seals and opens one value, `store.py` turns a row's plain fields into
the stored columns and finds rows by blind index, `unmask.py` is the logged act of reading one
value in full, `pending.py` encrypts what the migration left in plain text, `rotation.py`
re-encrypts under a new key.
"""
from __future__ import annotations

from gongzhi.personal.crypto import BadValue, Sealed, blind_index, decrypt, seal
from gongzhi.personal.keys import KeyError_ as KeysError
from gongzhi.personal.store import find, sealed_columns
from gongzhi.personal.unmask import unmask

__all__ = ["BadValue", "KeysError", "Sealed", "blind_index", "decrypt", "find", "seal", "sealed_columns",
           "unmask"]

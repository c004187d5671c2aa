"""Residents' and staff's personal data: what is held (the inventory), how it is kept at rest
(encrypted, with a blind index and a masked copy) and who may read it in full.

`inventory.py` is the one list of personal fields; the encryption, the retention job, subject
requests, the docs and the compliance report all read it.
"""

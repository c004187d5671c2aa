"""Gongzhi (共治): the domain package of a district's governance portal.

Importable without Streamlit: the pages, the CLI and the tests all go through it.
"""

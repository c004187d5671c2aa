"""Streamlit helpers shared by app.py and the pages: the session, translation, common widgets.

The only package besides pages/ that imports Streamlit; it holds no SQL and no permission rule.
"""

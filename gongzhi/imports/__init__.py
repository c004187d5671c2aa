"""Spreadsheets in and out of the three lists: reading .xlsx/.csv (UTF-8 or GBK), the column
headers in both languages, templates, the validated dry run and the all-or-nothing import
(`importer`), and exports of a filtered list (`exports`)."""

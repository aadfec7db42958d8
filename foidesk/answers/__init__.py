"""Answers to statistics requests: the accessible workbook, CSV files, notes and the
answer package's manifest (published later by `foidesk.web.disclosure_log`)."""

"""Reading: the files people keep their lists in -> a `SourceTable` (cells as read, their kinds, row numbers).

Takes a path (.xlsx, .xlsm, .xls, .ods, .csv, .txt) and a sheet; finds the header row under title rows and
says in one sentence what to do when a file cannot be used. Entry points: `sources.read_table`,
`sources.list_sheets`, `workbook.read_ahead` (starts the parse early). Imports nothing from the later stages.
"""

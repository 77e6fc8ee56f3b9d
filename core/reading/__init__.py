"""Reading: the files people keep their lists in -> a `SourceTable` (cells as read, their kinds, row numbers).

Takes a path (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt) and a sheet; finds the header row under title rows and
says in one sentence what to do when a file cannot be used. Entry points: `sources.read_table`,
`sources.list_sheets`, `workbook.read_ahead` (starts the parse early). A file passes `file_checks` before it
is opened, `calamine_book` opens it in python-calamine behind guards, and `sheet_extras` holds the error
cells and hidden columns calamine leaves out, read by `xlsx_extras`, `ods_extras` and `xls_extras`.
`header_words` is the vocabulary of column headings, shared with the matcher in `checking`; `suffixes` the
kinds of file taken. Imports nothing from the later stages.
"""

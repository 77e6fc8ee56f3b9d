"""The command line (`main.py check|send|inspect|history`), a second front end over the same core calls.

`main` parses the arguments and starts the workbook's parse before `commands` loads pandas and the checks;
`exit_codes` is shared by both. Entry point: `main.main`. See docs/cli.md.
"""

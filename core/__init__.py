"""IDI Share's logic, with no Qt: the stages the data goes through, one package each, and what they share.

reading (file -> SourceTable) -> checking (-> CheckResult) -> sending (-> extract, encrypted, uploaded,
receipt); cli is the command line over them. `errors`, `paths`, `logs` and `profile` serve every stage;
`profile` reads and writes the file over `profile_model` (the dataclasses), `profile_validation` and
`file_names` (the output file's name).
"""

__version__ = "0.1.0"  # the one place the version is written: pyproject.toml and the installer read it here

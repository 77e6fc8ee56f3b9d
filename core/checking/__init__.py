"""Checking: a `SourceTable` + a `SupplyProfile` -> a `CheckResult` (every problem, by rule, per cell).

Holds the rule catalogue (the only place problem texts live), the normalisers of dates, genders and names,
the NHI/IRD/SWN checks and the column matcher. Entry points: `matching.suggest_mapping`, `check.run_check`,
`report.write_report`, `readiness.assess` (the questions asked before a first supply, answered from a
check; their wording in `readiness_questions`, the answers people give in `readiness_answers`) and
`changes` (what changed since the last supply, as keyed fingerprints). `check` runs the rule groups of
`field_checks` and `between_rows` over one `check_state.Check`; `report` saves the sheets of `report_sheets`,
made from the lines of `report_issues` through `report_writer`. Takes tables from `reading`; imports nothing
from `sending`. See docs/rules.md.
"""

"""Setting a supply up (first run, a new supply) and changing it later (Settings): one page per module."""

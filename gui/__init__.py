"""The window: a thin PySide6 front end over core/. Holds no rule and reads no file itself."""

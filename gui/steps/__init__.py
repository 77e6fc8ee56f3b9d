"""The four steps of the window: Open, Match columns, Review, Send. Each shows things and asks for things;
the main window does the work."""

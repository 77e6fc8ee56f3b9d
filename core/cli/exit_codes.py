"""The command line's exit status, one place for the parser (`main`) and the commands (`commands`) alike.

0 done, no error-severity problem; 1 done, error-severity problems found; 2 the input could not be used;
3 sending failed; 4 a bug (details in the log file); 141 the program reading the output stopped early.
"""

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_SEND_FAILED, EXIT_BUG = 0, 1, 2, 3, 4
EXIT_READER_CLOSED = 141  # what a shell reports for a program stopped by a closed pipe (128 + SIGPIPE)

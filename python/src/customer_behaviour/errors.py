"""Errors a user can cause: printed as one line by the CLI, never as a traceback."""


class UserError(Exception):
    """A problem the user can fix. The message says what, where, and what to do."""

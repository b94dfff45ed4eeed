"""The one exception type users see as a single clear line."""


class UserError(Exception):
    """Bad input from the user: a file, a flag or a state. Printed as one line, exit code 2."""

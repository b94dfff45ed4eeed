"""The one exception type users see as a single clear line."""


class UserError(Exception):
    """Bad input from the user: a file, a flag or a state. Printed as one line, exit code 2."""


def require_checkpoint_file(path) -> None:
    """The one check (and message) for a missing checkpoint; importable without torch."""
    from pathlib import Path

    if not Path(path).is_file():
        raise UserError(f"--model_path: checkpoint '{path}' does not exist; train one with 'g1mpc train' or use the shipped default")

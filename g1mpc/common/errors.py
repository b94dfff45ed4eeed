"""The error types users see as one clear line (exit code 2), all under :class:`UserError`."""


class UserError(Exception):
    """Bad input from the user: a file, a flag or a state. Printed as one line, exit code 2."""


class ConfigError(UserError, ValueError):
    """A configuration value out of range, raised by the config dataclass that holds it."""


class RobotError(UserError):
    """A robot description that does not fit its MuJoCo model (missing body, site, joint or keyframe)."""


def require_checkpoint_file(path, flag: str = "--model_path") -> None:
    """The one check (and message) for a missing checkpoint; importable without torch."""
    from pathlib import Path

    if not Path(path).is_file():
        raise UserError(f"{flag}: checkpoint '{path}' does not exist; train one with 'g1mpc train' or use the shipped default")

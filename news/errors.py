"""Errors raised by the Kabar library.

The library raises subclasses of :class:`KabarError`; only the CLI and the UI turn them into exit codes
or HTTP statuses. Every message names the input, the bad value, what is accepted and the fix.
"""
from __future__ import annotations


class KabarError(Exception):
    """Base class of every error Kabar raises on purpose."""


class InputError(KabarError):
    """An input (file, JSONL line, pasted text) cannot be read or is not usable."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class ConfigError(KabarError):
    """A setting (argument or KABAR_* environment variable) has a value Kabar does not accept."""


class ModelNotAvailableError(KabarError):
    """A translation model cannot be found locally and cannot be downloaded."""


class EngineError(KabarError):
    """A translation engine failed to load or to run."""


def choices_error(name: str, value: object, accepted) -> ConfigError:
    """Build the standard "X is not a valid NAME. Accepted values are: ..." error."""
    listed = ", ".join(sorted(str(a) for a in accepted))
    return ConfigError(f"{value!r} is not a valid {name}. Accepted values are: {listed}.")


def exit_code(run, args) -> int:
    """``run(args)``'s exit code, or 2 with ``error: ...`` on standard error when it raises a Kabar error
    (for ``python -m`` entry points: a named error, never a traceback)."""
    import sys

    try:
        return run(args)
    except KabarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

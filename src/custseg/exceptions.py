"""Errors raised by custseg.

Every error a user can cause derives from :class:`CustsegError` *and* from the
matching built-in exception, so callers can catch either (``except ValueError``
keeps working). Messages name what was wrong, where (file, column, row,
parameter), and how to fix it, in one line: the command line prints them as
they are, with exit code 2.

Example
-------
>>> from custseg.exceptions import InputError
>>> try:
...     raise InputError("column 'age' not found", where="customers.csv",
...                      fix="check the spelling with `custseg run --help`")
... except ValueError as err:
...     print(err)
column 'age' not found (customers.csv). Fix: check the spelling with `custseg run --help`
"""

from __future__ import annotations


class CustsegError(Exception):
    """Base class of every error custseg raises on purpose.

    Parameters
    ----------
    what : str
        What was wrong, with the value seen.
    where : str, optional
        File, column, row or parameter where it happened.
    fix : str, optional
        How the user can fix it.
    """

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self._format())

    def __reduce__(self):  # where and fix survive a trip from the fit helper process
        return _restore, (type(self), self.what, self.where, self.fix)

    def _format(self) -> str:
        text = self.what
        if self.where:
            text += f" ({self.where})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class InputError(CustsegError, ValueError):
    """The input data cannot be used as it is (empty, malformed, too few rows...)."""


class ConfigError(CustsegError, ValueError):
    """An option or configuration value is invalid."""


class InputFileNotFoundError(CustsegError, FileNotFoundError):
    """An input file or folder does not exist."""


class ModelMismatchError(InputError):
    """New data does not match the columns a saved model was trained on."""


class UnsafeModelError(CustsegError, TypeError):
    """A model file holds object types custseg does not trust to load."""


__all__ = [
    "ConfigError",
    "CustsegError",
    "InputError",
    "InputFileNotFoundError",
    "ModelMismatchError",
    "UnsafeModelError",
]


def _restore(cls: type[CustsegError], what: str, where: str | None, fix: str | None):
    return cls(what, where=where, fix=fix)

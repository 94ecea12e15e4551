"""Errors raised by the abm package, each naming the field at fault where there is one."""

from __future__ import annotations


class ABMError(Exception):
    """Base class of every error abm raises on purpose."""


class InvalidInputError(ABMError, ValueError):
    """Input that breaks a rule; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFoundError(ABMError, LookupError):
    """A record asked for by id does not exist."""

    def __init__(self, entity: str, id_: object) -> None:
        self.entity = entity
        self.id = id_
        super().__init__(f"{entity} {id_!r} not found")


class DuplicateError(ABMError):
    """A unique key (company domain, contact email, relationship pair...) is taken."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

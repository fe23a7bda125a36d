"""Refusals raised by the rules; entry points turn them into problem+json."""


class DomainError(Exception):
    """A refusal by a rule: `code` is stable snake_case, `message` Japanese, `field` the input field or None."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 422):
        super().__init__(code)
        self.code, self.message, self.field, self.status = code, message, field, status

"""The one error type the CLI turns into a one-line message and a non-zero exit."""


class PhmError(Exception):
    """A failure the user can act on. The message is printed as is, on one line."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

"""The one error type of the referential importer."""

from __future__ import annotations


class ReferentialImportError(Exception):
    """A referential file that cannot be imported; `message` is French and shown as is.

    `path` names the offending field of a portable YAML file (e.g.
    "blocs[2].evaluations[0].criteria[3].text"), `line_no` the offending line of a source
    document, when either is known.
    """

    def __init__(self, message: str, *, path: str | None = None, line_no: int | None = None):
        self.message = message
        self.path = path
        self.line_no = line_no
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path:
            return f"{self.path} : {self.message}"
        if self.line_no:
            return f"ligne {self.line_no} : {self.message}"
        return self.message

"""Exports: the validation dossier and the jury grid built as documents, rendered to Word and
PDF in background jobs with a typed result, the one download view, and a session's archive."""

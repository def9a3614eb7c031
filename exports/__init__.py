"""Exports: the validation dossier and the jury grid of a submission, a jury session's ZIP, as
background jobs with a typed result (`exports.results.ExportResult`), and the one download view."""

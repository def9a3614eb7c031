"""Referentials: certifications and their tree (blocs, competences, evaluations, deliverables,
criteria), the importers of the source documents, the portable YAML format, screens and CLI."""

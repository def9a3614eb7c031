"""The top floor: the role dashboards, the demo data command and the htmx script route."""

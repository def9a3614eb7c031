"""Entry point of the job consumer: `huey_consumer worker.huey`.

Like app.py, this is wiring only, at the top of the import graph: it imports every module that
declares tasks (so the consumer knows all of them), builds the application from the environment
and binds it, so that each task runs inside its application context.
"""
import awards.tasks  # noqa: F401
import exports.tasks  # noqa: F401
import jobs.tasks  # noqa: F401
import notifications.tasks  # noqa: F401
import search.extraction.tasks  # noqa: F401
import search.tasks  # noqa: F401
from app import create_app
from jobs.queue import huey
from jobs.services import bind_app

bind_app(create_app())

__all__ = ["huey"]

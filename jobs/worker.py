"""Entry point of the job consumer: `huey_consumer jobs.worker.huey`.

Importing this module registers every task, so the consumer knows all of them.
"""
import importlib

from .queue import huey

TASK_MODULES: tuple[str, ...] = (
    "jobs.maintenance",
    "portfolio.exports",
    "grading.bundle",
    "evidence.extraction.tasks",
    "evidence.search.tasks",
)

for module in TASK_MODULES:
    importlib.import_module(module)

__all__ = ["huey"]

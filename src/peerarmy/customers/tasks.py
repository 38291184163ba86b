"""Background tasks of the customers app: long imports."""

from django_tasks import task

from . import services


@task()
def run_import(job_id: int) -> str:
    """Import the file of an ImportJob that the console or the API stored."""
    return services.run_import_job(job_id)


@task()
def fail_interrupted_imports() -> int:
    """Imports whose worker died are marked failed (run by the worker's periodic sweep)."""
    return services.fail_interrupted_imports()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (fail_interrupted_imports,)

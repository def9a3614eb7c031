"""The job page and "Relancer": its owner and admins only."""
from tests.authorization.cases import Case, expect

ROUTES = {
    "jobs.job_status": Case("GET", lambda w: f"/taches/{w['admin_job']}", expect(302, 403, 403, 403, 200)),
    # The world's job is not failed: the admin is let through and sent back to its page with why.
    "jobs.retry": Case("POST", lambda w: f"/taches/{w['admin_job']}/relancer", expect(302, 403, 403, 403, 303)),
}

"""The job page: its owner and admins only."""
from tests.authorization.cases import Case, expect

ROUTES = {
    "jobs.job_status": Case("GET", lambda w: f"/taches/{w['admin_job']}", expect(302, 403, 403, 403, 200)),
}

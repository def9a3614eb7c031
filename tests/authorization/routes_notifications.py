"""Routes of mail: each user's choices, the admins' outbox and "Renvoyer"."""
from tests.authorization.cases import ADMIN_ONLY, ANY_USER, Case, expect

ROUTES = {
    "notifications.preferences": Case("GET", lambda w: "/compte/courriels", ANY_USER),
    "notifications.outbox": Case("GET", lambda w: "/admin/courriels", ADMIN_ONLY),
    # No such mail: the admin is let through and told it does not exist.
    "notifications.retry": Case("POST", lambda w: "/admin/courriels/999999/renvoyer", expect(302, 403, 403, 403, 404)),
}

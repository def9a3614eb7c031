"""Routes of the dashboards and the static files."""
from tests.authorization.cases import ANY_USER, EVERYONE, Case

ROUTES = {
    "static": Case("GET", lambda w: "/static/css/app.css", EVERYONE),
    "dashboard.htmx_script": Case("GET", lambda w: "/vendor/htmx.min.js", EVERYONE),
    "dashboard.home": Case("GET", lambda w: "/", ANY_USER),
}

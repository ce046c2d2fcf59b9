"""Who is acting, for the history."""
from flask import g

# Until sign-in exists (issue 5), every change made through the web is the
# shared administrator's.
SHARED_ADMIN = "admin"


def current_actor():
    return g.get("actor", SHARED_ADMIN)

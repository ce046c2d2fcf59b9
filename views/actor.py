"""Who is acting: the signed-in user's Viewer (role and reach), set by views/auth.py."""
from flask import g


def current_viewer():
    return g.viewer

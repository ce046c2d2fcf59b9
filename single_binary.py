"""The single binary's entry point (``make binary``: ``dist/customer-management``).

Kept apart from cli.py so that imports run one way: this module -> app -> cli
(the commands), and wsgi -> app. packaging/entry.py calls ``main``.
"""
import os

import click

ONE_FILE_HELP = """Usage: customer-management --data DIR COMMAND [ARGS]...

  Customer Management in one file, with its own Python inside. DIR (or
  CUSTOMER_DATA=DIR) holds the SQLite database and the secret key; it is made
  if missing. DATABASE_URL (postgresql://...) and SECRET_KEY in the environment
  win over it.

Commands:
  serve [--bind HOST:PORT] [--workers N]   run the web app (gunicorn; default 127.0.0.1:8000)
  demo-admin                               create or reset an administrator, print its password
  create-user NAME --role ROLE             add a user (create-user --help lists the roles)
  seed, import-customers, maintenance, backup, migrate
                                           as `flask --app app ...`; COMMAND --help for details

Built with `make binary` (see README, "Single binary").
"""

PROG = "customer-management"


def main(argv=None):
    """Entry point of the single binary (``make binary``: ``dist/customer-management``).

    ``customer-management --data DIR serve [--bind HOST:PORT] [--workers N]``
    runs the app under gunicorn with its own SQLite database in DIR; any other
    command is a ``flask --app app`` command run against the same folder
    (``seed``, ``create-user``, ``demo-admin``, ``backup``...). Without --data
    (or CUSTOMER_DATA) it refuses, rather than quietly making a folder wherever
    it was started.
    """
    import argparse

    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    parser.add_argument("--data", default=os.environ.get("CUSTOMER_DATA"))
    known, rest = parser.parse_known_args(argv)
    # --help before any command is this help; after one (`seed --help`) it is that command's.
    if not rest or rest[0] in ("help", "-h", "--help"):
        click.echo(ONE_FILE_HELP)
        return 0
    if not known.data and "--help" in rest:
        import tempfile

        # A command's own help needs no data folder: a scratch one, gone afterwards.
        with tempfile.TemporaryDirectory() as scratch:
            return _run(scratch, rest)
    if not known.data:
        click.echo("Say where the data lives: --data DIR (or CUSTOMER_DATA=DIR), e.g. "
                   f"{PROG} --data /srv/customers {' '.join(rest)}", err=True)
        return 2
    return _run(known.data, rest)


def _run(data, rest):
    data = os.path.abspath(data)
    os.makedirs(data, exist_ok=True)
    os.environ.setdefault("INSTANCE_PATH", data)
    os.environ.setdefault("DATABASE_URL", "sqlite:///" + os.path.join(data, "customers.sqlite3"))
    if rest[:1] == ["serve"]:
        return _serve(rest[1:])
    from flask.cli import FlaskGroup

    from app import create_app
    return FlaskGroup(create_app=create_app).main(args=rest, prog_name=PROG)


def _serve(argv):
    import argparse

    from gunicorn.app.base import Application

    parser = argparse.ArgumentParser(prog=f"{PROG} serve")
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    options = parser.parse_args(argv)
    os.environ["BIND"], os.environ["WEB_CONCURRENCY"] = options.bind, str(options.workers)

    class Server(Application):
        """gunicorn with the production settings file, as `gunicorn -c gunicorn.conf.py wsgi:app`."""

        def init(self, parser, opts, args):
            return None

        def load_config(self):
            self.load_config_from_file(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "gunicorn.conf.py"))

        def load(self):
            import wsgi
            return wsgi.app

    Server().run()

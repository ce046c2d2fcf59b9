"""Command-line tools, registered on ``flask --app app``."""
import getpass
import os
import secrets
import sqlite3
import sys
import time

import click

from data import backup, importer, maintenance, sessions, two_factor, users
from data import seed as demo
from data.access import OWNER_ROLES, ROLES
from data.db import db
from data.errors import Invalid
from data.migrations import migrate
from data.models import Customer
from data.records import User


@click.command("migrate")
def migrate_command():
    """Apply pending schema migrations."""
    with db.connection_context():
        applied = migrate()
    click.echo(f"Applied {', '.join(applied)}." if applied else "Schema is up to date.")


@click.command("seed")
@click.option("--customers", type=click.IntRange(min=demo.MINIMUM), default=2000, show_default=True,
              help="How many customers to add (resellers and distributors included).")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives the same data.")
@click.option("--only-if-empty", is_flag=True, help="Do nothing when there are customers already.")
def seed_command(customers, seed_value, only_if_empty):
    """Add realistic demo customers with accounts, xDRs, invoices and payments."""
    started = time.monotonic()
    with db.connection_context():
        migrate()
        if only_if_empty and Customer.select().exists():
            click.echo("There are customers already; no demo data added.")
            return
        with click.progressbar(length=customers, label="Seeding customers") as bar:
            last = [0]

            def progress(done):
                bar.update(done - last[0])
                last[0] = done

            added = demo.seed(customers, seed_value, progress)
    click.echo(f"Added {added:,} customers in {time.monotonic() - started:.1f} s.")


@click.command("import-customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--actor", default=None,
              help="Who the customers' history names as importer (default: the user running the command).")
@click.option("--encoding", default=None,
              help="The file's encoding (default: detected; UTF-8, UTF-16 or Windows-1252, what spreadsheets write).")
def import_command(path, actor, encoding):
    """Add the customers of a CSV file (the format GET /customers.csv writes).

    All or nothing: if any line is wrong, every wrong line is listed with its
    number and nothing is written.
    """
    size = max(1, os.path.getsize(path))
    actor = actor or f"import-customers ({getpass.getuser()})"
    with db.connection_context():
        migrate()
        try:
            # One pass: each line is checked and written as it is read.
            with click.progressbar(length=size, label="Importing customers", file=sys.stderr) as bar:
                added = importer.import_customers(path, bar.update, actor=actor, encoding=encoding)
        except importer.ImportFailed as failed:
            for problem in failed.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(f"{len(failed.problems)} problem(s) in {path}; nothing was imported.") from None
    click.echo(f"Imported {added:,} customers from {path}.")


@click.command("maintenance")
@click.option("--all-statuses", is_flag=True, help="Also re-derive every stored status (slow on big databases).")
def maintenance_command(all_statuses):
    """Daily maintenance; idempotent, safe to run every minute from cron.

    Renews daily spending at 00:00 UTC, charges subscription and maintenance
    fees once a month, suspends for overdue invoices, ends lifted suspensions
    whose date passed, turns expired provisional terminations permanent, and
    re-derives date-dependent statuses.
    """
    with db.connection_context():
        migrate()
        report = maintenance.run(everyone=all_statuses)
    click.echo(f"Maintenance done: {report}.")


@click.command("create-user")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(sorted(ROLES)), help="What the user may see and do.")
@click.option("--reseller", help="The reseller a reseller_staff user belongs to.")
@click.option("--distributor", help="The distributor a distributor_staff user belongs to.")
def create_user_command(name, role, reseller, distributor):
    """Create a user who can sign in.

    The password is asked for twice at a terminal; from a pipe, the first line is
    the password (``echo "$PASSWORD" | flask --app app create-user NAME --role ROLE``).
    It is stored hashed, and never given on the command line.
    """
    kind = OWNER_ROLES.get(role)
    owner = {"reseller": reseller, "distributor": distributor}.get(kind)
    if kind and not owner:
        raise click.UsageError(f"--role {role} needs --{kind} NAME: the {kind} this user works for.")
    if not kind and (reseller or distributor):
        raise click.UsageError(f"--role {role} belongs to no reseller or distributor; leave out "
                               f"--{'reseller' if reseller else 'distributor'}.")
    with db.connection_context():
        migrate()
        try:
            # Everything but the password is checked before asking for it.
            users.check_new_user(name, role, owner)
            users.create_user(name, role, _read_password(), owner, actor=f"create-user ({getpass.getuser()})")
        except Invalid as invalid:
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in invalid.errors.items())) from None
    click.echo(f"Created {ROLES[role].lower()} “{name}”.")


def _read_password():
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # A pipe or a file: one line, no confirmation (nobody mistyped it twice).
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("No password: standard input was empty.")
    return line.rstrip("\r\n")


@click.command("demo-admin")
@click.option("--name", default="demo", show_default=True)
def demo_admin_command(name):
    """Create (or reset) an operator administrator with a fresh random password, and print it.

    For trying the app with demo data; there is no default password anywhere.
    """
    password = secrets.token_urlsafe(12)
    with db.connection_context():
        migrate()
        if User.select().where(User.name == name).exists():
            users.set_password(name, password, actor=f"demo-admin ({getpass.getuser()})")
        else:
            users.create_user(name, "operator_admin", password, actor=f"demo-admin ({getpass.getuser()})")
    click.echo(f"Sign in as “{name}” with password: {password}")


@click.command("turn-off-two-factor")
@click.argument("name")
def turn_off_two_factor_command(name):
    """Remove NAME's two-factor sign-in (secret and recovery codes) and sign them out everywhere.

    For someone who lost both their phone and their recovery codes when no other
    administrator can do it on the Users page.
    """
    with db.connection_context():
        migrate()
        user = User.get_or_none(User.name == name)
        if user is None:
            raise click.ClickException(f"There is no user “{name}”.")
        if not user.two_factor:
            click.echo(f"“{name}” has no two-factor sign-in; nothing changed.")
            return
        two_factor.turn_off(user, f"turn-off-two-factor ({getpass.getuser()})")
        sessions.end_all(user.id)
    click.echo(f"Two-factor sign-in of “{name}” is off; they sign in with their password alone "
               "(and set it up again at once if it is required for their role).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace PATH if it exists (otherwise an existing file is kept).")
def backup_command(path, force):
    """Write a consistent copy of the database to PATH while the app keeps running.

    SQLite: the online backup API. PostgreSQL: explains how to use pg_dump.
    """
    with db.connection_context():
        try:
            size = backup.backup(path, overwrite=force)
        except backup.BackupNotHere as explained:
            click.echo(str(explained))
            raise SystemExit(2) from None
        except backup.TargetExists:
            raise click.ClickException(f"No backup written: {path} exists already (it may be the last good copy). "
                                       "Choose another name, or add --force to replace it.") from None
        except (OSError, sqlite3.Error, RuntimeError) as error:
            raise click.ClickException(f"No backup written: {error}") from None
    click.echo(f"Backed up the database ({size / 1e6:,.1f} MB) to {path}. To restore: stop the app, replace the "
               f"database file with this copy (and delete the old file's -wal and -shm files), start the app.")


def register(app):
    for command in (migrate_command, seed_command, import_command, maintenance_command, create_user_command,
                    demo_admin_command, turn_off_two_factor_command, backup_command):
        app.cli.add_command(command)

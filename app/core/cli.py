"""`flask mail ...`, `flask sms ...`, `flask storage ...`: the commands of the outboxes and of uploaded files."""

import time

import click
from flask.cli import AppGroup

from app.core import mail, sms, storage

mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running and deliver every few seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--until-empty", is_flag=True, help="Deliver round after round until nothing is due, then stop.")
def mail_send_command(loop: bool, interval: float, until_empty: bool) -> None:
    """Deliver the messages due in the outbox, retrying failed ones later. Any number of senders may run
    at once, on any node: each message is claimed by one of them."""
    while True:
        report = mail.deliver_pending()
        click.echo(f"sent {report.sent}, failed {report.failed} (will retry), given up {report.given_up}")
        if until_empty and (report.sent or report.failed or report.given_up):
            continue
        if not loop:
            return
        time.sleep(interval)


sms_cli = AppGroup("sms", help="Outgoing text messages.")


@sms_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running and deliver every few seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
def sms_send_command(loop: bool, interval: float) -> None:
    """Deliver the text messages due in the outbox, retrying failed ones later."""
    while True:
        report = sms.deliver_pending()
        click.echo(f"sent {report.sent}, failed {report.failed} (will retry), given up {report.given_up}")
        if not loop:
            return
        time.sleep(interval)


storage_cli = AppGroup("storage", help="Uploaded files.")


@storage_cli.command("migrate")
@click.option("--to", "target_kind", type=click.Choice(storage.BACKENDS), required=True, help="Where the files go.")
def migrate_command(target_kind: str) -> None:
    """Move every uploaded file to the other backend (local folder <-> S3 bucket); safe to run again.

    Then set STORAGE_BACKEND to the target on every node."""
    source_kind = "s3" if target_kind == "local" else "local"
    counts = storage.migrate(storage.backend_for(source_kind), storage.backend_for(target_kind))
    click.echo(f"moved {counts['moved']}, already there {counts['already_there']} ({source_kind} -> {target_kind})")

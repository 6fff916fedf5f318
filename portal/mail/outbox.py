"""Outgoing email through an outbox table: queueing (sending is in sender.py).

An email is a row of ``Outbox`` written in the transaction of the change that
causes it: if the change rolls back, no email leaves; if the SMTP server is
down, the row waits. Rendering needs no Flask: services queue emails too.
"""

import base64
import json
import mimetypes
import re

import jinja2

from portal.services.schedule import event_when, short_datetime
from portal.store.models import LABEL_FILTERS, STAFF_ROLES, Outbox, User

# One bare address: no spaces, commas, colons or brackets that could smuggle
# in a second recipient or a group ("a@b.example Bcc: x@evil.example").
ADDRESS = re.compile(r"[^@\s,;:<>()\[\]\"\\]+@[^@\s,;:<>()\[\]\"\\]+")

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("portal.mail", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),  # the text part stays as typed
    undefined=jinja2.StrictUndefined,
)
templates.filters.update(
    {name: (lambda code, labels=labels: labels.get(code, code)) for name, labels in LABEL_FILTERS.items()}
)
templates.filters.update(
    local_datetime=short_datetime, event_when=event_when, local_day=lambda value: f"{value:%d/%m/%Y}"
)


# -- queueing -------------------------------------------------------------------


def queue(to, subject, template, *, base_url, attachments=(), **context):
    """Render ``mail/<template>.txt`` and ``.html`` and add the email to the outbox.

    Call it inside the transaction of the change that causes the email: the
    row commits or rolls back with it. ``to`` is one bare address (ValueError
    otherwise). ``context`` is escaped in the HTML part and left as typed in
    the text part. ``attachments``: dicts with ``filename``, ``mimetype`` and
    ``content`` (str or bytes).
    """
    to = clean_address(to)
    subject = one_line(subject)[: Outbox.subject.max_length]
    context.setdefault("subject", subject)
    context["base_url"] = base_url.rstrip("/")
    return Outbox.create(
        to_addr=to,
        subject=subject,
        body_text=templates.get_template(f"{template}.txt").render(context),
        body_html=templates.get_template(f"{template}.html").render(context),
        attachments=json.dumps([stored_attachment(item) for item in attachments]),
    )


def queue_to_staff(subject, template, *, base_url, **context):
    """The same email to each active mediator and admin: the team that
    moderates what partners send (registrations, topic proposals)."""
    for user in User.select().where(User.role.in_(STAFF_ROLES) & User.active):
        queue(user.email, subject, template, base_url=base_url, **context)


def one_line(value):
    """Collapse every line break and run of spaces: a header is one line, and
    a CR/LF in it would start a header of the attacker's choosing."""
    return " ".join(str(value).split())


def clean_address(address):
    address = one_line(address)
    if not ADDRESS.fullmatch(address) or len(address) > Outbox.to_addr.max_length:
        raise ValueError(f"Adresse e-mail invalide : « {address} ».")
    return address


def stored_attachment(attachment):
    """The JSON form of an attachment; bytes are stored in base64."""
    filename = one_line(attachment["filename"])
    mimetype = one_line(
        attachment.get("mimetype") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    content = attachment["content"]
    if isinstance(content, bytes):
        encoded = base64.b64encode(content).decode()
        return {"filename": filename, "mimetype": mimetype, "content": encoded, "encoding": "base64"}
    return {"filename": filename, "mimetype": mimetype, "content": content}

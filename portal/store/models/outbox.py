"""Emails waiting to be sent."""

from peewee import (
    CharField,
    IntegerField,
    TextField,
)

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.models.base import BaseModel


class Outbox(BaseModel):
    """An email to send; written in the transaction of the change that causes it."""

    to_addr = CharField(max_length=254)
    subject = CharField(max_length=250)
    body_text = TextField()
    body_html = TextField(default="")
    attachments = TextField(default="[]")  # JSON: [{"filename", "mimetype", "content"}]
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True)
    last_error = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

"""What the rules need to know about this installation, without Flask.

``create_app`` builds one ``Settings`` from its configuration; views pass it to
services, and the CLI builds its own. Services never read a global config:
they get the base URL, the secret key and the delays they apply from here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr

from portal import feeds, urls
from portal.services import tokens


def _nothing():
    return None


@dataclass(frozen=True)
class Settings:
    base_url: str  # "https://relais.example.org", no trailing slash
    secret_key: str
    referral_remind_days: int = 10
    referral_expire_days: int = 30
    referral_sender_remind_days: int = 30
    referral_retention_days: int = 730
    # ORGANIZER of the single-event .ics files (PORTAL_ORGANIZER_EMAIL, or the sender).
    organizer_email: str = ""
    organizer_name: str = ""
    # Called after a change that the public site shows (debounced rebuild in the portal).
    public_content_changed: Callable[[], object] = field(default=_nothing, compare=False)

    @classmethod
    def from_config(cls, config, public_content_changed=_nothing):
        organizer = parseaddr(config.get("ORGANIZER_EMAIL") or config["MAIL_SENDER"])
        return cls(
            base_url=config["BASE_URL"].rstrip("/"),
            secret_key=config["SECRET_KEY"],
            referral_remind_days=config["REFERRAL_REMIND_DAYS"],
            referral_expire_days=config["REFERRAL_EXPIRE_DAYS"],
            referral_sender_remind_days=config["REFERRAL_SENDER_REMIND_DAYS"],
            referral_retention_days=config["REFERRAL_RETENTION_DAYS"],
            organizer_name=organizer[0],
            organizer_email=organizer[1],
            public_content_changed=public_content_changed,
        )

    # -- addresses for emails, feeds and pages -----------------------------------

    def portal_url(self, endpoint, **values):
        return self.base_url + urls.portal_path(endpoint, **values)

    def public_url(self, kind, item=None):
        return urls.public_url(self.base_url, kind, item)

    def feed_urls(self, scope, item=None):
        return urls.feed_urls(self.base_url, scope, item)

    @property
    def publisher(self):
        """Who publishes the calendars (their links, UIDs and ORGANIZER)."""
        return feeds.Publisher(self.base_url, self.organizer_email, self.organizer_name)

    # -- signed links ---------------------------------------------------------------

    def make_token(self, purpose, record_id, nonce):
        return tokens.make(self.secret_key, purpose, record_id, nonce)

    def read_token(self, purpose, token, max_age):
        return tokens.read(self.secret_key, purpose, token, max_age)

"""The data model: every entity of DESIGN.md, with its rules in the database.

Statuses and kinds are checked by the database (CHECK constraints), slugs are
unique, links are real foreign keys, and every timestamp is timezone-aware.
The French labels users read live next to the codes they translate.
"""

from portal.store.models.accounts import User
from portal.store.models.base import BaseModel, Sequenced, TimestampedModel, normalise_name, one_of, slugify
from portal.store.models.datainclusion import ImportedService
from portal.store.models.events import Event, EventPartner, JobOffer, Registration, Topic, TopicTransition
from portal.store.models.outbox import Outbox
from portal.store.models.partners import (
    SHARE_LEVELS,
    SHAREABLE_FIELDS,
    Partner,
    PartnerSector,
    PartnerTheme,
    PartnerTransition,
)
from portal.store.models.places import Place, Sector, Theme
from portal.store.models.referrals import Referral, ReferralAccess, ReferralTransition
from portal.store.models.schedule import Closure, OccurrenceChange, Permanence
from portal.store.models.vocab import *

# User exists now: PartnerTransition.actor is a real foreign key (with its constraint).
PartnerTransition.actor.deferred = False

MODELS = [
    Sector,
    Place,
    Theme,
    Partner,
    PartnerTheme,
    PartnerSector,
    Permanence,
    Closure,
    OccurrenceChange,
    Topic,
    Event,
    EventPartner,
    JobOffer,
    Registration,
    User,
    Referral,
    ReferralTransition,
    ReferralAccess,
    PartnerTransition,
    TopicTransition,
    Outbox,
    ImportedService,
]

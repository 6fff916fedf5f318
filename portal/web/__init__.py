"""The portal's pages: blueprints, forms and templates per feature.

Views authorise, validate, call a service, flash and redirect; the rules
they apply live in portal.services.
"""

from portal.web import auth, calendars, directory, errors, exports, health, imports, security, site, stats
from portal.web.accounts import views as account_views
from portal.web.admin import views as admin_views
from portal.web.events import meetings, topics
from portal.web.events import views as event_views
from portal.web.extensions import csrf, limiter, login_manager
from portal.web.partners import moderation
from portal.web.partners import staff as partner_staff  # noqa: F401  (its routes are on the admin blueprint)
from portal.web.partners import views as partner_views
from portal.web.referrals import views as referral_views

# (Aliases: a bare "admin" here would hide the portal.web.admin package.)

BLUEPRINTS = (
    health,
    auth,
    exports,
    calendars,
    partner_views,
    moderation,
    directory,
    meetings,
    admin_views,
    account_views,
    imports,
    referral_views,
    stats,
    event_views,
    topics,
    site,  # last: it answers every path the others do not
)


def register(app):
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    errors.register(app)
    register_filters(app)
    security.register(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)


def register_filters(app):
    """Code -> French label filters for templates ({{ user.role | role_label }})."""
    from portal.services import schedule
    from portal.store import models

    for name, labels in models.LABEL_FILTERS.items():
        app.add_template_filter(lambda code, labels=labels: labels.get(code, code), name)
    app.add_template_filter(schedule.short_datetime, "local_datetime")
    app.add_template_filter(schedule.event_when, "event_when")

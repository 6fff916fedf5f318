"""Flask extensions, created once and bound to each app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
# Behind a reverse proxy, gunicorn's --forwarded-allow-ips plus ProxyFix give
# the client's address here; see the README's deployment section.
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_token):
    """The account whose current session token the cookie holds: a token
    replaced at logout (or at a new password, role, deactivation) finds no one."""
    from portal.store.models import User

    return User.by_session_token(session_token)

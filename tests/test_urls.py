"""The portal paths emails link to (written without Flask) match the URL map."""

import pytest
from flask import url_for

from portal.urls import PORTAL_PATHS, portal_path


@pytest.mark.parametrize("endpoint", sorted(PORTAL_PATHS))
def test_each_emailed_path_is_the_portal_route(app, endpoint):
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    values = {name: ("42" if name.endswith("_id") else "jeton-Ab_9.x") for name in rule.arguments}
    with app.test_request_context():
        assert portal_path(endpoint, **values) == url_for(endpoint, **values)

"""Reading a row in order to change it, the same way in every service."""

from portal.services.errors import NotFound
from portal.store.db import for_update

# The largest id an INTEGER primary key holds: a larger one (typed in an
# address) cannot be a row, so it is a 404, not an overflow in the query.
LARGEST_ID = 2**31 - 1


def locked(model, row_id, *missing):
    """Inside write_lock(): the row of ``model``, re-read and locked until the
    transaction ends; NotFound (with the ``missing`` message, if given) when
    there is none."""
    if not 0 < row_id <= LARGEST_ID:
        raise NotFound(*missing)
    row = for_update(model.select().where(model.id == row_id)).get_or_none()
    if row is None:
        raise NotFound(*missing)
    return row

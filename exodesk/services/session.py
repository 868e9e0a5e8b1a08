"""The unit of work a service call runs in. The window hands each service call the session of
one `db.write()` and names its type from here, so it never imports SQLAlchemy itself."""

from sqlalchemy.orm import Session

__all__ = ["Session"]

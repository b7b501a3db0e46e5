"""Django's database sessions (`SESSION_ENGINE`), the session of each request read by its key
with the statement of `backoffice.prebuilt_reads.row_by_pk`. Writing, expiry and
`clearsessions` are Django's."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone

from backoffice.prebuilt_reads import row_by_pk


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        # As Django's: a key with no row, or a row past its expiry, is no session (and the
        # key is dropped, so that a new one is made when the session is saved).
        session = row_by_pk(self.model, self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

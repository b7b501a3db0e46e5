"""`SignedInSession` (a leaf module: `backoffice.models` imports it to register it)."""

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class SignedInSession(AbstractBaseSession):
    """Django's database session (SESSION_ENGINE `backoffice.signin.session_store`), with whom
    it signs in and the second-factor device it was verified with as columns, copied from its
    data each time it is saved: each request reads its session, user and device in one
    statement (issue 21). The data stays the truth: a column that disagrees with it is not
    used (`backoffice.signin.request_reads`)."""

    user_pk = models.IntegerField(null=True)
    device_model = models.CharField(max_length=100, blank=True, default="")  # "app.model"
    device_pk = models.IntegerField(null=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "signin_session"

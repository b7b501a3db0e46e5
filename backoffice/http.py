"""The request a back-office view receives, as the type checker should see it."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class StaffRequest(HttpRequest):
    """An `HttpRequest` past `backoffice.decorators.staff_required`: its user is signed in (so a
    `User`, never an `AnonymousUser`), and `HtmxMiddleware` has set `htmx`.

    Only an annotation: Django builds plain `HttpRequest`s, no instance of this class exists.
    """

    user: User
    htmx: HtmxDetails

"""Signing in and out, the second factor, the password, and the managers' Staff page.

No password reset by e-mail: staff accounts are managed by managers and administrators (README,
"Signing in"), so an open, unauthenticated reset form would only be something to abuse.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from backoffice.signin import staff, views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.sign_in_code, name="sign_in_code"),
    path("login/enrol/", views.sign_in_enrol, name="sign_in_enrol"),
    path("confirm/", views.confirm_identity, name="confirm_identity"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("staff/", staff.staff_sign_in, name="staff_sign_in"),
    path("staff/<int:user_id>/reset/", staff.staff_factor_reset, name="staff_factor_reset"),
    path("staff/<int:user_id>/unlock/", staff.staff_unlock, name="staff_unlock"),
]

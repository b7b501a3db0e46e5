from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.dashboard import dashboard_summary
from backoffice.decorators import staff_required
from backoffice.http import StaffRequest


@staff_required
@require_safe
def dashboard(request: StaffRequest) -> HttpResponse:
    return render(request, "dashboard.html", dashboard_summary(user=request.user))

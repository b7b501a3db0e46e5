"""`{% jobs_notice %}`: the header's notice of the user's jobs (backoffice/jobs/notice.py);
no query unless the user started a job in this session."""

from django import template

from backoffice.jobs.notice import jobs_notice as notice_for

register = template.Library()


@register.inclusion_tag("jobs/_notice.html", takes_context=True)
def jobs_notice(context: template.Context, oob: bool = False) -> dict:
    """`oob`: for an htmx response, replacing the header's notice out of band (the progress
    page's poll: the notice follows the job)."""
    request = context.get("request")
    return {"notice": notice_for(request) if request is not None else None, "oob": oob}

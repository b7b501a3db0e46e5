"""The job models, also importable from here (they live in `backoffice.job_models`)."""

from backoffice.job_models import (
    ACTIVE_STATUSES as ACTIVE_STATUSES,
)
from backoffice.job_models import (
    ItemOutcome as ItemOutcome,
)
from backoffice.job_models import (
    Job as Job,
)
from backoffice.job_models import (
    JobItem as JobItem,
)
from backoffice.job_models import (
    JobStatus as JobStatus,
)

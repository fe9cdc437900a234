"""The sync engine: desired state -> plan -> apply -> verify, one GTM container at a time.

`deployment_run` is the body of the Celery task; `customer_plan_preview` and
`customer_rollback_check` answer API requests without changing anything; `pending_change_plan`
(a task) and `pending_change_check` (an approval) make a pending change's reviewed plan.
"""

from trackings.engine.preview import customer_plan_preview, customer_rollback_check
from trackings.engine.review import pending_change_check, pending_change_plan
from trackings.engine.run import deployment_run

__all__ = [
    "customer_plan_preview",
    "customer_rollback_check",
    "deployment_run",
    "pending_change_check",
    "pending_change_plan",
]

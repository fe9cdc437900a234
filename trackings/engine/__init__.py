"""The sync engine: desired state -> plan -> apply -> verify, one GTM container at a time.

`deployment_run` is the body of the Celery task; `customer_plan_preview` and
`customer_rollback_check` answer API requests without changing anything.
"""

from trackings.engine.preview import customer_plan_preview, customer_rollback_check
from trackings.engine.run import deployment_run

__all__ = ["customer_plan_preview", "customer_rollback_check", "deployment_run"]

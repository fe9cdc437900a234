"""The sync engine: desired state -> plan -> apply -> verify, one GTM container at a time.

`deployment_run` is the body of the Celery task; `plan_preview` and `rollback_precheck` answer
API requests without changing anything.
"""

from trackings.engine.preview import plan_preview, rollback_precheck
from trackings.engine.run import deployment_run

__all__ = ["deployment_run", "plan_preview", "rollback_precheck"]

"""What customers tell the apps above them (which they cannot import).

`customer_deleting` is sent inside the transaction that soft deletes a customer, with the locked
`customer` and the `actor`; trackings answers it by queueing the removal of the customer's
trackings from Google, so a failure there rolls the deletion back too.

`customer_restored` is sent inside the transaction that restores one, with the `customer`, the
`actor` and `deleted_at` (when it had been deleted); trackings answers it by bringing back the
trackings deleted with it and queueing their deployment.
"""

from django.dispatch import Signal

customer_deleting = Signal()
customer_restored = Signal()

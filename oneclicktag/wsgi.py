import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneclicktag.settings")

application = get_wsgi_application()
# Everything loaded by now (Django, the apps, the URLconf and all it imports) lives as long as
# the process. Frozen out of the garbage collector's reach, a full collection no longer walks
# it: full collections of that heap were a tenth of a bulk create's CPU (issue 15).
get_resolver().url_patterns  # noqa: B018 - imports every view the URLconf names
gc.freeze()

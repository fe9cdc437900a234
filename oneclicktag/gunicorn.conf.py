"""gunicorn settings for the image (docker/Dockerfile: `gunicorn -c oneclicktag/gunicorn.conf.py`).

The access log writes the path without its query string and no referer: the OAuth callback's
query carries Google's authorization code and our state, which must not land in logs.
"""

accesslog = "-"
# %(U)s is the path without the query; %(r)s (the request line) and %(f)s (referer) would hold it.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'

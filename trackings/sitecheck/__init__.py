"""The site check: the customer's own pages in a sandboxed headless Chromium (issue 11).

policy.py (where the browser may go), egress.py (the proxy that enforces it on every
connection), rules.py (compiled triggers as the sandbox evaluates them), sandbox.js (GTM's part,
played in the page), pages.py (one page: load, snippet, selectors, click/submit), run.py (one
check of a customer: plan, browse, record).
"""

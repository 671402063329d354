"""The portal as gunicorn serves it in production, plus what only a benchmark needs.

- a hello-world route of the same app (same middleware, hooks and headers): the ceiling each page is
  compared with; production's wsgi.py has no such route;
- a signed-in hello-world route: the floor every signed-in page pays (session, member, policy check, headers)
  before its own work;
- rate limits off: every request of the benchmark comes from one address, which the per-IP limits
  (600 autosaves an hour...) would refuse within seconds.
"""

import gc

from app import create_app
from app.extensions import limiter
from bench.routes import add_bench_routes

app = create_app()
limiter.enabled = False
add_bench_routes(app)


gc.freeze()  # as production's wsgi.py does

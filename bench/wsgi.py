"""The portal as gunicorn serves it in production, plus what only a benchmark needs.

- a hello-world route of the same app (same middleware, hooks and headers): the ceiling each page is
  compared with; production's wsgi.py has no such route;
- rate limits off: every request of the benchmark comes from one address, which the per-IP limits
  (600 autosaves an hour...) would refuse within seconds.
"""

import gc

from app import create_app
from app.extensions import limiter

app = create_app()
limiter.enabled = False


@app.route("/bench/hello")
def bench_hello():
    return "Hello, world!"


gc.freeze()  # as production's wsgi.py does

"""The benchmark's own routes, added to the app by bench/wsgi.py and bench/profile.py (never by production)."""

from flask import Flask
from flask_login import login_required


def add_bench_routes(app: Flask) -> None:
    @app.route("/bench/hello")
    def bench_hello():
        """The ceiling: the app's hooks and headers, and nothing else."""
        return "Hello, world!"

    @app.route("/bench/hello-member")
    @login_required
    def bench_hello_member():
        """The signed-in floor: what every signed-in page pays before its own work (session, member, policy)."""
        return "Hello, member!"

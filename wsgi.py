"""Entry point for gunicorn and `flask --app wsgi`: `gunicorn wsgi:app`."""

import gc

from app import create_app

app = create_app()
# What is built so far lives as long as the worker: kept out of the collector's full passes, which otherwise
# walked it all now and then and held one request for 100-150 ms (benchmark: p99 at 4 connections 158 -> 16 ms).
gc.freeze()

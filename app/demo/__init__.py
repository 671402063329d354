"""Demonstration data: a few members of every role to click through the portal (loader, `flask demo load`)
and volume data for benchmarks (scale, `flask demo scale`); the commands are in cli."""

from app.demo.loader import DEMO_MEMBERS, DEMO_PASSWORD, DEMO_STUDENTS, failed_outbox_message

__all__ = ["DEMO_MEMBERS", "DEMO_PASSWORD", "DEMO_STUDENTS", "failed_outbox_message"]

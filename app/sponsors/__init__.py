"""Sponsors: schools and employers that enrol their members, provide data about them and pay for their work."""

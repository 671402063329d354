"""Becoming an interviewer or a client: a member applies, an administrator accepts or refuses with a reason."""

"""Accounts: registration, e-mail verification, sign-in, sessions, passwords, two-step verification."""

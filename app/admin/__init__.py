"""Operator pages: find a member, roles, suspension, the audit log, e-mails that failed."""

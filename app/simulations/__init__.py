"""Interview simulations: requests, explainable matching, invitations, scheduling and feedback."""

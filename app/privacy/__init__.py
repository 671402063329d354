"""Privacy: the policy and its versions, consents, the dashboard, the rights, requests and retention."""

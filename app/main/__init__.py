"""The home page, the member's dashboard, and the language switch."""

"""Assessment tests: versioned tests and items in two languages, practice attempts with server deadlines,
scoring, results and the starter bank."""

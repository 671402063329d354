"""What every feature shares and no feature owns: languages, security, errors, mail, files, audit, registry."""

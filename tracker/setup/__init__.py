"""Set-up: a university enters its own institution, units and accounts in the portal (issue 14)."""

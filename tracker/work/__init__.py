"""Work platforms, the activity ledger and the double menus."""

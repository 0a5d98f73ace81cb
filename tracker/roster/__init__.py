"""The retired-staff volunteers (五老): roster, teams, the roster import."""

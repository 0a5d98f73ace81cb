"""Standards, self-assessment rounds, assessments, rectifications and reviews."""

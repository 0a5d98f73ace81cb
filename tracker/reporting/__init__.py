"""The dashboard, snapshots, reports (docx, xlsx) and reminders."""

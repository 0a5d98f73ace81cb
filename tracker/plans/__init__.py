"""The plan (推进表): plans, phases, stages, tasks and their dated updates."""

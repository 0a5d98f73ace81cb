"""The shared kernel: institutions, units, profiles, evidence, versions, history, xlsx. Imports no other package."""

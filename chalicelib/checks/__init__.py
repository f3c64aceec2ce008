"""The checks of a dossier, one module per concern. Each answers findings, never raises for a
problem the applicant can fix: every problem is collected before the outcome is decided."""

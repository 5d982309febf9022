"""The trainer workspace: cohorts, enrolment, progress, item analysis and exports."""

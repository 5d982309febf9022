"""Scenario forms: CSRF for starting a play-through and for each decision."""

from flask_wtf import FlaskForm


class ScenarioForm(FlaskForm):
    """Start a run, or send a decision (`step` and `choice` are read from the request)."""

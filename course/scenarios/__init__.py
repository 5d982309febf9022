"""Branching scenarios: play a story one decision at a time, with feedback and a debrief."""

"""Reading, validating and publishing the course files in modules/."""

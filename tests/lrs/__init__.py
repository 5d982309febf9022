"""A real xAPI LRS (Ralph) for the outbox tests."""

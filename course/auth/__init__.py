"""Sign-in, registration and accounts."""

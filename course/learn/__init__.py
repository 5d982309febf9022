"""Reading lessons and tracking progress."""

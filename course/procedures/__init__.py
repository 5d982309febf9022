"""The academy's procedures: the admin page and CLI that fill them in, and the job aids that print them."""

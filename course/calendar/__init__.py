"""Each trainee's due dates as an iCalendar feed at a secret, revocable URL, and as a download."""

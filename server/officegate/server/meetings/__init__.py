"""Meeting rooms and their meetings: booked through the API, the host page or iCalendar."""

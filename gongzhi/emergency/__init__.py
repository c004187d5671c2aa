"""平战结合: the war-time mode — emergencies, temporary organisations, shifts, the call-up, check-in
and check-out, requests and the live board of a street (schema: the emergency migration)."""

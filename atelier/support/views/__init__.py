"""Pages of the support journeys: the holder's request and follow-up link (public), the
advisors' and staff's case pages, the statistics."""

"""Pages of the support app, one module per part: Premières heures, the holder's request
and follow-up link (public), the advisors' and staff's case pages, the statistics."""

"""Atelier: the platform of ESS resource centres and networks."""

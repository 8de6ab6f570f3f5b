"""The observatory: ESS indicators and territorial diagnostics for any territory (issue 9)."""

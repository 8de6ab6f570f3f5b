"""Sample data for development and benchmarks, above the domain apps: the real demo dataset
(`demo`, command `load_demo`) and the seeded synthetic generator (`synthetic`, command
`generate`). It reaches the domain apps through their services and selectors; nothing but its
own commands, its tests and bench/ imports it."""

"""Output formatters: each renders a Report and nothing else."""

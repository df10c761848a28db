"""Readers of dependency manifests and lockfiles, one module per family of formats."""

"""Collectors: typed views of the project built once per scan."""

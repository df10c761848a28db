"""Check functions named by the rule files in rules/."""

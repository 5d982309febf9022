"""Trainer reports: item analysis statistics and accessible server-rendered charts."""

"""Prefect orchestration only: the one package that imports prefect (arrives with the flows issue)."""
